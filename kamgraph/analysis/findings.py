"""The finding: what every analysis returns, in the audit's JSON shape.

A finding's ``kind`` is a :class:`FindingKind` and what it carries beside its words is a
frozen dataclass of that kind (:data:`DATA_OF`): a score, a filter or an action reads
those fields, never the evidence or the suggestion, which are written for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "DATA_OF",
    "AntiSponsorData",
    "BuyingCentreData",
    "CommitteeData",
    "CoverageGapData",
    "EffortData",
    "Finding",
    "FindingData",
    "FindingKind",
    "HandOverData",
    "InfluencerData",
    "KeyPersonData",
    "LeadLeftData",
    "MapStatusData",
    "NewKeyPersonData",
    "NoData",
    "PlacementData",
    "RedFlag",
    "RedFlagData",
    "RelationshipLevelData",
    "RoleVacatedData",
    "Severity",
    "StaleDealsData",
    "Subject",
    "ThreadData",
    "severity_for",
]


class FindingKind(StrEnum):
    """Every kind of finding, as the audit's JSON names it (``docs/findings.md``)."""

    COVERAGE_GAP = "coverage_gap"
    SINGLE_THREADED = "single_threaded"
    KEY_PERSON_RISK = "key_person_risk"
    ANTI_SPONSOR = "anti_sponsor"
    MIRROR_OPPORTUNITY = "mirror_opportunity"
    MIRROR_MISMATCH = "mirror_mismatch"
    HIDDEN_INFLUENCER = "hidden_influencer"
    COMMITTEE_INCOMPLETE = "committee_incomplete"
    COVERAGE_EFFORT = "coverage_effort"
    PORTFOLIO_PLACEMENT = "portfolio_placement"
    RELATIONSHIP_LEVEL_GAP = "relationship_level_gap"
    MAP_STATUS = "map_status"
    RED_FLAG = "red_flag"
    PATH_TO_POWER = "path_to_power"
    HAND_OVER = "hand_over"
    ROLE_VACATED = "role_vacated"
    NEW_KEY_PERSON = "new_key_person"
    BUYING_CENTRE_CHANGED = "buying_centre_changed"
    LEAD_LEFT = "lead_left"
    STALE_DEALS = "stale_deals"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1}[self]


def severity_for(score: float, high: float = 0.7, medium: float = 0.5) -> Severity:
    """Map a score in [0, 1] to a severity.

    >>> severity_for(0.72).value, severity_for(0.5).value, severity_for(0.1).value
    ('high', 'medium', 'low')
    """
    if score >= high:
        return Severity.HIGH
    if score >= medium:
        return Severity.MEDIUM
    return Severity.LOW


@dataclass(frozen=True)
class Subject:
    """What a finding is about: a person, a function, a level, or the account."""

    type: str
    id: str
    name: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id, "name": self.name}


# -- what each kind carries -------------------------------------------------------------

@dataclass(frozen=True)
class NoData:
    """A kind that carries nothing beside its subject, evidence and suggestion."""


@dataclass(frozen=True)
class CoverageGapData:
    """A person nobody of ours meets, or a function or level nobody reaches: then its
    ``people`` and the one to start with (``target``)."""

    scope: Literal["person", "function", "level"]
    people: tuple[str, ...] = ()
    target: str | None = None


@dataclass(frozen=True)
class ThreadData:
    """One thread of ours (``thread``) holds a person, ``threads`` counting the regular
    ones (0: every relationship sporadic); or the account is a bow-tie between ``ours``
    and ``theirs``."""

    scope: Literal["person", "account"]
    thread: str | None = None
    threads: int = 1
    ours: tuple[str, ...] = ()
    theirs: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyPersonData:
    """If the subject (one of ours) left, ``share`` of our key coverage would go, and
    ``cut_off`` would be met by nobody."""

    share: float
    cut_off: tuple[str, ...]


@dataclass(frozen=True)
class AntiSponsorData:
    signals: tuple[str, ...]


@dataclass(frozen=True)
class InfluencerData:
    derived_influence: float


@dataclass(frozen=True)
class CommitteeData:
    """The roles of a committee (the account's, or a deal's) held by someone nobody of
    ours covers (``uncovered``: those people), or by nobody (``unnamed``: the roles)."""

    completeness: float
    uncovered: tuple[str, ...]
    unnamed: tuple[str, ...]


@dataclass(frozen=True)
class EffortData:
    hours: float


@dataclass(frozen=True)
class PlacementData:
    """The account's place in the portfolio matrix: its strategy (None: not placed)."""

    strategy: str | None


@dataclass(frozen=True)
class RelationshipLevelData:
    """A recorded relationship level below the wanted one: ``ours`` holds it, and the
    next step is ``toward`` (a level's label)."""

    ours: str
    toward: str
    unbacked: bool


@dataclass(frozen=True)
class MapStatusData:
    status: int
    missing: tuple[str, ...]
    uncovered: tuple[str, ...]
    unnamed: tuple[str, ...]


class RedFlag(StrEnum):
    UNCOVERED_INFLUENCE = "uncovered_influence"
    NO_COACH = "no_coach"
    THIN_COVERAGE = "thin_coverage"
    ECONOMIC_BUYER_NOT_MET = "economic_buyer_not_met"
    GONE_QUIET = "gone_quiet"

    @property
    def uncovered(self) -> bool:
        """A flag that says nobody of ours meets the person."""
        return self in (RedFlag.UNCOVERED_INFLUENCE, RedFlag.ECONOMIC_BUYER_NOT_MET)


@dataclass(frozen=True)
class RedFlagData:
    """Which red flag, whom it is about (a deal's flags may be about the deal), and for a
    thinly covered deal how many of its people are covered and wanted."""

    flag: RedFlag
    person: str | None = None
    covered: int = 0
    wanted: int = 0


@dataclass(frozen=True)
class HandOverData:
    """One of ours who left (``left``) held the relationship with the subject."""

    left: str
    left_name: str
    left_on: str | None
    frequency: str
    strength: float
    last_contact: str
    still_met: bool


@dataclass(frozen=True)
class RoleVacatedData:
    """Someone of theirs left a role nobody still there holds: the roles (``roles``, the
    values; ``labels``, as people say them, deciding ones first), where (``where``: the
    deals' names quoted, or "the account"), and the likely successor, if one arrived."""

    person: str
    name: str
    roles: tuple[str, ...]
    labels: tuple[str, ...]
    deals: tuple[str, ...]
    where: tuple[str, ...]
    likely: tuple[str, ...]
    likely_name: str | None
    left_on: str | None


@dataclass(frozen=True)
class NewKeyPersonData:
    """A key person who arrived; when they took over from someone who left (the same role
    on the same deal, or the same title), whom they replaced and as what."""

    arrived: str | None
    decides: bool
    replaced: str | None = None
    replaced_name: str | None = None
    post: str | None = None


@dataclass(frozen=True)
class BuyingCentreData:
    """Key people who arrived, left or were promoted in the change window, and who of
    the arrivals replaced whom of the leavers (new, old): those are in neither list."""

    arrived: tuple[str, ...]
    left: tuple[str, ...]
    promoted: tuple[str, ...]
    replaced: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LeadLeftData:
    """The account's lead of ours (its key account manager or director) left, and no one
    of ours leads it now: who names the successor (their manager, else our most senior
    salesperson; None: nobody known)."""

    person: str
    name: str
    left_on: str | None
    roles: tuple[str, ...]
    names_successor: str | None


@dataclass(frozen=True)
class StaleDealsData:
    """Open deals whose close date passed long ago: the ids."""

    deals: tuple[str, ...]


FindingData = (NoData | CoverageGapData | ThreadData | KeyPersonData | AntiSponsorData
               | InfluencerData | CommitteeData | EffortData | PlacementData
               | RelationshipLevelData | MapStatusData | RedFlagData | HandOverData
               | RoleVacatedData | NewKeyPersonData | BuyingCentreData | LeadLeftData
               | StaleDealsData)

#: What each kind of finding carries.
DATA_OF: dict[FindingKind, type[FindingData]] = {
    FindingKind.COVERAGE_GAP: CoverageGapData,
    FindingKind.SINGLE_THREADED: ThreadData,
    FindingKind.KEY_PERSON_RISK: KeyPersonData,
    FindingKind.ANTI_SPONSOR: AntiSponsorData,
    FindingKind.MIRROR_OPPORTUNITY: NoData,
    FindingKind.MIRROR_MISMATCH: NoData,
    FindingKind.HIDDEN_INFLUENCER: InfluencerData,
    FindingKind.COMMITTEE_INCOMPLETE: CommitteeData,
    FindingKind.COVERAGE_EFFORT: EffortData,
    FindingKind.PORTFOLIO_PLACEMENT: PlacementData,
    FindingKind.RELATIONSHIP_LEVEL_GAP: RelationshipLevelData,
    FindingKind.MAP_STATUS: MapStatusData,
    FindingKind.RED_FLAG: RedFlagData,
    FindingKind.PATH_TO_POWER: NoData,
    FindingKind.HAND_OVER: HandOverData,
    FindingKind.ROLE_VACATED: RoleVacatedData,
    FindingKind.NEW_KEY_PERSON: NewKeyPersonData,
    FindingKind.BUYING_CENTRE_CHANGED: BuyingCentreData,
    FindingKind.LEAD_LEFT: LeadLeftData,
    FindingKind.STALE_DEALS: StaleDealsData,
}

_NO_DATA = NoData()


@dataclass(frozen=True)
class Finding:
    """One finding: why (evidence) and what to do (action), with a suggested person.

    ``data`` must be of the kind's type (:data:`DATA_OF`):

    >>> Finding(FindingKind.COVERAGE_EFFORT, Severity.LOW, 0.2,
    ...         Subject("account", "A", "Acme"), (), "", data=PlacementData(None))
    Traceback (most recent call last):
    ...
    TypeError: a coverage_effort finding carries EffortData, not PlacementData
    """

    kind: FindingKind
    severity: Severity
    score: float
    subject: Subject
    evidence: tuple[str, ...]
    action: str
    suggested: Subject | None = None
    data: FindingData = _NO_DATA

    def __post_init__(self) -> None:
        wanted = DATA_OF[self.kind]
        if type(self.data) is not wanted:
            raise TypeError(f"a {self.kind.value} finding carries {wanted.__name__}, "
                            f"not {type(self.data).__name__}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "score": round(self.score, 3),
            "subject": self.subject.to_dict(),
            "evidence": list(self.evidence),
            "action": self.action,
            "suggested": (
                {"id": self.suggested.id, "name": self.suggested.name}
                if self.suggested else None
            ),
        }

    def sort_key(self) -> tuple[int, float, str, str]:
        return (-self.severity.rank, -self.score, self.kind.value, self.subject.name.lower())
