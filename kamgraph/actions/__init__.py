"""Actions: one account's findings turned into a short, ranked list of what to do.

The analyses each see one side of the account and say so on their own; this step
speaks for all of them, once.  Findings about the same fact become one action whose
reasons list every finding behind it:

- a customer person is the subject of at most one action, whatever analyses noticed
  them (a gap, a single thread, a missing peer, a red flag, a likely anti-sponsor);
- a function or level gap, a committee hole or a key-person risk whose people already
  have actions adds a reason to them, not an action of its own;
- what is left of the buying committee and the deals' map status is one action for the
  account; the account's shape (a bow-tie), its effort and its changes one each.

It runs in phases, each in its own module: findings are gathered into problems
(:mod:`~kamgraph.actions.gather`); each problem is drafted by the drafter of its kind
(:mod:`~kamgraph.actions.drafters`, :mod:`~kamgraph.actions.person`); the drafts are
ranked by what losing the relationship would cost, with at most
``Config.max_high_actions`` high; owners are chosen once for the account, most
important action first (:mod:`~kamgraph.actions.owners`): the person of ours best placed
(a peer of matching function and level, already on the account, with capacity), never
someone who has left, never someone whose record with the subject is declines and
unanswered calls, introduced by whoever of ours still holds the relationship or by the
strongest route that avoids a likely anti-sponsor; and the words come last
(:mod:`~kamgraph.actions.words`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import networkx as nx

from kamgraph.actions.asks import MONTH_OF, Brief, Slot, brief_of, over_band
from kamgraph.actions.desk import Desk
from kamgraph.actions.drafters import DRAFTERS, Settling
from kamgraph.actions.drafts import (
    Action,
    ActionStep,
    Draft,
    How,
    Need,
    Problem,
    Step,
    Why,
    action_id,
    and_list,
    capped,
    first_line,
    need_of,
)
from kamgraph.actions.gather import gather
from kamgraph.actions.person import draft_person, person_order, threads_of
from kamgraph.actions.shared import draft_shared
from kamgraph.actions.words import word
from kamgraph.analysis.findings import EffortData, Finding, FindingKind, Severity, Subject
from kamgraph.analysis.people import describe
from kamgraph.config import Config
from kamgraph.graph import context

if TYPE_CHECKING:
    from kamgraph.capacity import Assignment

__all__ = ["DUE_DAYS", "Action", "brief_actions", "draft_actions", "finish", "move_threads",
           "plan_actions"]

#: Days to act, by priority.
DUE_DAYS = {Severity.HIGH: 30, Severity.MEDIUM: 60, Severity.LOW: 90}


def plan_actions(graph: nx.MultiDiGraph, findings: Sequence[Finding],
                 config: Config) -> list[Action]:
    """The ranked actions of one account from its findings.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The account graph the findings were made from.
    findings : sequence of Finding
        Every finding of the account, in the audit's order; an action's ``findings``
        are positions in it.
    config : Config
        Owner limits, the high budget and the analyses' settings.

    Returns
    -------
    list of Action
        Every action, rank 1 first.  A low finding no action needs (the portfolio
        placement, say) is in none.

    Examples
    --------
    >>> from tests.builders import AccountBuilder
    >>> from kamgraph.audit import audit_graph
    >>> from kamgraph.config import Config
    >>> from kamgraph.model import CustomerRole, SupplierRole
    >>> g = (AccountBuilder()
    ...      .theirs("cfo", "CFO", roles=(CustomerRole.ECONOMIC_BUYER,))
    ...      .ours("kam", "Key Account Manager", team_role=SupplierRole.KEY_ACCOUNT_MANAGER)
    ...      .ours("fin", "Finance Director")
    ...      .theirs("buyer", "Buyer").contact("kam", "buyer", times=6).graph())
    >>> first = audit_graph(g, Config()).actions[0]
    >>> first.priority.value, first.problem
    ('high', 'Nobody of ours meets the economic buyer of an open deal')
    >>> first.action
    'Fin meets Cfo this month, introduced by Kam.'
    """
    from kamgraph.capacity import assign

    brief = brief_actions(graph, findings, config)
    return finish(brief, assign([brief], config))


def brief_actions(graph: nx.MultiDiGraph, findings: Sequence[Finding],
                  config: Config) -> Brief:
    """The account's drafts and what they ask of our people: what the portfolio's
    assignment (:func:`kamgraph.capacity.assign`) weighs against every other account's,
    before :func:`finish` words them."""
    desk = Desk(graph, findings, config)
    return brief_of(desk, draft_actions(desk))


def draft_actions(desk: Desk) -> list[Draft]:
    """The account's drafts, ranked and settled, before anyone is chosen to act."""
    closed = context(desk.graph).closed
    account = str(context(desk.graph).account["id"])
    # An action closed by hand is not raised again while its closure holds.
    drafts = [d for d in (_draft(p, desk) for p in gather(desk.findings, desk))
              if d and action_id(account, d) not in closed]
    drafts.sort(key=lambda d: (-d.priority.rank, -d.score, d.subject.name.lower()))
    highs = 0
    for d in drafts:
        if d.priority is Severity.HIGH:
            highs += 1
            if highs > desk.config.max_high_actions:
                # The team can do a few things first, not all; said before the actions are
                # worded, so that their timing is the one their due date gives.
                d.priority = Severity.MEDIUM
    for d in drafts:
        _bind(d, desk)
    settling = Settling(
        high_open=any(d.priority is Severity.HIGH for d in drafts),
        opening=any(d.need.how in (How.NEW, How.GROUP) for d in drafts
                    if d.key != (FindingKind.SINGLE_THREADED,)))
    kept = [d for d in drafts if not isinstance(d.key[0], FindingKind)
            or DRAFTERS[d.key[0]].settle(d, settling, desk)]
    move_threads(kept, desk)
    return kept


def move_threads(drafts: list[Draft], desk: Desk) -> None:
    """On an account served beyond the effort band, no action adds a second thread: each
    takes part of the time its holder already spends with the person, and the effort
    action's words list them, so the account's hours go down, not up."""
    effort = next((d for d in drafts if d.key == (FindingKind.COVERAGE_EFFORT,)
                   and over_band(d, desk.config)), None)
    if effort is None:
        return
    hours = max(f.data.hours for f in effort.of(FindingKind.COVERAGE_EFFORT)
                if isinstance(f.data, EffortData))
    band = f"{desk.config.effort_min_hours:.0f}–{desk.config.effort_max_hours:.0f}"
    moved = []
    for d in drafts:
        people = _second_threads(d)
        if not people:
            continue
        d.need.moved = True
        moved += [_time_of(person, desk) for person in people]
        d.evidence.insert(1, f"{context(desk.graph).account['name']} gets {hours:.0f} hours "
                             f"a year against {band}: a second thread to "
                             f"{and_list([desk.name(p) for p in people])} takes time from "
                             f"its holder, adds none")
    if moved:
        effort.need.text += (" Second threads here take time from their holders: "
                             + and_list(moved) + ".")


def _bind(d: Draft, desk: Desk) -> None:
    """What is recorded about the people a draft names binds it: their dos and don'ts are
    on it, and whoever is reached only through someone goes through them."""
    g = desk.graph
    need = d.need
    node = need.node or (d.subject.id if d.subject.type == "person" else "")
    lines = []
    for person in dict.fromkeys([node, *need.steps]):
        if not person or person not in g or g.nodes[person]["side"] != "customer":
            continue
        name = desk.name(person)
        if g.nodes[person].get("dos"):
            lines.append(f"recorded for {name}: do: {g.nodes[person]['dos']}")
        if g.nodes[person].get("donts"):
            lines.append(f"recorded for {name}: don't: {g.nodes[person]['donts']}")
    if node and d.key == ("person", node):
        for behind, gated in desk.gated_by.items():
            if gated == node and not desk.holders(gated):
                lines.append(f"{describe(g, behind)} is reached only through "
                             f"{desk.name(gated)}: met through them once they are, never "
                             f"around them")
    gate = desk.gated_by.get(node) if node else None
    if gate is not None and need.how is How.NEW:
        need.through = gate
        lines.append(f"{desk.name(node)} is reached only through {desk.name(gate)}")
    d.evidence[1:1] = lines


def _second_threads(d: Draft) -> list[str]:
    """The people a draft asks a second thread to (in a group asking for first regular
    threads, those who have a thread already)."""
    need = d.need
    if need.how is How.NEW:
        return [need.node] if need.why is Why.THREAD else []
    if need.how is not How.GROUP or need.why not in (Why.THREAD, Why.FIRST_THREAD):
        return []
    return [p for p in need.steps if need.why is Why.THREAD
            or threads_of([f for f in d.findings if f.subject.id == p])]


def _time_of(person: str, desk: Desk) -> str:
    """Whose time with ``person`` a moved thread takes: their strongest holder's."""
    holders = desk.holders(person)
    held = f"part of the time {desk.name(holders[0])} spends" if holders else "time spent"
    return f"{held} with {desk.name(person)}"


def finish(brief: Brief, chosen: Assignment) -> list[Action]:
    """The actions of a brief once the portfolio's assignment has chosen who takes each
    ask and when: owners, steps and introducers in place, worded, ranked and dated."""
    from kamgraph.capacity import month_label

    drafts = brief.drafts
    month: dict[int, int] = {}
    reason: dict[int, str | None] = {}
    for k, ask in enumerate(brief.asks):
        choice = chosen.choices.get((brief.account, k))
        if choice is None:
            continue
        d = drafts[ask.draft]
        if ask.slot is Slot.STEP:
            continue
        d.owner = choice.person
        d.unfilled = ask.slot is Slot.DIRECT and d.need.how is How.NEW
        month[ask.draft] = choice.month
        reason[ask.draft] = choice.reason
    for k, ask in enumerate(brief.asks):
        choice = chosen.choices.get((brief.account, k))
        if ask.slot is not Slot.STEP or choice is None or choice.person is None:
            continue
        if choice.month <= month.get(ask.draft, 0) and choice.month < chosen.horizon:
            holders = brief.holders.get(ask.subject, ())
            drafts[ask.draft].steps.append(
                Step(choice.person, ask.subject, holders[0] if holders else None))
    actions = []
    for rank, d in enumerate(drafts, 1):
        i = rank - 1
        d.intro = chosen.intros.get((brief.account, i))
        if d.need.how is How.GROUP:
            # Whoever of ours takes a step besides the owner (the owner is not "with" them).
            d.with_ = [o for o in dict.fromkeys(s.owner for s in d.steps) if o != d.owner]
        elif d.intro is not None and d.intro.by is not None:
            d.with_ = [d.intro.by]
        due_month = month.get(i, MONTH_OF[d.priority])
        late = due_month > MONTH_OF[d.priority]
        label = month_label(chosen.as_of, due_month, chosen.horizon)
        when = (label if due_month >= chosen.horizon else f"in {label}") if late else None
        evidence = list(dict.fromkeys(d.evidence))
        why = reason.get(i)
        deferred = f"deferred to {label}" + (f": {why}" if why else "") if late else None
        if deferred:
            evidence.insert(0, deferred)
        elif why and d.owner:
            evidence.insert(0, f"{why}: {brief.plain.get(d.owner, d.owner)} takes it")
        actions.append(Action(
            id=action_id(brief.account, d), rank=rank, priority=d.priority, subject=d.subject,
            problem=d.problem, owner=_subject(brief, d.owner),
            with_=tuple(s for s in (_subject(brief, w) for w in d.with_) if s),
            action=word(d, brief, when),
            due=brief.as_of + (timedelta(days=30 * (due_month + 1)) if late
                               else timedelta(days=DUE_DAYS[d.priority])),
            because=tuple(dict.fromkeys(d.because)),
            evidence=capped(evidence),
            findings=tuple(d.members),
            month=label, deferred=deferred, need=need_of(d),
            steps=tuple(ActionStep(subject=_named(brief, s.person), owner=_named(brief, s.owner),
                                   introducer=_subject(brief, s.holder))
                        for s in d.steps)))
    return actions


def _named(brief: Brief, node: str) -> Subject:
    return Subject("person", node, brief.plain.get(node, node))


def _subject(brief: Brief, node: str | None) -> Subject | None:
    return Subject("person", node, brief.plain.get(node, node)) if node else None


def _draft(problem: Problem, desk: Desk) -> Draft | None:
    members = [desk.findings[i] for i in problem.members]
    kind = problem.key[0]
    if kind == "unmapped":
        name = problem.subject.name
        return Draft(
            key=problem.key, subject=problem.subject, priority=Severity.LOW, score=0.1,
            members=[], findings=[], because=["unmapped"],
            evidence=[f"nobody of {name}'s people is recorded: the buying centre is unknown"],
            problem="Nobody of theirs is recorded", need=Need(How.MAP))
    if not members:
        return None
    primary = min(members, key=person_order) if kind == "person" else \
        max(members, key=lambda f: (f.severity.rank, f.score))
    d = Draft(
        key=problem.key, subject=problem.subject,
        priority=max((f.severity for f in members), key=lambda s: s.rank),
        score=max(f.score for f in members), members=problem.members, findings=members,
        because=[f.kind for f in members],
        evidence=list(primary.evidence) + [e for f in members if f is not primary
                                           for e in f.evidence[:2]],
        need=Need(How.FIXED, suggested=[primary.suggested.id] if primary.suggested else [],
                  text=primary.action),
        problem=first_line(primary))
    if kind == "person":
        draft_person(d, problem.key[1], desk)
    elif kind == "many":
        draft_shared(d, Why(problem.key[1]), desk)
    elif isinstance(kind, FindingKind):
        DRAFTERS[kind].draft(d, problem, desk)
    return d
