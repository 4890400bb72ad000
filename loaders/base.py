"""What every loader shares: the load contract, rejects, and format detection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.model import Stance, SupplierRole
from kamgraph.records import EventSink, KnownIds, KnownLookup, Loader, LoadResult, Reject

if TYPE_CHECKING:
    from kamgraph.loaders.csvio import Row

__all__ = [
    "PROGRESS_EVERY",
    "EventSink",
    "ExportLoader",
    "KnownIds",
    "KnownLookup",
    "counted_rows",
    "Loader",
    "LoadResult",
    "Reject",
    "FORMATS",
    "detect_format",
    "load",
    "stronger_stance",
    "team_roles",
]

def _no_events(event: str, **fields: Any) -> None:
    return None


PROGRESS_EVERY = 10_000


class ExportLoader:
    """What the CRM loaders share: the export's files, the load result, the ids later
    files (or the earlier syncs an incremental export builds on) let rows refer to, and
    rejecting a row."""

    format = "export"

    def __init__(self, path: Path, *, config: Config, encoding: str | None = None,
                 on_event: EventSink, known: KnownIds | KnownLookup | None = None) -> None:
        from kamgraph.loaders.csvio import ExportSource

        self.config = config
        self.encoding = encoding
        self.on_event = on_event
        self.source = ExportSource(path, config.limits)
        self.result = LoadResult(format=self.format, source=str(path))
        if callable(known):
            try:
                known = known(self.referenced())
            except BaseException:
                self.source.close()
                raise
        # Ids only, to keep memory small.
        known = known or KnownIds()
        self.accounts_held = known.holds_accounts
        self.accounts: set[str] = set(known.accounts)
        self.contacts: dict[str, str] = dict(known.contacts)  # contact -> account
        self.users: set[str] = set(known.users)
        self.opportunities: dict[str, str] = dict(known.opportunities)  # -> account

    def close(self) -> None:
        self.source.close()

    def referenced(self) -> dict[str, set[str]] | None:
        """The keys of earlier syncs' records this export's rows name, by kind
        (``account``, ``person``, ``opportunity``), for an incremental sync to look up
        alone; None (every known id) when the loader cannot tell."""
        return None

    def _unknown_account(self, account: str, listing: str) -> str | None:
        """Why a contact's ``account`` is unknown ("is not in ``listing``", the export's
        accounts file, "nor in the store"), or None.  Accounts are checked when the
        export lists some or the store holds some; otherwise nothing says which exist."""
        if account in self.accounts or not (self.accounts or self.accounts_held):
            return None
        return f"is not in {listing}" + (" nor in the store" if self.accounts_held else "")

    def _reject(self, row: Row, column: str, type_: str, message: str) -> None:
        self.result.reject_row(row, column, type_, message)


def stronger_stance(current: Stance | None, new: Stance | None) -> Stance | None:
    """Two recorded stances for one person: a recorded anti-sponsor outweighs the rest,
    otherwise the first recorded stands."""
    if new is Stance.ANTI_SPONSOR or current is None:
        return new or current
    return current


def team_roles(config: Config, labels: Mapping[str, SupplierRole]) -> dict[str, SupplierRole]:
    """Team role labels (lower-cased) with the organisation's own from ``[team_role_map]``."""
    out = dict(labels)
    for label, role in config.team_role_map.items():
        out[label] = SupplierRole(role)
    return out


def counted_rows(
    table: Any, required: tuple[str, ...], result: LoadResult | None, on_event: EventSink
) -> Iterator[Any]:
    """Yield a table's rows, counting them and reporting progress as events.

    Without a ``result`` the read is a scan ahead of the load (the ids an incremental
    export names, looked up first): reported as ``file.scan`` and ``file.scanned``, so
    a long one is not silent, and not counted as read.
    """
    progress, done = ("file.progress", "file.read") if result is not None else (
        "file.scan", "file.scanned")
    count = 0
    for row in table.rows(required):
        count += 1
        if count % PROGRESS_EVERY == 0:
            on_event(progress, file=table.display, rows=count)
        yield row
    if result is not None:
        result.read[table.name] = count
        if table.redecoded:
            result.redecoded[table.name] = list(table.redecoded)
    on_event(done, file=table.display, rows=count)


FORMATS = ("salesforce", "hubspot", "dynamics", "csv")
_SALESFORCE_OBJECTS = frozenset({
    "account.csv", "user.csv", "accountteammember.csv", "opportunity.csv",
    "opportunitycontactrole.csv", "task.csv", "event.csv", "eventrelation.csv"})


#: Salesforce's anchor objects and the columns that make each one Salesforce's.
_SALESFORCE_ANCHORS = {
    "contact.csv": frozenset({"id", "accountid", "lastname"}),
    "account.csv": frozenset({"id", "name", "ownerid"}),
    "user.csv": frozenset({"id", "username"}),
}
_SALESFORCE_NAMES = {"contact.csv": "Contact.csv", "account.csv": "Account.csv",
                     "user.csv": "User.csv"}


def _dynamics_table(table: str | None, header: list[str], name: str) -> bool:
    """A file that is a Dataverse table by its own columns: the hidden ``(Do Not Modify)``
    columns of an Excel export, the activity tables' signatures, or a table's own id
    column in the file of that table (``contactid`` in contact.csv; a ``ContactId``
    foreign key in another object's file says nothing)."""
    if table is None:
        return False
    lower = {h.lower() for h in header}
    if any(h.startswith("(do not modify) ") for h in lower):
        return True
    if table in ("activityparty", "activitypointer"):
        return True
    stem = name.rsplit(".", 1)[0]
    return stem in (table, f"{table}s") and f"{table}id" in lower


def detect_format(path: Path, config: Config) -> tuple[str, str]:
    """Tell the export's format by its file names and headers: (format, the evidence).

    Headers are read as ``config`` maps them ([hubspot.headers], [dynamics.headers]), so a
    localised export that is mapped is recognised too.
    """
    from kamgraph.loaders import dynamics, hubspot
    from kamgraph.loaders.csvio import ExportSource

    with ExportSource(path, config.limits) as source:
        names = set(source.names())
        if not any(n.endswith(".csv") for n in names):
            books = source.workbooks()
            if books:
                raise InputError(f"{', '.join(books)}: Excel workbooks, not CSV: save each "
                                 f"sheet as CSV (UTF-8) and sync those", file=str(path))
            raise InputError(f"no CSV files in {path}", file=str(path))
        headers: dict[str, list[str]] = {}
        for name in sorted(names):
            if name.endswith(".csv"):
                # Headers are ASCII in every format: a first line read as UTF-8 will do,
                # without scanning whole files for their encoding.
                headers[name] = source.table(name, "utf-8").peek_header()
    def renamed(header: list[str], mapping: Mapping[str, str]) -> list[str]:
        return [mapping.get(h.lower(), h) for h in header]

    def lower(name: str) -> set[str]:
        return {h.lower() for h in headers.get(name, [])}

    # Salesforce first, by its anchor objects: a weekly export holds hundreds of object
    # files, some named like other CRMs' tables (AccountContactRole, Contact, Account).
    anchors = [name for name, columns in _SALESFORCE_ANCHORS.items()
               if name in names and columns <= lower(name)]
    if "contact.csv" in anchors:
        return "salesforce", "Contact.csv has Salesforce columns (Id, AccountId, …)"
    if len(anchors) >= 2:
        return "salesforce", ("Salesforce object files with their columns: "
                              + ", ".join(_SALESFORCE_NAMES[a] for a in anchors))
    # Dynamics 365 and HubSpot by their own headers, never by a file name alone.
    for name, raw in headers.items():
        header = renamed(raw, config.dynamics.headers)
        if _dynamics_table(dynamics.classify(header, name), header, name):
            return "dynamics", f"{name} has Dynamics 365 columns ({header[0]}, …)"
    for name, raw in headers.items():
        header = renamed(raw, config.hubspot.headers)
        kind = hubspot.classify(header, name)
        if kind == "contacts":
            return "hubspot", f"{name} has HubSpot contact columns ({header[0]}, …)"
    if {"people.csv", "accounts.csv", "relationships.csv", "influence.csv"} & names:
        return "csv", "kamgraph CSV files (people.csv, …)"
    if "contact.csv" in names:
        return "salesforce", "Contact.csv"
    for name in sorted(_SALESFORCE_OBJECTS & names):
        if "id" in lower(name):
            # An incremental export may hold only the objects that changed.
            return "salesforce", f"{name} is a Salesforce object file with an Id column"
    raise InputError(
        "cannot tell the format: expected a Salesforce export (Account.csv, Contact.csv, …),"
        " a HubSpot export (contacts with Record ID, First Name, …), a Dynamics 365 export "
        "(contact.csv with contactid, …) or a kamgraph CSV folder (people.csv, …); an export "
        "in another language needs --format and its headers mapped in kamgraph.toml",
        file=str(path),
    )


def load(
    path: Path,
    fmt: str = "auto",
    *,
    config: Config,
    encoding: str | None = None,
    on_event: EventSink = _no_events,
    known: KnownIds | KnownLookup | None = None,
) -> Loader:
    """Open ``path`` with the loader for ``fmt`` (``auto`` detects it).

    ``known`` lets an incremental export reference records of earlier syncs: the ids
    themselves, or the store's lookup, asked for the ones the export names.
    """
    if fmt == "auto":
        fmt, why = detect_format(path, config)
        on_event("format.detected", format=fmt, evidence=why)
    else:
        try:
            return _open_loader(path, fmt, config, encoding, on_event, known)
        except InputError as exc:
            raise _with_hint(exc, path, fmt, config) from None
    return _open_loader(path, fmt, config, encoding, on_event, known)


def _with_hint(exc: InputError, path: Path, fmt: str, config: Config) -> InputError:
    """An explicit --format that does not fit: say which format the export looks like."""
    try:
        found, _ = detect_format(path, config)
    except InputError:
        return exc
    if found == fmt:
        return exc
    labels = {"salesforce": "Salesforce", "hubspot": "HubSpot", "dynamics": "Dynamics 365",
              "csv": "kamgraph CSV"}
    return InputError(f"this looks like a {labels[found]} export, not {labels[fmt]}: drop "
                      f"--format (it is detected) or use --format {found}", file=str(path))


def _open_loader(path: Path, fmt: str, config: Config, encoding: str | None,
                 on_event: EventSink, known: KnownIds | KnownLookup | None) -> Loader:
    if fmt == "salesforce":
        from kamgraph.loaders.salesforce import SalesforceLoader

        return SalesforceLoader(path, config=config, encoding=encoding, on_event=on_event,
                                known=known)
    if fmt == "hubspot":
        from kamgraph.loaders.hubspot import HubspotLoader

        return HubspotLoader(path, config=config, encoding=encoding, on_event=on_event,
                             known=known)
    if fmt == "dynamics":
        from kamgraph.loaders.dynamics import DynamicsLoader

        return DynamicsLoader(path, config=config, encoding=encoding, on_event=on_event,
                              known=known)
    if fmt == "csv":
        from kamgraph.loaders.kamcsv import KamgraphCsvLoader

        return KamgraphCsvLoader(path, config=config, encoding=encoding, on_event=on_event)
    raise InputError(f"unknown format {fmt!r}", file=str(path))
