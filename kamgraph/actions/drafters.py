"""One drafter per finding kind: where its findings go, and how the problem it leads is
worded.

A finding about a customer person joins that person's problem, whose words come from
the first kind that claims it (:mod:`kamgraph.actions.person`).  Any other finding joins
the action of a person it names (``joins``), or else makes a problem of its own
(``home``), which its kind's ``draft`` words.  Adding a kind is one analysis and one
entry here; a test holds every kind to a drafter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kamgraph.actions.committee import draft_committee
from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import Draft, How, Need, Problem, ProblemKey, Why, and_list
from kamgraph.actions.person import CLAIMS, DECIDERS, Claim
from kamgraph.analysis.effort import contact_hours
from kamgraph.analysis.findings import (
    CommitteeData,
    CoverageGapData,
    EffortData,
    Finding,
    FindingKind,
    KeyPersonData,
    LeadLeftData,
    MapStatusData,
    RedFlagData,
    RoleVacatedData,
    Subject,
    ThreadData,
)
from kamgraph.analysis.people import order_of
from kamgraph.graph import context

__all__ = ["DRAFTERS", "Drafter", "Settling"]

K = FindingKind


@dataclass(frozen=True)
class Settling:
    """What an account's drafts say as a whole, before owners are chosen."""

    high_open: bool  # a high action is open
    opening: bool  # an action opens a relationship (beside the account's shape)


def _subject_person(f: Finding) -> str | None:
    return f.subject.id if f.subject.type == "person" else None


def _nobody(f: Finding) -> Sequence[str]:
    return ()


def _own(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    """A problem of the finding's kind for the account."""
    return (f.kind,), (f.subject if f.subject.type == "account" else whole)


def _draft_fixed(d: Draft, problem: Problem, desk: Desk) -> None:
    """The account-level action in the analysis's own words (set by default)."""


def _keep(d: Draft, settling: Settling, desk: Desk) -> bool:
    return True


@dataclass(frozen=True)
class Drafter:
    """How findings of one kind become actions.

    ``claim``: for a kind about customer people, whether it names a person's problem
    (tried in :data:`~kamgraph.actions.person.PERSON_ORDER`).  ``about``: the customer
    person a finding is about, if any.  ``joins``: for a finding about others, the
    people whose actions it joins when they have one.  ``home``: else the problem it
    makes (None: none).  ``draft``: words the problem a finding of this kind leads.
    ``settle``: whether the draft stays, once the account's drafts are known.
    """

    kind: FindingKind
    claim: Claim | None = None
    about: Callable[[Finding], str | None] = _subject_person
    joins: Callable[[Finding], Sequence[str]] = _nobody
    home: Callable[[Finding, Subject], tuple[ProblemKey, Subject] | None] = _own
    draft: Callable[[Draft, Problem, Desk], None] = _draft_fixed
    settle: Callable[[Draft, Settling, Desk], bool] = _keep


# -- coverage gaps of a function or level -------------------------------------------------

def _gap_people(f: Finding) -> Sequence[str]:
    data = f.data
    if not isinstance(data, CoverageGapData) or data.scope == "person":
        return ()
    people = list(data.people)
    if data.target in people:
        people.remove(data.target)
        people.insert(0, data.target)
    return people


def _gap_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return (K.COVERAGE_GAP, f.subject.type, f.subject.id), f.subject


def _draft_gap(d: Draft, problem: Problem, desk: Desk) -> None:
    primary = _primary(d)
    assert isinstance(primary.data, CoverageGapData)
    target = primary.data.target
    d.problem = (f"Nobody of ours reaches {primary.subject.name} at "
                 f"{context(desk.graph).account['name']}")
    if target in desk.graph:
        d.need = Need(How.NEW, node=str(target), why=Why.MEET, suggested=d.need.suggested)


# -- the account's shape, and our key people ----------------------------------------------

def _shape_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return (K.SINGLE_THREADED,), whole


def _hubs(d: Draft) -> tuple[str, ...]:
    data = d.findings[0].data if d.findings else None
    if not isinstance(data, ThreadData):
        return ()
    return data.ours or data.theirs


def _draft_shape(d: Draft, problem: Problem, desk: Desk) -> None:
    primary = _primary(d)
    assert isinstance(primary.data, ThreadData)
    hub = (primary.data.ours or primary.data.theirs or (None,))[0]
    d.problem = "The account hangs on one relationship" + (f": {desk.name(hub)}" if hub else "")
    d.need.suggested = []


def _settle_shape(d: Draft, settling: Settling, desk: Desk) -> bool:
    """An account that hangs on one relationship is broadened beyond what the other
    actions already open, not asked again for a person of ours per key person."""
    hubs = _hubs(d)
    if settling.opening and hubs:
        d.need.text = (f"Broaden {context(desk.graph).account['name']} beyond "
                       f"{desk.name(hubs[0])}: besides the relationships the other actions "
                       f"open, meetings between their senior management and technical "
                       f"people and ours.")
    return True


def _key_person_people(f: Finding) -> Sequence[str]:
    return f.data.cut_off if isinstance(f.data, KeyPersonData) else ()


def _key_person_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return (K.KEY_PERSON_RISK, f.subject.id), f.subject


def _draft_key_person(d: Draft, problem: Problem, desk: Desk) -> None:
    primary = _primary(d)
    share = primary.data.share if isinstance(primary.data, KeyPersonData) else 0.0
    d.problem = (f"If {primary.subject.name} left, {share:.0%} of our coverage of key "
                 f"people would go")


# -- the committee -------------------------------------------------------------------------

def _committee_people(f: Finding) -> Sequence[str]:
    data = f.data
    if isinstance(data, CommitteeData | MapStatusData) and not data.unnamed:
        return data.uncovered
    return ()


def _committee_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return (K.COMMITTEE_INCOMPLETE,), whole


def _draft_committee(d: Draft, problem: Problem, desk: Desk) -> None:
    draft_committee(d, desk)


def _red_flag_about(f: Finding) -> str | None:
    return f.data.person if isinstance(f.data, RedFlagData) else None


# -- turnover, effort, placement -----------------------------------------------------------

def _vacated_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    assert isinstance(f.data, RoleVacatedData)
    return (K.ROLE_VACATED, f.data.person), whole


def _draft_vacated(d: Draft, problem: Problem, desk: Desk) -> None:
    found = d.of(K.ROLE_VACATED)[0]
    assert isinstance(found.data, RoleVacatedData)
    labels = and_list([r.replace("_", " ") for r in found.data.roles])
    d.problem = f"Who takes over from {found.data.name} as {labels}?"
    if set(found.data.roles) & DECIDERS:
        d.score += 0.2  # a deal without its decider: ask before the deal drifts
    d.need = Need(How.VACATED, finding=found)


def _draft_effort(d: Draft, problem: Problem, desk: Desk) -> None:
    """Below the others; the headline leads with the account, so its words do not."""
    d.score -= 0.2
    data = d.findings[0].data
    if isinstance(data, EffortData):
        config = desk.config
        d.problem = (f"{data.hours:.0f} hours of meetings and calls in the last 12 months "
                     f"(benchmark {config.effort_min_hours:.0f}–{config.effort_max_hours:.0f} "
                     f"hours a year)")


def _settle_effort(d: Draft, settling: Settling, desk: Desk) -> bool:
    """An account served beyond the effort band is an action unless the portfolio
    strategy is to develop it (time is not to move away); its second threads take time
    from their holders (:func:`kamgraph.actions.move_threads`).  One served below it is
    none when the strategy serves it minimally: no more hours."""
    data = d.findings[0].data
    if not isinstance(data, EffortData):
        return True
    over = data.hours > desk.config.effort_max_hours
    under = data.hours < desk.config.effort_min_hours
    if under and desk.strategy in ("maintain minimally", "withdraw"):
        return False
    if over and settling.high_open:
        d.need.text = _rebalance(data.hours, desk)
    return not (over and desk.strategy == "develop")


def _rebalance(hours: float, desk: Desk) -> str:
    """Over the band with high actions open: the time they need comes out of the hours
    the account already gets, rather than moving away or coming on top."""
    measured = contact_hours(desk.graph)
    per_person = measured[1] if measured else {}
    ours = sorted((h, -order_of(desk.graph, s), s) for s, h in per_person.items()
                  if desk.graph.nodes[s]["active"])
    top = f", {desk.name(ours[-1][2])} {ours[-1][0]:.0f} h of them" if ours else ""
    band = f"{desk.config.effort_min_hours:.0f}–{desk.config.effort_max_hours:.0f}"
    return (f"Rebalance {context(desk.graph).account['name']}: {hours:.0f} hours a year "
            f"against {band}{top}; the time this account's other actions need comes out of "
            f"these hours, not on top of them.")


def _draft_changes(d: Draft, problem: Problem, desk: Desk) -> None:
    """What no other action says about the buying centre's changes."""
    rest = problem.rest
    arrived = [desk.name(n) for n in rest.get("arrived", ())]
    left = [desk.name(n) for n in rest.get("left", ())]
    promoted = [desk.name(n) for n in rest.get("promoted", ())]
    parts, steps = [], []
    if arrived:
        parts.append(f"{and_list(arrived)} arrived")
        steps.append(f"meets {and_list(arrived)}")
    if left:
        parts.append(f"{and_list(left)} left")
        steps.append(f"finds out who takes over from {and_list(left)}")
    if promoted and not parts:
        parts.append(f"{and_list(promoted)} {'was' if len(promoted) == 1 else 'were'} promoted")
        steps.append(f"finds out what {and_list(promoted)}'s new role changes in the buying "
                     f"decision")
    d.problem = "The buying centre changed: " + "; ".join(parts)
    d.need = Need(How.CHANGES, steps=steps)


def _lead_home(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return (K.LEAD_LEFT,), whole


def _draft_lead_left(d: Draft, problem: Problem, desk: Desk) -> None:
    """First of all: nobody of ours leads the account."""
    data = d.findings[0].data
    assert isinstance(data, LeadLeftData)
    d.problem = f"Nobody of ours leads the account since {data.name} left" + (
        f" on {data.left_on}" if data.left_on else "")
    d.score += 1.0  # before anything the lead would have done
    d.need = Need(How.SUCCESSOR, suggested=[data.names_successor] if data.names_successor
                  else [], text=data.name)


def _no_action(f: Finding, whole: Subject) -> tuple[ProblemKey, Subject] | None:
    return None  # context for the header, not a thing to do


def _not_about_ours(f: Finding) -> str | None:
    return None  # about one of ours: their loss is a problem of its own


def _primary(d: Draft) -> Finding:
    return max(d.findings, key=lambda f: (f.severity.rank, f.score))


#: Every finding kind's drafter.  The buying centre's changes are gathered last, by
#: :func:`kamgraph.actions.gather.gather`: they join the actions of the people they name.
DRAFTERS: dict[FindingKind, Drafter] = {d.kind: d for d in (
    Drafter(K.ANTI_SPONSOR, CLAIMS[K.ANTI_SPONSOR]),
    Drafter(K.NEW_KEY_PERSON, CLAIMS[K.NEW_KEY_PERSON]),
    Drafter(K.HAND_OVER, CLAIMS[K.HAND_OVER]),
    Drafter(K.COVERAGE_GAP, CLAIMS[K.COVERAGE_GAP], joins=_gap_people, home=_gap_home,
            draft=_draft_gap),
    Drafter(K.PATH_TO_POWER, CLAIMS[K.PATH_TO_POWER]),
    Drafter(K.RED_FLAG, CLAIMS[K.RED_FLAG], about=_red_flag_about, home=_committee_home),
    Drafter(K.SINGLE_THREADED, CLAIMS[K.SINGLE_THREADED], home=_shape_home,
            draft=_draft_shape, settle=_settle_shape),
    Drafter(K.MIRROR_MISMATCH, CLAIMS[K.MIRROR_MISMATCH]),
    Drafter(K.MIRROR_OPPORTUNITY, CLAIMS[K.MIRROR_OPPORTUNITY]),
    Drafter(K.RELATIONSHIP_LEVEL_GAP, CLAIMS[K.RELATIONSHIP_LEVEL_GAP]),
    Drafter(K.HIDDEN_INFLUENCER, CLAIMS[K.HIDDEN_INFLUENCER]),
    Drafter(K.KEY_PERSON_RISK, about=_not_about_ours, joins=_key_person_people,
            home=_key_person_home, draft=_draft_key_person),
    Drafter(K.COMMITTEE_INCOMPLETE, joins=_committee_people, home=_committee_home,
            draft=_draft_committee),
    Drafter(K.MAP_STATUS, joins=_committee_people, home=_committee_home),
    Drafter(K.ROLE_VACATED, home=_vacated_home, draft=_draft_vacated),
    Drafter(K.COVERAGE_EFFORT, draft=_draft_effort, settle=_settle_effort),
    Drafter(K.PORTFOLIO_PLACEMENT, home=_no_action),
    Drafter(K.BUYING_CENTRE_CHANGED, draft=_draft_changes),
    Drafter(K.LEAD_LEFT, about=_not_about_ours, home=_lead_home, draft=_draft_lead_left),
    Drafter(K.STALE_DEALS),
)}
