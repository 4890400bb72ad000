"""A customer person's problem: what their findings add up to, and its weight.

Each kind that can be about a person has a claim, tried in :data:`PERSON_ORDER`: the
first that claims the person names the problem and says what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import Draft, How, Need, Why
from kamgraph.analysis.findings import (
    AntiSponsorData,
    Finding,
    FindingKind,
    HandOverData,
    NewKeyPersonData,
    RedFlag,
    RedFlagData,
    ThreadData,
    severity_for,
)
from kamgraph.analysis.people import function_label, is_decision_maker
from kamgraph.model import Level

__all__ = ["CLAIMS", "DECIDERS", "PERSON_ORDER", "PersonCase", "draft_person", "person_order",
           "threads_of"]

K = FindingKind
DECIDERS = {"economic_buyer", "decision_maker", "executive_sponsor"}


@dataclass(frozen=True)
class PersonCase:
    """One customer person's findings, and what their claims read of them."""

    node: str
    name: str
    them: dict[str, Any]
    members: list[Finding]
    kinds: set[FindingKind]
    flags: set[RedFlag]
    roles: set[str]
    covered: bool
    on_deal: bool
    suggested: list[str]

    @property
    def decision(self) -> bool:
        return bool(self.roles & {"economic_buyer", "decision_maker"})

    def first(self, kind: FindingKind) -> Finding:
        return next(f for f in self.members if f.kind is kind)


def threads_of(findings: list[Finding]) -> int:
    """How many threads of ours the single-thread finding among ``findings`` counts: one,
    or none (every relationship sporadic)."""
    return min((f.data.threads for f in findings
                if isinstance(f.data, ThreadData) and f.data.scope == "person"), default=1)


def person_order(f: Finding) -> int:
    """A finding's place among a person's: the first present names the problem.  A red
    flag that is not about coverage (gone quiet) is a thread's."""
    kind = f.kind
    if isinstance(f.data, RedFlagData) and not f.data.flag.uncovered:
        kind = K.SINGLE_THREADED
    return PERSON_ORDER.index(kind) if kind in PERSON_ORDER else len(PERSON_ORDER)


def draft_person(d: Draft, node: str, desk: Desk) -> None:
    """Weigh and word the problem of customer person ``node``, whose findings ``d``
    holds: ranked by what losing them would cost (the uncovered decider of an open deal,
    a likely detractor and the only thread to a decider come first; a peer for a manager
    or someone's role to record come last)."""
    g = desk.graph
    members = d.findings
    them = g.nodes[node]
    case = PersonCase(
        node=node, name=desk.name(node), them=them, members=members,
        kinds={f.kind for f in members},
        flags={f.data.flag for f in members if isinstance(f.data, RedFlagData)},
        roles=desk.deal_roles.get(node, set()) | set(them["roles"]),
        covered=bool(desk.holders(node)), on_deal=node in desk.deal_roles,
        suggested=[f.suggested.id for f in sorted(
            members, key=lambda f: (f.kind is not K.MIRROR_OPPORTUNITY, person_order(f)))
            if f.suggested is not None])
    if not case.covered and case.on_deal:
        # Anyone in a buying role on a live deal whom nobody of ours meets (their only
        # relationship may have left with a colleague) comes before a second thread to
        # someone we still cover: raised by what is at risk, the thresholds and the high
        # budget deciding the rest.
        d.score += 0.3 + (0.1 if case.decision else 0.0)
        config = desk.config
        raised = severity_for(min(d.score, 1.0), config.severity_high, config.severity_medium)
        if raised.rank > d.priority.rank:
            d.priority = raised
    if "economic_buyer" in case.roles:
        d.score += 0.1
    if node in desk.anti:
        d.score += 0.2
    if K.SINGLE_THREADED in case.kinds and is_decision_maker(g, node):
        d.score += 0.15
    if case.kinds <= {K.MIRROR_OPPORTUNITY, K.HIDDEN_INFLUENCER, K.RELATIONSHIP_LEVEL_GAP} \
            and them["level_rank"] < Level.DIRECTOR.rank:
        d.score -= 0.2
    for kind in PERSON_ORDER:
        if CLAIMS[kind](d, case, desk):
            return


def _anti(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if case.node not in desk.anti:
        return False
    score = next((f.score for f in case.members if isinstance(f.data, AntiSponsorData)), None)
    d.problem = f"{case.name} is a likely anti-sponsor" + (
        f" (score {score:.2f})" if score is not None else "")
    d.need = Need(How.ANTI, node=case.node)
    return True


def _new_key_person(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.NEW_KEY_PERSON not in case.kinds or case.covered:
        return False
    data = case.first(K.NEW_KEY_PERSON).data
    assert isinstance(data, NewKeyPersonData)
    if data.replaced_name:
        d.problem = (f"{case.name} replaced {data.replaced_name} as {data.post}"
                     + (f" on {data.arrived}" if data.arrived else "") + ", not met yet")
    else:
        d.problem = (f"New {case.them['title'] or 'key person'}"
                     + (f" since {data.arrived}" if data.arrived else "") + ", not met yet")
    d.need = Need(How.NEW, node=case.node, why=Why.MEET, suggested=case.suggested)
    if data.decides:
        d.score += 0.2  # met before a competitor meets them
    return True


def _hand_over(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.HAND_OVER not in case.kinds:
        return False
    found = max((f for f in case.members if f.kind is K.HAND_OVER), key=lambda f: f.score)
    assert isinstance(found.data, HandOverData)
    day = found.data.left_on
    d.problem = f"Held by {found.data.left_name}, who left" + (f" on {day}" if day else "")
    d.need = Need(How.NEW, node=case.node, why=Why.HANDOVER, suggested=case.suggested,
                  text=found.data.left_name,
                  successor=found.data.left == desk.departed_lead)
    return True


def _meet(d: Draft, case: PersonCase, desk: Desk) -> bool:
    """Nobody of ours meets them: a gap, a path to power, or an uncovered red flag."""
    if case.covered or not (case.kinds & {K.COVERAGE_GAP, K.PATH_TO_POWER}
                            or any(flag.uncovered for flag in case.flags)):
        return False
    roles, on_deal = case.roles, case.on_deal
    what = ("the economic buyer of an open deal" if "economic_buyer" in roles and on_deal
            else "a decision maker on an open deal" if case.decision and on_deal
            else "an economic buyer" if "economic_buyer" in roles
            else "a key person")
    d.problem = f"Nobody of ours meets {what}"
    d.need = Need(How.NEW, node=case.node, why=Why.MEET, suggested=case.suggested)
    return True


def _red_flag(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if _meet(d, case, desk):
        return True
    if RedFlag.GONE_QUIET not in case.flags or K.SINGLE_THREADED in case.kinds:
        return False
    d.problem = f"{case.name} has gone quiet after regular contact"
    d.need = Need(How.HOLDER, node=case.node, why=Why.QUIET)
    return True


def _single_threaded(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.SINGLE_THREADED not in case.kinds:
        return False
    if threads_of(case.members) == 0:
        d.problem = f"No relationship of ours with {case.name} is more than sporadic"
        why = Why.FIRST_THREAD
    else:
        d.problem = f"Only one thread of ours holds the relationship with {case.name}"
        why = Why.THREAD
    d.need = Need(How.NEW, node=case.node, why=why, suggested=case.suggested)
    return True


def _mirror_mismatch(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.MIRROR_MISMATCH not in case.kinds:
        return False
    level = Level(case.them["level"]).label
    d.problem = f"{case.name} ({level}) is met only by people several levels junior"
    d.need = Need(How.NEW, node=case.node, why=Why.SENIOR, suggested=case.suggested)
    return True


def _mirror_opportunity(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.MIRROR_OPPORTUNITY not in case.kinds:
        return False
    level = Level(case.them["level"]).label
    d.problem = (f"No peer of ours ({function_label(case.them['function'])}, {level}) "
                 f"meets {case.name}")
    d.need = Need(How.NEW, node=case.node, why=Why.PEER, suggested=case.suggested)
    return True


def _relationship_level(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.RELATIONSHIP_LEVEL_GAP not in case.kinds:
        return False
    d.problem = f"The relationship with {case.name} is below where we want it"
    d.need = Need(How.HOLDER, node=case.node, why=Why.LEVEL,
                  finding=case.first(K.RELATIONSHIP_LEVEL_GAP))
    return True


def _hidden_influencer(d: Draft, case: PersonCase, desk: Desk) -> bool:
    if K.HIDDEN_INFLUENCER not in case.kinds:
        return False
    if not case.covered:
        # Someone who sways the decision and whom nobody of ours meets is met, not only
        # asked about.
        d.problem = (f"{case.name} sways the decision without a recorded role, and nobody "
                     f"of ours meets them")
        d.need = Need(How.NEW, node=case.node, why=Why.MEET, suggested=case.suggested)
        return True
    d.problem = f"{case.name} sways the decision without a recorded role"
    d.need = Need(How.HOLDER, node=case.node, why=Why.ROLE)
    return True


Claim = Callable[[Draft, PersonCase, Desk], bool]

#: Person-level kinds, most telling first: the first whose claim holds names the problem.
CLAIMS: dict[FindingKind, Claim] = {
    K.ANTI_SPONSOR: _anti,
    K.NEW_KEY_PERSON: _new_key_person,
    K.HAND_OVER: _hand_over,
    K.COVERAGE_GAP: _meet,
    K.PATH_TO_POWER: _meet,
    K.RED_FLAG: _red_flag,
    K.SINGLE_THREADED: _single_threaded,
    K.MIRROR_MISMATCH: _mirror_mismatch,
    K.MIRROR_OPPORTUNITY: _mirror_opportunity,
    K.RELATIONSHIP_LEVEL_GAP: _relationship_level,
    K.HIDDEN_INFLUENCER: _hidden_influencer,
}
PERSON_ORDER: tuple[FindingKind, ...] = tuple(CLAIMS)
