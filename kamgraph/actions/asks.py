"""What an account's drafts ask of our people, and what their words will need: the
brief an account hands to the portfolio's assignment (:mod:`kamgraph.capacity`).

A brief holds no graph: it is what an account's audit keeps between drafting its
actions and wording them, once every account's asks have been weighed together.  Each
ask is one slot to fill (an action's owner, a step of a shared problem, the lead who
directs one), with the people who may fill it, best first, what it costs in hours and
the month it is due.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import GROUP_NAMED, Draft, How, Intro, Why
from kamgraph.analysis.findings import EffortData, FindingKind, Severity
from kamgraph.analysis.paths import best_route
from kamgraph.analysis.people import customers, open_opportunities
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import CustomerRole, Level, SupplierRole

__all__ = ["MONTH_OF", "Ask", "Brief", "PersonFacts", "RouteFact", "Slot", "brief_of",
           "introduction"]

#: The month an ask is due in, by its action's priority (0: the as-of month): the
#: action's due date, 30, 60 or 90 days on.
MONTH_OF = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}
_SENIOR_TEAM = {SupplierRole.KEY_ACCOUNT_MANAGER.value, SupplierRole.KEY_ACCOUNT_DIRECTOR.value,
                SupplierRole.EXECUTIVE_SPONSOR.value}
_LEAD_ROLES = {SupplierRole.KEY_ACCOUNT_MANAGER.value, SupplierRole.KEY_ACCOUNT_DIRECTOR.value}
#: Strategies that give an account no executive time and no more hours.
MINIMAL = ("maintain minimally", "withdraw")


class Slot(StrEnum):
    OWNER = "owner"  # the one who acts
    STEP = "step"  # one person of a shared problem: who of ours takes them
    DIRECT = "direct"  # the lead who has others take a shared problem's people


@dataclass(frozen=True)
class Ask:
    """One slot to fill: ``options`` may fill it, best first (``fits`` of each, 0..1);
    it costs ``effort`` hours in the month it is done, due in ``month``."""

    draft: int
    slot: Slot
    subject: str
    options: tuple[str, ...]
    fits: tuple[float, ...]
    effort: float
    month: int
    #: The action's weight among the account's (priority and score).
    weight: float
    #: Someone of ours introduces whoever takes it (unless, ``own`` relationship, they
    #: already hold one with the person).
    introduced: bool = False
    own: bool = False
    #: Naming the successor of the account's lead who left (``naming``), or a hand-over
    #: from them (``successor``), which follows whoever names the successor: it is the
    #: successor's to do, not theirs.
    naming: bool = False
    successor: bool = False


@dataclass(frozen=True)
class RouteFact:
    """The strongest usable route to a person: whom of ours it starts with, the contact
    of theirs they ask, and its length."""

    asker: str
    contact: str
    hops: int


@dataclass(frozen=True)
class PersonFacts:
    """What the capacity model reads of one of our people."""

    level: str
    capacity_hours: float | None
    load: int
    manager: str | None = None
    function: str = ""


@dataclass
class Brief:
    """One account between drafting and wording: its drafts, what they ask of us, and
    every fact their words need."""

    account: str
    account_name: str
    as_of: date
    drafts: list[Draft]
    asks: list[Ask] = field(default_factory=list)
    #: People as an action's words name them (told apart), and as a record names them.
    names: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    #: Customer person -> our people who hold an active relationship, strongest first.
    holders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    routes: dict[str, RouteFact] = field(default_factory=dict)
    #: A likely anti-sponsor -> the champion to check their stance with (None: a coach).
    champions: dict[str, str | None] = field(default_factory=dict)
    lead: str | None = None
    #: Customer person -> the person of theirs every introduction goes through.
    through: dict[str, str] = field(default_factory=dict)
    #: Our people who lead the account (its KAM or KAD) and its recorded sponsors.
    leads: frozenset[str] = frozenset()
    sponsors: frozenset[str] = frozenset()
    strategy: str | None = None
    pipeline: float = 0.0
    revenue: float = 0.0
    people: dict[str, PersonFacts] = field(default_factory=dict)

    def name(self, node: str) -> str:
        return self.names.get(node, node)


def introduction(brief: Brief, customer: str, owner: str | None,
                 busy: Container[str] = frozenset()) -> Intro:
    """Who of ours introduces ``owner`` to ``customer``: whoever holds them, else the
    strongest route that avoids a likely anti-sponsor, else the account's lead; nobody in
    ``busy`` (their month is full).  Someone reached only through a person of theirs is
    introduced through that person, by whoever of ours holds them (``gate``: nobody
    does yet)."""
    gate = brief.through.get(customer)
    if gate is not None:
        if owner in brief.holders.get(gate, ()):
            return Intro("ask", through=gate)
        held = [h for h in brief.holders.get(gate, ()) if h not in busy]
        return Intro("by", held[0], gate) if held else Intro("gate", through=gate)
    holders = [h for h in brief.holders.get(customer, ()) if h != owner and h not in busy]
    if holders:
        return Intro("by", holders[0])
    route = brief.routes.get(customer)
    if route is not None:
        if route.asker == owner:
            return Intro("revive") if route.hops == 1 else Intro("ask", through=route.contact)
        if route.asker not in busy:
            return Intro("by", route.asker, route.contact if route.hops > 1 else None)
    lead = brief.lead
    if lead and lead != owner and lead not in busy:
        return Intro("by", lead)
    return Intro("team")


def brief_of(desk: Desk, drafts: list[Draft]) -> Brief:
    """The account's brief: its asks, and the facts their words need."""
    g = desk.graph
    ctx = context(g)
    brief = Brief(account=str(ctx.account["id"]), account_name=str(ctx.account["name"]),
                  as_of=ctx.as_of, drafts=drafts, lead=desk.lead, strategy=desk.strategy)
    team = {n: g.nodes[n].get("team_roles", ()) for n in g if g.nodes[n]["side"] == "supplier"
            and g.nodes[n]["active"] and n not in desk.off_team}
    brief.leads = frozenset(n for n, roles in team.items() if set(roles) & _LEAD_ROLES)
    brief.sponsors = frozenset(n for n, roles in team.items()
                               if SupplierRole.EXECUTIVE_SPONSOR.value in roles)
    brief.pipeline = sum(float(o.get("amount") or 0.0) for o, _ in open_opportunities(g))
    brief.revenue = float(ctx.account.get("revenue") or 0.0)
    for i, d in enumerate(drafts):
        brief.asks.extend(_asks(i, d, desk))
    _facts(brief, desk)
    return brief


def _weight(d: Draft) -> float:
    return {Severity.HIGH: 3.0, Severity.MEDIUM: 2.0, Severity.LOW: 1.0}[d.priority] + d.score


def _effort(d: Draft, node: str, why: Why, desk: Desk) -> float:
    """The hours an ask costs: a first meeting, or a month of a kept relationship at the
    cadence of the person's level; acting on a relationship held; an account task."""
    effort = desk.config.capacity.effort
    how = d.need.how
    if how in (How.NEW, How.GROUP):
        if why in (Why.THREAD, Why.FIRST_THREAD) and node in desk.graph:
            level = str(desk.graph.nodes[node]["level"])
            return float(desk.config.capacity.cadence.get(level, 2.0))
        return float(effort["first_meeting"])
    if how in (How.ANTI, How.HOLDER):
        return float(effort["act_on_relationship"])
    return float(effort["account_task"])


def _senior_only(node: str, desk: Desk) -> bool:
    """An economic buyer or a C-level person: met only by the account's lead, a key
    account manager or director, a director or above, or an executive sponsor."""
    if not node or node not in desk.graph:
        return False
    them = desk.graph.nodes[node]
    roles = set(them["roles"]) | desk.deal_roles.get(node, set())
    return CustomerRole.ECONOMIC_BUYER.value in roles or them["level_rank"] >= Level.C_LEVEL.rank


def _senior_enough(person: str, desk: Desk) -> bool:
    if person == desk.lead:
        return True
    if person in desk.graph:
        data = desk.graph.nodes[person]
        if set(data.get("team_roles", ())) & _SENIOR_TEAM:
            return True
        return int(data["level_rank"]) >= Level.DIRECTOR.rank
    entry = desk.names.pool.get(person)
    return entry is not None and int(entry["level_rank"]) >= Level.DIRECTOR.rank


def _allowed(options: list[str], node: str, desk: Desk) -> list[str]:
    """``options`` without those the account may not ask: juniors for a senior person,
    executives where the strategy serves the account minimally."""
    if _senior_only(node, desk):
        options = [o for o in options if _senior_enough(o, desk)]
    if desk.strategy in MINIMAL:
        top = desk.config.capacity.executive_level.rank
        options = [o for o in options if _rank(o, desk) < top]
    return options


def _rank(person: str, desk: Desk) -> int:
    if person in desk.graph:
        return int(desk.graph.nodes[person]["level_rank"])
    entry = desk.names.pool.get(person)
    return int(entry["level_rank"]) if entry else 0


def _fits(options: list[str]) -> tuple[float, ...]:
    """Each option's fit, by its place: the best 1.0, each next a little less."""
    return tuple(max(0.3, 1.0 - 0.12 * i) for i in range(len(options)))


def _asks(i: int, d: Draft, desk: Desk) -> list[Ask]:
    need = d.need
    month = MONTH_OF[d.priority]
    weight = _weight(d)
    lead = [desk.lead] if desk.lead else []
    direct = float(desk.config.capacity.effort["direct"])
    if need.successor:
        # The successor takes it over; whoever names them answers for it meanwhile.
        slot = Slot.DIRECT if need.how is How.GROUP else Slot.OWNER
        return [Ask(i, slot, need.node, tuple(lead), _fits(lead), 0.0, month, weight,
                    introduced=need.how is How.NEW, successor=True)]
    if need.how is How.NEW:
        node = need.node
        options = [o for o in desk.candidates(node, need.suggested)
                   if o not in desk.avoid(node, need.why)]
        options = _allowed(options, node, desk) + _lead_fallback(options, node, need.why, desk)
        if not options:  # nobody fits: the lead names someone
            return [Ask(i, Slot.DIRECT, node, tuple(lead), _fits(lead),
                        float(desk.config.capacity.effort["account_task"]), month, weight)]
        return [Ask(i, Slot.OWNER, node, tuple(options), _fits(options),
                    _effort(d, node, need.why, desk), month, weight, introduced=True,
                    own=need.why in (Why.HANDOVER, Why.FIRST_THREAD))]
    if need.how is How.GROUP:
        out = []
        for node in need.steps[:GROUP_NAMED]:
            options = [o for o in desk.candidates(node, need.suggested)
                       if o not in desk.avoid(node, need.why)]
            options = _allowed(options, node, desk) + _lead_fallback(options, node, need.why, desk)
            if options:
                out.append(Ask(i, Slot.STEP, node, tuple(options), _fits(options),
                               _effort(d, node, need.why, desk), month, weight))
        out.append(Ask(i, Slot.DIRECT, "", tuple(lead), _fits(lead), direct, month, weight))
        return out
    if need.how in (How.ANTI, How.HOLDER):
        holders = list(desk.holders(need.node))
        options = holders + [o for o in lead if o not in holders]
        return [Ask(i, Slot.OWNER, need.node, tuple(options), _fits(options),
                    _effort(d, need.node, need.why, desk), month, weight)]
    suggested = [s for s in need.suggested if desk.active_ours(s)][:1]
    options = suggested + [o for o in lead if o not in suggested]
    return [Ask(i, Slot.OWNER, "", tuple(options), _fits(options),
                _effort(d, "", Why.NONE, desk), month, weight,
                naming=need.how is How.SUCCESSOR)]


def _lead_fallback(options: list[str], node: str, why: Why, desk: Desk) -> list[str]:
    """For a senior person, the account's lead when none of the options is: whoever
    else fits may be an executive with no time for the account, or a junior."""
    lead = desk.lead
    if not lead or lead in options or lead in desk.avoid(node, why) \
            or not _senior_only(node, desk):
        return []
    return [lead]


def _facts(brief: Brief, desk: Desk) -> None:
    """Every fact the words need, for everyone an ask or an introduction may name."""
    g = desk.graph
    config: Config = desk.config
    people: set[str] = set()
    if brief.lead:
        people.add(brief.lead)
    for ask in brief.asks:
        people.update(ask.options)
        if ask.subject:
            people.add(ask.subject)
    for d in brief.drafts:
        need = d.need
        if need.through:
            brief.through[need.node] = need.through
        for node in [need.node, *need.steps, need.through]:
            if not node or node in brief.holders or node not in g:
                continue
            people.add(node)
            brief.holders[node] = tuple(desk.holders(node))
            people.update(brief.holders[node])
            route = best_route(g, node, config)
            if route is not None and desk.active_ours(route.asker) and not any(
                    h.target in desk.anti for h in route.hops[:-1]):
                brief.routes[node] = RouteFact(route.asker, route.contact, len(route.hops))
                people.update((route.asker, route.contact))
        if need.how is How.ANTI:
            champions = [c for c in customers(g) if g.nodes[c]["stance"] == "champion"
                         and c != need.node and desk.holders(c)]
            brief.champions[need.node] = champions[0] if champions else None
            people.update(champions[:1])
    for node in people:
        brief.names[node] = desk.name(node)
        brief.plain[node] = desk.names.identity(node)[0]
        facts = _person_facts(node, desk)
        if facts is not None:
            brief.people[node] = facts


def _person_facts(node: str, desk: Desk) -> PersonFacts | None:
    entry = desk.names.pool.get(node)
    if entry is not None:
        return PersonFacts(level=str(entry["level"]), capacity_hours=entry.get("capacity_hours"),
                           load=int(entry.get("load") or 0), manager=entry.get("manager"),
                           function=str(entry.get("function") or ""))
    if node in desk.graph and desk.graph.nodes[node]["side"] == "supplier":
        data = desk.graph.nodes[node]
        return PersonFacts(level=str(data["level"]), capacity_hours=data.get("capacity_hours"),
                           load=1, manager=data.get("manager"),
                           function=str(data.get("function") or ""))
    return None


def over_band(d: Draft, config: Config) -> bool:
    """A coverage-effort draft about hours beyond the band."""
    return any(isinstance(f.data, EffortData) and f.data.hours > config.effort_max_hours
               for f in d.of(FindingKind.COVERAGE_EFFORT))


def under_band(d: Draft, config: Config) -> bool:
    """A coverage-effort draft that asks for more hours."""
    return any(isinstance(f.data, EffortData) and f.data.hours < config.effort_min_hours
               for f in d.of(FindingKind.COVERAGE_EFFORT))
