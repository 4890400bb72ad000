"""A deterministic generator of realistic Salesforce-format exports.

``generate_export`` writes what a Weekly Data Export or a Data Loader run would: the
objects kamgraph reads, a few it ignores, and the quirks of each flavour (see
``docs/formats.md``).  Both flavours of one seed describe the same people and
activities, so they must load to the same graph.  With ``storylines=True`` the first
three accounts are the bundled example's: a bow-tie, a diamond with a detractor, and an
account whose key account manager has left.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from kamgraph.ids import to18
from kamgraph.records import AccountData

__all__ = ["account_of_size", "generate_export"]

FIRST = ("Ana", "Ben", "Carla", "Dev", "Elif", "Femi", "Grace", "Hugo", "Ines", "Jonas",
         "Kenji", "Lena", "Mateo", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara",
         "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoë", "José", "François", "Ülker", "Søren")
LAST = ("Abara", "Becker", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
        "Ivanova", "Jensen", "Kowalski", "Lefèvre", "Müller", "Núñez", "Okafor", "Petrov",
        "Quispe", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Walsh", "Xu", "Yilmaz",
        "Zimmermann", "O'Brien", "van Dijk", "Björk", "Ødegaard")
INDUSTRIES = ("Food & Beverage", "Chemicals", "Mining", "Automotive", "Pharmaceuticals",
              "Packaging", "Energy", "Retail")
COMPANY_A = ("Acme", "Borealis", "Cordillera", "Delta", "Evergreen", "Fjord", "Granite",
             "Helix", "Iberia", "Juniper", "Keystone", "Lumen", "Meridian", "Nordic", "Orion")
COMPANY_B = ("Foods", "Chemicals", "Mining", "Motors", "Pharma", "Packaging", "Energy",
             "Retail", "Metals", "Logistics")

# (title, department, level index 0 = top) per customer function, for random org trees.
ORG = {
    "senior_management": [("Chief Executive Officer", "Executive"),
                          ("Chief Financial Officer", "Finance"),
                          ("Chief Operating Officer", "Executive")],
    "purchasing": [("VP Procurement", "Purchasing"), ("Head of Purchasing", "Purchasing"),
                   ("Purchasing Manager", "Purchasing"), ("Senior Buyer", "Purchasing"),
                   ("Buyer", "Purchasing")],
    "r_and_d": [("Chief Technology Officer", "R&D"), ("Director of R&D", "R&D"),
                ("R&D Manager", "R&D"), ("Research Scientist", "R&D"), ("Lab Technician", "R&D")],
    "quality_control": [("Quality Director", "Quality"), ("QA Manager", "Quality"),
                        ("Quality Engineer", "Quality")],
    "operations": [("VP Operations", "Operations"), ("Plant Manager", "Operations"),
                   ("Production Supervisor", "Operations"), ("Process Engineer", "Operations")],
    "planning": [("Head of Supply Chain Planning", "Planning"), ("Demand Planner", "Planning")],
    "marketing": [("Marketing Director", "Marketing"), ("Brand Manager", "Marketing")],
}

OUR_PEOPLE = [
    # (key, title, department, manager key)
    ("ceo", "Chief Executive Officer", "Executive", None),
    ("cto", "Chief Technology Officer", "Technical Service", "ceo"),
    ("vpsales", "VP Sales", "Sales", "ceo"),
    ("kad", "Key Account Director", "Sales", "vpsales"),
    ("tsdir", "Director Technical Service", "Technical Service", "cto"),
    ("logmgr", "Distribution Manager", "Logistics", "ceo"),
    ("mktmgr", "Marketing Manager", "Marketing", "vpsales"),
]


@dataclass
class _Pair:
    user: str
    contact: str
    pattern: str  # weekly, monthly, occasional, stale, declining, hostile, twice_weekly


@dataclass
class _Account:
    key: str
    name: str
    industry: str
    people: list[tuple[str, str, str, str, str | None]] = field(default_factory=list)
    team: list[tuple[str, str]] = field(default_factory=list)
    pairs: list[_Pair] = field(default_factory=list)
    # (name, stage, closed, won, roles: [(contact key, role)])
    opportunities: list[tuple[str, str, bool, bool, list[tuple[str, str]]]] = field(
        default_factory=list)


class _Ids:
    """15-character ids with mixed case, so the 18-character checksum matters."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        middle = "Gx" if prefix in ("003", "00T") else "aB"
        return f"{prefix}{middle}{n:010d}"


def _storylines() -> list[_Account]:
    acme = _Account("acme", "Acme Foods", "Food & Beverage")
    acme.people = [
        ("ceo", "Marta Castillo", "Chief Executive Officer", "Executive", None),
        ("cfo", "Oskar Lindqvist", "Chief Financial Officer", "Finance", "ceo"),
        ("hpur", "Priya Raman", "Head of Purchasing", "Purchasing", "cfo"),
        ("buyer", "Tomás Ortega", "Senior Buyer", "Purchasing", "hpur"),
        ("qdir", "Hannah Becker", "Quality Director", "Quality", "ceo"),
        ("qeng", "Li Wei", "Quality Engineer", "Quality", "qdir"),
        ("plant", "Samuel Okafor", "Plant Manager", "Operations", "ceo"),
    ]
    acme.team = [("kam1", "Account Manager"), ("rep1", "Sales Rep")]
    acme.pairs = [
        _Pair("kam1", "hpur", "weekly"), _Pair("kam1", "buyer", "twice_weekly"),
        _Pair("rep1", "buyer", "monthly"), _Pair("kam1", "plant", "occasional"),
    ]
    acme.opportunities = [
        ("Acme 2027 supply agreement", "Negotiation/Review", False, False,
         [("cfo", "Economic Buyer"), ("hpur", "Decision Maker"), ("qdir", "Evaluator")]),
    ]
    borealis = _Account("borealis", "Borealis Chemicals", "Chemicals")
    borealis.people = [
        ("ceo", "Ingrid Solberg", "CEO", "Executive", None),
        ("cto", "Rafael Núñez", "CTO", "R&D", "ceo"),
        ("rnd", "Aiko Tanaka", "R&D Manager", "R&D", "cto"),
        ("vpop", "Jonas Fischer", "VP Operations", "Operations", "ceo"),
        ("plan", "Eva Kowalski", "Head of Supply Chain Planning", "Planning", "vpop"),
        ("pur", "Dmitri Petrov", "Leiter Einkauf", "Einkauf", "vpop"),
        ("qdir", "Claire Dubois", "Directrice Qualité", "Qualité", "ceo"),
        ("qa", "Marco Rossi", "QA Manager", "Quality", "qdir"),
        ("user", "Sara Haddad", "Process Engineer", "Operations", "vpop"),
    ]
    borealis.team = [("kam2", "Key Account Manager"), ("ts1", "Pre-Sales Consultant"),
                     ("exec", "Executive Sponsor")]
    borealis.pairs = [
        _Pair("exec", "ceo", "monthly"), _Pair("cto_ours", "cto", "monthly"),
        _Pair("kam2", "cto", "weekly"), _Pair("ts1", "rnd", "weekly"),
        _Pair("kam2", "vpop", "monthly"), _Pair("log", "plan", "weekly"),
        _Pair("kam2", "pur", "weekly"), _Pair("ts1", "qa", "monthly"),
        _Pair("kam2", "qdir", "declining"), _Pair("ts1", "qdir", "hostile"),
        _Pair("ts1", "user", "weekly"),
    ]
    borealis.opportunities = [
        ("Borealis catalyst programme", "Proposal/Price Quote", False, False,
         [("ceo", "Economic Buyer"), ("cto", "Decision Maker"), ("rnd", "Technical Buyer"),
          ("user", "Business User")]),
        ("Borealis QC analysers 2025", "Closed Lost", True, False,
         [("qdir", "Decision Maker"), ("qa", "Evaluator")]),
    ]
    cordillera = _Account("cordillera", "Cordillera Mining", "Mining")
    cordillera.people = [
        ("gg", "Alejandro Quispe", "Gerente General", "Dirección General", None),
        ("dops", "Lucía Fernández", "Directora de Operaciones", "Operaciones", "gg"),
        ("jcom", "Diego Ramírez", "Jefe de Compras", "Compras", "gg"),
        ("comp", "Valentina Soto", "Analista de Compras", "Compras", "jcom"),
        ("jpl", "Mateo Rojas", "Jefe de Planta", "Operaciones", "dops"),
    ]
    cordillera.team = [("kam3", "Account Manager"), ("rep2", "Sales Rep")]
    cordillera.pairs = [
        _Pair("kam3", "gg", "weekly"), _Pair("kam3", "dops", "monthly"),
        _Pair("kam3", "jcom", "weekly"), _Pair("rep2", "comp", "weekly"),
        _Pair("rep2", "jcom", "occasional"),
    ]
    cordillera.opportunities = [
        ("Cordillera conveyor retrofit", "Qualification", False, False,
         [("gg", "Economic Decision Maker"), ("jcom", "Influencer")]),
    ]
    return [acme, borealis, cordillera]


STORY_USERS = [
    # key, name, title, department, manager, active
    ("kam1", "Daniel Weber", "Key Account Manager", "Sales", "kad", True),
    ("rep1", "Chloe Martin", "Sales Representative", "Sales", "kam1", True),
    ("kam2", "Amara Nwosu", "Key Account Manager", "Sales", "kad", True),
    ("ts1", "Felix Braun", "Application Engineer", "Technical Service", "tsdir", True),
    ("exec", "Helen Park", "Chief Executive Officer", "Executive", None, True),
    ("cto_ours", "Nikolai Ivanov", "Chief Technology Officer", "Technical Service", "exec", True),
    ("log", "Bruno Costa", "Distribution Manager", "Logistics", "exec", True),
    ("kam3", "Pablo Herrera", "Key Account Manager", "Sales", "kad", False),
    ("rep2", "Julia Santos", "Inside Sales Representative", "Inside Sales", "kam3", True),
    ("kad", "Grace Liu", "Key Account Director", "Sales", "exec", True),
    ("tsdir", "Omar Haddad", "Director Technical Service", "Technical Service", "cto_ours", True),
]

_RATES = {  # contacts per week over the active period
    "twice_weekly": 2.5, "weekly": 1.2, "monthly": 0.3, "occasional": 0.08,
    "stale": 0.5, "declining": 1.0, "hostile": 0.4,
}


def _pool(accounts: int) -> dict[str, int]:
    """How many of each kind of our people serve ``accounts`` accounts."""
    return {"kam": max(6, accounts // 8), "rep": max(12, accounts // 4),
            "tse": max(8, accounts // 6)}


def _random_account(rng: random.Random, index: int, pool: dict[str, int]) -> _Account:
    name = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)} {index}"
    acc = _Account(f"acc{index}", name, rng.choice(INDUSTRIES))
    # Heavy-tailed: a median account of about 60 people, a mean of about 110, and now and
    # then one of thousands (the cap), as in a real customer base.
    size = min(5000, max(6, int(rng.paretovariate(1.5) * 37)))
    people: list[tuple[str, str, str, str, str | None]] = []
    ceo = "p0"
    people.append((ceo, _name(rng), "Chief Executive Officer", "Executive", None))
    functions = list(ORG)
    others = [f for f in functions if f != "senior_management"]
    board = ORG["senior_management"]
    #: Who holds each rung of each function's ladder: the board (the chief executive
    #: and the officers reporting to them) heads it all, one head a function, and more
    #: people the further down the ladder (a company, not a club of CEOs).
    seats = [ceo]  # the board's, filled in its order
    rungs: dict[tuple[str, int], list[str]] = {("senior_management", 0): seats}
    while len(people) < size:
        key = f"p{len(people)}"
        function = rng.choice(functions)
        below = int(rng.expovariate(0.8))  # rungs above the bottom: mostly none
        if function == "senior_management":
            if len(seats) < len(board):
                title, dept = board[len(seats)]
                seats.append(key)
                people.append((key, _name(rng), title, dept, ceo))
                continue
            function = others[len(people) % len(others)]  # the board is full
        ladder = ORG[function]
        depth = len(ladder) - 1 - min(below, len(ladder) - 2)  # below the head
        while depth and (function, depth - 1) not in rungs:
            depth -= 1  # a rung is filled from the top: the first of a function heads it
        title, dept = ladder[depth]
        above = rungs.get((function, depth - 1), [ceo])
        rungs.setdefault((function, depth), []).append(key)
        people.append((key, _name(rng), title, dept, above[len(people) % len(above)]))
    acc.people = people
    manager = {key: boss for key, _, _, _, boss in people}
    rank = {key: depth for (_, depth), keys in rungs.items() for key in keys}
    acc.team = [(f"kam{rng.randrange(pool['kam'])}", "Account Manager"),
                (f"rep{rng.randrange(pool['rep'])}", "Sales Rep"),
                (f"tse{rng.randrange(pool['tse'])}", "Sales Engineer")]
    ours = [m for m, _ in acc.team] + ["kad", "vpsales", "tsdir", "logmgr"]
    # We talk to a few people of a small account and to a smaller share of a large one.
    n_pairs = max(2, int((3 + 1.2 * len(people) ** 0.5) * rng.uniform(0.6, 1.4)))
    seen = set()
    for _ in range(n_pairs):
        contact = rng.choice(people)[0]
        user = rng.choice(ours[:3]) if rng.random() < 0.8 else rng.choice(ours)
        if (user, contact) in seen:
            continue
        seen.add((user, contact))
        pattern = rng.choices(list(_RATES), weights=(1, 4, 6, 6, 2, 1, 1))[0]
        acc.pairs.append(_Pair(user, contact, pattern))
    roles = ["Economic Buyer", "Decision Maker", "Evaluator", "Influencer", "Business User",
             "Technical Buyer", "Executive Sponsor", "Other"]
    for k in range(rng.randrange(1, 4)):
        closed = rng.random() < 0.5
        won = closed and rng.random() < 0.5
        stage = ("Closed Won" if won else "Closed Lost") if closed else "Proposal/Price Quote"
        picks = rng.sample(people, min(len(people), rng.randrange(1, 5)))
        held = [_senior_enough(p[0], rng.choice(roles), rank, manager) for p in picks]
        acc.opportunities.append((f"{name} deal {k + 1}", stage, closed, won,
                                  list(dict.fromkeys(held))))
    return acc


#: How high up a role on a deal sits: its holder at most this many rungs below the head
#: of their function (the board counts as heads).  Other roles may sit anywhere.
_ROLE_RUNG = {"Economic Buyer": 0, "Executive Sponsor": 0, "Decision Maker": 1,
              "Technical Buyer": 2}


def _senior_enough(person: str, role: str, rank: dict[str, int],
                   manager: dict[str, str | None]) -> tuple[str, str]:
    """Who holds a role on a deal, and the role: the person drawn, or the first of their
    managers senior enough for it (a lab technician is no deal's economic buyer)."""
    limit = _ROLE_RUNG.get(role)
    while limit is not None and rank[person] > limit and manager[person]:
        person = str(manager[person])
    return person, role


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


_User = tuple[str, str, str, str, str | None, bool]


def _our_users(rng: random.Random, storylines: bool, pool: dict[str, int]) -> list[_User]:
    users: list[_User] = [
        (key, _name(rng), title, dept, mgr, True) for key, title, dept, mgr in OUR_PEOPLE
    ]
    for i in range(pool["kam"]):
        users.append((f"kam{i}", _name(rng), "Key Account Manager", "Sales", "kad", i % 6 != 5))
    for i in range(pool["rep"]):
        users.append((f"rep{i}", _name(rng), "Sales Representative", "Sales", "vpsales",
                      i % 7 != 6))
    for i in range(pool["tse"]):
        users.append((f"tse{i}", _name(rng), "Field Application Engineer",
                      "Technical Service", "tsdir", True))
    if storylines:
        # The storyline company's leaders replace the generic ones.
        replaced = {s[0] for s in STORY_USERS} | {"ceo", "cto", "logmgr"}
        renamed = {"ceo": "exec", "cto": "cto_ours", "logmgr": "log"}
        users = [(k, n, t, d, renamed.get(m, m) if m else m, a)
                 for k, n, t, d, m, a in users if k not in replaced]
        users += STORY_USERS
    return users


def _activities(
    rng: random.Random, pattern: str, end: date
) -> list[tuple[date, str, str, int]]:
    """(day, channel, outcome, minutes) for one pair over the year before ``end``."""
    rate = _RATES[pattern] * (rng.paretovariate(3.0) if pattern not in ("hostile",) else 1.0)
    start = end - timedelta(days=364)
    stop = end - timedelta(days=200) if pattern == "stale" else end
    out = []
    day = start
    while day <= stop:
        recent = (end - day).days < 120
        weekly = rate
        if pattern == "declining" and recent:
            weekly = 0.15
        n = sum(1 for _ in range(8) if rng.random() < weekly / 8)
        for _ in range(n):
            when = day + timedelta(days=rng.randrange(5))
            if when > stop:
                continue
            roll = rng.random()
            if roll < 0.3:
                declined = (pattern == "hostile" and rng.random() < 0.7) or (
                    pattern == "declining" and recent and rng.random() < 0.6)
                out.append((when, "meeting", "declined" if declined else "held",
                            rng.choice((30, 45, 60, 90))))
            elif roll < 0.65:
                unanswered = rng.random() < (0.8 if pattern == "hostile" else (
                    0.6 if pattern == "declining" and recent else 0.12))
                out.append((when, "call", "unanswered" if unanswered else "held",
                            0 if unanswered else rng.choice((5, 10, 20, 30))))
            else:
                out.append((when, "email", "sent", 0))
        day += timedelta(days=7)
    return out


class _Writer:
    """Writes one object file in the chosen flavour."""

    def __init__(self, folder: Path, flavour: str, encoding: str) -> None:
        self.folder = folder
        self.flavour = flavour
        self.encoding = encoding

    def id(self, value: str | None) -> str:
        if value is None:
            return ""
        return value if self.flavour == "dataloader" else (to18(value) or "")

    def lookup(self, value: str | None, null_id: bool = False) -> str:
        if value is None:
            return "000000000000000AAA" if (null_id and self.flavour == "weekly") else ""
        return self.id(value)

    def boolean(self, value: bool) -> str:
        if self.flavour == "dataloader":
            return "true" if value else "false"
        return "1" if value else "0"

    def moment(self, value: datetime | date | None) -> str:
        if value is None:
            return ""
        if not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if self.flavour == "dataloader":
            return value.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        return value.strftime("%Y-%m-%d %H:%M:%S")

    def header(self, columns: Sequence[str]) -> list[str]:
        if self.flavour == "weekly":
            return list(columns)
        # Data Loader writes headers in upper case in some versions.
        return [c.upper() for c in columns]

    def write(self, name: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        sink = self.open(name, columns)
        for row in rows:
            sink.append(row)
        return sink.close()

    def open(self, name: str, columns: Sequence[str]) -> _Sink:
        encoding = "utf-8-sig" if self.flavour == "dataloader" and self.encoding == "utf-8" \
            else self.encoding
        fh = open(self.folder / name, "w", encoding=encoding, errors="replace", newline="")
        writer = csv.writer(
            fh,
            quoting=csv.QUOTE_ALL if self.flavour == "weekly" else csv.QUOTE_MINIMAL,
            lineterminator="\n" if self.flavour == "weekly" else "\r\n",
        )
        writer.writerow(self.header(columns))
        return _Sink(fh, writer)


class _Sink:
    """One object file being written: rows are appended as they are made."""

    def __init__(self, fh: IO[str], writer: Any) -> None:
        self.fh = fh
        self.writer = writer
        self.count = 0

    def append(self, row: Sequence[object]) -> None:
        self.writer.writerow(["" if v is None else v for v in row])
        self.count += 1

    def close(self) -> int:
        self.fh.close()
        return self.count


_COLUMNS: dict[str, tuple[str, ...]] = {
    "Account": ("Id", "IsDeleted", "MasterRecordId", "Name", "Type", "ParentId", "Industry",
                "AnnualRevenue", "OwnerId", "CreatedDate"),
    "Contact": ("Id", "IsDeleted", "MasterRecordId", "AccountId", "LastName", "FirstName",
                "Name", "Title", "Department", "Email", "ReportsToId", "OwnerId",
                "Description", "CreatedDate"),
    "AccountTeamMember": ("Id", "AccountId", "UserId", "TeamMemberRole", "AccountAccessLevel",
                          "IsDeleted", "CreatedDate"),
    "Opportunity": ("Id", "IsDeleted", "AccountId", "Name", "StageName", "Amount", "CloseDate",
                    "IsClosed", "IsWon", "OwnerId", "CreatedDate"),
    # The weekly export may lack IsPrimary; so do both flavours here, to load alike.
    "OpportunityContactRole": ("Id", "OpportunityId", "ContactId", "Role", "IsDeleted",
                               "CreatedDate"),
    "Task": ("Id", "WhoId", "WhatId", "Subject", "ActivityDate", "Status", "OwnerId",
             "IsClosed", "TaskSubtype", "Type", "CallDurationInSeconds", "CallDisposition",
             "IsDeleted"),
    "Event": ("Id", "WhoId", "WhatId", "Subject", "IsAllDayEvent", "ActivityDateTime",
              "ActivityDate", "DurationInMinutes", "AccountId", "OwnerId", "IsChild",
              "IsDeleted"),
    "EventRelation": ("Id", "RelationId", "EventId", "Status", "RespondedDate", "IsParent",
                      "IsInvitee", "IsWhat", "IsDeleted"),
}


def generate_export(
    folder: Path,
    *,
    accounts: int = 3,
    seed: int = 7,
    flavour: str = "weekly",
    encoding: str = "utf-8",
    storylines: bool = False,
    end: date = date(2026, 11, 1),
) -> dict[str, int]:
    """Write a Salesforce-format export to ``folder``; return rows written per object."""
    rng = random.Random(seed)
    ids = _Ids()
    folder.mkdir(parents=True, exist_ok=True)
    w = _Writer(folder, flavour, encoding)
    pool = _pool(accounts)
    users = _our_users(rng, storylines, pool)
    user_ids = {u[0]: ids.new("005") for u in users}
    accs = _storylines()[:accounts] if storylines else []
    while len(accs) < accounts:
        accs.append(_random_account(rng, len(accs) + 1, pool))
    created = datetime.combine(end - timedelta(days=400), datetime.min.time()).replace(hour=9)
    stats: dict[str, int] = {}

    stats["User"] = w.write(
        "User.csv",
        ("Id", "Username", "LastName", "FirstName", "Name", "Title", "Department", "Email",
         "IsActive", "ManagerId", "UserType", "CreatedDate"),
        (
            (w.id(user_ids[k]), f"{k}@supplier.example", name.split(" ", 1)[-1],
             name.split(" ", 1)[0], name, title, dept, f"{k}@supplier.example",
             w.boolean(active), w.lookup(user_ids.get(mgr) if mgr else None, null_id=True),
             "Standard", w.moment(created))
            for k, name, title, dept, mgr, active in users
        ),
    )
    # Rows go to their files as they are made: a 5,000-account export never sits in
    # memory whole.
    sinks = {name: w.open(f"{name}.csv", columns) for name, columns in _COLUMNS.items()}
    account_rows, contact_rows, team_rows = (
        sinks["Account"], sinks["Contact"], sinks["AccountTeamMember"])
    opp_rows, ocr_rows = sinks["Opportunity"], sinks["OpportunityContactRole"]
    task_rows, event_rows, relation_rows = sinks["Task"], sinks["Event"], sinks["EventRelation"]
    for acc in accs:
        acc_id = ids.new("001")
        owner = user_ids[acc.team[0][0]] if acc.team else user_ids["kad"]
        account_rows.append((w.id(acc_id), w.boolean(False), w.lookup(None, True), acc.name,
                             "Customer", w.lookup(None, True), acc.industry,
                             rng.randrange(5, 500) * 1_000_000, w.id(owner), w.moment(created)))
        contact_ids = {p[0]: ids.new("003") for p in acc.people}
        for key, name, title, dept, mgr in acc.people:
            first, last = name.split(" ", 1)
            note = "Prefers e-mail.\nMet at the trade fair." if rng.random() < 0.2 else (
                "Prefers e-mail. Met at the trade fair." if rng.random() < 0.2 else "")
            contact_rows.append((
                w.id(contact_ids[key]), w.boolean(False), w.lookup(None, True), w.id(acc_id),
                last, first, name, title, dept, f"{first.lower()}.{key}@{acc.key}.example",
                w.lookup(contact_ids.get(mgr) if mgr else None, null_id=True), w.id(owner),
                note, w.moment(created)))
        for user, role in acc.team:
            team_rows.append((w.id(ids.new("01M")), w.id(acc_id), w.id(user_ids[user]), role,
                              "Edit", w.boolean(False), w.moment(created)))
        for name, stage, closed, won, roles in acc.opportunities:
            opp_id = ids.new("006")
            close = end + timedelta(days=60) if not closed else end - timedelta(days=150)
            opp_rows.append((w.id(opp_id), w.boolean(False), w.id(acc_id), name, stage,
                             rng.randrange(50, 900) * 1000, w.moment(close).split(" ")[0]
                             if flavour == "weekly" else close.isoformat(),
                             w.boolean(closed), w.boolean(won), w.id(owner), w.moment(created)))
            for contact, role in roles:
                ocr = [w.id(ids.new("00K")), w.id(opp_id), w.id(contact_ids[contact]), role,
                       w.boolean(False), w.moment(created)]
                ocr_rows.append(ocr)
        for pair in acc.pairs:
            if pair.user not in user_ids:
                continue
            uid, cid = user_ids[pair.user], contact_ids[pair.contact]
            for day, channel, outcome, minutes in _activities(rng, pair.pattern, end):
                if channel == "meeting":
                    ev = ids.new("00U")
                    start = datetime.combine(day, datetime.min.time()).replace(hour=10)
                    event_rows.append((w.id(ev), w.id(cid), w.id(acc_id), "Meeting",
                                       w.boolean(False), w.moment(start), w.moment(day),
                                       minutes, w.id(acc_id), w.id(uid), w.boolean(False),
                                       w.boolean(False)))
                    status = "Declined" if outcome == "declined" else rng.choice(
                        ("Accepted", "Accepted", "Accepted", "New"))
                    relation_rows.append((w.id(ids.new("0RE")), w.id(cid), w.id(ev), status,
                                          w.moment(start), w.boolean(False), w.boolean(True),
                                          w.boolean(False), w.boolean(False)))
                else:
                    task = ids.new("00T")
                    subtype = "Call" if channel == "call" else "Email"
                    disposition = "" if channel != "call" else (
                        rng.choice(("No Answer", "Left Voicemail", "Busy"))
                        if outcome == "unanswered" else "Connected")
                    seconds = minutes * 60 if channel == "call" else ""
                    task_rows.append((w.id(task), w.id(cid), w.id(acc_id),
                                      f"{subtype} with contact", w.moment(day).split(" ")[0]
                                      if flavour == "weekly" else day.isoformat(),
                                      "Completed", w.id(uid), w.boolean(True), subtype,
                                      subtype, seconds, disposition, w.boolean(False)))
                    if rng.random() < 0.02:
                        # Real exports mix task rows into EventRelation.
                        relation_rows.append((w.id(ids.new("0RE")), w.id(cid), w.id(task),
                                              "", "", w.boolean(False), w.boolean(False),
                                              w.boolean(False), w.boolean(False)))
        # Quirks every export has: tasks about leads, open tasks with no date.
        lead = ids.new("00Q")
        task_rows.append((w.id(ids.new("00T")), w.id(lead), "", "Call a lead",
                          w.moment(end - timedelta(days=3)).split(" ")[0]
                          if flavour == "weekly" else (end - timedelta(days=3)).isoformat(),
                          "Completed", w.id(owner), w.boolean(True), "Call", "Call", 60,
                          "Connected", w.boolean(False)))
        first_contact = contact_ids[acc.people[0][0]]
        task_rows.append((w.id(ids.new("00T")), w.id(first_contact), w.id(acc_id),
                          "Send proposal", "", "Not Started", w.id(owner), w.boolean(False),
                          "Task", "", "", "", w.boolean(False)))

    for name, sink in sinks.items():
        stats[name] = sink.close()
    # Objects a real export holds that kamgraph ignores.
    w.write("Lead.csv", ("Id", "LastName", "Company", "Status"),
            [(w.id(ids.new("00Q")), "Prospect", "Someone Ltd", "Open")])
    w.write("Case.csv", ("Id", "Subject", "Status"),
            [(w.id(ids.new("500")), "Question about an invoice", "Closed")])
    return stats


_OUR_TITLES = [("Key Account Manager", "Sales"), ("Sales Representative", "Sales"),
               ("Technical Service Engineer", "Technical Service"),
               ("Director Technical Service", "Technical Service"),
               ("Distribution Manager", "Logistics"), ("Marketing Manager", "Marketing"),
               ("Finance Director", "Finance"), ("VP Sales", "Sales")]


def account_of_size(people: int, seed: int = 7, as_of: date = date(2026, 11, 1),
                    ) -> AccountData:
    """One account of ``people`` people (nine in ten theirs), as records: the same
    functions and title ladders as the generated exports, each person reporting to
    someone a rung up their function, our people in contact with a few of theirs, and
    an open deal with roles.  What the map tests and benchmarks draw at a chosen size.
    """
    from kamgraph import model as m
    from kamgraph.records import Stored

    rng = random.Random(seed)
    account = m.Account(id="SIZED", name=f"Account of {people}")
    items: list[Stored] = [Stored(account)]
    n_theirs = max(2, people - max(2, people // 10))
    rungs: dict[tuple[str, int], list[str]] = {}
    theirs: list[str] = []
    for i in range(n_theirs):
        # A board of a few; everyone else in the functions below it.
        function = ("senior_management" if i < 3 else
                    rng.choice([f for f in ORG if f != "senior_management"]))
        ladder = ORG[function]
        depth = (i if i < 3 else 0 if (function, 0) not in rungs else
                 min(len(ladder) - 1, 1 + int(rng.expovariate(0.7))))
        while depth and (function, depth - 1) not in rungs:
            depth -= 1
        title, dept = ladder[depth]
        above = rungs.get((function, depth - 1)) if depth and i >= 3 else None
        manager = rng.choice(above) if above else (theirs[0] if theirs else None)
        pid = f"c{i}"
        rungs.setdefault((function, depth), []).append(pid)
        theirs.append(pid)
        items.append(Stored(m.Person(id=pid, side=m.Side.CUSTOMER, name=_name(rng),
                                   account_id=account.id, title=title, department=dept,
                                   reports_to=manager)))
    ours = []
    for i in range(people - n_theirs):
        title, dept = _OUR_TITLES[i % len(_OUR_TITLES)]
        pid = f"s{i}"
        ours.append(pid)
        items.append(Stored(m.Person(id=pid, side=m.Side.SUPPLIER, name=_name(rng), title=title,
                                   department=dept)))
        role = (m.SupplierRole.KEY_ACCOUNT_MANAGER if i == 0 else
                m.SupplierRole.TECHNICAL_SERVICE if "Technical" in title else m.SupplierRole.SALES)
        items.append(Stored(m.TeamMember(account_id=account.id, person_id=pid, role=role)))
    n = 0
    for contact in rng.sample(theirs, min(len(theirs), 3 + int(1.5 * len(theirs) ** 0.5))):
        for user in rng.sample(ours, min(len(ours), rng.randrange(1, 3))):
            for k in range(rng.randrange(1, 8)):
                n += 1
                items.append(Stored(m.Touch(
                    activity_id=f"a{n}", account_id=account.id, supplier_id=user,
                    customer_id=contact, day=as_of - timedelta(days=5 + 11 * k),
                    channel=m.Channel.MEETING, outcome=m.Outcome.HELD, minutes=45)))
    items.append(Stored(m.Opportunity(id="OPP", account_id=account.id, name="Supply agreement")))
    buying = (m.CustomerRole.ECONOMIC_BUYER, m.CustomerRole.DECISION_MAKER,
              m.CustomerRole.TECHNICAL_BUYER, m.CustomerRole.INFLUENCER)
    for k, (pid, buyer) in enumerate(zip(theirs[:4], buying, strict=False)):
        items.append(Stored(m.OpportunityRole(id=f"R{k}", account_id=account.id,
                                            opportunity_id="OPP", person_id=pid,
                                            roles=(buyer,))))
    return AccountData(account=account, items=tuple(items))
