"""Salesforce exports: the weekly Data Export (folder or zip) and Data Loader files.

Both flavours load to the same records: headers are matched case-insensitively, ids are
normalised to 18 characters, booleans and dates are read in either form, the encoding is
detected per file (or forced).  Activities become :class:`~kamgraph.model.Touch` records,
one per (our user, their contact) pair an activity joins; ``docs/formats.md`` lists every
column read and the quirk behind each rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from kamgraph import scratch
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.loaders import sfid
from kamgraph.loaders import values as v
from kamgraph.loaders.base import (
    EventSink,
    ExportLoader,
    KnownIds,
    KnownLookup,
    counted_rows,
    team_roles,
)
from kamgraph.loaders.csvio import Row, Table
from kamgraph.loaders.detection import salesforce_object
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
from kamgraph.scratch import MultiMap, chunks

__all__ = ["CONTACT_ROLES", "TEAM_ROLES", "UNANSWERED_CALLS", "SalesforceLoader"]

R = CustomerRole
#: OpportunityContactRole.Role (and AccountContactRelation.Roles) labels, lower-cased.
CONTACT_ROLES: dict[str, tuple[CustomerRole, ...]] = {
    "business user": (R.USER,),
    "decision maker": (R.DECISION_MAKER,),
    "economic buyer": (R.ECONOMIC_BUYER,),
    "economic decision maker": (R.ECONOMIC_BUYER, R.DECISION_MAKER),
    "evaluator": (R.TECHNICAL_BUYER,),
    "executive sponsor": (R.EXECUTIVE_SPONSOR,),
    "influencer": (R.INFLUENCER,),
    "technical buyer": (R.TECHNICAL_BUYER,),
    "gatekeeper": (R.GATEKEEPER,),
    "coach": (R.COACH,),
    "champion": (R.COACH,),
    "user": (R.USER,),
    "end user": (R.USER,),
    "other": (R.OTHER,),
}

S = SupplierRole
#: AccountTeamMember.TeamMemberRole labels, lower-cased.
TEAM_ROLES: dict[str, SupplierRole] = {
    "account manager": S.KEY_ACCOUNT_MANAGER,
    "key account manager": S.KEY_ACCOUNT_MANAGER,
    "key account director": S.KEY_ACCOUNT_DIRECTOR,
    "account director": S.KEY_ACCOUNT_DIRECTOR,
    "global account manager": S.KEY_ACCOUNT_DIRECTOR,
    "executive sponsor": S.EXECUTIVE_SPONSOR,
    "sales rep": S.SALES,
    "sales manager": S.SALES,
    "channel manager": S.SALES,
    "lead qualifier": S.SALES,
    "inside sales": S.SALES,
    "pre-sales consultant": S.TECHNICAL_SERVICE,
    "sales engineer": S.TECHNICAL_SERVICE,
    "technical service": S.TECHNICAL_SERVICE,
    "technical account manager": S.TECHNICAL_SERVICE,
    "solution architect": S.TECHNICAL_SERVICE,
    "customer success manager": S.DELIVERY,
    "delivery manager": S.DELIVERY,
    "project manager": S.DELIVERY,
}

#: Task.CallDisposition values (lower-cased) that mean nobody answered.
UNANSWERED_CALLS = frozenset(
    {
        "no answer", "noanswer", "no-answer", "voicemail", "left voicemail", "left message",
        "busy", "not reached", "no contact", "unanswered", "not available", "wrong number",
        "bad number", "hung up",
    }
)
_DECLINED = frozenset({"declined", "decline"})
_OPEN_STATUSES = frozenset({"not started", "in progress", "waiting on someone else", "deferred",
                            "open", "planned", "scheduled"})


def _name(row: Row) -> str:
    full = v.text(row, "Name")
    if full:
        return full
    parts = [v.text(row, "FirstName"), v.text(row, "LastName")]
    return " ".join(p for p in parts if p) or ""


class _Relation(NamedTuple):
    """One AccountContactRelation row: its id, the account, and its state."""

    id: str | None
    account: str
    active: bool
    deleted: bool


#: The objects the loader reads, and the kind of stored record each object a lookup
#: column names (by its id's key prefix, :data:`sfid.PREFIXES`) becomes.
_OBJECTS = ("Account.csv", "User.csv", "AccountContactRole.csv",
            "AccountContactRelation.csv", "Contact.csv", "AccountTeamMember.csv",
            "Opportunity.csv", "OpportunityContactRole.csv", "EventRelation.csv", "Event.csv",
            "Task.csv")
_KIND_OF = {"Account": "account", "Contact": "person", "User": "person",
            "Opportunity": "opportunity"}


class SalesforceLoader(ExportLoader):
    """Streams records from a Salesforce export; fills :attr:`result` as it reads."""

    format = "salesforce"

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
            contacts = self._has("Contact.csv")
        except BaseException:
            self.source.close()
            raise
        if not contacts and known is None:
            # A full export always has contacts; an incremental one may hold only the
            # objects that changed.
            books = [b for b in self.source.workbooks() if b.lower().startswith("contact.")]
            self.source.close()
            if books:
                raise InputError(f"Contact.csv is missing, and {books[0]} is there: save it "
                                 f"as CSV (UTF-8) and sync again", file=str(path))
            raise InputError(
                "not a Salesforce export: Contact.csv is missing", file=str(path)
            )
        #: Person (a contact, or a contact's membership of a further account) -> (account,
        #: roles on the account): AccountContactRole and AccountContactRelation.Roles.
        self.account_roles: dict[str, tuple[str, tuple[CustomerRole, ...]]] = {}
        #: (contact, account) -> roles recorded on the account, as read.
        self.roles_read: dict[tuple[str, str], list[CustomerRole]] = {}
        #: Contact -> its AccountContactRelation rows: (row id, account, roles, active,
        #: deleted).  Which is direct is known once the contact's own account is.
        self.relations: dict[str, list[_Relation]] = {}
        #: (contact, further account) -> the person standing for the contact there; the
        #: contacts that have one.
        self.memberships: dict[tuple[str, str], str] = {}
        self.members: set[str] = set()
        #: No User.csv: users are known only by the ids that name them.
        self.users_listed = self._has("User.csv")
        #: Users met only as ids (no User.csv), to be yielded as our people.
        self.id_only: list[str] = []
        self._pending: list[Person] = []
        #: Account -> its owner's id, as Account.csv gives it; (account, user) pairs that
        #: AccountTeamMember puts on the team.
        self.owners: dict[str, str] = {}
        self.team_pairs: set[tuple[str, str]] = set()
        #: Open opportunities -> account; (opportunity, contact) pairs with a role of their own.
        self.open_opportunities: dict[str, str] = {}
        self.deal_roles: set[tuple[str, str]] = set()
        self.contact_roles = dict(CONTACT_ROLES)
        for label, role in config.contact_role_map.items():
            self.contact_roles[label] = (CustomerRole(role),)
        self.team_roles = team_roles(config, TEAM_ROLES)
        self._event_pick: tuple[Table, Callable[[Sequence[str]], tuple[str, ...]]] | None = None

    # -- plumbing ---------------------------------------------------------------------

    @cached_property
    def _members(self) -> dict[str, str]:
        """Object file (``contact.csv``) -> the export's file holding it: the file named
        after the object, else one named otherwise (Data Loader's ``extract.csv``) whose
        ids' key prefix, or columns, say it holds that object."""
        wanted = {name.lower(): name for name in _OBJECTS}
        # Named after its object: read under the object's own name, as the runs record.
        members = {key: name for key, name in wanted.items() if self.source.has(name)}
        for name in self.source.names():
            if not name.endswith(".csv") or name in wanted:
                continue
            header, records = self.source.peek(name)
            found = salesforce_object(header, records[0] if records else None,
                                      ids_first=True)
            key = f"{found.lower()}.csv" if found else ""
            if key not in wanted or members.get(key) == wanted[key]:
                continue
            if key in members:
                raise InputError(
                    f"{self.source.display(members[key])} and {self.source.display(name)} "
                    f"both hold Salesforce {found} records: keep one, or name it {found}.csv",
                    file=str(self.source.path))
            members[key] = name
        return members

    def _has(self, name: str) -> bool:
        return name.lower() in self._members

    def _table(self, name: str) -> Table | None:
        member = self._members.get(name.lower())
        if member is None:
            return None
        return self.source.table(member, self.encoding)

    def _rows(self, name: str, required: tuple[str, ...]) -> Iterator[Row]:
        table = self._table(name)
        if table is not None:
            stamps: list[str] | None = None
            latest = ""
            for row in counted_rows(table, required, self.result, self.on_event):
                if stamps is None:
                    stamps = [c for c in ("SystemModstamp", "LastModifiedDate") if table.has(c)]
                for column in stamps:
                    raw = row.get(column)
                    # ISO moments, one form throughout a file, sort as text: most rows
                    # are passed over unparsed.  A spreadsheet's 10/6/26 does not.
                    if raw > latest or not raw[:4].isdigit():
                        moment = v.moment(row, column)
                        if moment is not None:
                            self.result.saw_modified(moment.isoformat(sep=" "))
                            latest = raw
                yield row

    def referenced(self) -> dict[str, set[str]]:
        """Every id in a lookup column (``AccountId``, ``WhoId``, ``OwnerId``, …: named
        ``…Id``, not the row's own ``Id``) of the objects read, by the kind its key prefix
        names: an incremental export is small, and reading it twice costs less than
        every id the store holds."""
        wanted: dict[str, set[str]] = {"account": set(), "person": set(), "opportunity": set()}
        for name in _OBJECTS:
            table = self._table(name)
            if table is None:
                continue
            columns = [i for i, column in enumerate(table.peek_header())
                       if column.lower().endswith("id") and column.lower() != "id"]
            for row in counted_rows(table, (), None, self.on_event):
                for i in columns:
                    try:
                        key = sfid.to18(row.values[i])
                    except ValueError:
                        continue  # reported when the row is read
                    kind = _KIND_OF.get(sfid.object_of(key) or "") if key else None
                    if kind is not None:
                        wanted[kind].add(str(key))
        return wanted

    # -- the stream -------------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        try:
            yield from self._accounts()
            yield from self._users()
            self._read_account_roles()
            yield from self._contacts()
            yield from self._team()
            yield from self._owners_on_team()
            yield from self._opportunities()
            yield from self._contact_roles()
            yield from self._account_roles_on_deals()
            yield from self._events()
            yield from self._tasks()
            if self.id_only:
                self.result.warn(
                    f"no User.csv: {len(self.id_only)} of our people (account owners, team "
                    f"members, activity owners) are known only by their id and were added "
                    f"as 'user 005…'; sync an export with User.csv to give them names and "
                    f"titles")
        finally:
            self.close()

    def _accounts(self) -> Iterator[Record]:
        for row in self._rows("Account.csv", ("Id", "Name")):
            account_id = v.sf_id(row, "Id", "Account")
            if account_id is None:
                raise row.error("Id", "empty id")
            self.accounts.add(account_id)
            owner = v.sf_id(row, "OwnerId", "User")
            deleted = v.boolean(row, "IsDeleted")
            if owner is not None and not deleted:
                self.owners[account_id] = owner
            yield Account(
                id=account_id,
                name=_name(row) or account_id,
                industry=v.text(row, "Industry"),
                revenue=v.number(row, "AnnualRevenue"),
                owner_id=owner,
                deleted=deleted,
            )

    def _users(self) -> Iterator[Record]:
        for row in self._rows("User.csv", ("Id",)):
            user_id = v.sf_id(row, "Id", "User")
            if user_id is None:
                raise row.error("Id", "empty id")
            name, email = _name(row), v.text(row, "Email")
            if self._another_person(row, "Id", user_id, name, email):
                continue
            self.users.add(user_id)
            yield Person(
                id=user_id,
                side=Side.SUPPLIER,
                name=name or user_id,
                title=v.text(row, "Title"),
                department=v.text(row, "Department"),
                reports_to=v.sf_id(row, "ManagerId"),
                email=email,
                active=v.boolean(row, "IsActive", default=True),
            )

    def _contacts(self) -> Iterator[Record]:
        fields = self.config.salesforce
        for row in self._rows("Contact.csv", ("Id", "AccountId")):
            contact_id = v.sf_id(row, "Id", "Contact")
            if contact_id is None:
                raise row.error("Id", "empty id")
            name, email = _name(row), v.text(row, "Email")
            if self._another_person(row, "Id", contact_id, name, email):
                continue
            account_id = v.sf_id(row, "AccountId", "Account")
            if account_id is None:
                self.result.skipped["contact without account"] += 1
                continue
            unknown = self._unknown_account(account_id, "Account.csv")
            if unknown:
                self._reject(row, "AccountId", "unknown-account",
                             f"account {account_id} {unknown}")
                continue
            deleted = v.boolean(row, "IsDeleted")
            if not deleted:
                self.contacts[contact_id] = account_id
            relations = self.relations.pop(contact_id, [])
            # The relation with the contact's own account is the direct one: an inactive
            # one says the contact left it.
            left = bool(relations) and any(
                r.account == account_id and not r.active and not r.deleted for r in relations)
            person = Person(
                id=contact_id,
                side=Side.CUSTOMER,
                name=name or contact_id,
                account_id=account_id,
                title=v.text(row, "Title"),
                department=v.text(row, "Department"),
                reports_to=v.sf_id(row, "ReportsToId"),
                email=email,
                stance=self._stance(row) if fields.stance else None,
                influence=self._influence(row) if fields.influence else None,
                dos=v.text(row, fields.dos) if fields.dos else None,
                donts=v.text(row, fields.donts) if fields.donts else None,
                merged_into=v.sf_id(row, "MasterRecordId"),
                deleted=deleted,
                roles=self._roles_on(contact_id, contact_id, account_id),
                active=False if left else None,
            )
            yield person
            for relation in relations:
                if relation.account != account_id:
                    yield from self._member(person, relation)

    def _member(self, contact: Person, relation: _Relation) -> Iterator[Record]:
        """The contact as one of a further account's people (an AccountContactRelation
        that is not the contact's own account): the same person, there under the
        relation's id, active or not as the relation says."""
        if relation.account not in self.accounts and (self.accounts or self.accounts_held):
            self.result.skipped["account contact relation naming an account not in the "
                                "export"] += 1
            return
        key = relation.id or f"{contact.id}@{relation.account}"
        deleted = relation.deleted or contact.deleted
        if not deleted:
            self.contacts[key] = relation.account
            self.memberships[(contact.id, relation.account)] = key
            self.members.add(contact.id)
        yield dataclasses.replace(
            contact, id=key, account_id=relation.account, reports_to=None, merged_into=None,
            deleted=deleted, roles=self._roles_on(key, contact.id, relation.account),
            active=None if relation.active else False)

    # -- roles on the account ---------------------------------------------------------

    def _read_account_roles(self) -> None:
        """Buying roles recorded on the account rather than a deal: AccountContactRole
        (one role a row) and AccountContactRelation (``Roles``, ``;``-separated); and
        AccountContactRelation's memberships, direct or not, kept for the contacts."""
        for row in self._rows("AccountContactRole.csv", ("AccountId", "ContactId", "Role")):
            pair = self._pair(row)
            if pair is None:
                continue
            if v.boolean(row, "IsDeleted"):
                self.result.skipped["account role deleted or inactive"] += 1
                continue
            self._add_roles(pair, [v.text(row, "Role") or "Other"])
        for row in self._rows("AccountContactRelation.csv", ("AccountId", "ContactId")):
            pair = self._pair(row)
            if pair is None:
                continue
            deleted = v.boolean(row, "IsDeleted")
            active = v.boolean(row, "IsActive", default=True)
            labels = [part.strip() for part in (v.text(row, "Roles") or "").split(";")]
            labels = [label for label in labels if label]
            if labels and not deleted and active:
                self._add_roles(pair, labels)
            elif labels:
                self.result.skipped["account role deleted or inactive"] += 1
            self.relations.setdefault(pair[0], []).append(_Relation(
                v.sf_id(row, "Id") if row.table.has("Id") else None, pair[1], active, deleted))

    def _pair(self, row: Row) -> tuple[str, str] | None:
        account_id = v.sf_id(row, "AccountId", "Account")
        contact_id = v.sf_id(row, "ContactId", "Contact")
        if account_id is None or contact_id is None:
            self.result.skipped["account role without account or contact"] += 1
            return None
        return contact_id, account_id

    def _add_roles(self, pair: tuple[str, str], labels: list[str]) -> None:
        held = self.roles_read.setdefault(pair, [])
        for label in labels:
            for role in self.contact_roles.get(label.lower(), (CustomerRole.OTHER,)):
                if role not in held:
                    held.append(role)

    def _roles_on(self, person: str, contact_id: str, account_id: str
                  ) -> tuple[CustomerRole, ...] | None:
        """The roles ``contact_id`` holds on ``account_id``, kept for ``person`` (the
        contact, or its membership of that account) to carry onto the account's deals."""
        roles = self.roles_read.pop((contact_id, account_id), None)
        if not roles:
            return None
        self.account_roles[person] = (account_id, tuple(roles))
        return tuple(roles)

    def _account_roles_on_deals(self) -> Iterator[Record]:
        """A person's roles on the account, as their role on each open deal of that
        account where they have no role of their own, as a HubSpot buying role does."""
        if self.roles_read:
            # Roles on an account the contact is not related to, or of a contact the
            # export lacks: nobody to give them to.
            self.result.skipped["account role on an account the contact is not related "
                                "to"] += len(self.roles_read)
            self.roles_read.clear()
        by_account: dict[str, list[str]] = {}
        for person, (account_id, _roles) in self.account_roles.items():
            if self.contacts.get(person) == account_id:
                by_account.setdefault(account_id, []).append(person)
        for opp_id, account_id in sorted(self.open_opportunities.items()):
            for person in sorted(by_account.get(account_id, ())):
                if (opp_id, person) in self.deal_roles:
                    continue
                roles = self.account_roles[person][1]
                yield OpportunityRole(
                    id=f"{opp_id}:{person}:account-role",
                    account_id=account_id,
                    opportunity_id=opp_id,
                    person_id=person,
                    roles=roles,
                    role_label="on the account: " + ", ".join(r.value.replace("_", " ")
                                                              for r in roles),
                )

    def _stance(self, row: Row) -> Stance | None:
        column = self.config.salesforce.stance
        assert column is not None
        raw = v.text(row, column)
        if raw is None:
            return None
        label = raw.lower()
        mapped = self.config.salesforce.stance_values.get(label)
        if mapped is None:
            normal = label.replace("-", "_").replace(" ", "_")
            if normal in {s.value for s in Stance}:
                mapped = normal
        if mapped is None:
            self._reject(row, column, "unknown-stance",
                         f"stance {raw!r} is not mapped; add it to [salesforce.stance_values]")
            return None
        return Stance(mapped)

    def _influence(self, row: Row) -> float | None:
        column = self.config.salesforce.influence
        assert column is not None
        value = v.number(row, column)
        if value is None:
            return None
        scaled = value / self.config.salesforce.influence_scale
        if not 0.0 <= scaled <= 1.0:
            self._reject(row, column, "influence-out-of-range",
                         f"influence {value} is outside 0..1 after dividing by "
                         f"{self.config.salesforce.influence_scale}")
            return None
        return scaled

    def _team(self) -> Iterator[Record]:
        for row in self._rows("AccountTeamMember.csv", ("AccountId", "UserId", "TeamMemberRole")):
            account_id = v.sf_id(row, "AccountId", "Account")
            user_id = self._user(v.sf_id(row, "UserId", "User"))
            yield from self._drain()
            if account_id is None or v.sf_id(row, "UserId") is None:
                self.result.skipped["team member without account or user"] += 1
                continue
            if user_id is None:
                self._reject(row, "UserId", "unknown-user",
                             f"user {row.get('UserId').strip()} is not in User.csv")
                continue
            label = v.text(row, "TeamMemberRole") or "Other"
            deleted = v.boolean(row, "IsDeleted")
            if not deleted:
                self.team_pairs.add((account_id, user_id))
            yield TeamMember(
                account_id=account_id,
                person_id=user_id,
                role=self.team_roles.get(label.lower(), SupplierRole.OTHER),
                role_label=label,
                deleted=deleted,
            )

    def _owners_on_team(self) -> Iterator[Record]:
        """An account's owner is its account manager, unless AccountTeamMember already
        gives them a place on that account's team."""
        for account_id, owner in sorted(self.owners.items()):
            if (account_id, owner) in self.team_pairs:
                continue
            user_id = self._user(owner)
            yield from self._drain()
            if user_id is None:
                self.result.skipped["account owner not in User.csv"] += 1
                continue
            yield TeamMember(account_id=account_id, person_id=user_id,
                             role=SupplierRole.KEY_ACCOUNT_MANAGER, role_label="Account Owner")

    # -- our people known only by id --------------------------------------------------

    def _user(self, user_id: str | None) -> str | None:
        """``user_id`` when it names one of our people: a user of User.csv (or of the
        store, for an incremental export); without User.csv, any user id, which then
        stands for one of our people known by nothing but that id."""
        if user_id is None or user_id in self.users:
            return user_id
        if self.users_listed or user_id[:3] != "005":
            return None
        self.users.add(user_id)
        self.id_only.append(user_id)
        self._pending.append(Person(id=user_id, side=Side.SUPPLIER, name=f"user {user_id}"))
        return user_id

    def _drain(self) -> Iterator[Record]:
        """The people :meth:`_user` has met since last asked."""
        if self._pending:
            yield from self._pending
            self._pending = []

    def _opportunities(self) -> Iterator[Record]:
        for row in self._rows("Opportunity.csv", ("Id", "AccountId")):
            opp_id = v.sf_id(row, "Id", "Opportunity")
            account_id = v.sf_id(row, "AccountId", "Account")
            if opp_id is None:
                raise row.error("Id", "empty id")
            if account_id is None:
                self.result.skipped["opportunity without account"] += 1
                continue
            self.opportunities[opp_id] = account_id
            if not v.boolean(row, "IsClosed") and not v.boolean(row, "IsDeleted"):
                self.open_opportunities[opp_id] = account_id
            yield Opportunity(
                id=opp_id,
                account_id=account_id,
                name=_name(row) or opp_id,
                stage=v.text(row, "StageName"),
                is_closed=v.boolean(row, "IsClosed"),
                is_won=v.boolean(row, "IsWon"),
                close_date=v.day(row, "CloseDate"),
                amount=v.number(row, "Amount"),
                deleted=v.boolean(row, "IsDeleted"),
            )

    def _contact_roles(self) -> Iterator[Record]:
        for row in self._rows("OpportunityContactRole.csv", ("Id", "OpportunityId", "ContactId")):
            role_id = v.sf_id(row, "Id")
            opp_id = v.sf_id(row, "OpportunityId", "Opportunity")
            contact_id = v.sf_id(row, "ContactId", "Contact")
            if role_id is None or opp_id is None or contact_id is None:
                self.result.skipped["contact role without opportunity or contact"] += 1
                continue
            account_id = self.opportunities.get(opp_id)
            if account_id is None:
                self.result.skipped["contact role on an opportunity not in the export"] += 1
                continue
            if contact_id not in self.contacts:
                # Salesforce keeps roles that name deleted contacts; nothing to link.
                self.result.skipped["contact role naming a contact not in the export"] += 1
                continue
            label = v.text(row, "Role") or "Other"
            # A deal of a further account the contact is related to: their role is the
            # membership's, which that account's people include.
            person = self.memberships.get((contact_id, account_id), contact_id)
            if not v.boolean(row, "IsDeleted"):
                self.deal_roles.add((opp_id, person))
            yield OpportunityRole(
                id=role_id,
                account_id=account_id,
                opportunity_id=opp_id,
                person_id=person,
                roles=self.contact_roles.get(label.lower(), (CustomerRole.OTHER,)),
                role_label=label,
                is_primary=v.boolean(row, "IsPrimary") if row.table.has("IsPrimary") else None,
                deleted=v.boolean(row, "IsDeleted"),
            )

    def _owner(self, row: Row) -> str | None:
        owner = v.lookup_id(row, row.get("OwnerId"), "OwnerId")
        if owner in self.users:  # the usual case, at once: this runs for every activity
            return owner
        owner = self._user(owner)
        if owner is None:
            raw = row.get("OwnerId").strip()
            why = ("no owner" if not raw else f"owner {raw} is not a user in User.csv"
                   if self.users_listed else f"owner {raw} is not a user (a queue?)")
            self._reject(row, "OwnerId", "unknown-user", why)
            return None
        return owner

    def _who(self, row: Row, what: str) -> str | None:
        """The contact an activity names, or None (counted or rejected) when there is none."""
        who = v.lookup_id(row, row.get("WhoId"), "WhoId")
        if who is None:
            self.result.skipped[f"{what} without a contact"] += 1
            return None
        kind = who[:3]
        if kind == "00Q":
            self.result.skipped[f"{what} with a lead"] += 1
            return None
        if kind != "003" or who not in self.contacts:
            self._reject(row, "WhoId", "unknown-contact",
                         f"{who} is not a contact in Contact.csv")
            return None
        return who

    def _event_relations(self) -> MultiMap:
        """EventRelation rows by event id: (relation id, status)."""
        relations = MultiMap(2, scratch.SPILL_AT)
        pick = None
        for row in self._rows("EventRelation.csv", ("EventId", "RelationId")):
            if pick is None:
                pick = row.table.picker("EventId", "RelationId", "IsDeleted", "IsWhat",
                                        "Status")
            raw_event, raw_relation, deleted, is_what, status = pick(row.values)
            try:  # an event's id is seen once or twice here: not worth remembering
                event_id = sfid.to18(raw_event)
            except ValueError:
                event_id = v.sf_id(row, "EventId")
            relation = v.lookup_id(row, raw_relation, "RelationId")
            if event_id is None or relation is None:
                continue
            if event_id[:3] != "00U" or relation[:3] in ("00T", "00U"):
                # Real exports mix task rows into EventRelation: not event invitees.
                self.result.skipped["event relation not naming an event invitee"] += 1
                continue
            if v.flag(row, deleted, "IsDeleted"):
                continue
            if v.flag(row, is_what, "IsWhat"):
                continue
            relations.add(event_id, (relation, status.strip().lower()))
        relations.seal()
        return relations

    def _events(self) -> Iterator[Record]:
        relations = self._event_relations()
        try:
            events = self._rows("Event.csv", ("Id", "OwnerId"))
            if not relations.spilled:
                for row in events:
                    yield from self._event(row, relations.held)
                return
            # A large export's invitees wait on disk (see kamgraph.scratch): events come
            # a slice at a time, their invitees looked up for the slice.
            for part in chunks(events, 1000):
                ids = []
                for row in part:
                    try:
                        event_id = sfid.to18(row.get("Id"))
                    except ValueError:
                        continue  # reported when the row is read
                    if event_id is not None:
                        ids.append(event_id)
                invitees = relations.lookup(ids)
                for row in part:
                    yield from self._event(row, invitees)
        finally:
            relations.close()

    def _event(self, row: Row, invitees: dict[str, list[tuple[str, str]]]) -> Iterator[Record]:
        table = row.table
        if self._event_pick is None or self._event_pick[0] is not table:
            table.require_one_of("ActivityDateTime", "ActivityDate")
            self._event_pick = (table, table.picker("Id", "IsDeleted", "IsChild"))
        raw_id, deleted, child = self._event_pick[1](row.values)
        event_id = v.record_id(row, raw_id, "Id", "Event")
        if event_id is None:
            raise row.error("Id", "empty id")
        if v.flag(row, deleted, "IsDeleted"):
            self.result.skipped["deleted event"] += 1
            return
        if v.flag(row, child, "IsChild"):
            self.result.skipped["child event (an invitee's copy)"] += 1
            return
        when = v.moment(row, "ActivityDateTime") or v.moment(row, "ActivityDate")
        if when is None:
            self.result.skipped["event without a date"] += 1
            return
        owner = self._owner(row)
        if owner is None:
            yield from self._drain()
            return
        minutes = int(v.number(row, "DurationInMinutes") or 0)
        customers: dict[str, Outcome] = {}
        suppliers = {owner}
        who = v.lookup_id(row, row.get("WhoId"), "WhoId")
        for relation, status in invitees.get(event_id, ()):
            outcome = Outcome.DECLINED if status in _DECLINED else Outcome.HELD
            if relation[:3] == "003" and relation in self.contacts:
                customers[relation] = outcome
            elif relation[:3] == "005" and outcome is Outcome.HELD and self._user(relation):
                suppliers.add(relation)
        if who is not None and who not in customers:
            contact = self._who(row, "event")
            if contact is not None:
                customers[contact] = Outcome.HELD
        elif who is None and not customers:
            self.result.skipped["event without a contact"] += 1
        if self._pending:
            yield from self._drain()
        for contact, outcome in customers.items():
            account, person = self._attributed(row, contact) if contact in self.members else (
                self.contacts[contact], contact)
            for user in sorted(suppliers):
                yield Touch.of(event_id, account, user, person, when.date(),
                               Channel.MEETING, outcome,
                               minutes if outcome is Outcome.HELD else 0)

    def _tasks(self) -> Iterator[Record]:
        # The hot loop of a sync: millions of rows in a large export.  Cells are picked
        # by position once per row and the common values take shortcuts; anything
        # unusual goes through the same cell parsers (and their errors) as elsewhere.
        kinds: dict[tuple[str, ...], tuple[Channel, Outcome, bool]] = {}
        skipped = self.result.skipped
        pick = None
        for row in self._rows("Task.csv", ("Id", "WhoId", "OwnerId", "ActivityDate")):
            if pick is None:
                pick = row.table.picker("Id", "IsDeleted", "ActivityDate", "TaskSubtype",
                                        "Type", "CallType", "CallDisposition")
                has_closed = row.table.has("IsClosed")
            raw_id, deleted, raw_day, *kind_cells = pick(row.values)
            task_id = v.record_id(row, raw_id, "Id", "Task")
            if task_id is None:
                raise row.error("Id", "empty id")
            if v.flag(row, deleted, "IsDeleted"):
                skipped["deleted task"] += 1
                continue
            when = v.day_of_cell(row, raw_day, "ActivityDate")
            if when is None:
                skipped["open task without a date"] += 1
                continue
            if (not v.boolean(row, "IsClosed")) if has_closed else self._is_open(row):
                skipped["open task"] += 1
                continue
            contact = self._who(row, "task")
            if contact is None:
                continue
            owner = self._owner(row)
            if self._pending:
                yield from self._drain()
            if owner is None:
                continue
            kind_key = tuple(kind_cells)
            kind = kinds.get(kind_key)
            if kind is None:
                kind = kinds[kind_key] = self._task_kind(row)
            channel, outcome, timed = kind
            minutes = round((v.number(row, "CallDurationInSeconds") or 0) / 60) if timed else 0
            account, person = self._attributed(row, contact) if contact in self.members else (
                self.contacts[contact], contact)
            yield Touch.of(task_id, account, owner, person, when, channel, outcome, minutes)

    def _attributed(self, row: Row, contact: str) -> tuple[str, str]:
        """The account an activity with ``contact`` counts for, and the person standing
        for the contact there: the contact's own account, unless the activity is about
        (``WhatId``, ``AccountId``) a further account the contact is related to, or one
        of its opportunities.  Called for contacts with such a further account only."""
        for column in ("WhatId", "AccountId"):
            try:
                target = sfid.to18(row.get(column))
            except ValueError:
                continue
            if target is not None and target[:3] == "006":
                target = self.opportunities.get(target)
            person = self.memberships.get((contact, target)) if target else None
            if target is not None and person is not None:
                return target, person
        return self.contacts[contact], contact

    @staticmethod
    def _is_open(row: Row) -> bool:
        if row.table.has("IsClosed"):
            return not v.boolean(row, "IsClosed")
        status = (v.text(row, "Status") or "").lower()
        return status in _OPEN_STATUSES

    @staticmethod
    def _task_kind(row: Row) -> tuple[Channel, Outcome, bool]:
        """Channel, outcome, and whether the call's duration counts."""
        subtype = " ".join(
            (v.text(row, c) or "").lower() for c in ("TaskSubtype", "Type")
        )
        if "call" in subtype or row.get("CallType").strip() or row.get("CallDisposition").strip():
            disposition = (v.text(row, "CallDisposition") or "").lower()
            if disposition in UNANSWERED_CALLS:
                return Channel.CALL, Outcome.UNANSWERED, False
            return Channel.CALL, Outcome.HELD, True
        if "email" in subtype or "e-mail" in subtype:
            return Channel.EMAIL, Outcome.SENT, False
        if "meeting" in subtype:
            return Channel.MEETING, Outcome.HELD, False
        return Channel.OTHER, Outcome.HELD, False


