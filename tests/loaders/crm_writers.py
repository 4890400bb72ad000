"""One small CRM, written as a Salesforce, a HubSpot and a Dynamics 365 export.

The parity test loads each and expects the same audit.  Every writer keeps to what the
real product writes: its file names, headers, id shapes, date forms, booleans and
lookups (``docs/formats.md``), in each flavour a loader must read (HubSpot's English
labels and internal names; Dynamics' table exports and Excel exports).
"""

from __future__ import annotations

import csv
import random
import tomllib
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from kamgraph.config import Config, config_from_dict
from kamgraph.generate import FIRST, LAST

END = date(2026, 11, 1)

#: Buying roles: (Salesforce OpportunityContactRole.Role, HubSpot hs_buying_role,
#: Dynamics Stakeholder connection role).  ``blocker`` is a stance, not a Salesforce role.
ROLES = {
    "decision_maker": ("Decision Maker", "DECISION_MAKER", "Decision Maker"),
    "budget_holder": ("Economic Buyer", "BUDGET_HOLDER", "Economic Buyer"),
    "champion": ("Champion", "CHAMPION", "Champion"),
    "end_user": ("Business User", "END_USER", "End User"),
    "executive_sponsor": ("Executive Sponsor", "EXECUTIVE_SPONSOR", "Executive Sponsor"),
    "influencer": ("Influencer", "INFLUENCER", "Influencer"),
    "legal_and_compliance": ("Technical Buyer", "LEGAL_AND_COMPLIANCE", "Technical Buyer"),
    "other": ("Other", "OTHER", "Stakeholder"),
    "blocker": ("", "BLOCKER", "Blocker"),
}
#: Our roles on an account team: (Salesforce TeamMemberRole, HubSpot company property,
#: Dynamics Sales Team connection role).
TEAM = {
    "technical_service": ("Technical Account Manager", "Technical account manager",
                          "Technical Sales Professional"),
    "executive_sponsor": ("Executive Sponsor", "Executive sponsor", "Executive Sponsor"),
    "delivery": ("Customer Success Manager", "Customer success manager",
                 "Delivery Professional"),
}
#: What the HubSpot and Dynamics loaders are told of a customer's own settings.
HUBSPOT_TOML = "[hubspot.team]\n" + "".join(
    f'"{hub}" = "{role}"\n' for role, (_sf, hub, _dyn) in TEAM.items())
SALESFORCE_TOML = '[salesforce.fields]\nstance = "Stance__c"\n'

CALL_OUTCOME_GUID = {
    "Busy": "9d9162e7-6cf3-4944-bf63-4dff82258764",
    "Connected": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    "Left voicemail": "b2cf5968-551e-4856-9783-52b3da59a7d0",
    "No answer": "73a0d17f-1163-4015-bdd5-ec830791da20",
}


@dataclass
class User:
    key: str
    first: str
    last: str
    title: str
    department: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Contact:
    key: str
    account: str
    first: str
    last: str
    title: str
    department: str
    roles: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Company:
    key: str
    name: str
    industry: str
    revenue: int
    owner: str
    team: list[tuple[str, str]] = field(default_factory=list)  # (user, TEAM key)


@dataclass
class Deal:
    key: str
    account: str
    name: str
    state: str  # open, won, lost
    close: date
    amount: int
    contacts: list[str]


@dataclass
class Activity:
    key: str
    kind: str  # meeting, call, email
    owner: str
    contacts: list[str]
    when: datetime
    outcome: str  # held, declined, unanswered, sent
    minutes: int
    disposition: str = ""  # the call outcome's label


@dataclass
class Crm:
    users: list[User]
    companies: list[Company]
    contacts: list[Contact]
    deals: list[Deal]
    activities: list[Activity]

    def names(self) -> dict[str, str]:
        """Every record's key -> name (the writers derive each format's ids from keys)."""
        out = {u.key: u.name for u in self.users}
        out.update({c.key: c.name for c in self.companies})
        out.update({c.key: c.name for c in self.contacts})
        out.update({d.key: d.name for d in self.deals})
        return out


TITLES = [
    ("Chief Executive Officer", "Executive"), ("Chief Financial Officer", "Finance"),
    ("VP Operations", "Operations"), ("Head of Purchasing", "Purchasing"),
    ("Director of R&D", "R&D"), ("Quality Manager", "Quality"),
    ("Plant Manager", "Operations"), ("Buyer", "Purchasing"), ("Lab Technician", "R&D"),
    ("Planning Manager", "Planning"), ("Marketing Director", "Marketing"),
    ("Legal Counsel", "Legal"),
]
OURS = [
    ("Key Account Director", "Sales"), ("Key Account Manager", "Sales"),
    ("Chief Technology Officer", "Technical Service"),
    ("Director Technical Service", "Technical Service"),
    ("Chief Executive Officer", "Executive"), ("Delivery Manager", "Delivery"),
]


def build(seed: int = 11, accounts: int = 3) -> Crm:
    """A deterministic CRM with every role, outcome and kind of activity."""
    rng = random.Random(seed)
    names = iter(rng.sample([(f, la) for f in FIRST for la in LAST], 200))
    users = []
    for i, (title, dept) in enumerate(OURS):
        first, last = next(names)
        users.append(User(f"u{i}", first, last, title, dept))
    companies, contacts, deals, activities = [], [], [], []
    role_cycle = list(ROLES)
    n_act = 0
    for a in range(accounts):
        key = f"a{a}"
        team = [("u2", "technical_service"), ("u4", "executive_sponsor")] if a % 2 == 0 else [
            ("u3", "technical_service"), ("u5", "delivery")]
        companies.append(Company(key, f"Company {chr(65 + a)} {rng.choice(LAST)}",
                                 rng.choice(("Chemicals", "Food & Beverage", "Mining")),
                                 rng.randrange(5, 500) * 1_000_000, "u1" if a else "u0", team))
        people = []
        for i, (title, dept) in enumerate(TITLES):
            first, last = next(names)
            roles: tuple[str, ...] = ()
            if i < 9:
                roles = (role_cycle[(i + a) % len(role_cycle)],)
                if i == 0:
                    roles = ("decision_maker", "budget_holder")
            people.append(Contact(f"{key}c{i}", key, first, last, title, dept, roles))
        contacts.extend(people)
        holders = [p.key for p in people if set(p.roles) - {"blocker"}]
        deals.append(Deal(f"{key}d0", key, f"Renewal {a}", "open", END + timedelta(days=60),
                          rng.randrange(100, 900) * 1000, holders))
        deals.append(Deal(f"{key}d1", key, f"Expansion {a}", "lost", END - timedelta(days=120),
                          rng.randrange(100, 900) * 1000, holders[:3]))
        deals.append(Deal(f"{key}d2", key, f"Pilot {a}", "won", END - timedelta(days=200),
                          rng.randrange(10, 90) * 1000, holders[3:5]))
        ours = ["u0" if a == 0 else "u1"] + [u for u, _ in team]
        for person in people[:10]:
            for _ in range(rng.randrange(2, 14)):
                n_act += 1
                owner = rng.choice(ours)
                when = datetime.combine(END - timedelta(days=rng.randrange(0, 360)),
                                        datetime.min.time()).replace(hour=10)
                roll = rng.random()
                hostile = "blocker" in person.roles
                if roll < 0.35:
                    declined = rng.random() < (0.7 if hostile else 0.1)
                    activities.append(Activity(
                        f"m{n_act}", "meeting", owner, [person.key], when,
                        "declined" if declined else "held", rng.choice((30, 45, 60))))
                elif roll < 0.75:
                    unanswered = rng.random() < (0.8 if hostile else 0.15)
                    disposition = rng.choice(("No answer", "Busy", "Left voicemail")) \
                        if unanswered else "Connected"
                    activities.append(Activity(
                        f"k{n_act}", "call", owner, [person.key], when,
                        "unanswered" if unanswered else "held",
                        0 if unanswered else rng.choice((5, 10, 20)), disposition))
                else:
                    activities.append(Activity(f"e{n_act}", "email", owner, [person.key], when,
                                               "sent", 0))
        # A meeting with two of them: multi-id association cells, two invitees, two parties.
        n_act += 1
        activities.append(Activity(f"m{n_act}", "meeting", ours[0], [people[0].key,
                                   people[3].key], datetime.combine(
                                       END - timedelta(days=20), datetime.min.time()).replace(
                                       hour=14), "held", 60))
    return Crm(users, companies, contacts, deals, activities)


# -- writing ---------------------------------------------------------------------------


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *,
              quote_all: bool = False, bom: bool = False, crlf: bool = False) -> None:
    """One CSV file as a CRM writes it: quoting, BOM and line ends as asked."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                            lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


class _Numbers:
    """Stable numbers for keys, counted per object (prefix)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], int] = {}

    def __call__(self, prefix: str, key: str) -> int:
        return self.seen.setdefault((prefix, key), 1 + sum(
            1 for p, _ in self.seen if p == prefix))


_numbers = _Numbers()


def _sfid(prefix: str, key: str) -> str:
    """A 15-character id with mixed case, so the 18-character suffix matters."""
    return f"{prefix}aBx{_numbers(prefix, key):09d}"


def write_salesforce(crm: Crm, folder: Path) -> None:
    """The weekly Data Export: API names, every field quoted, 0/1 booleans, GMT datetimes."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = {u.key: _sfid("005", u.key) for u in crm.users}
    ids.update({c.key: _sfid("001", c.key) for c in crm.companies})
    ids.update({c.key: _sfid("003", c.key) for c in crm.contacts})
    ids.update({d.key: _sfid("006", d.key) for d in crm.deals})
    q = {"quote_all": True}
    write_csv(folder / "User.csv", ("Id", "FirstName", "LastName", "Name", "Title", "Department",
                                 "IsActive"),
           [(ids[u.key], u.first, u.last, u.name, u.title, u.department, "1")
            for u in crm.users], **q)
    write_csv(folder / "Account.csv", ("Id", "IsDeleted", "Name", "Industry", "AnnualRevenue",
                                    "OwnerId"),
           [(ids[c.key], "0", c.name, c.industry, c.revenue, ids[c.owner])
            for c in crm.companies], **q)
    stance = {"champion": "Champion", "blocker": "Anti-Sponsor"}
    write_csv(folder / "Contact.csv", ("Id", "IsDeleted", "AccountId", "FirstName", "LastName",
                                    "Title", "Department", "Email", "ReportsToId", "Stance__c"),
           [(ids[c.key], "0", ids[c.account], c.first, c.last, c.title, c.department,
             f"{c.key}@example.com", "000000000000000AAA",
             next((stance[r] for r in ("blocker", "champion") if r in c.roles), ""))
            for c in crm.contacts], **q)
    team_rows = []
    for c in crm.companies:
        team_rows.append((_sfid("01M", c.key + "k"), ids[c.key], ids[c.owner],
                          "Key Account Manager", "0"))
        for n, (user, role) in enumerate(c.team):
            team_rows.append((_sfid("01M", f"{c.key}t{n}"), ids[c.key], ids[user],
                              TEAM[role][0], "0"))
    write_csv(folder / "AccountTeamMember.csv", ("Id", "AccountId", "UserId", "TeamMemberRole",
                                              "IsDeleted"), team_rows, **q)
    by_key = {c.key: c for c in crm.contacts}
    write_csv(folder / "Opportunity.csv", ("Id", "IsDeleted", "AccountId", "Name", "StageName",
                                        "Amount", "CloseDate", "IsClosed", "IsWon"),
           [(ids[d.key], "0", ids[d.account], d.name, {"open": "Negotiation",
                                                       "won": "Closed Won",
                                                       "lost": "Closed Lost"}[d.state],
             d.amount, d.close.isoformat(), "0" if d.state == "open" else "1",
             "1" if d.state == "won" else "0") for d in crm.deals], **q)
    ocr = []
    for d in crm.deals:
        for contact in d.contacts:
            for role in by_key[contact].roles:
                if role != "blocker":
                    ocr.append((_sfid("00K", f"{d.key}{contact}{role[:2]}"), ids[d.key],
                                ids[contact], ROLES[role][0], "0"))
    write_csv(folder / "OpportunityContactRole.csv", ("Id", "OpportunityId", "ContactId", "Role",
                                                   "IsDeleted"), ocr, **q)
    tasks, events, relations = [], [], []
    for act in crm.activities:
        if act.kind == "meeting":
            ev = _sfid("00U", act.key)
            events.append((ev, ids[act.contacts[0]], act.when.strftime("%Y-%m-%d %H:%M:%S"),
                           act.when.date().isoformat(), act.minutes, ids[act.owner], "0", "0"))
            for n, contact in enumerate(act.contacts):
                relations.append((_sfid("0RE", f"{act.key}r{n}"), ids[contact], ev,
                                  "Declined" if act.outcome == "declined" else "Accepted",
                                  "0", "0"))
        else:
            call = act.kind == "call"
            tasks.append((_sfid("00T", act.key), ids[act.contacts[0]],
                          act.when.date().isoformat(), "Completed", ids[act.owner], "1",
                          "Call" if call else "Email", act.minutes * 60 if call else "",
                          act.disposition, "0"))
    write_csv(folder / "Event.csv", ("Id", "WhoId", "ActivityDateTime", "ActivityDate",
                                  "DurationInMinutes", "OwnerId", "IsChild", "IsDeleted"),
           events, **q)
    write_csv(folder / "EventRelation.csv", ("Id", "RelationId", "EventId", "Status", "IsWhat",
                                          "IsDeleted"), relations, **q)
    write_csv(folder / "Task.csv", ("Id", "WhoId", "ActivityDate", "Status", "OwnerId",
                                 "IsClosed", "TaskSubtype", "CallDurationInSeconds",
                                 "CallDisposition", "IsDeleted"), tasks, **q)


def _hs_number(kind: str, key: str, base: int) -> str:
    return str(base + _numbers(f"hs-{kind}", key))


def write_hubspot(crm: Crm, folder: Path, *, internal: bool = False) -> None:
    """Per-object files as HubSpot names them, with English labels or internal names.

    Labels exports name owners by their full name and write dates as
    ``YYYY-MM-DD HH:MM``; internal-name exports give owner ids, epoch milliseconds and
    the call outcomes' GUIDs.  HubSpot numbers each object on its own, so a contact and
    an owner share a number here on purpose.
    """
    folder.mkdir(parents=True, exist_ok=True)
    owner_ids = {u.key: _hs_number("owner", u.key, 100) for u in crm.users}
    company_ids = {c.key: _hs_number("company", c.key, 5000) for c in crm.companies}
    contact_ids = {c.key: _hs_number("contact", c.key, 100) for c in crm.contacts}
    deal_ids = {d.key: _hs_number("deal", d.key, 9000) for d in crm.deals}
    users = {u.key: u for u in crm.users}

    def owner(key: str) -> str:
        return owner_ids[key] if internal else users[key].name

    def when(moment: datetime) -> str:
        if internal:
            return str(int((moment - datetime(1970, 1, 1)).total_seconds() * 1000))
        return moment.strftime("%Y-%m-%d %H:%M")

    def h(label: str, name: str) -> str:
        return name if internal else label

    stamp = "2026-11-01"
    write_csv(folder / "owners.csv", ("id", "email", "firstName", "lastName", "userId", "teams",
                                   "jobTitle", "archived"),
           [(owner_ids[u.key], f"{u.key}@supplier.example", u.first, u.last,
             int(owner_ids[u.key]) + 1, u.department, u.title, "false") for u in crm.users])
    team_columns = [TEAM[r][1] for r in TEAM]
    write_csv(folder / f"hubspot-crm-exports-all-companies-{stamp}.csv",
           [h("Record ID", "hs_object_id"), h("Company name", "name"),
            h("Industry", "industry"), h("Annual Revenue", "annualrevenue"),
            h("Company owner", "hubspot_owner_id"), *team_columns],
           [(company_ids[c.key], c.name, c.industry, c.revenue, owner(c.owner),
             *[";".join(owner(u) for u, r in c.team if TEAM[r][1] == col)
               for col in team_columns]) for c in crm.companies], bom=True)
    write_csv(folder / f"hubspot-crm-exports-all-contacts-{stamp}.csv",
           [h("Record ID", "hs_object_id"), h("First Name", "firstname"),
            h("Last Name", "lastname"), h("Email", "email"), h("Job Title", "jobtitle"),
            h("Department", "department"), h("Contact owner", "hubspot_owner_id"),
            h("Primary Associated Company ID", "associatedcompanyid"),
            h("Buying Role", "hs_buying_role")],
           [(contact_ids[c.key], c.first, c.last, f"{c.key}@example.com", c.title,
             c.department, owner(next(x.owner for x in crm.companies if x.key == c.account)),
             company_ids[c.account], ";".join(ROLES[r][1] for r in c.roles))
            for c in crm.contacts], bom=True)
    stage = {"open": "contractsent", "won": "closedwon", "lost": "closedlost"}
    write_csv(folder / f"hubspot-crm-exports-all-deals-{stamp}.csv",
           [h("Record ID", "hs_object_id"), h("Deal Name", "dealname"),
            h("Deal Stage", "dealstage"), h("Amount", "amount"), h("Close Date", "closedate"),
            h("Deal owner", "hubspot_owner_id"), "Associated Company IDs",
            "Associated Contact IDs"],
           [(deal_ids[d.key], d.name, stage[d.state], d.amount,
             when(datetime.combine(d.close, datetime.min.time())),
             owner(next(x.owner for x in crm.companies if x.key == d.account)),
             company_ids[d.account], ";".join(contact_ids[c] for c in d.contacts))
            for d in crm.deals])
    meetings, calls, emails = [], [], []
    outcome = {"held": "COMPLETED", "declined": "NO_SHOW"}
    for n, act in enumerate(crm.activities):
        base = (_hs_number(act.kind, act.key, 70_000), when(act.when), owner(act.owner),
                ";".join(contact_ids[c] for c in act.contacts))
        if act.kind == "meeting":
            result = outcome[act.outcome]
            if result == "NO_SHOW" and n % 2:
                result = "CANCELED"
            if not internal:
                result = result.replace("_", " ").title().replace("No Show", "No show")
            meetings.append((*base, when(act.when), when(act.when + timedelta(
                minutes=act.minutes)), result))
        elif act.kind == "call":
            disposition = CALL_OUTCOME_GUID[act.disposition] if internal else act.disposition
            calls.append((*base, disposition, "COMPLETED", act.minutes * 60_000))
        else:
            emails.append((*base, "SENT"))
    common = [h("Record ID", "hs_object_id"), h("Activity date", "hs_timestamp"),
              h("Activity assigned to", "hubspot_owner_id"), "Associated Contact IDs"]
    write_csv(folder / f"hubspot-crm-exports-meetings-{stamp}.csv",
           [*common, h("Meeting start time", "hs_meeting_start_time"),
            h("Meeting end time", "hs_meeting_end_time"),
            h("Meeting outcome", "hs_meeting_outcome")], meetings)
    write_csv(folder / f"hubspot-crm-exports-calls-{stamp}.csv",
           [*common, h("Call outcome", "hs_call_disposition"), h("Call status", "hs_call_status"),
            h("Call duration", "hs_call_duration")], calls)
    write_csv(folder / f"hubspot-crm-exports-emails-{stamp}.csv",
           [*common, h("Email send status", "hs_email_status")], emails)


def _guid(key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kamgraph-test:{key}"))


def write_dynamics(crm: Crm, folder: Path, *, excel: bool = False) -> None:
    """Dataverse tables by logical name; ``excel`` writes account, contact, systemuser and
    opportunity as Excel exports do: display names, hidden "(Do Not Modify)" columns,
    braced upper-case GUIDs, lookups by name and en-US dates."""
    folder.mkdir(parents=True, exist_ok=True)
    users = {u.key: u for u in crm.users}
    companies = {c.key: c for c in crm.companies}

    def gid(key: str) -> str:
        value = _guid(key)
        return "{" + value.upper() + "}" if excel else value

    def dnm(key: str) -> list[str]:
        return [gid(key), f"{zlib.crc32(key.encode()):08x}", "11/1/2026 9:00 AM"]

    if excel:
        dnm_header = ["(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On"]
        write_csv(folder / "My Active Users.csv",
               ["(Do Not Modify) User", *dnm_header, "Full Name", "Title", "Business Unit",
                "Primary Email", "Status"],
               [(*dnm(u.key), u.name, u.title, u.department, f"{u.key}@supplier.example",
                 "Enabled") for u in crm.users], bom=True, crlf=True)
        write_csv(folder / "My Active Accounts.csv",
               ["(Do Not Modify) Account", *dnm_header, "Account Name", "Industry",
                "Annual Revenue", "Owner", "Status"],
               [(*dnm(c.key), c.name, c.industry, f"{c.revenue:,.2f}", users[c.owner].name,
                 "Active") for c in crm.companies], bom=True, crlf=True)
        write_csv(folder / "My Active Contacts.csv",
               ["(Do Not Modify) Contact", *dnm_header, "Full Name", "Job Title",
                "Department", "Email", "Company Name", "Status"],
               [(*dnm(c.key), c.name, c.title, c.department, f"{c.key}@example.com",
                 companies[c.account].name, "Active") for c in crm.contacts],
               bom=True, crlf=True)
        state = {"open": "Open", "won": "Won", "lost": "Lost"}
        write_csv(folder / "Open and Closed Opportunities.csv",
               ["(Do Not Modify) Opportunity", *dnm_header, "Topic", "Account",
                "Status", "Actual Close Date", "Est. Close Date", "Actual Revenue",
                "Est. Revenue"],
               [(*dnm(d.key), d.name, companies[d.account].name, state[d.state],
                 "" if d.state == "open" else f"{d.close.month}/{d.close.day}/{d.close.year}",
                 f"{d.close.month}/{d.close.day}/{d.close.year}" if d.state == "open" else "",
                 "" if d.state == "open" else d.amount, d.amount if d.state == "open" else "")
                for d in crm.deals], bom=True, crlf=True)
    else:
        write_csv(folder / "systemuser.csv",
               ("systemuserid", "fullname", "firstname", "lastname", "jobtitle",
                "department", "internalemailaddress", "isdisabled", "modifiedon"),
               [(gid(u.key), u.name, u.first, u.last, u.title, u.department,
                 f"{u.key}@supplier.example", "False", "2026-11-01T09:00:00Z")
                for u in crm.users])
        write_csv(folder / "account.csv",
               ("accountid", "name", "industrycodename", "revenue", "ownerid", "statecode",
                "modifiedon"),
               [(gid(c.key), c.name, c.industry, c.revenue, gid(c.owner), "0",
                 "2026-11-01T09:00:00Z") for c in crm.companies])
        write_csv(folder / "contact.csv",
               ("contactid", "fullname", "firstname", "lastname", "jobtitle", "department",
                "emailaddress1", "parentcustomerid", "statecode", "modifiedon"),
               [(gid(c.key), c.name, c.first, c.last, c.title, c.department,
                 f"{c.key}@example.com", gid(c.account), "0", "2026-11-01T09:00:00Z")
                for c in crm.contacts])
        state_code = {"open": "0", "won": "1", "lost": "2"}
        write_csv(folder / "opportunity.csv",
               ("opportunityid", "name", "parentaccountid", "statecode", "actualclosedate",
                "estimatedclosedate", "actualvalue", "estimatedvalue"),
               [(gid(d.key), d.name, gid(d.account), state_code[d.state],
                 "" if d.state == "open" else d.close.isoformat(),
                 d.close.isoformat() if d.state == "open" else "",
                 "" if d.state == "open" else d.amount, d.amount if d.state == "open" else "")
                for d in crm.deals])
    # Connection roles and connections: always a table export (logical names, GUIDs).
    role_names = sorted({ROLES[r][2] for r in ROLES} | {TEAM[r][2] for r in TEAM})
    role_ids = {name: _guid(f"role:{name}") for name in role_names}
    write_csv(folder / "connectionrole.csv", ("connectionroleid", "name", "category"),
           [(role_ids[n], n, "Sales Team" if n in {t[2] for t in TEAM.values()}
             and n != "Executive Sponsor" else "Stakeholder") for n in role_names])
    connections = []
    by_key = {c.key: c for c in crm.contacts}

    def connect(n: str, first: str, second: str, role: str) -> None:
        # Dataverse writes each connection twice, the second the mirror of the first.
        connections.append((_guid(f"cn:{n}"), _guid(first), _guid(second), role_ids[role], "",
                            "0"))
        connections.append((_guid(f"cn:{n}:r"), _guid(second), _guid(first), "",
                            role_ids[role], "0"))

    for c in crm.contacts:
        if "blocker" in c.roles:
            connect(f"{c.key}:blocker", c.key, c.account, "Blocker")
    for d in crm.deals:
        for contact in d.contacts:
            for role in by_key[contact].roles:
                if role != "blocker":
                    connect(f"{d.key}:{contact}:{role}", contact, d.key, ROLES[role][2])
    for comp in crm.companies:
        for user, role in comp.team:
            connect(f"{comp.key}:{user}", user, comp.key, TEAM[role][2])
    write_csv(folder / "connection.csv", ("connectionid", "record1id", "record2id",
                                       "record1roleid", "record2roleid", "statecode"),
           connections)
    pointers, parties = [], []
    for act in crm.activities:
        aid = _guid(act.key)
        if act.kind == "meeting":
            kind, state = "appointment", "2" if act.outcome == "declined" else "1"
            parties.append((aid, _guid(act.owner), "7"))
            parties.extend((aid, _guid(c), "5") for c in act.contacts)
        else:
            kind, state = ("phonecall", "1") if act.kind == "call" else ("email", "1")
            parties.append((aid, _guid(act.owner), "1"))
            parties.extend((aid, _guid(c), "2") for c in act.contacts)
        pointers.append((aid, kind, _guid(act.owner), act.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         act.minutes, state,
                         "true" if act.kind == "call" and act.outcome == "unanswered" else
                         "false", "2026-11-01T09:00:00Z"))
    write_csv(folder / "activitypointer.csv",
           ("activityid", "activitytypecode", "ownerid", "actualstart", "actualdurationminutes",
            "statecode", "leftvoicemail", "modifiedon"), pointers)
    write_csv(folder / "activityparty.csv", ("activityid", "partyid", "participationtypemask"),
           parties)


#: Every export flavour a loader reads, each written from the same CRM.
FLAVOURS: dict[str, Callable[[Crm, Path], None]] = {
    "salesforce": lambda crm, path: write_salesforce(crm, path),
    "hubspot labels": lambda crm, path: write_hubspot(crm, path),
    "hubspot internal names": lambda crm, path: write_hubspot(crm, path, internal=True),
    "dynamics tables": lambda crm, path: write_dynamics(crm, path),
    "dynamics excel": lambda crm, path: write_dynamics(crm, path, excel=True),
}


def config() -> Config:
    """The settings the flavours need: Salesforce's stance field, HubSpot's team columns."""
    return config_from_dict(tomllib.loads(SALESFORCE_TOML + HUBSPOT_TOML), Path("t.toml"))
