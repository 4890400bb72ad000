"""One assignment for the portfolio: who of ours takes each ask of every account, and in
which month, so that nobody is asked for more than their month holds.

Each person of ours has hours a month for relationship work and a number of asks they
can take (``Config.capacity``); each ask costs hours.  Accounts weigh by their portfolio
strategy (or, where none is placed, by open pipeline and revenue), and within one by the
action's priority and score.  The assignment runs in three steps:

1. **Sponsors.**  Each executive gives time to at most ``sponsor_accounts`` accounts:
   those they sponsor on record, then those that ask for them most.  Executives take asks
   only there, and none where the strategy serves the account minimally.
2. **Months.**  Month by month, the asks due that month and those carried over from
   earlier ones are assigned to people with time left by a mixed-integer programme
   (SciPy's ``milp``, HiGHS): the greatest total weight, each ask at most once, each
   person within their hours and asks, and nobody given more than
   ``max_actions_per_owner`` actions of one account while anyone else fits.  What does
   not fit moves to the next month; what fits in none of the horizon's goes to "next
   quarter", with the reason in words.
3. **Introductions.**  Whoever introduces an owner gives half an hour, from the same
   month, most important first.
"""

from __future__ import annotations

import calendar
import dataclasses
import hashlib
import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kamgraph.actions.asks import MINIMAL, Ask, Brief, PersonFacts, Slot, introduction
from kamgraph.actions.drafts import Intro
from kamgraph.config import Config
from kamgraph.model import Level

__all__ = ["Assignment", "Choice", "Workload", "WorkloadRow", "assign", "from_json",
           "month_label", "plan_key", "to_json", "workload_rows"]

#: An account's asks: (account, position of the ask in its brief).
AskRef = tuple[str, int]


@dataclass(frozen=True)
class Choice:
    """Who takes an ask and in which month (``horizon``: next quarter); ``reason`` says
    why it is later than due, or not with the best fit."""

    person: str | None
    month: int
    reason: str | None = None


@dataclass
class Workload:
    """One person of ours across the portfolio: hours and asks a month against what their
    month holds, the accounts they sponsor, and what was deferred for want of them."""

    person: str
    name: str
    level: str
    hours: float
    max_asks: int
    asked: list[float] = field(default_factory=list)
    asks: list[int] = field(default_factory=list)
    sponsors: list[str] = field(default_factory=list)
    deferred: int = 0


@dataclass
class Assignment:
    """The portfolio's assignment: each ask's choice, each introduction, and each
    person's workload."""

    as_of: date
    horizon: int
    choices: dict[AskRef, Choice] = field(default_factory=dict)
    #: (account, draft) -> how its owner is introduced.
    intros: dict[tuple[str, int], Intro] = field(default_factory=dict)
    workload: dict[str, Workload] = field(default_factory=dict)
    #: Account -> its executive sponsor (recorded or chosen), when it has one.
    sponsor_of: dict[str, str] = field(default_factory=dict)

    def covers(self, brief: Brief) -> bool:
        """Whether every ask of ``brief`` was assigned here (it was in the portfolio)."""
        return all((brief.account, k) in self.choices for k in range(len(brief.asks)))


def plan_key(run: int, as_of: date, config: Config) -> str:
    """What a kept plan is for: the run it follows, its day, and its settings (and the
    kamgraph that made it): another of any makes another plan."""
    from kamgraph import __version__

    digest = hashlib.blake2b(f"{__version__}\x00{config!r}".encode(), digest_size=12)
    return f"{run}|{as_of.isoformat()}|{digest.hexdigest()}"


def to_json(plan: Assignment) -> str:
    """The assignment as JSON, for a store to keep (:func:`from_json` reads it back)."""
    return json.dumps({
        "as_of": plan.as_of.isoformat(), "horizon": plan.horizon,
        "choices": [[a, k, c.person, c.month, c.reason] for (a, k), c in plan.choices.items()],
        "intros": [[a, d, i.mode, i.by, i.through] for (a, d), i in plan.intros.items()],
        "workload": [dataclasses.asdict(w) for w in plan.workload.values()],
        "sponsor_of": plan.sponsor_of,
    }, separators=(",", ":"), sort_keys=True)


def from_json(text: str) -> Assignment:
    data = json.loads(text)
    return Assignment(
        as_of=date.fromisoformat(data["as_of"]), horizon=int(data["horizon"]),
        choices={(a, int(k)): Choice(p, int(m), r) for a, k, p, m, r in data["choices"]},
        intros={(a, int(d)): Intro(mode, by, through)
                for a, d, mode, by, through in data["intros"]},
        workload={w["person"]: Workload(**w) for w in data["workload"]},
        sponsor_of=dict(data["sponsor_of"]))


@dataclass(frozen=True)
class WorkloadRow:
    """One person's line of the workload view: each month's hours and asks against what
    their month holds, the accounts they give executive time to, and what waits for
    them beyond the plan's months."""

    person: str
    name: str
    level: str
    hours: float
    max_asks: int
    months: tuple[tuple[str, float, int], ...]  # (month, hours asked, asks)
    sponsors: tuple[str, ...]  # account names
    deferred: int

    @property
    def peak(self) -> float:
        """The fullest month's share of the person's hours or asks, 0..1."""
        return max((max(h / self.hours if self.hours else 0.0, n / self.max_asks)
                    for _, h, n in self.months), default=0.0)

    def to_dict(self) -> dict[str, object]:
        return {"person": self.person, "name": self.name, "level": self.level,
                "hours_a_month": self.hours, "asks_a_month": self.max_asks,
                "months": [{"month": m, "hours": round(h, 1), "asks": n}
                           for m, h, n in self.months],
                "sponsors": list(self.sponsors), "deferred": self.deferred,
                "peak": round(self.peak, 3)}


def workload_rows(plan: Assignment, accounts: dict[str, str]) -> list[WorkloadRow]:
    """Everyone the plan asks anything of, the fullest first (``accounts``: id -> name)."""
    rows = []
    for w in plan.workload.values():
        if not any(w.asks) and not w.sponsors and not w.deferred and not any(w.asked):
            continue
        rows.append(WorkloadRow(
            w.person, w.name, w.level, w.hours, w.max_asks,
            tuple((month_label(plan.as_of, m, plan.horizon), w.asked[m], w.asks[m])
                  for m in range(plan.horizon)),
            tuple(accounts.get(a, a) for a in w.sponsors), w.deferred))
    return sorted(rows, key=lambda r: (-r.peak, -r.deferred, r.name.lower(), r.person))


def month_label(as_of: date, month: int, horizon: int) -> str:
    """The calendar month ``month`` months after ``as_of``'s, or "next quarter" at the
    horizon.

    >>> month_label(date(2026, 11, 1), 0, 3), month_label(date(2026, 11, 1), 2, 3)
    ('November 2026', 'January 2027')
    >>> month_label(date(2026, 11, 1), 3, 3)
    'next quarter'
    """
    if month >= horizon:
        return "next quarter"
    index = as_of.month - 1 + month
    return f"{calendar.month_name[index % 12 + 1]} {as_of.year + index // 12}"


def _month_name(as_of: date, month: int) -> str:
    return calendar.month_name[(as_of.month - 1 + month) % 12 + 1]


def assign(briefs: Sequence[Brief], config: Config, as_of: date | None = None,
           names: dict[str, str] | None = None) -> Assignment:
    """The portfolio's assignment of every brief's asks (see the module's docstring)."""
    cap = config.capacity
    day = as_of or (briefs[0].as_of if briefs else date.today())
    out = Assignment(as_of=day, horizon=cap.horizon_months)
    everyone = _workloads(briefs, config, names or {})
    out.workload = everyone
    weight = _account_weights(briefs, config)
    allowed = _sponsors(briefs, everyone, weight, config, out)
    asks: list[tuple[AskRef, Brief, Ask, list[int]]] = []
    for brief in briefs:
        for k, ask in enumerate(brief.asks):
            if ask.successor:
                continue  # follows whoever names the successor (below)
            keep = [j for j, p in enumerate(ask.options)
                    if p in everyone and allowed(p, brief.account)]
            asks.append(((brief.account, k), brief, ask, keep))
    pending: list[int] = []
    owned: dict[tuple[str, str], int] = defaultdict(int)
    due = defaultdict(list)
    for i, (_, _, ask, _) in enumerate(asks):
        due[min(ask.month, cap.horizon_months - 1)].append(i)
    taken: dict[tuple[str, int], set[str]] = defaultdict(set)  # (person, month) -> accounts
    for month in range(cap.horizon_months):
        pool = pending + due[month]
        placed = _solve_month(pool, asks, month, everyone, weight, owned, config)
        pending = []
        for i in pool:
            ref, brief, ask, keep = asks[i]
            j = placed.get(i)
            if j is None:
                if keep:
                    pending.append(i)
                else:
                    out.choices[ref] = Choice(None, min(ask.month, cap.horizon_months - 1))
                continue
            person = ask.options[j]
            load = everyone[person]
            load.asked[month] += ask.effort
            load.asks[month] += 1
            if ask.slot is not Slot.DIRECT:
                owned[(person, brief.account)] += 1
            taken[(person, month)].add(brief.account)
            out.choices[ref] = Choice(person, month)
    for i in pending:
        ref, brief, ask, keep = asks[i]
        best = ask.options[keep[0]]
        everyone[best].deferred += 1
        out.choices[ref] = Choice(best, cap.horizon_months)
    _successors(briefs, out)
    _reasons(asks, out, taken)
    _introductions(briefs, out, config)
    return out


def _successors(briefs: Sequence[Brief], out: Assignment) -> None:
    """A hand-over from the account's lead who left is the successor's: it waits with
    whoever names them, in the same month."""
    for brief in briefs:
        naming = next((out.choices[(brief.account, k)] for k, ask in enumerate(brief.asks)
                       if ask.naming and (brief.account, k) in out.choices), None)
        for k, ask in enumerate(brief.asks):
            if ask.successor:
                out.choices[(brief.account, k)] = (
                    Choice(naming.person, naming.month) if naming is not None
                    else Choice(ask.options[0] if ask.options else None, ask.month))


# -- people and accounts ------------------------------------------------------------------

def _workloads(briefs: Sequence[Brief], config: Config,
               names: dict[str, str]) -> dict[str, Workload]:
    """Each person of ours any brief may ask, with what their month holds."""
    cap = config.capacity
    led: dict[str, int] = defaultdict(int)
    facts: dict[str, PersonFacts] = {}
    for brief in briefs:
        for person in brief.leads:
            led[person] += 1
        for person, fact in brief.people.items():
            facts.setdefault(person, fact)
            names.setdefault(person, brief.plain.get(person, person))
    out = {}
    for person, fact in sorted(facts.items()):
        hours = fact.capacity_hours if fact.capacity_hours is not None \
            else cap.level_hours(fact.level)
        if person in led and fact.capacity_hours is None:
            # 60–80 hours a year for each key account they lead (seed 003).
            accounts = max(led[person], fact.load)
            hours = max(hours, accounts * cap.lead_hours_per_account / 12)
        most = cap.max_asks_c_level if fact.level == Level.C_LEVEL.value else cap.max_asks
        out[person] = Workload(person, names.get(person, person), fact.level, round(hours, 1),
                               most, [0.0] * cap.horizon_months, [0] * cap.horizon_months)
    return out


def _account_weights(briefs: Sequence[Brief], config: Config) -> dict[str, float]:
    """Each account's weight: its strategy's, or (none placed) its place among the
    others by open pipeline and revenue, between the lowest and highest strategy's."""
    table = config.capacity.strategy
    low, high = min(table.values()), max(table.values())
    unplaced = sorted((b for b in briefs if b.strategy not in table),
                      key=lambda b: (b.pipeline, b.revenue, b.account))
    out = {b.account: float(table[b.strategy]) for b in briefs
           if b.strategy is not None and b.strategy in table}
    for rank, b in enumerate(unplaced, 1):
        out[b.account] = low + (high - low) * rank / len(unplaced)
    return out


def _is_executive(load: Workload, config: Config) -> bool:
    return Level(load.level).rank >= config.capacity.executive_level.rank


def _sponsors(briefs: Sequence[Brief], everyone: dict[str, Workload],
              weight: dict[str, float], config: Config, out: Assignment
              ) -> _Allowed:
    """The accounts each executive gives time to: those they sponsor or lead on record,
    then, up to ``sponsor_accounts``, those that ask for them most (each account's
    weight times its best ask's for them).  An account may have several (their CFO met
    by ours, their CTO by ours); one that the strategy serves minimally has none.  The
    account's sponsor is its recorded one, else the executive it asks for most."""
    cap = config.capacity
    executives = sorted(p for p, load in everyone.items() if _is_executive(load, config))
    sponsored: dict[str, set[str]] = {p: set() for p in executives}
    minimal = {b.account for b in briefs if b.strategy in MINIMAL}
    for brief in briefs:
        recorded = sorted((brief.sponsors | brief.leads) & set(executives))
        if brief.account in minimal:
            continue
        for person in recorded:
            sponsored[person].add(brief.account)
        if recorded:
            out.sponsor_of[brief.account] = sorted(brief.sponsors & set(executives)
                                                   or recorded)[0]
    wanted: dict[str, dict[str, float]] = {p: defaultdict(float) for p in executives}
    for brief in briefs:
        if brief.account in minimal:
            continue
        for ask in brief.asks:
            for person, fit in zip(ask.options, ask.fits, strict=True):
                if person in wanted:
                    value = weight[brief.account] * ask.weight * fit
                    wanted[person][brief.account] = max(wanted[person][brief.account], value)
    best: dict[str, tuple[float, str]] = {}
    for person in executives:
        room = cap.sponsor_accounts - len(sponsored[person])
        ranked = sorted(((v, a) for a, v in wanted[person].items()
                         if a not in sponsored[person]), key=lambda va: (-va[0], va[1]))
        for _, account in ranked[:max(0, room)]:
            sponsored[person].add(account)
        for account in sponsored[person]:
            value = wanted[person].get(account, 0.0)
            if account not in out.sponsor_of and value > best.get(account, (-1.0, ""))[0]:
                best[account] = (value, person)
    for account, (_, person) in best.items():
        out.sponsor_of.setdefault(account, person)
    for person, accounts in sponsored.items():
        everyone[person].sponsors = sorted(accounts)
    return _Allowed(sponsored)


@dataclass(frozen=True)
class _Allowed:
    """Whether an account may ask one of ours: an executive only where they sponsor."""

    sponsored: dict[str, set[str]]

    def __call__(self, person: str, account: str) -> bool:
        accounts = self.sponsored.get(person)
        return accounts is None or account in accounts


# -- one month ----------------------------------------------------------------------------

def _solve_month(pool: list[int], asks: list[tuple[AskRef, Brief, Ask, list[int]]],
                 month: int, everyone: dict[str, Workload], weight: dict[str, float],
                 owned: dict[tuple[str, str], int], config: Config) -> dict[int, int]:
    """The heaviest assignment of ``pool``'s asks to people with time left in ``month``:
    ask -> the position of its option taken.  (SciPy is read here, not on import: a
    command that reads a kept plan never loads it.)"""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    limit = config.max_actions_per_owner
    variables: list[tuple[int, int, str]] = []  # (ask, option, person)
    gains: list[float] = []
    for i in pool:
        (account, _), brief, ask, keep = asks[i]
        late = max(0, month - ask.month)
        base = weight[account] * ask.weight * (1 + 0.25 * late)
        for j in keep:
            person = ask.options[j]
            load = everyone[person]
            if load.asks[month] >= load.max_asks or \
                    load.asked[month] + ask.effort > load.hours + 1e-9:
                continue
            variables.append((i, j, person))
            gains.append(base * (1 + 0.1 * ask.fits[j]))
    if not variables:
        return {}
    # One slack a (person, account) pair over its limit, dearer than any better fit and
    # cheaper than leaving an ask without an owner.
    pairs = sorted({(p, asks[i][0][0]) for i, _, p in variables
                    if asks[i][2].slot is not Slot.DIRECT})
    pair_index = {pair: len(variables) + k for k, pair in enumerate(pairs)}
    n = len(variables) + len(pairs)
    cost = np.zeros(n)
    cost[:len(variables)] = -np.array(gains)
    for (_, account), k in pair_index.items():
        cost[k] = 0.5 * weight[account]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    upper: list[float] = []
    r = 0
    by_ask: dict[int, list[int]] = defaultdict(list)
    by_person: dict[str, list[int]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for v, (i, _, person) in enumerate(variables):
        by_ask[i].append(v)
        by_person[person].append(v)
        if asks[i][2].slot is not Slot.DIRECT:
            by_pair[(person, asks[i][0][0])].append(v)
    for members in by_ask.values():  # each ask at most once
        rows += [r] * len(members)
        cols += members
        vals += [1.0] * len(members)
        upper.append(1.0)
        r += 1
    for person, members in by_person.items():  # hours, then asks, left this month
        load = everyone[person]
        rows += [r] * len(members)
        cols += members
        vals += [asks[variables[v][0]][2].effort for v in members]
        upper.append(load.hours - load.asked[month])
        r += 1
        rows += [r] * len(members)
        cols += members
        vals += [1.0] * len(members)
        upper.append(float(load.max_asks - load.asks[month]))
        r += 1
    for pair, members in by_pair.items():  # actions of one account, slack beyond
        rows += [r] * (len(members) + 1)
        cols += [*members, pair_index[pair]]
        vals += [1.0] * len(members) + [-1.0]
        upper.append(float(max(0, limit - owned.get(pair, 0))))
        r += 1
    matrix = coo_array((vals, (rows, cols)), shape=(r, n)).tocsr()
    # The linear programme, not the integer one: with each ask's options feeding people's
    # months it is close to a transportation problem, whose optimum is almost all whole
    # (at 2,000 accounts: 4,514 asks placed in the first month against the integer
    # programme's 4,516, in a seventh of the time); the few asks it splits are rounded
    # below, never past anyone's month.
    bounds = Bounds(np.zeros(n), np.concatenate([np.ones(len(variables)),
                                                 np.full(len(pairs), np.inf)]))
    with _silenced():
        result = milp(cost, constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
                      integrality=np.zeros(n), bounds=bounds)
    if result.x is None:  # pragma: no cover - HiGHS always finds the empty assignment
        return {}
    return _rounded(result.x, variables, gains, asks, month, everyone)


def _rounded(x: Any, variables: list[tuple[int, int, str]], gains: list[float],
             asks: list[tuple[AskRef, Brief, Ask, list[int]]], month: int,
             everyone: dict[str, Workload]) -> dict[int, int]:
    """The programme's shares made whole: the largest share of each ask first, then by
    weight, each taken while its person has the hours and asks left this month."""
    hours = {p: w.hours - w.asked[month] for p, w in everyone.items()}
    count = {p: w.max_asks - w.asks[month] for p, w in everyone.items()}
    order = sorted((v for v in range(len(variables)) if x[v] > 1e-6),
                   key=lambda v: (-round(float(x[v]), 6), -gains[v], v))
    out: dict[int, int] = {}
    for v in order:
        i, j, person = variables[v]
        effort = asks[i][2].effort
        if i in out or count[person] < 1 or hours[person] + 1e-9 < effort:
            continue
        out[i] = j
        hours[person] -= effort
        count[person] -= 1
    return out


@contextmanager
def _silenced() -> Iterator[None]:
    """The process's standard output and error sent nowhere while HiGHS runs: on large
    problems its C++ prints debugging lines there, which would land in the middle of an
    audit's JSON on standard output."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 1)
        os.dup2(sink, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, sink):
            os.close(fd)


# -- words for what moved ------------------------------------------------------------------

def _reasons(asks: list[tuple[AskRef, Brief, Ask, list[int]]], out: Assignment,
             taken: dict[tuple[str, int], set[str]]) -> None:
    """Why an ask is later than due, or not with the person who fits it best."""
    for ref, brief, ask, keep in asks:
        choice = out.choices.get(ref)
        if choice is None or choice.person is None or not ask.options:
            continue
        wanted = min(ask.month, out.horizon - 1)
        parts = []
        best = ask.options[0]
        if best in out.workload and not any(best == ask.options[j] for j in keep):
            parts.append(_barred(best, brief, out))
        late = choice.month > wanted
        first = ask.options[keep[0]] if keep else None
        if first is not None and (late or choice.person != first):
            parts.append(_full(first, wanted, brief, out, taken))
        if parts:
            out.choices[ref] = Choice(choice.person, choice.month, "; ".join(parts))


def _barred(person: str, brief: Brief, out: Assignment) -> str:
    """Why an executive takes nothing of this account."""
    who = out.workload[person]
    if brief.strategy in MINIMAL:
        return f"{who.name} gives no time to accounts served minimally"
    sponsor = out.sponsor_of.get(brief.account)
    if sponsor is not None and sponsor != person:
        return f"{who.name} is not this account's sponsor ({out.workload[sponsor].name} is)"
    return f"{who.name} gives their time to {len(who.sponsors)} other accounts"


def _full(person: str, month: int, brief: Brief, out: Assignment,
          taken: dict[tuple[str, int], set[str]]) -> str:
    """Why someone did not take an ask in its month."""
    who = out.workload[person]
    name = _month_name(out.as_of, month)
    others = taken.get((person, month), set()) - {brief.account}
    if others:
        return (f"{who.name}'s {name} is taken by {len(others)} higher-ranked "
                f"account{'s' if len(others) != 1 else ''}")
    return f"{who.name}'s {name} is full"


def _introductions(briefs: Sequence[Brief], out: Assignment, config: Config) -> None:
    """Each new relationship's introducer, most important first, from people with half an
    hour left in its month."""
    effort = float(config.capacity.effort["introduction"])
    wanted: list[tuple[float, Brief, int, str, str, int]] = []
    for brief in briefs:
        for k, ask in enumerate(brief.asks):
            choice = out.choices.get((brief.account, k))
            if ask.introduced and choice is not None and choice.person is not None \
                    and not (ask.own and choice.person in brief.holders.get(ask.subject, ())):
                wanted.append((ask.weight, brief, ask.draft, ask.subject, choice.person,
                               choice.month))
    wanted.sort(key=lambda w: (-w[0], w[1].account, w[2]))
    busy = [{p for p, load in out.workload.items()
             if load.asked[m] + effort > load.hours + 1e-9} for m in range(out.horizon)]
    for _, brief, draft, subject, owner, month in wanted:
        if month >= out.horizon:  # next quarter: whoever is free then
            out.intros[(brief.account, draft)] = introduction(brief, subject, owner)
            continue
        intro = introduction(brief, subject, owner, busy[month])
        out.intros[(brief.account, draft)] = intro
        if intro.by is not None and intro.by in out.workload:
            load = out.workload[intro.by]
            load.asked[month] += effort
            if load.asked[month] + effort > load.hours + 1e-9:
                busy[month].add(intro.by)
