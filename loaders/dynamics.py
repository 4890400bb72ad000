"""Dynamics 365 (Dataverse) exports: contact, account, systemuser, opportunity,
activitypointer with activityparty, and connection with connectionrole.

Two shapes are read.  Table exports (Dataverse, Power Query, the Web API) head their
columns with logical names (``contactid``, ``parentcustomerid``) and give lookups as
GUIDs.  Excel exports head them with display names (``Full Name``, ``Company Name``),
give lookups as the record's name, and add hidden leading columns ``(Do Not Modify)
Contact`` (the GUID: used as the id), ``(Do Not Modify) Row Checksum`` and ``(Do Not
Modify) Modified On`` (ignored).  A lookup that is a name is resolved against the
export's own records; a name two records share is rejected, never guessed.

Stakeholder connection roles (Champion, Decision Maker, …) give customer people their
buying roles, on the account or on an opportunity; Sales Team roles put our users on the
account team; the account's owner is its account manager.  ``docs/formats.md`` lists
every column read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.loaders import values as v
from kamgraph.loaders.base import (
    EventSink,
    ExportLoader,
    KnownIds,
    KnownLookup,
    stronger_stance,
    team_roles,
)
from kamgraph.loaders.columns import Columns, rows_with_columns
from kamgraph.loaders.csvio import Row, Table
from kamgraph.loaders.salesforce import CONTACT_ROLES, TEAM_ROLES
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

__all__ = ["COLUMNS", "DECISION_INFLUENCE", "DynamicsLoader", "PARTICIPANTS", "PARTICIPATION",
           "STAKEHOLDER_ROLES",
           "SALES_TEAM_ROLES", "classify"]

R = CustomerRole
#: Connection role names (lower-cased) a customer person may hold -> roles, stance.
#: The first seven are Dataverse's Stakeholder category; the rest are roles orgs add.
STAKEHOLDER_ROLES: dict[str, tuple[tuple[CustomerRole, ...], Stance | None]] = {
    "champion": ((R.COACH,), Stance.CHAMPION),
    "decision maker": ((R.DECISION_MAKER,), None),
    "economic buyer": ((R.ECONOMIC_BUYER,), None),
    "end user": ((R.USER,), None),
    "influencer": ((R.INFLUENCER,), None),
    "technical buyer": ((R.TECHNICAL_BUYER,), None),
    "stakeholder": ((R.OTHER,), None),
    "executive sponsor": ((R.EXECUTIVE_SPONSOR,), None),
    "coach": ((R.COACH,), None),
    "gatekeeper": ((R.GATEKEEPER,), None),
    "blocker": ((), Stance.ANTI_SPONSOR),
    "detractor": ((), Stance.ANTI_SPONSOR),
    "anti-sponsor": ((), Stance.ANTI_SPONSOR),
}

#: Dynamics 365 Sales' contact "Decision influence" tag (msdyn_decisioninfluencetag).
DECISION_INFLUENCE: dict[str, tuple[tuple[CustomerRole, ...], Stance | None]] = {
    "decision maker": ((R.DECISION_MAKER,), None),
    "influencer": ((R.INFLUENCER,), None),
    "blocker": ((), Stance.ANTI_SPONSOR),
}

S = SupplierRole
#: Sales Team connection roles (lower-cased) our users hold on an account.
SALES_TEAM_ROLES: dict[str, SupplierRole] = {
    **TEAM_ROLES,
    "sales professional": S.SALES,
    "sales manager": S.SALES,
    "technical sales professional": S.TECHNICAL_SERVICE,
    "engineer": S.TECHNICAL_SERVICE,
    "delivery professional": S.DELIVERY,
    "executive sponsor": S.EXECUTIVE_SPONSOR,
}

#: activityparty.participationtypemask: value and label -> what the party did.
PARTICIPATION: dict[str, str] = {
    "1": "sender", "2": "to", "3": "cc", "4": "bcc", "5": "required", "6": "optional",
    "7": "organizer", "8": "regarding", "9": "owner", "11": "customer",
    "sender": "sender", "to recipient": "to", "cc recipient": "cc", "bcc recipient": "bcc",
    "required attendee": "required", "optional attendee": "optional",
    "organizer": "organizer", "regarding": "regarding", "owner": "owner",
    "customer": "customer",
}
_TAKES_PART = frozenset({"sender", "to", "cc", "bcc", "required", "optional", "organizer"})

_CHANNELS: dict[str, Channel] = {
    "phonecall": Channel.CALL, "phone call": Channel.CALL, "4210": Channel.CALL,
    "appointment": Channel.MEETING, "4201": Channel.MEETING,
    "email": Channel.EMAIL, "e-mail": Channel.EMAIL, "4202": Channel.EMAIL,
    "task": Channel.OTHER, "4212": Channel.OTHER,
    "letter": Channel.OTHER, "4207": Channel.OTHER,
}
#: statecode of an activity: value and label -> open, completed, canceled, scheduled.
_ACTIVITY_STATE = {"0": "open", "1": "completed", "2": "canceled", "3": "scheduled",
                   "open": "open", "completed": "completed", "canceled": "canceled",
                   "cancelled": "canceled", "scheduled": "scheduled"}
_OPPORTUNITY_STATE = {"0": "open", "1": "won", "2": "lost",
                      "open": "open", "won": "won", "lost": "lost"}
_INACTIVE = frozenset({"1", "inactive", "disabled"})

_GUID = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


def _dnm(entity: str) -> str:
    return f"(Do Not Modify) {entity}"


_MODIFIED = ("modifiedon", "Modified On")
#: Every column read, by table: field -> (logical name, Web API name, display name, ...).
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "systemuser": {
        "id": ("systemuserid", _dnm("User")),
        "fullname": ("fullname", "Full Name"),
        "first": ("firstname", "First Name"),
        "last": ("lastname", "Last Name"),
        "title": ("jobtitle", "title", "Job Title", "Title"),
        "department": ("department", "businessunitidname", "Department", "Business Unit"),
        "email": ("internalemailaddress", "Primary Email"),
        "manager": ("parentsystemuserid", "_parentsystemuserid_value", "Manager"),
        "disabled": ("isdisabled", "Status"),
        "modified": _MODIFIED,
    },
    "account": {
        "id": ("accountid", _dnm("Account")),
        "name": ("name", "Account Name"),
        "industry": ("industrycodename", "industrycode", "Industry"),
        "revenue": ("revenue", "Annual Revenue"),
        "owner": ("ownerid", "_ownerid_value", "Owner"),
        "state": ("statecode", "Status"),
        "modified": _MODIFIED,
    },
    "contact": {
        "id": ("contactid", _dnm("Contact")),
        "fullname": ("fullname", "Full Name"),
        "first": ("firstname", "First Name"),
        "last": ("lastname", "Last Name"),
        "title": ("jobtitle", "Job Title"),
        "department": ("department", "Department"),
        "email": ("emailaddress1", "Email"),
        "account": ("parentcustomerid", "_parentcustomerid_value", "Company Name",
                    "Account Name"),
        # Dynamics 365 Sales: Decision maker, Influencer, Blocker, Unknown.
        "influence": ("msdyn_decisioninfluencetag", "Decision influence", "Decision Influence"),
        # Dynamics 365 Sales' org chart writes the manager here.
        "manager": ("parentcontactid", "_parentcontactid_value", "Manager", "Reports To"),
        "state": ("statecode", "Status"),
        "modified": _MODIFIED,
    },
    "opportunity": {
        "id": ("opportunityid", _dnm("Opportunity")),
        "name": ("name", "Topic"),
        "account": ("parentaccountid", "_parentaccountid_value", "customerid",
                    "_customerid_value", "Account", "Potential Customer"),
        "stage": ("stepname", "Pipeline Phase", "salesstagecode", "Sales Stage"),
        # The opportunity's contact (Dynamics 365 Sales' "Contact" lookup).
        "contact": ("parentcontactid", "_parentcontactid_value", "Contact"),
        "state": ("statecode", "Status"),
        "close": ("actualclosedate", "Actual Close Date"),
        "estimated_close": ("estimatedclosedate", "Est. Close Date"),
        "amount": ("actualvalue", "Actual Revenue"),
        "estimated_amount": ("estimatedvalue", "Est. Revenue"),
        "modified": _MODIFIED,
    },
    "activitypointer": {
        "id": ("activityid", _dnm("Activity")),
        "type": ("activitytypecode", "Activity Type"),
        "owner": ("ownerid", "_ownerid_value", "Owner"),
        "actual_start": ("actualstart", "Actual Start"),
        "scheduled_start": ("scheduledstart", "Start Date"),
        "actual_end": ("actualend", "Actual End"),
        "scheduled_end": ("scheduledend", "Due Date"),
        "minutes": ("actualdurationminutes", "Actual Duration"),
        "scheduled_minutes": ("scheduleddurationminutes", "Scheduled Duration"),
        "state": ("statecode", "Activity Status"),
        "voicemail": ("leftvoicemail", "Left Voice Mail"),
        # The label of a status reason (an org's "No Answer"); a bare number says nothing.
        "reason": ("statuscodename", "Status Reason", "statuscode"),
        "modified": _MODIFIED,
    },
    "activityparty": {
        "id": ("activityid", "_activityid_value"),
        "party": ("partyid", "_partyid_value"),
        "mask": ("participationtypemask", "Participation Type"),
    },
    "connectionrole": {
        "id": ("connectionroleid", _dnm("Connection Role")),
        "name": ("name", "Name"),
        "category": ("category", "Connection Role Category"),
    },
    "connection": {
        "id": ("connectionid", _dnm("Connection")),
        "record1": ("record1id", "_record1id_value", "Connected From"),
        "record2": ("record2id", "_record2id_value", "Connected To"),
        "role1": ("record1roleid", "_record1roleid_value"),
        "role2": ("record2roleid", "_record2roleid_value", "As this Role"),
        "state": ("statecode", "Status"),
    },
}
#: The typed activity tables, read when an export has them instead of (or beside)
#: activitypointer: the same columns, the type given by the table.
TYPED_ACTIVITIES = ("appointment", "phonecall", "email", "task")
#: Who took part, as an Excel export of a typed table names them: display names (or
#: e-mail addresses) separated by ";".  Organizer and sender first.
PARTICIPANTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "appointment": (("organizer", "Organizer"), ("requiredattendees", "Required Attendees"),
                    ("optionalattendees", "Optional Attendees")),
    "email": (("from", "From"), ("to", "To"), ("cc", "Cc"), ("bcc", "Bcc")),
    "phonecall": (("from", "Call From"), ("to", "Call To")),
    "task": (),
}
for _typed in TYPED_ACTIVITIES:
    COLUMNS[_typed] = {
        **COLUMNS["activitypointer"],
        "id": ("activityid", _dnm(_typed.replace("phonecall", "Phone Call").title())),
        "type": ("activitytypecode", "Activity Type", "__none__"),
        # An Excel export of a typed table names its columns after the table's form:
        # an appointment's Start Time and Status, a phone call's Due.
        "scheduled_start": ("scheduledstart", "Start Time", "Start Date"),
        "actual_end": ("actualend", "Actual End", "senton", "Date Sent"),
        "scheduled_end": ("scheduledend", "End Time", "Due", "Due Date"),
        "minutes": ("actualdurationminutes", "Actual Duration", "Duration"),
        "state": ("statecode", "Activity Status", "Status"),
        "regarding": ("regardingobjectid", "_regardingobjectid_value", "Regarding"),
        **{f"party{i}": names for i, names in enumerate(PARTICIPANTS[_typed])},
    }
#: Status reasons (lower-cased labels) of a call that did not connect.
UNANSWERED_REASONS = frozenset({"no answer", "not answered", "unanswered", "no response",
                                "busy", "left voicemail", "left voice mail", "voicemail",
                                "voice mail"})
#: The entity an Excel export's "(Do Not Modify) <Entity>" column names.
_ENTITY = {"user": "systemuser", "account": "account", "contact": "contact",
           "opportunity": "opportunity", "activity": "activitypointer",
           "connection": "connection", "connection role": "connectionrole",
           "appointment": "appointment", "email": "email", "phone call": "phonecall",
           "task": "task"}


#: A table export's files by their own columns: the primary key, and (where a file of
#: another CRM could carry a column of that name) one of the table's own columns too.
_TABLE_KEYS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("connectionrole", "connectionroleid", frozenset()),
    ("connection", "record1id", frozenset({"record2id"})),
    ("systemuser", "systemuserid", frozenset()),
    ("opportunity", "opportunityid", frozenset({
        "name", "estimatedvalue", "actualvalue", "statecode", "parentaccountid", "customerid",
        "stepname", "_parentaccountid_value", "_customerid_value"})),
    ("contact", "contactid", frozenset({
        "fullname", "firstname", "lastname", "parentcustomerid", "_parentcustomerid_value",
        "emailaddress1", "jobtitle"})),
    ("account", "accountid", frozenset({
        "name", "revenue", "industrycode", "industrycodename", "accountnumber", "statecode",
        "address1_city", "telephone1", "_ownerid_value", "owneridname"})),
)
#: Columns only one typed activity table has (table exports of appointment, phonecall,
#: email and task lack activitytypecode).
_TYPED_MARKERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("appointment", frozenset({"requiredattendees", "optionalattendees", "organizer",
                               "isalldayevent", "location"})),
    ("phonecall", frozenset({"phonenumber", "leftvoicemail"})),
    ("email", frozenset({"senton", "torecipients", "sender", "messageid"})),
    ("task", frozenset({"percentcomplete"})),
)


#: System fields of every Salesforce object that Dataverse never writes: a Data Loader
#: extract without its Id column is still Salesforce's.
_SALESFORCE_ONLY = frozenset({"isdeleted", "systemmodstamp", "createdbyid", "lastmodifiedbyid",
                              "masterrecordid", "stagename"})


def classify(header: list[str]) -> str | None:
    """Which Dataverse table a file holds, from its headers alone (never its name): an
    Excel export's hidden ``(Do Not Modify) <Table>`` column, or a table export's own
    columns.  A file with a bare ``Id`` column is another CRM's (Dataverse never writes
    one), or with a Salesforce system field, whatever else it holds."""
    lower = [h.lower() for h in header]
    for h in lower:
        if h.startswith("(do not modify) "):
            entity = _ENTITY.get(h[len("(do not modify) "):])
            if entity:
                return entity
    present = set(lower)
    if "id" in present or present & _SALESFORCE_ONLY:
        return None
    if "activityid" in present or "_activityid_value" in present:
        if "partyid" in present or "_partyid_value" in present:
            return "activityparty"
        if "activitytypecode" in present:
            return "activitypointer"
        for table, markers in _TYPED_MARKERS:
            if present & markers:
                return table
        return None
    for table, key, markers in _TABLE_KEYS:
        if key in present and (not markers or present & markers):
            return table
    return None


class DynamicsLoader(ExportLoader):
    """Streams records from a Dynamics 365 export (a folder or zip of table CSV files)."""

    format = "dynamics"

    def __init__(
        self,
        path: Path,
        *,
        config: Config,
        encoding: str | None = None,
        on_event: EventSink,
        known: KnownIds | KnownLookup | None = None,
    ) -> None:
        super().__init__(path, config=config, encoding=encoding, on_event=on_event,
                         known=known)
        try:
            self.files  # noqa: B018 - classified now: an export not Dynamics' fails here
        except BaseException:
            self.source.close()
            raise
        self.names: dict[str, dict[str, str | None]] = defaultdict(dict)  # kind -> name -> id
        self.role_names: dict[str, str] = {}  # connectionroleid -> name
        # Roles Dataverse orgs add under the names Salesforce uses (Evaluator, Business
        # User, Economic Decision Maker) are known too.
        self.stakeholder: dict[str, tuple[tuple[CustomerRole, ...], Stance | None]] = {
            label: (roles, None) for label, roles in CONTACT_ROLES.items()}
        self.stakeholder.update(STAKEHOLDER_ROLES)
        for label, role in config.contact_role_map.items():
            self.stakeholder[label] = ((CustomerRole(role),), None)
        self.sales_team = team_roles(config, SALES_TEAM_ROLES)
        # Per record, the (other record, role of this one) of its connections.
        self.connections: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.owners: dict[str, str] = {}  # account -> its owner
        #: (account, name) and (None, e-mail) -> person (None: two share it).
        self.people_by_name: dict[tuple[str | None, str], str | None] = {}
        self.contact_roles: dict[str, tuple[CustomerRole, ...]] = {}
        #: Opportunity -> its "Contact" cell, resolved once the contacts are read.
        self.opp_contacts: dict[str, str] = {}
        #: Open opportunities by account; (opportunity, contact) pairs with a role of the
        #: deal's own; contacts' Decision influence tags -> (account, roles, label).
        self.open_opportunities: dict[str, list[str]] = {}
        self.deal_pairs: set[tuple[str, str]] = set()
        self.influence_tags: dict[str, tuple[str, tuple[CustomerRole, ...], str]] = {}
        self.team: dict[tuple[str, str], tuple[SupplierRole, str]] = {}  # from [dynamics.team]

    @cached_property
    def files(self) -> dict[str, list[Table]]:
        """The export's tables by kind.  Read when first asked for: an incremental sync
        asks (:meth:`referenced`) while the base class is set up."""
        files: dict[str, list[Table]] = defaultdict(list)
        rename = dict(self.config.dynamics.headers)
        for name in self.source.names():
            if name.endswith(".csv"):
                table = self.source.table(name, self.encoding, rename)
                kind = classify(table.peek_header())
                if kind is not None:
                    files[kind].append(table)
        if not files.get("contact"):
            spreadsheets = self.source.workbooks()
            hint = (f"; {spreadsheets[0]} is a workbook: save it as CSV (UTF-8) first"
                    if spreadsheets else "")
            raise InputError(
                "not a Dynamics 365 export: no contact table (contact.csv, or an Excel "
                f"export with a '(Do Not Modify) Contact' column){hint}",
                file=self.result.source)
        return files

    def referenced(self) -> dict[str, set[str]]:
        """Every GUID a row names besides its own: a GUID does not say which table it is
        from, so each is asked for as an account, a person and an opportunity.  (An
        Excel export names lookups by name, which only the export itself resolves.)"""
        named: set[str] = set()
        for kind, tables in self.files.items():
            for row, cols in rows_with_columns(tables, COLUMNS[kind], None, self.on_event):
                own = row.get(cols["id"]).strip().lower()
                for cell in row.values:
                    match = _GUID.match(cell.strip()) if 36 <= len(cell) <= 40 else None
                    if match is not None and match.group(1).lower() != own:
                        named.add(match.group(1).lower())
        return {"account": named, "person": named, "opportunity": named}

    def _tables(self, kind: str) -> Iterator[tuple[Row, Columns]]:
        return rows_with_columns(self.files.get(kind, ()), COLUMNS[kind], self.result,
                                 self.on_event)

    # -- values -----------------------------------------------------------------------

    @staticmethod
    def _guid(row: Row, column: str, *, required: bool = True) -> str | None:
        raw = row.get(column).strip()
        if not raw:
            if required:
                raise row.error(column, "empty id")
            return None
        match = _GUID.match(raw)
        if match is None:
            raise row.error(column, f"not a GUID: {raw[:40]!r}")
        return match.group(1).lower()

    def _remember(self, kind: str, name: str | None, record_id: str) -> None:
        if not name:
            return
        key = name.strip().lower()
        known = self.names[kind]
        known[key] = None if key in known and known[key] != record_id else record_id

    def _lookup(self, row: Row, column: str, kind: str, ids: set[str] | dict[str, str],
                what: str) -> str | None:
        """A lookup cell: a GUID (table exports) or the record's name (Excel exports).

        None when empty; rejected (and None) when it names nothing in the export, or a
        name two records share.
        """
        raw = row.get(column).strip()
        if not raw:
            return None
        match = _GUID.match(raw)
        if match is not None:
            found: str | None = match.group(1).lower()
            if found in ids:
                return found
            self._reject(row, column, f"unknown-{what}", f"{what} {found} is not in the export")
            return None
        key = raw.lower()
        found = self.names[kind].get(key)
        if found is None:
            why = "names two records" if key in self.names[kind] else "is not in the export"
            self._reject(row, column, f"unknown-{what}", f"{what} {raw!r} {why}")
        return found

    @staticmethod
    def _state(row: Row, column: str, table: dict[str, str]) -> str | None:
        raw = (v.text(row, column) or "").lower()
        if not raw:
            return None
        state = table.get(raw)
        if state is None:
            raise row.error(column, f"unknown state {raw[:40]!r} (expected one of "
                                    f"{', '.join(sorted(set(table.values())))})")
        return state

    @staticmethod
    def _name(row: Row, cols: Columns) -> str | None:
        full = v.text(row, cols["fullname"])
        if full:
            return full
        parts = (v.text(row, cols["first"]), v.text(row, cols["last"]))
        return " ".join(p for p in parts if p) or None

    # -- the stream -------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        try:
            yield from self._users()
            yield from self._accounts()
            yield from self._opportunities()
            self._read_roles()
            self._read_connections()
            yield from self._contacts()
            yield from self._connected()
            yield from self._opportunity_contacts()
            yield from self._influence_on_deals()
            yield from self._activities()
        finally:
            self.close()

    def _users(self) -> Iterator[Record]:
        for row, cols in self._tables("systemuser"):
            user = self._guid(row, cols["id"])
            assert user is not None
            name = self._name(row, cols)
            if self._another_person(row, cols["id"], user, name, v.text(row, cols["email"])):
                continue
            self.users.add(user)
            self._remember("systemuser", name, user)
            self._index_person(user, None, name, v.text(row, cols["email"]))
            department = v.text(row, cols["department"])
            if department and _GUID.match(department):
                department = None  # a business unit's GUID says nothing of the function
            manager_raw = row.get(cols["manager"]).strip()
            manager = None
            if manager_raw:
                match = _GUID.match(manager_raw)
                manager = match.group(1).lower() if match else self.names["systemuser"].get(
                    manager_raw.lower())
            disabled = (v.text(row, cols["disabled"]) or "").lower()
            yield Person(
                id=user,
                side=Side.SUPPLIER,
                name=name or user,
                title=v.text(row, cols["title"]),
                department=department,
                email=v.text(row, cols["email"]),
                reports_to=manager,
                active=disabled not in ("1", "true", "yes", "disabled"),
            )

    def _accounts(self) -> Iterator[Record]:
        for row, cols in self._tables("account"):
            account = self._guid(row, cols["id"])
            assert account is not None
            name = v.text(row, cols["name"])
            self.accounts.add(account)
            self._remember("account", name, account)
            owner = self._lookup(row, cols["owner"], "systemuser", self.users, "user")
            if owner is not None:
                self.owners[account] = owner
            for column, team_role in self.config.dynamics.team.items():
                if row.table.has(column):
                    member = self._lookup(row, column, "systemuser", self.users, "user")
                    if member is not None:
                        self.team.setdefault((account, member), (SupplierRole(team_role), column))
            yield Account(
                id=account,
                name=name or account,
                industry=v.text(row, cols["industry"]),
                revenue=v.number(row, cols["revenue"]),
                owner_id=owner,
                deleted=False,
            )

    def _opportunities(self) -> Iterator[Record]:
        for row, cols in self._tables("opportunity"):
            opportunity = self._guid(row, cols["id"])
            assert opportunity is not None
            account = self._lookup(row, cols["account"], "account", self.accounts, "account")
            if account is None:
                if not row.get(cols["account"]).strip():
                    self.result.skipped["opportunity without account"] += 1
                continue
            self.opportunities[opportunity] = account
            name = v.text(row, cols["name"])
            self._remember("opportunity", name, opportunity)
            contact_raw = row.get(cols["contact"]).strip()
            if contact_raw:
                self.opp_contacts[opportunity] = contact_raw
            state = self._state(row, cols["state"], _OPPORTUNITY_STATE) or "open"
            if state == "open":
                self.open_opportunities.setdefault(account, []).append(opportunity)
            close = v.day(row, cols["close"]) or v.day(
                row, cols["estimated_close"])
            amount = v.number(row, cols["amount"])
            yield Opportunity(
                id=opportunity,
                account_id=account,
                name=name or opportunity,
                stage=v.text(row, cols["stage"]),
                is_closed=state != "open",
                is_won=state == "won",
                close_date=close,
                amount=amount if amount is not None else v.number(row, cols["estimated_amount"]),
            )

    def _read_roles(self) -> None:
        for row, cols in self._tables("connectionrole"):
            role = self._guid(row, cols["id"])
            assert role is not None
            self.role_names[role] = (v.text(row, cols["name"]) or "").lower()

    def _role(self, raw: str) -> str:
        match = _GUID.match(raw.strip())
        if match is not None:
            return self.role_names.get(match.group(1).lower(), "")
        return raw.strip().lower()

    def _read_connections(self) -> None:
        """Connections by the record they give a role to; Dataverse writes each twice."""
        seen: set[tuple[str, str, str]] = set()
        for row, cols in self._tables("connection"):
            if (v.text(row, cols["state"]) or "").lower() in _INACTIVE:
                self.result.skipped["inactive connection"] += 1
                continue
            ends = []
            for column in (cols["record1"], cols["record2"]):
                raw = row.get(column).strip()
                match = _GUID.match(raw)
                ends.append(match.group(1).lower() if match else raw.lower())
            for i, role_column in enumerate((cols["role1"], cols["role2"])):
                role = self._role(row.get(role_column))
                first, second = ends[i], ends[1 - i]
                if not role or not first or not second or (first, second, role) in seen:
                    continue
                seen.add((first, second, role))
                self.connections[first].append((second, role))

    def _contact_names(self) -> dict[str, str | None]:
        """Contacts by name (lower-cased), read first when managers are given by name
        (an Excel export): a name two contacts share names nobody."""
        names: dict[str, str | None] = {}
        for row, cols in self._tables("contact"):
            if not cols.has("manager"):
                return {}
            raw = row.get(cols["id"]).strip()
            match = _GUID.match(raw)
            name = self._name(row, cols)
            if match and name:
                key = name.lower()
                found = match.group(1).lower()
                names[key] = None if key in names and names[key] != found else found
        return names

    @staticmethod
    def _manager(raw: str, names: dict[str, str | None]) -> str | None:
        raw = raw.strip()
        if not raw:
            return None
        match = _GUID.match(raw)
        return match.group(1).lower() if match else names.get(raw.lower())

    def _contacts(self) -> Iterator[Record]:
        managers = self._contact_names() if self._names_managers() else {}
        for row, cols in self._tables("contact"):
            contact = self._guid(row, cols["id"])
            assert contact is not None
            name = self._name(row, cols)
            if self._another_person(row, cols["id"], contact, name,
                                    v.text(row, cols["email"])):
                continue
            account = self._lookup(row, cols["account"], "account", self.accounts, "account")
            if account is None:
                if not row.get(cols["account"]).strip():
                    self.result.skipped["contact without account"] += 1
                continue
            self._remember("contact", name, contact)
            inactive = (v.text(row, cols["state"]) or "").lower() in _INACTIVE
            self.contacts[contact] = account
            roles: list[CustomerRole] = []
            stance: Stance | None = None
            for other, role in self.connections.get(contact, ()):
                mapped = self.stakeholder.get(role)
                if mapped is None:
                    self.result.skipped[f"connection role {role!r} not known (map it in "
                                        f"[contact_role_map])"] += 1
                    continue
                stance = stronger_stance(stance, mapped[1])
                if other == account:
                    roles.extend(r for r in mapped[0] if r not in roles)
            tagged = self._decision_influence(row, cols["influence"])
            if tagged is not None:
                roles.extend(r for r in tagged[0] if r not in roles)
                stance = stronger_stance(stance, tagged[1])
                if tagged[0] and not inactive:
                    self.influence_tags[contact] = (account, tagged[0],
                                                    row.get(cols["influence"]).strip())
            self.contact_roles[contact] = tuple(roles)
            self._index_person(contact, account, name, v.text(row, cols["email"]))
            yield Person(
                id=contact,
                side=Side.CUSTOMER,
                name=name or contact,
                account_id=account,
                title=v.text(row, cols["title"]),
                department=v.text(row, cols["department"]),
                email=v.text(row, cols["email"]),
                reports_to=self._manager(row.get(cols["manager"]), managers),
                roles=tuple(roles) or None,
                stance=stance,
                active=False if inactive else None,
            )

    def _decision_influence(self, row: Row, column: str
                            ) -> tuple[tuple[CustomerRole, ...], Stance | None] | None:
        """Dynamics 365 Sales' "Decision influence" tag of a contact, as roles and stance."""
        raw = (v.text(row, column) or "").lower()
        if not raw or raw == "unknown":
            return None
        found = DECISION_INFLUENCE.get(raw)
        if found is None:
            self.result.skipped[f"decision influence {raw[:40]!r} not known"] += 1
        return found

    def _index_person(self, person: str, account: str | None, name: str | None,
                      email: str | None) -> None:
        """A person by name within their account (contacts) and by e-mail, for the
        participants an activity names."""
        # Users by name under no account; contacts under theirs and, for activities
        # regarding no account, under any ("").
        named = (name or "").strip().lower()
        keys = [(account, named), (None, (email or "").strip().lower())]
        if account is not None:
            keys.append(("", named))
        for key in keys:
            if key[1]:
                known = self.people_by_name
                known[key] = None if key in known and known[key] != person else person

    def _opportunity_contacts(self) -> Iterator[Record]:
        """The opportunity's "Contact" lookup: the contact on the deal, in their roles."""
        for opportunity, raw in sorted(self.opp_contacts.items()):
            account = self.opportunities[opportunity]
            match = _GUID.match(raw)
            contact = match.group(1).lower() if match else self.people_by_name.get(
                (account, raw.lower()))
            if contact is None or self.contacts.get(contact) is None:
                self.result.skipped["opportunity contact not among the account's "
                                    "contacts"] += 1
                continue
            roles = self.contact_roles.get(contact) or (CustomerRole.OTHER,)
            self.deal_pairs.add((opportunity, contact))
            yield OpportunityRole(id=f"{opportunity}:{contact}:contact",
                                  account_id=account, opportunity_id=opportunity,
                                  person_id=contact, roles=roles, role_label="Contact")

    def _influence_on_deals(self) -> Iterator[Record]:
        """A contact's "Decision influence" is theirs on the account, and counts on each
        open deal of the account where they hold no role of their own (as Salesforce's
        account roles and HubSpot's buying roles do)."""
        for contact, (account, roles, label) in sorted(self.influence_tags.items()):
            for opportunity in sorted(self.open_opportunities.get(account, ())):
                if (opportunity, contact) in self.deal_pairs:
                    continue
                yield OpportunityRole(
                    id=f"{opportunity}:{contact}:decision-influence", account_id=account,
                    opportunity_id=opportunity, person_id=contact, roles=roles,
                    role_label=f"decision influence: {label}")

    def _connected(self) -> Iterator[Record]:
        """Buying roles on opportunities, and our users' places on account teams."""
        team = dict(self.team)
        for first, links in sorted(self.connections.items()):
            for other, label in links:
                if first in self.contacts and other in self.opportunities:
                    mapped = self.stakeholder.get(label)
                    if mapped is None or not mapped[0]:
                        continue
                    self.deal_pairs.add((other, first))
                    yield OpportunityRole(
                        id=f"{other}:{first}:{label}",
                        account_id=self.opportunities[other],
                        opportunity_id=other,
                        person_id=first,
                        roles=mapped[0],
                        role_label=label.title(),
                    )
                elif first in self.users and other in self.accounts:
                    role = self.sales_team.get(label)
                    if role is not None:
                        team.setdefault((other, first), (role, label.title()))
        for account, owner in self.owners.items():
            team.setdefault((account, owner), (SupplierRole.KEY_ACCOUNT_MANAGER, "Owner"))
        for (account, user), (role, label) in sorted(team.items()):
            yield TeamMember(account_id=account, person_id=user, role=role, role_label=label)

    def _names_managers(self) -> bool:
        """True when some contact's manager is given by name rather than GUID."""
        for row, cols in self._tables("contact"):
            if not cols.has("manager"):
                return False
            raw = row.get(cols["manager"]).strip()
            if raw and not _GUID.match(raw):
                return True
        return False

    def _parties(self) -> dict[str, list[tuple[str, str]]]:
        parties: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for row, cols in self._tables("activityparty"):
            activity = self._guid(row, cols["id"])
            party = self._guid(row, cols["party"], required=False)
            if activity is None or party is None:
                continue
            mask = (v.text(row, cols["mask"]) or "").lower()
            took = PARTICIPATION.get(mask)
            if took is None:
                raise row.error(cols["mask"], f"unknown participation type {mask[:40]!r}")
            if took in _TAKES_PART:
                parties[activity].append((party, took))
        return parties

    def _activity_rows(self) -> Iterator[tuple[Row, Columns, str | None]]:
        """activitypointer's rows, then the typed tables' (each activity once)."""
        seen: set[str] = set()
        for row, cols in self._tables("activitypointer"):
            seen.add(row.get(cols["id"]).strip().lower())
            yield row, cols, None
        for typed in TYPED_ACTIVITIES:
            for row, cols in self._tables(typed):
                if row.get(cols["id"]).strip().lower() not in seen:
                    yield row, cols, typed

    def _participants(self, row: Row, cols: Columns, kind: str) -> Iterator[str]:
        """The users and contacts an Excel export's activity names by display name (or
        e-mail address), each looked up among the regarding account's contacts and our
        users; what names nobody, or two people, is counted.  A task has no participants:
        its contact is the one it is regarding."""
        account, regarding_contact = self._regarding(row, cols)
        if kind == "task" and regarding_contact is not None:
            yield regarding_contact
        # The regarding account's contacts, our users (and e-mail addresses); all the
        # export's contacts only when the activity is regarding no account.
        scopes: tuple[str | None, ...] = (account, None) if account else (None, "")
        for i in range(len(PARTICIPANTS[kind])):
            for raw in row.get(cols[f"party{i}"]).split(";"):
                name = raw.strip().strip('"').strip().lower()
                if not name:
                    continue
                for key in ((scope, name) for scope in scopes):
                    if key in self.people_by_name:
                        found = self.people_by_name[key]
                        if found is None:
                            self.result.skipped[f"{kind} participant whose name two people "
                                                f"share"] += 1
                        else:
                            yield found
                        break
                else:
                    self.result.skipped[f"{kind} participant not found among the regarding "
                                        f"account's contacts or the users"] += 1

    def _regarding(self, row: Row, cols: Columns) -> tuple[str | None, str | None]:
        """The account an activity is regarding (itself, or the account of the
        opportunity or contact it is regarding), and that contact when it is one."""
        raw = row.get(cols["regarding"]).strip() if cols.has("regarding") else ""
        if not raw:
            return None, None
        match = _GUID.match(raw)
        if match is not None:
            found: str | None = match.group(1).lower()
            kinds = [k for k, ids in (("account", self.accounts), ("opportunity",
                     self.opportunities), ("contact", self.contacts)) if found in ids]
        else:
            kinds = ["account", "opportunity", "contact"]
            found = None
        for kind in kinds:
            record = found or self.names[kind].get(raw.lower())
            if record is None:
                continue
            if kind == "account":
                return record, None
            if kind == "opportunity":
                return self.opportunities.get(record), None
            return self.contacts.get(record), record
        return None, None

    def _activities(self) -> Iterator[Record]:
        parties = self._parties()
        read = 0
        for row, cols, typed in self._activity_rows():
            activity = self._guid(row, cols["id"])
            assert activity is not None
            kind = typed or (v.text(row, cols["type"]) or "").lower()
            channel = _CHANNELS.get(kind)
            if channel is None:
                self.result.skipped[f"activity of type {kind or '(none)'}"] += 1
                continue
            state = self._state(row, cols["state"], _ACTIVITY_STATE) or "completed"
            if channel is Channel.MEETING:
                outcome = Outcome.DECLINED if state == "canceled" else Outcome.HELD
            elif state != "completed":
                self.result.skipped[f"{state} {kind}"] += 1
                continue
            elif channel is Channel.CALL and (
                    v.boolean(row, cols["voicemail"])
                    or (v.text(row, cols["reason"]) or "").lower() in UNANSWERED_REASONS):
                outcome = Outcome.UNANSWERED
            else:
                outcome = Outcome.SENT if channel is Channel.EMAIL else Outcome.HELD
            when = (v.moment(row, cols["actual_start"])
                    or v.moment(row, cols["scheduled_start"])
                    or v.moment(row, cols["actual_end"])
                    or v.moment(row, cols["scheduled_end"]))
            if when is None:
                self.result.skipped[f"{kind} without a date"] += 1
                continue
            owner = self._lookup(row, cols["owner"], "systemuser", self.users, "user")
            ours = {owner} if owner is not None else set()
            theirs: list[str] = []
            for party, _took in parties.get(activity, ()):
                if party in self.users:
                    ours.add(party)
                elif party in self.contacts and party not in theirs:
                    theirs.append(party)
            if typed is not None:
                for party in self._participants(row, cols, typed):
                    if party in self.users:
                        ours.add(party)
                    elif party not in theirs:
                        theirs.append(party)
            if not theirs:
                self.result.skipped[f"{kind} without a contact"] += 1
                continue
            if not ours:
                if not row.get(cols["owner"]).strip():
                    self._reject(row, cols["owner"], "unknown-user",
                                 "no owner and no user among the activity's parties")
                continue
            minutes = v.number(row, cols["minutes"])
            if minutes is None:
                minutes = v.number(row, cols["scheduled_minutes"]) or 0
            read += 1
            for contact in theirs:
                for user in sorted(ours):
                    yield Touch(
                        activity_id=activity,
                        account_id=self.contacts[contact],
                        supplier_id=user,
                        customer_id=contact,
                        day=when.date(),
                        channel=channel,
                        outcome=outcome,
                        minutes=int(minutes) if outcome is Outcome.HELD else 0,
                    )
        if not read and parties:
            self.result.warn(
                f"activityparty names {len(parties)} activities, but no activity was read: "
                f"the export needs activitypointer.csv, or appointment.csv, phonecall.csv "
                f"and email.csv")
