"""HubSpot CRM exports: contacts, companies, deals, calls, meetings, e-mails and owners.

HubSpot writes one CSV (or XLSX) per object, named after the view it came from, so each
file is recognised by its headers, not its name.  Headers come as English labels
(``Record ID``, ``Job Title``, ``Contact owner``) or, with the "internal names" export
setting, as property names (``hs_object_id``, ``jobtitle``, ``hubspot_owner_id``); both
are read.  An export in another language is refused with the headers not recognised
and the ``[hubspot.headers]`` table of ``kamgraph.toml`` that maps them.

Ids are prefixed with their object (``hs-contact-51``), because HubSpot numbers each
object type on its own and a contact may share its number with an owner.
``docs/formats.md`` lists every column read.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from pathlib import Path

from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.loaders import values as v
from kamgraph.loaders.base import EventSink, ExportLoader, KnownIds, KnownLookup, stronger_stance
from kamgraph.loaders.columns import Columns, rows_with_columns
from kamgraph.loaders.csvio import Row, Table
from kamgraph.model import (
    Account,
    Channel,
    CustomerRole,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Record,
    Side,
    Stance,
    SupplierRole,
    TeamMember,
    Touch,
)
from kamgraph.wording import counted

__all__ = ["BUYING_ROLES", "CALL_OUTCOMES", "COLUMNS", "HubspotLoader", "classify"]

R = CustomerRole
#: hs_buying_role values (internal names and English labels, lower-cased) -> roles, stance.
BUYING_ROLES: dict[str, tuple[tuple[CustomerRole, ...], Stance | None]] = {
    "decision_maker": ((R.DECISION_MAKER,), None),
    "budget_holder": ((R.ECONOMIC_BUYER,), None),
    "champion": ((R.COACH,), Stance.CHAMPION),
    "blocker": ((), Stance.ANTI_SPONSOR),
    "end_user": ((R.USER,), None),
    "executive_sponsor": ((R.EXECUTIVE_SPONSOR,), None),
    "influencer": ((R.INFLUENCER,), None),
    # Legal and compliance screen a supplier out but cannot choose one: Miller Heiman's
    # technical buyer.
    "legal_and_compliance": ((R.TECHNICAL_BUYER,), None),
    "other": ((R.OTHER,), None),
}
for _value in list(BUYING_ROLES):
    BUYING_ROLES[_value.replace("_", " ")] = BUYING_ROLES[_value]
BUYING_ROLES["legal & compliance"] = BUYING_ROLES["legal_and_compliance"]

#: hs_call_disposition: the default outcomes' fixed GUIDs (internal-value exports) and
#: labels, lower-cased -> True when nobody was reached.
CALL_OUTCOMES: dict[str, bool] = {
    "9d9162e7-6cf3-4944-bf63-4dff82258764": True,  # Busy
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": False,  # Connected
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": True,  # Left live message
    "b2cf5968-551e-4856-9783-52b3da59a7d0": True,  # Left voicemail
    "73a0d17f-1163-4015-bdd5-ec830791da20": True,  # No answer
    "17b47fee-58de-441e-a44c-c6300d46f273": True,  # Wrong number
    "busy": True,
    "connected": False,
    "left live message": True,
    "left voicemail": True,
    "no answer": True,
    "wrong number": True,
}
#: hs_call_status values that say the call never connected, or never happened.
_CALL_UNANSWERED_STATUS = frozenset({"no_answer", "busy", "failed", "no answer"})
_CALL_NOT_MADE_STATUS = frozenset({"canceled", "cancelled", "queued", "calling_crm_user",
                                   "connecting", "ringing", "in_progress", "in progress"})
#: hs_meeting_outcome values that mean the meeting did not take place with them.
_MEETING_DECLINED = frozenset({"no_show", "no show", "canceled", "cancelled"})
_EMAIL_NOT_SENT = frozenset({"bounced", "failed", "scheduled", "sending"})

_ID = ("Record ID", "hs_object_id")
_OWNER = ("hubspot_owner_id",)
_MODIFIED = ("Last Modified Date", "hs_lastmodifieddate", "lastmodifieddate")
#: Associated records: the id cells of a default export, then the associated object's own
#: Record ID in an export with associations (its columns named after it: :func:`segments`).
_CONTACTS = ("Associated Contact IDs", "Associated Contact ID", "associatedcontactids",
             "contact: Record ID - Contact")
_COMPANIES = ("Associated Company IDs", "Associated Company ID", "associatedcompanyids",
              "company: Record ID - Company")
_DEALS = ("Associated Deal IDs", "Associated Deal ID", "associateddealids",
          "deal: Record ID - Deal")
_WHEN = ("Activity date", "hs_timestamp")

#: Every column read, by object: (what kamgraph calls it) -> (label, internal name, ...).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "owners": {
        "id": ("Owner ID", "id", "ownerId", "hubspot_owner_id"),
        "first": ("First Name", "firstName", "firstname"),
        "last": ("Last Name", "lastName", "lastname"),
        "email": ("Email", "email"),
        "title": ("Job Title", "jobTitle", "jobtitle"),
        "team": ("Primary team", "Team", "Teams", "primaryTeam", "teams"),
        "manager": ("Manager ID", "managerId"),
        "archived": ("Archived", "archived", "Deactivated"),
    },
    "companies": {
        "id": (*_ID, "Record ID - Company", "Company ID"),
        "name": ("Company name", "name"),
        "industry": ("Industry", "industry"),
        "revenue": ("Annual Revenue", "annualrevenue"),
        "owner": ("Company owner", *_OWNER),
        "modified": _MODIFIED,
    },
    "contacts": {
        "id": (*_ID, "Record ID - Contact", "Contact ID", "vid"),
        "first": ("First Name", "firstname"),
        "last": ("Last Name", "lastname"),
        "email": ("Email", "email"),
        "title": ("Job Title", "jobtitle"),
        "department": ("Department", "department", "Job function", "job_function"),
        "owner": ("Contact owner", *_OWNER),
        "company": ("Primary Associated Company ID", "associatedcompanyid"),
        "companies": _COMPANIES,
        "deals": _DEALS,
        "roles": ("Buying Role", "Buying role", "hs_buying_role"),
        "modified": _MODIFIED,
        # The associated company's own columns, in an export with associations.
        "company_name": ("company: Company name", "company: name"),
        "company_owner": ("company: Company owner", "company: hubspot_owner_id"),
        "company_industry": ("company: Industry", "company: industry"),
        "company_revenue": ("company: Annual Revenue", "company: annualrevenue"),
    },
    "deals": {
        "id": (*_ID, "Record ID - Deal", "Deal ID"),
        "name": ("Deal Name", "dealname"),
        "stage": ("Deal Stage", "dealstage"),
        "amount": ("Amount", "amount"),
        "close": ("Close Date", "closedate"),
        "closed": ("Is Closed", "Is closed", "hs_is_closed"),
        "won": ("Is Closed Won", "Is closed won", "hs_is_closed_won"),
        "owner": ("Deal owner", *_OWNER),
        "companies": _COMPANIES,
        "contacts": _CONTACTS,
        "modified": _MODIFIED,
    },
    "calls": {
        "id": (*_ID, "Record ID - Call"),
        "when": _WHEN,
        "owner": ("Activity assigned to", "Call owner", *_OWNER),
        "contacts": _CONTACTS,
        "outcome": ("Call outcome", "hs_call_disposition"),
        "status": ("Call status", "hs_call_status"),
        "duration": ("Call duration", "hs_call_duration"),
        "modified": _MODIFIED,
    },
    "meetings": {
        "id": (*_ID, "Record ID - Meeting"),
        "when": (*_WHEN, "Meeting start time", "hs_meeting_start_time"),
        "start": ("Meeting start time", "hs_meeting_start_time"),
        "end": ("Meeting end time", "hs_meeting_end_time"),
        "owner": ("Activity assigned to", "Meeting owner", *_OWNER),
        "contacts": _CONTACTS,
        "outcome": ("Meeting outcome", "hs_meeting_outcome"),
        "modified": _MODIFIED,
    },
    "emails": {
        "id": (*_ID, "Record ID - Email"),
        "when": _WHEN,
        "owner": ("Activity assigned to", "Email owner", *_OWNER),
        "contacts": _CONTACTS,
        "status": ("Email send status", "hs_email_status"),
        "modified": _MODIFIED,
    },
}

#: Headers that tell one object's file from another, tried in this order.
_SIGNATURES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("calls", ("call outcome", "hs_call_disposition", "call status", "hs_call_status",
               "call duration", "hs_call_duration", "call title", "hs_call_title")),
    ("meetings", ("meeting outcome", "hs_meeting_outcome", "meeting start time",
                  "hs_meeting_start_time", "meeting name", "hs_meeting_title")),
    ("emails", ("email subject", "hs_email_subject", "email direction", "hs_email_direction",
                "email send status", "hs_email_status")),
    ("deals", ("deal name", "dealname", "deal stage", "dealstage")),
    ("contacts", ("first name", "firstname", "last name", "lastname", "job title",
                  "jobtitle")),
    ("companies", ("company name", "name", "company domain name", "domain")),
)
_OWNER_SIGNATURE = ("owner id", "ownerid", "userid", "user id")
_SPLIT = re.compile(r"\s*[;,]\s*")
#: An export "with associated records" names each id column after its object: the row's
#: own (``Record ID - Contact``), then each associated object's, its columns after it.
_RECORD_ID = re.compile(r"^record id - (.+)$", re.IGNORECASE)
_OBJECTS = {"contact": "contacts", "company": "companies", "deal": "deals", "call": "calls",
            "meeting": "meetings", "email": "emails"}
_OWN_ID = frozenset({"record id", "hs_object_id", "contact id", "company id", "deal id",
                     "vid"})


def classify(header: list[str]) -> str | None:
    """Which HubSpot object a file holds, from its (renamed) headers alone; None if
    unknown.  In an export with associations the first ``Record ID - <Object>`` names the
    row's own object; otherwise each object's own columns tell it."""
    lower = [h.lower() for h in header]
    for h in lower:
        if h in _OWN_ID:
            break
        found = _RECORD_ID.match(h)
        if found:
            return _OBJECTS.get(found.group(1).strip())
    present = set(lower)
    if present & set(_OWNER_SIGNATURE) or ({"id", "email"} <= present and present & {
            "firstname", "first name", "lastname", "last name"}):
        return "owners"
    if not present & _OWN_ID:
        return None
    for kind, markers in _SIGNATURES:
        if present & set(markers):
            return kind
    return None


def segments(header: list[str]) -> list[str]:
    """The header with each associated object's columns named after it: in a contact
    row, ``Create Date`` after ``Record ID - Company`` is ``company: Create Date``, so a
    repeated header is the row's own object's where it first appears."""
    out: list[str] = []
    own: str | None = None
    segment: str | None = None
    for h in header:
        lower = h.lower()
        found = _RECORD_ID.match(h)
        if own is None and (found or lower in _OWN_ID):
            own = found.group(1).strip().lower() if found else ""
        elif found:
            segment = found.group(1).strip().lower()
        out.append(f"{segment}: {h}" if segment else h)
    return out


#: The columns that name records an incremental export may hold only in the store, by
#: object: (field, the object it names, whether the cell lists several ids).
_NAMED: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "companies": (("owner", "owner", False),),
    "contacts": (("company", "company", False), ("companies", "company", True)),
    "deals": (("contacts", "contact", True),),
    **{activity: (("contacts", "contact", True), ("owner", "owner", False))
       for activity in ("meetings", "calls", "emails")},
}


def _ids(raw: str) -> list[str]:
    return [part for part in _SPLIT.split(raw.strip()) if part]


def _owner_id(raw: str) -> str:
    """The id of an owner known only by what a cell says: its number, or its name."""
    if raw.isdigit():
        return f"hs-owner-{raw}"
    slug = re.sub(r"\W+", "-", raw.casefold()).strip("-")
    return f"hs-owner-{slug or 'unnamed'}"


class HubspotLoader(ExportLoader):
    """Streams records from a HubSpot export (a folder or zip of per-object CSV files)."""

    format = "hubspot"

    def __init__(
        self,
        path: Path,
        *,
        config: Config,
        encoding: str | None = None,
        on_event: EventSink,
        known: KnownIds | KnownLookup | None = None,
    ) -> None:
        self.incremental = known is not None
        super().__init__(path, config=config, encoding=encoding, on_event=on_event,
                         known=known)
        try:
            self.files  # noqa: B018 - classified now: an export not HubSpot's fails here
        except BaseException:
            self.source.close()
            raise
        self.contact_roles: dict[str, tuple[CustomerRole, ...]] = {}
        self.role_labels: dict[str, str] = {}  # contact -> its buying roles, as exported
        self.owner_keys: dict[str, str | None] = {}  # id, name or e-mail -> owner id
        for user in sorted(self.users):  # an incremental export's owners, by id
            if user.startswith("hs-owner-"):
                self.owner_keys[user.removeprefix("hs-owner-")] = user
        #: No owners file: owners are known only by what the cells say (labels exports:
        #: full names), and each becomes one of our people under it.
        self.owners_listed = bool(self.files.get("owners"))
        self.named_owners: dict[str, str] = {}  # owner id -> the column that named it
        self._pending: list[Person] = []
        #: (company, owner) pairs on a company's team by its own columns; the owners of
        #: its contacts and deals beyond them -> (role, label).
        self.team_pairs: set[tuple[str, str]] = set()
        self.team: dict[tuple[str, str], tuple[SupplierRole, str]] = {}
        #: Contacts read, and the contacts file's other rows for them (one per
        #: associated record in an export with associations).
        self.contact_deals: dict[str, set[str]] = defaultdict(set)
        #: Companies an export with associations describes in the contacts file.
        self.described: set[str] = set()

    # -- files ------------------------------------------------------------------------

    @cached_property
    def files(self) -> dict[str, list[Table]]:
        """The export's files by object, told by their headers.  Read when first asked
        for: an incremental sync asks (:meth:`referenced`) while the base class is set up."""
        files: dict[str, list[Table]] = defaultdict(list)
        unknown: list[tuple[Table, list[str]]] = []
        rename = dict(self.config.hubspot.headers)
        for name in self.source.names():
            if not name.endswith(".csv"):
                continue
            table = self.source.table(name, self.encoding, rename, segments)
            header = table.peek_header()
            kind = classify(header)
            if kind is not None:
                files[kind].append(table)
            elif {h.lower() for h in header} & _OWN_ID or any(
                    _RECORD_ID.match(h) for h in header):
                # HubSpot's, of an object kamgraph does not read (tickets, notes, …).
                self.result.warn(f"{table.display}: a HubSpot export of an object kamgraph "
                                 f"does not read; left out")
            else:
                unknown.append((table, header))
        if unknown:
            table, header = unknown[0]
            shown = ", ".join(repr(h) for h in header[:6]) + (" …" if len(header) > 6 else "")
            raise InputError(
                f"not a HubSpot object file kamgraph recognises: headers {shown} are neither "
                "HubSpot's English labels nor its internal names (an export in another "
                "language?); export in English, or map each header in kamgraph.toml, e.g. "
                f'[hubspot.headers] "{header[0] if header else "Datensatz-ID"}" = "Record ID"',
                file=table.display, line=1,
            )
        if not files.get("contacts"):
            spreadsheets = [n for n in self.source.names() if n.endswith((".xlsx", ".xls"))]
            hint = (f"; {spreadsheets[0]} is a spreadsheet: export as CSV instead"
                    if spreadsheets else "")
            raise InputError("not a HubSpot export: no contacts file (headers Record ID, "
                             f"First Name, …){hint}", file=str(self.source.path))
        return files

    def referenced(self) -> dict[str, set[str]]:
        """The companies, contacts and owners of earlier syncs this export's rows name:
        a contact's company, the contacts of a deal or an activity, the owner of a
        company or an activity, and the owners in ``[hubspot.team]`` columns."""
        wanted: dict[str, set[str]] = {"account": set(), "person": set(), "opportunity": set()}
        team = list(self.config.hubspot.team)
        for kind, named in _NAMED.items():
            for row, cols in rows_with_columns(self.files.get(kind, ()), COLUMNS[kind], None,
                                               self.on_event):
                for field, target, several in named:
                    raw = row.get(cols[field])
                    into = wanted["account" if target == "company" else "person"]
                    parts = [part for part in (_ids(raw) if several else [raw.strip()]) if part]
                    into.update(f"hs-{target}-{part}" for part in parts)
                    if target == "owner":  # or an owner known by name only, as named before
                        into.update(_owner_id(part) for part in parts)
                if kind == "companies":
                    wanted["person"].update(
                        f"hs-owner-{cell.strip()}" for column in team
                        for cell in row.get(column).split(";") if cell.strip())
        return wanted

    def _tables(self, kind: str) -> Iterator[tuple[Row, Columns]]:
        return rows_with_columns(self.files.get(kind, ()), COLUMNS[kind], self.result,
                                 self.on_event, epoch_ms=True)

    # -- the stream -------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        try:
            yield from self._owners()
            yield from self._companies()
            yield from self._contacts()
            yield from self._deals()
            yield from self._meetings()
            yield from self._calls()
            yield from self._emails()
            yield from self._drain()
            yield from self._more_team()
            if self.named_owners:
                columns = sorted(set(self.named_owners.values()))
                self.result.warn(
                    f"no owners file: {counted(len(self.named_owners), 'owner')} known only "
                    f"by name or id (in {', '.join(repr(c) for c in columns)}) added as our "
                    f"people; add the owners file (Settings › Users & Teams › Export, or the "
                    f"owners API: id, firstName, lastName, email) for their e-mails and titles")
        finally:
            self.close()

    @staticmethod
    def _key(row: Row, cols: Columns, prefix: str) -> str:
        raw = v.check_id(row, cols["id"], row.get(cols["id"]).strip())
        if not raw:
            raise row.error(cols["id"], "empty id")
        return f"hs-{prefix}-{raw}"

    @staticmethod
    def _listed(row: Row, column: str) -> list[str]:
        """The ids of an association cell (``101;102``), each checked."""
        return [v.check_id(row, column, raw) for raw in _ids(row.get(column))]

    # -- owners -----------------------------------------------------------------------

    def _owners(self) -> Iterator[Record]:
        for row, cols in self._tables("owners"):
            owner = self._key(row, cols, "owner")
            first, last = v.text(row, cols["first"]), v.text(row, cols["last"])
            name = " ".join(p for p in (first, last) if p)
            email = v.text(row, cols["email"])
            if self._another_person(row, cols["id"], owner, name, email):
                continue
            self.users.add(owner)
            self._remember_owner(row.get(cols["id"]).strip(), owner)
            for key in (name, email):
                if key:
                    self._remember_owner(key, owner)
            manager = v.text(row, cols["manager"])
            yield Person(
                id=owner,
                side=Side.SUPPLIER,
                name=name or email or owner,
                title=v.text(row, cols["title"]),
                department=v.text(row, cols["team"]),
                email=email,
                reports_to=f"hs-owner-{manager}" if manager else None,
                active=not v.boolean(row, cols["archived"]),
            )

    def _remember_owner(self, key: str, owner: str) -> None:
        lowered = key.strip().lower()
        if lowered in self.owner_keys and self.owner_keys[lowered] != owner:
            self.owner_keys[lowered] = None  # two owners share the name: ambiguous
        else:
            self.owner_keys[lowered] = owner

    def _owner(self, row: Row, column: str, *, required: bool) -> str | None:
        """The owner a cell names by id, full name or e-mail (labels exports write names).

        Without an owners file, the cell is all there is: the owner becomes one of our
        people under it (:meth:`_named_owner`)."""
        raw = row.get(column).strip()
        if not raw:
            if required:
                self._reject(row, column, "unknown-user", "no owner")
            return None
        owner = self.owner_keys.get(raw.lower())
        if owner is None and raw.lower() not in self.owner_keys and not self.owners_listed:
            owner = self._named_owner(row, column, raw)
        if owner is None:
            why = ("names two owners" if raw.lower() in self.owner_keys
                   else "is not an owner in the owners file" if self.owners_listed
                   else "is no owner of an earlier sync (add the owners file)")
            if required:
                self._reject(row, column, "unknown-user", f"owner {raw!r} {why}")
            else:
                self.result.skipped[f"{column} {why.replace('is not', 'not')}"] += 1
            return None
        return owner

    def _named_owner(self, row: Row, column: str, raw: str) -> str | None:
        """One of our people known only by the owner cell that names them: by id in an
        internal-names export (``owner 101``), by full name in a labels export.

        An incremental export takes only owners earlier syncs named so: one that an
        owners file gave an id cannot be told by name, and must not become two people."""
        owner = _owner_id(v.check_id(row, column, raw))
        if self.incremental and owner not in self.users:
            return None
        name = f"owner {raw}" if raw.isdigit() else raw
        self._remember_owner(raw, owner)
        if owner not in self.named_owners:
            self.named_owners[owner] = column
            self.users.add(owner)
            self._pending.append(Person(id=owner, side=Side.SUPPLIER, name=name))
        return owner

    def _drain(self) -> Iterator[Record]:
        """The people :meth:`_named_owner` has met since last asked."""
        if self._pending:
            yield from self._pending
            self._pending = []

    def _more_team(self) -> Iterator[Record]:
        """Owners of a company's contacts and deals, on its team as sales (a company
        owner, or a [hubspot.team] member, keeps the role given there)."""
        for (company, owner), (role, label) in sorted(self.team.items()):
            if (company, owner) not in self.team_pairs:
                yield TeamMember(account_id=company, person_id=owner, role=role,
                                 role_label=label)

    # -- companies --------------------------------------------------------------------

    def _companies(self) -> Iterator[Record]:
        for row, cols in self._tables("companies"):
            company = self._key(row, cols, "company")
            self.accounts.add(company)
            yield from self._company(row, cols, company, "")

    def _company(self, row: Row, cols: Columns, company: str, prefix: str
                 ) -> Iterator[Record]:
        """A company from a companies file's row, or (``prefix`` ``company_``) from the
        columns a contact's row describes it in; then its team."""
        owner = self._owner(row, cols[f"{prefix}owner"], required=False)
        yield from self._drain()
        yield Account(
            id=company,
            name=v.text(row, cols[f"{prefix}name"]) or company,
            industry=v.text(row, cols[f"{prefix}industry"]),
            revenue=v.number(row, cols[f"{prefix}revenue"]),
            owner_id=owner,
        )
        yield from self._company_team(row, company, owner)

    def _company_team(self, row: Row, company: str, owner: str | None) -> Iterator[Record]:
        # HubSpot has no account team: the company owner is the account manager, and
        # user-type properties named in [hubspot.team] add the rest.
        members: dict[str, tuple[SupplierRole, str]] = {}
        if owner is not None:
            members[owner] = (SupplierRole.KEY_ACCOUNT_MANAGER, "Company owner")
        for column_name, role in self.config.hubspot.team.items():
            if not row.table.has(column_name):
                continue
            for cell in row.get(column_name).split(";"):  # names may hold commas
                cell = cell.strip()
                if not cell:
                    continue
                member = self.owner_keys.get(cell.lower())
                if member is None and not self.owners_listed:
                    member = self._named_owner(row, column_name, cell)
                if member is None:
                    why = ("is not an owner in the owners file" if self.owners_listed
                           else "is no owner of an earlier sync (add the owners file)")
                    self._reject(row, column_name, "unknown-user", f"owner {cell!r} {why}")
                elif member not in members:
                    members[member] = (SupplierRole(role), column_name)
        yield from self._drain()
        for member, (role, label) in sorted(members.items()):
            self.team_pairs.add((company, member))
            yield TeamMember(account_id=company, person_id=member, role=role,
                             role_label=label)

    def _described_company(self, row: Row, cols: Columns, company_raw: str
                           ) -> Iterator[Record]:
        """A company an export with associations describes beside its contact (no
        companies file): its name, industry, revenue and owner, once."""
        company = f"hs-company-{company_raw}"
        if company in self.described or not row.get(cols["company_name"]).strip():
            return
        self.described.add(company)
        yield from self._company(row, cols, company, "company_")

    # -- contacts ---------------------------------------------------------------------

    def _contacts(self) -> Iterator[Record]:
        listed = bool(self.files.get("companies")) or self.accounts_held
        seen: set[str] = set()
        by_name: dict[tuple[str, str], str | None] = {}  # (company, name) -> contact
        waiting: list[tuple[Person, Row, str, str]] = []  # reports-to by name
        for row, cols in self._tables("contacts"):
            contact = self._key(row, cols, "contact")
            first, last = v.text(row, cols["first"]), v.text(row, cols["last"])
            name = " ".join(p for p in (first, last) if p) or contact
            if self._another_person(row, cols["id"], contact, name, v.text(row, cols["email"])):
                continue
            if contact in seen:
                # An export with associations repeats a contact once per associated
                # record: the same person, further associations.
                self.contact_deals[contact].update(self._listed(row, cols["deals"]))
                self.result.skipped["contact row repeated for another associated "
                                    "record"] += 1
                continue
            seen.add(contact)
            company_raw = v.check_id(row, cols["company"], row.get(cols["company"]).strip())
            company_raw = company_raw or next(iter(self._listed(row, cols["companies"])), "")
            if not company_raw:
                self.result.skipped["contact without company"] += 1
                continue
            account = f"hs-company-{company_raw}"
            if not listed:
                yield from self._described_company(row, cols, company_raw)
            elif self._unknown_account(account, "the companies file"):
                # A filtered view: its contacts may name companies the companies
                # export does not hold.
                self.result.skipped["contact whose company is not in the companies "
                                    "file"] += 1
                continue
            roles, stance = self._buying_roles(row, cols["roles"])
            self.contacts[contact] = account
            self.contact_deals[contact].update(self._listed(row, cols["deals"]))
            if roles:
                self.contact_roles[contact] = roles
            if row.get(cols["roles"]).strip():
                self.role_labels[contact] = row.get(cols["roles"]).strip()
            owner = self._owner(row, cols["owner"], required=False) if cols.has(
                "owner") else None
            yield from self._drain()
            if owner is not None:
                self.team.setdefault((account, owner), (SupplierRole.SALES, "Contact owner"))
            key = (account, name.lower())
            by_name[key] = None if key in by_name and by_name[key] != contact else contact
            person = Person(
                id=contact,
                side=Side.CUSTOMER,
                name=name,
                account_id=account,
                title=v.text(row, cols["title"]),
                department=v.text(row, cols["department"]),
                email=v.text(row, cols["email"]),
                reports_to=None,
                roles=roles or None,
                stance=stance,
            )
            manager = self._manager_cell(row)
            if manager is None:
                yield person
            elif manager.isdigit():
                yield dataclasses.replace(person, reports_to=f"hs-contact-{manager}")
            else:
                waiting.append((person, row, self.config.hubspot.reports_to or "", manager))
        yield from self._named_managers(waiting, by_name)

    def _manager_cell(self, row: Row) -> str | None:
        """The ``[hubspot] reports_to`` property's value: a Record ID or a full name."""
        column = self.config.hubspot.reports_to
        if column is None:
            return None
        if not row.table.has(column):
            raise row.error(column, f"the contact property {column!r} of [hubspot] "
                                    f"reports_to is not in the export")
        raw = row.get(column).strip().removesuffix(".0")
        return v.check_id(row, column, raw) or None

    def _named_managers(self, waiting: list[tuple[Person, Row, str, str]],
                        by_name: dict[tuple[str, str], str | None]) -> Iterator[Record]:
        """Contacts whose manager is given by name: resolved among their company's
        contacts once all are read; a name nobody there has, or two people share, is
        counted and left unset."""
        for person, _row, _column, manager in waiting:
            key = (person.account_id or "", manager.lower())
            found = by_name.get(key)
            if found is None:
                why = ("names two of the company's contacts" if key in by_name
                       else "names none of the company's contacts")
                self.result.skipped[f"reports-to {why}"] += 1
            yield dataclasses.replace(person, reports_to=found)

    def _buying_roles(self, row: Row, column: str
                      ) -> tuple[tuple[CustomerRole, ...], Stance | None]:
        roles: list[CustomerRole] = []
        stance: Stance | None = None
        for value in _SPLIT.split(row.get(column).strip()):
            if not value:
                continue
            mapped = BUYING_ROLES.get(value.lower())
            extra = self.config.contact_role_map.get(value.lower())
            if extra is not None:
                mapped = ((CustomerRole(extra),), None)
            if mapped is None:
                self._reject(row, column, "unknown-role",
                             f"buying role {value!r} is not known; add it to [contact_role_map]")
                continue
            for role in mapped[0]:
                if role not in roles:
                    roles.append(role)
            stance = stronger_stance(stance, mapped[1])
        return tuple(roles), stance

    # -- deals ------------------------------------------------------------------------

    def _deals(self) -> Iterator[Record]:
        seen: set[str] = set()
        for row, cols in self._tables("deals"):
            deal = self._key(row, cols, "deal")
            companies = self._listed(row, cols["companies"])
            if deal in seen:
                # Repeated once per associated record: further contacts of the deal.
                for raw in self._listed(row, cols["contacts"]):
                    self.contact_deals[f"hs-contact-{raw}"].add(deal.removeprefix("hs-deal-"))
                continue
            seen.add(deal)
            if not companies:
                self.result.skipped["deal without company"] += 1
                continue
            account = f"hs-company-{companies[0]}"
            stage = v.text(row, cols["stage"])
            slug = (stage or "").lower().replace(" ", "")
            closed = v.boolean(row, cols["closed"]) if cols.has("closed") else slug in (
                "closedwon", "closedlost")
            won = v.boolean(row, cols["won"]) if cols.has("won") else slug == "closedwon"
            self.opportunities[deal] = account
            yield Opportunity(
                id=deal,
                account_id=account,
                name=v.text(row, cols["name"]) or deal,
                stage=stage,
                is_closed=closed,
                is_won=won,
                close_date=v.day(row, cols["close"], epoch_ms=True),
                amount=v.number(row, cols["amount"]),
            )
            owner = self._owner(row, cols["owner"], required=False) if cols.has(
                "owner") else None
            yield from self._drain()
            if owner is not None:
                self.team.setdefault((account, owner), (SupplierRole.SALES, "Deal owner"))
            for raw in self._listed(row, cols["contacts"]):
                self.contact_deals[f"hs-contact-{raw}"].add(deal.removeprefix("hs-deal-"))
        yield from self._deal_roles()

    def _deal_roles(self) -> Iterator[Record]:
        """Each contact on each deal it is associated with (from either side), in its
        buying roles."""
        for contact, deals in sorted(self.contact_deals.items()):
            for raw in sorted(deals):
                deal = f"hs-deal-{raw}"
                account = self.opportunities.get(deal)
                if account is None:
                    continue
                if contact not in self.contacts:
                    self.result.skipped["deal contact not in the export"] += 1
                    continue
                yield OpportunityRole(
                    id=f"{deal}:{contact}",
                    account_id=account,
                    opportunity_id=deal,
                    person_id=contact,
                    roles=self.contact_roles.get(contact, (CustomerRole.OTHER,)),
                    role_label=self.role_labels.get(contact),
                )

    # -- activities -------------------------------------------------------------------

    def _activity(self, row: Row, cols: Columns, what: str
                  ) -> tuple[str, datetime, str, list[str]] | None:
        """Id, moment, owner and contacts of an activity, or None (counted or rejected)."""
        activity = self._key(row, cols, what)
        when = v.moment(row, cols["when"], epoch_ms=True)
        if when is None:
            self.result.skipped[f"{what} without a date"] += 1
            return None
        contacts: list[str] = []
        for raw in self._listed(row, cols["contacts"]):
            contact = f"hs-contact-{raw}"
            if contact not in self.contacts:
                self._reject(row, cols["contacts"], "unknown-contact",
                             f"contact {raw} is not in the contacts file")
                return None
            if contact not in contacts:
                contacts.append(contact)
        if not contacts:
            self.result.skipped[f"{what} without a contact"] += 1
            return None
        owner = self._owner(row, cols["owner"], required=True)
        if owner is None:
            return None
        return activity, when, owner, contacts

    def _touches(self, activity: str, owner: str, contacts: list[str], when: datetime,
                 channel: Channel, outcome: Outcome, minutes: int) -> Iterator[Record]:
        yield from self._drain()
        for contact in contacts:
            yield Touch(
                activity_id=activity,
                account_id=self.contacts[contact],
                supplier_id=owner,
                customer_id=contact,
                day=when.date(),
                channel=channel,
                outcome=outcome,
                minutes=minutes if outcome is Outcome.HELD else 0,
            )

    def _meetings(self) -> Iterator[Record]:
        for row, cols in self._tables("meetings"):
            found = self._activity(row, cols, "meeting")
            if found is None:
                continue
            activity, when, owner, contacts = found
            outcome_raw = (v.text(row, cols["outcome"]) or "").lower()
            outcome = Outcome.DECLINED if outcome_raw in _MEETING_DECLINED else Outcome.HELD
            start = v.moment(row, cols["start"], epoch_ms=True)
            end = v.moment(row, cols["end"], epoch_ms=True)
            minutes = max(0, round((end - start).total_seconds() / 60)) if start and end else 0
            yield from self._touches(activity, owner, contacts, when, Channel.MEETING, outcome,
                                     minutes)

    def _calls(self) -> Iterator[Record]:
        for row, cols in self._tables("calls"):
            status = (v.text(row, cols["status"]) or "").lower()
            if status in _CALL_NOT_MADE_STATUS:
                self.result.skipped["call not made (status)"] += 1
                continue
            found = self._activity(row, cols, "call")
            if found is None:
                continue
            activity, when, owner, contacts = found
            disposition = (v.text(row, cols["outcome"]) or "").lower()
            unanswered = CALL_OUTCOMES.get(disposition, False) or (
                status in _CALL_UNANSWERED_STATUS)
            minutes = round(_milliseconds(row, cols["duration"]) / 60_000)
            outcome = Outcome.UNANSWERED if unanswered else Outcome.HELD
            yield from self._touches(activity, owner, contacts, when, Channel.CALL, outcome,
                                     minutes)

    def _emails(self) -> Iterator[Record]:
        for row, cols in self._tables("emails"):
            if (v.text(row, cols["status"]) or "").lower() in _EMAIL_NOT_SENT:
                self.result.skipped["e-mail not delivered"] += 1
                continue
            found = self._activity(row, cols, "email")
            if found is None:
                continue
            activity, when, owner, contacts = found
            yield from self._touches(activity, owner, contacts, when, Channel.EMAIL,
                                     Outcome.SENT, 0)


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")


def _milliseconds(row: Row, column: str) -> float:
    """A call duration: milliseconds, as HubSpot stores it, or H:MM:SS as some views show."""
    raw = row.get(column).strip()
    clock = _CLOCK.match(raw)
    if clock:
        hours, minutes, seconds = (int(x or 0) for x in clock.groups())
        return ((hours * 60 + minutes) * 60 + seconds) * 1000.0
    return v.number(row, column) or 0.0

