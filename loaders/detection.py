"""Telling an export's format by what its files hold, never by their names.

Every CRM names some files alike (a Salesforce weekly export holds ``Contact.csv`` and
``Account.csv``; so may a Dynamics 365 Excel export, saved by a user), and users name
files as they please (``Q3 export.csv``).  So a file is told by its header row, and a
Salesforce object file also by its first record's id, whose key prefix names the object.
A folder that nothing recognises is refused with the format it comes closest to and
what that format's file would need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kamgraph.config import Config
from kamgraph.errors import InputError

__all__ = ["FORMAT_LABELS", "Seen", "detect_format", "describe", "salesforce_object"]

FORMAT_LABELS = {"salesforce": "Salesforce", "hubspot": "HubSpot", "dynamics": "Dynamics 365",
                 "csv": "kamgraph CSV"}


@dataclass(frozen=True)
class _Signature:
    """The columns that make a file one object of one format: each need is met by any
    of its names (lower-case); a file with a forbidden column is never this object."""

    format: str
    what: str
    needs: tuple[tuple[str, ...], ...]
    forbids: tuple[str, ...] = ()

    def met(self, header: set[str]) -> list[tuple[str, ...]]:
        if header & set(self.forbids):
            return []
        return [need for need in self.needs if header & set(need)]


_ID = ("id",)
#: Salesforce objects by their API field names (Data Loader and the weekly export alike).
_SALESFORCE = (
    _Signature("salesforce", "Contact", (_ID, ("accountid",), ("lastname", "firstname"))),
    _Signature("salesforce", "Account", (_ID, ("name",), (
        "industry", "annualrevenue", "billingcity", "billingcountry", "numberofemployees",
        "website", "parentid", "accountnumber")), forbids=("company", "lastname")),
    _Signature("salesforce", "User", (_ID, ("username",))),
    _Signature("salesforce", "Opportunity", (_ID, ("accountid",), ("stagename",))),
    # An event has an ActivityDate too: told first, by its time and duration.
    _Signature("salesforce", "Event", (_ID, ("whoid", "whatid"), ("ownerid",),
                                       ("activitydatetime", "durationinminutes"))),
    _Signature("salesforce", "Task", (_ID, ("whoid", "whatid"), ("ownerid",),
                                      ("activitydate", "tasksubtype", "status"))),
    _Signature("salesforce", "AccountTeamMember", (("accountid",), ("userid",),
                                                   ("teammemberrole",))),
    _Signature("salesforce", "OpportunityContactRole", (("opportunityid",), ("contactid",),
                                                        ("role",))),
    _Signature("salesforce", "AccountContactRole", (("accountid",), ("contactid",),
                                                    ("role",))),
    _Signature("salesforce", "AccountContactRelation", (("accountid",), ("contactid",),
                                                        ("isdirect", "roles"))),
    _Signature("salesforce", "EventRelation", (("eventid",), ("relationid",))),
)
#: kamgraph's own CSV files, by their columns.
_KAMGRAPH = (
    _Signature("csv", "people", (_ID, (
        "side", "account_id", "stance", "influence", "roles", "dos", "donts", "capacity",
        "reports_to", "level", "function"))),
    _Signature("csv", "accounts", (_ID, (
        "tier", "attractiveness", "position", "revenue_target", "share_of_wallet_target",
        "target_stage", "review_date", "competitors", "business_needs"))),
    _Signature("csv", "relationships", (("supplier_id",), ("customer_id",))),
    _Signature("csv", "influence", (("source_id",), ("target_id",))),
    _Signature("csv", "team", (("account_id",), ("person_id",))),
)
#: What the other formats' files need, for saying how near a folder comes to them (the
#: loaders' own ``classify`` decides what they read).
_NEAR = (
    _Signature("hubspot", "contacts", (
        ("record id", "hs_object_id", "record id - contact"),
        ("first name", "firstname", "last name", "lastname", "job title", "jobtitle"))),
    _Signature("dynamics", "contact", (
        ("contactid", "(do not modify) contact"),
        ("fullname", "full name", "lastname", "firstname"))),
)


def salesforce_object(header: list[str], first: list[str] | None = None, *,
                      ids_first: bool = False) -> str | None:
    """The Salesforce object a file holds, from its columns, else (given its first
    record) from the key prefix of that record's ``Id`` (``003…`` is a Contact); None
    when neither says.  ``ids_first`` asks the ids before the columns: a Lead's columns
    look much like an Account's, its ids never do."""
    lower = {h.lower() for h in header}
    by_ids = _prefix_object(header, first)
    if ids_first and by_ids is not None:
        return by_ids
    for signature in _SALESFORCE:
        if len(signature.met(lower)) == len(signature.needs):
            return signature.what
    return by_ids


def _prefix_object(header: list[str], first: list[str] | None) -> str | None:
    """The object the key prefix of the first record's ``Id`` names."""
    lower = {h.lower() for h in header}
    if first is not None and "id" in lower:
        from kamgraph.ids import PREFIXES, to18

        position = [h.lower() for h in header].index("id")
        try:
            key = to18(first[position]) if position < len(first) else None
        except ValueError:
            return None
        if key is not None:
            return PREFIXES.get(key[:3])
    return None


@dataclass(frozen=True)
class Seen:
    """What one file looks like: a format, the object, and the columns that said so."""

    format: str
    file: str
    what: str
    columns: tuple[str, ...]

    def evidence(self) -> str:
        shown = ", ".join(self.columns[:3]) + (", …" if len(self.columns) > 3 else "")
        return f"{self.file} has {FORMAT_LABELS[self.format]} {self.what} columns ({shown})"


def _recognise(name: str, header: list[str], first: list[str] | None,
               config: Config) -> Seen | None:
    from kamgraph.loaders import dynamics, hubspot

    lower = {h.lower() for h in header}
    if any(h.startswith("(do not modify) ") for h in lower):
        hidden = next(h for h in header if h.lower().startswith("(do not modify) "))
        shown = dynamics.classify(header) or hidden[len("(do not modify) "):].lower()
        return Seen("dynamics", name, f"Excel export ({shown})", (hidden,))
    mapped = [config.dynamics.headers.get(h.lower(), h) for h in header]
    table = dynamics.classify(mapped)
    if table is not None:
        key = next((h for h in mapped if h.lower().endswith("id")), mapped[0])
        return Seen("dynamics", name, f"{table} table", (key,))
    renamed = [config.hubspot.headers.get(h.lower(), h) for h in header]
    kind = hubspot.classify(renamed)
    if kind is not None and kind != "owners":
        return Seen("hubspot", name, kind, tuple(renamed[:3]))
    spelled = {h.lower(): h for h in header}
    obj = salesforce_object(header)
    if obj is not None:
        used = [spelled[n] for s in _SALESFORCE if s.what == obj for need in s.needs
                for n in need if n in spelled]
        return Seen("salesforce", name, obj, tuple(used))
    for signature in _KAMGRAPH:
        if len(signature.met(lower)) == len(signature.needs):
            used = [spelled[n] for need in signature.needs for n in need if n in spelled]
            return Seen("csv", name, signature.what, tuple(used))
    # Last, a Data Loader extract of a few fields: its ids say which object it holds.
    obj = salesforce_object(header, first)
    if obj is not None:
        return Seen("salesforce", name, f"{obj} (by its ids)", (spelled["id"],))
    return None


def _headers(path: Path, config: Config) -> dict[str, tuple[list[str], list[str] | None]]:
    """Every CSV file's header and first record, by display name."""
    from kamgraph.loaders.csvio import ExportSource

    with ExportSource(path, config.limits) as source:
        names = source.names()
        if not any(n.endswith(".csv") for n in names):
            books = source.workbooks()
            if books:
                raise InputError(f"{', '.join(books)}: Excel workbooks, not CSV: save each "
                                 f"sheet as CSV (UTF-8) and sync those", file=str(path))
            raise InputError(f"no CSV files in {path}", file=str(path))
        out: dict[str, tuple[list[str], list[str] | None]] = {}
        for name in names:
            if name.endswith(".csv"):
                header, records = source.peek(name)
                display = source.display(name)
                out[display.rsplit("/", 1)[-1].rsplit("!", 1)[-1]] = (
                    header, records[0] if records else None)
        return out


#: The order a tie between formats is broken in.
_ORDER = ("salesforce", "dynamics", "hubspot", "csv")


def detect_format(path: Path, config: Config) -> tuple[str, str]:
    """Tell the export's format by its files' columns: (format, the evidence).

    Headers are read as ``config`` maps them ([hubspot.headers], [dynamics.headers]), so a
    localised export that is mapped is recognised too.  A HubSpot export needs its
    contacts file; the others any file of theirs (an incremental export may hold only
    what changed).  The format most files look like wins.
    """
    headers = _headers(path, config)
    seen: dict[str, list[Seen]] = {}
    for name, (header, first) in sorted(headers.items()):
        found = _recognise(name, header, first, config)
        if found is not None:
            seen.setdefault(found.format, []).append(found)
    if "hubspot" in seen and not any(s.what == "contacts" for s in seen["hubspot"]):
        del seen["hubspot"]
    if seen:
        best = max(_ORDER, key=lambda f: (len(seen.get(f, ())), -_ORDER.index(f)))
        chosen = seen[best]
        # Each format's contacts say it best; the first file else.
        contacts = ("Contact", "contacts", "Excel export (contact)", "contact table")
        lead = ([s for s in chosen if s.what in contacts] or chosen)[0]
        others = [s.file for s in chosen if s is not lead]
        also = "; also " + ", ".join(others[:3]) + (", …" if len(others) > 3 else "") \
            if others else ""
        return best, lead.evidence() + also
    raise InputError("cannot tell the format: " + _closest(headers), file=str(path))


def _closest(headers: Mapping[str, tuple[list[str], list[str] | None]]) -> str:
    """The format a folder comes closest to, and what its file lacks."""
    best: tuple[float, str, _Signature, list[tuple[str, ...]]] | None = None
    for name, (header, _first) in sorted(headers.items()):
        lower = {h.lower() for h in header}
        for signature in (*_SALESFORCE, *_NEAR, *_KAMGRAPH):
            met = signature.met(lower)
            if not met or len(met) == len(signature.needs):
                continue
            score = len(met) / len(signature.needs)
            if best is None or score > best[0]:
                missing = [need for need in signature.needs if need not in met]
                best = (score, name, signature, missing)
    generic = ("expected a Salesforce export (Contact.csv with Id, AccountId, LastName, …), "
               "a HubSpot export (contacts with Record ID, First Name, …), a Dynamics 365 "
               "export (contacts with contactid, or an Excel export's '(Do Not Modify) "
               "Contact'), or kamgraph CSV files (people.csv with id, side, …)")
    if best is None:
        return (generic + "; an export in another language needs its headers mapped in "
                "kamgraph.toml ([hubspot.headers], [dynamics.headers])")
    _score, name, signature, missing = best
    lacks = "; ".join(" or ".join(repr(n) for n in need) for need in missing)
    hint = (" (an export in another language? map its headers in kamgraph.toml, "
            f"[{signature.format}.headers])" if signature.format in ("hubspot", "dynamics")
            else "")
    return (f"{name} comes closest to a {FORMAT_LABELS[signature.format]} "
            f"{signature.what} file, but lacks the column {lacks}{hint}; {generic}")


def describe(path: Path, config: Config) -> tuple[str, str] | None:
    """The format an export looks like and why, or None when nothing says."""
    try:
        return detect_format(path, config)
    except InputError:
        return None
