"""Shared problems: people who matter less on their own, gathered with those who need
the same thing ("Nobody of ours meets 3 key people: …")."""

from __future__ import annotations

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import Draft, How, Need, ProblemKey, Why, and_list
from kamgraph.actions.person import DECIDERS, person_order, threads_of
from kamgraph.analysis.findings import (
    Finding,
    FindingKind,
    HandOverData,
    KeyPersonData,
    RedFlag,
    RedFlagData,
    Severity,
)
from kamgraph.analysis.people import describe, order_of

__all__ = ["draft_shared", "home_of", "individual"]

K = FindingKind


def individual(node: str, members: list[Finding], desk: Desk) -> bool:
    """A person whose problem is an action of its own: an economic buyer, a decider on an
    open deal (economic buyer, decision maker, executive sponsor), a likely anti-sponsor,
    anyone a high finding is about, or a person gone quiet."""
    roles = desk.deal_roles.get(node, set())
    return (bool(roles & DECIDERS) or node in desk.anti
            or any(f.kind in (K.HAND_OVER, K.NEW_KEY_PERSON)
                   and f.severity is not Severity.LOW for f in members)
            or "economic_buyer" in desk.graph.nodes[node]["roles"]
            or any(f.severity is Severity.HIGH for f in members)
            or any(isinstance(f.data, RedFlagData) and f.data.flag is RedFlag.GONE_QUIET
                   for f in members))


def home_of(node: str, members: list[Finding], desk: Desk) -> ProblemKey:
    """The problem ``node``'s findings belong to: their own, or one shared by the people
    who need the same thing and matter less on their own."""
    if individual(node, members, desk):
        return ("person", node)
    kinds = {f.kind for f in members}
    if K.HAND_OVER in kinds:
        return ("many", Why.HANDOVER)
    if not desk.holders(node) and kinds & {K.COVERAGE_GAP, K.PATH_TO_POWER, K.RED_FLAG}:
        return ("many", Why.MEET)
    if kinds <= {K.SINGLE_THREADED, K.MIRROR_OPPORTUNITY, K.RED_FLAG, K.MIRROR_MISMATCH} \
            and K.SINGLE_THREADED in kinds:
        return ("many", Why.THREAD)
    if kinds <= {K.MIRROR_OPPORTUNITY}:
        return ("many", Why.PEER)
    return ("person", node)


def _person_of(f: Finding) -> str | None:
    if f.subject.type == "person":
        return f.subject.id
    return f.data.person if isinstance(f.data, RedFlagData) else None


def draft_shared(d: Draft, why: Why, desk: Desk) -> None:
    """A shared problem: the people in it, most senior first, and what they need."""
    g = desk.graph
    members = d.findings
    people: list[str] = []
    for f in members:
        node = _person_of(f)
        if node and node in g and g.nodes[node]["side"] == "customer" and node not in people:
            people.append(node)
    people.sort(key=lambda n: (-g.nodes[n]["level_rank"], -(g.nodes[n].get("influence") or 0.0),
                               order_of(g, n)))
    shown = and_list([describe(g, n) for n in people[:3]]
                     + ([f"{len(people) - 3} more"] if len(people) > 3 else []))
    # Several people are counted, then named; one is named alone.
    count = f"{len(people)} key people: {shown}" if len(people) > 1 else shown
    if why is Why.HANDOVER:
        leavers = and_list(list(dict.fromkeys(
            f.data.left_name for f in members if isinstance(f.data, HandOverData))))
        d.problem = f"Held by {leavers}, who left: " + (
            f"{len(people)} people: {shown}" if len(people) > 1 else shown)
    elif why is Why.MEET:
        d.problem = f"Nobody of ours meets {count}"
    elif why is Why.PEER:
        d.problem = f"No peer of ours meets {count}"
    else:
        why = _thread_problem(d, people, shown, count)
    first: dict[str, tuple[int, str]] = {}
    for f in members:
        node = _person_of(f)
        order = person_order(f)
        if node in people and (node not in first or order < first[node][0]):
            first[node] = (order, f.evidence[0])
    d.evidence = [first[n][1] for n in people if n in first] + [
        e for f in members if f.kind is K.KEY_PERSON_RISK for e in f.evidence[:2]]
    suggested = [f.suggested.id for f in members
                 if f.suggested is not None and f.kind is K.MIRROR_OPPORTUNITY]
    left = {f.data.left for f in members if isinstance(f.data, HandOverData)}
    successor = why is Why.HANDOVER and left == {desk.departed_lead}
    d.need = Need(How.GROUP, why=why, suggested=suggested, steps=people, successor=successor,
                  text=next((f.data.left_name for f in members
                             if isinstance(f.data, HandOverData)), "") if successor else "")


def _thread_problem(d: Draft, people: list[str], shown: str, count: str) -> Why:
    """The problem of people held by one thread of ours, or by none that is regular."""
    held = {n: threads_of([f for f in d.findings if f.subject.id == n]) for n in people}
    why = Why.THREAD
    if not any(held.values()):
        why = Why.FIRST_THREAD
        d.problem = (f"No relationship of ours with {shown} is more than sporadic"
                     if len(people) == 1 else f"No relationship of ours with "
                     f"{len(people)} key people is more than sporadic: {shown}")
    elif 0 in held.values():
        why = Why.FIRST_THREAD
        d.problem = f"{len(people)} key people rest on one thread of ours or none: {shown}"
    else:
        d.problem = (f"Only one thread of ours holds the relationship with {shown}"
                     if len(people) == 1 else f"One thread of ours holds {count}")
    risks = [f for f in d.findings if isinstance(f.data, KeyPersonData)]
    if risks:
        worst = max(risks, key=lambda f: f.data.share if isinstance(f.data, KeyPersonData)
                    else 0.0)
        assert isinstance(worst.data, KeyPersonData)
        d.problem += (f"; if {worst.subject.name} left, {worst.data.share:.0%} of "
                      f"our key coverage would go")
    return why
