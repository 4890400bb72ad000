"""The types an account's actions are made of: the problem findings gather into, the
draft a drafter makes of it, what it needs of us, and the action it becomes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from kamgraph.analysis.findings import Finding, FindingKind, Severity, Subject

__all__ = ["Action", "ActionStep", "Draft", "How", "Intro", "Need", "Problem", "ProblemKey",
           "Reason", "Step", "Why", "action_id", "and_list", "capped", "first_line", "need_of"]

#: What a problem is, and so which drafter words it: ``("person", node)``, ``("many",
#: why)`` (people who need the same thing), ``("unmapped",)``, or a finding kind first
#: (``(FindingKind.ROLE_VACATED, person)``).
ProblemKey = tuple[str, ...]

#: Why an action is there: the kinds of the findings it covers, or an unmapped account.
Reason = FindingKind | Literal["unmapped"]

#: People of a shared problem given an owner by name; the rest are in its evidence.
GROUP_NAMED = 3

#: Evidence lines an action carries (the findings it covers keep all of theirs).
EVIDENCE_LINES = 12


class How(StrEnum):
    """Who acts on a problem, decided once every problem is drafted."""

    NEW = "new"  # someone of ours opens (adds, takes over) a relationship with a person
    GROUP = "group"  # the same, for each of the first people of a shared problem
    ANTI = "anti"  # a likely anti-sponsor: whoever holds the relationship
    HOLDER = "holder"  # whoever holds the relationship acts
    COMMITTEE = "committee"  # the account's committee: its steps
    VACATED = "vacated"  # a role whose holder left: who takes over
    CHANGES = "changes"  # the buying centre's changes: its steps
    MAP = "map"  # an unmapped account: record who buys
    SUCCESSOR = "successor"  # the account's lead left: who names their successor
    FIXED = "fixed"  # an account-level action in its analysis's own words


class Why(StrEnum):
    """What a relationship to open, or to act on, is for."""

    NONE = ""
    MEET = "meet"
    HANDOVER = "handover"
    FIRST_THREAD = "first_thread"
    THREAD = "thread"
    PEER = "peer"
    SENIOR = "senior"
    QUIET = "quiet"
    LEVEL = "level"
    ROLE = "role"


@dataclass
class Need:
    """What a draft needs of us: how its owner is chosen, about whom (``node``), for
    what (``why``), and what the words need besides (``text``: a leaver's name, a level;
    ``steps``: a committee's steps, or a shared problem's people)."""

    how: How
    node: str = ""
    why: Why = Why.NONE
    suggested: list[str] = field(default_factory=list)
    text: str = ""
    steps: list[str] = field(default_factory=list)
    #: For ``VACATED``: the finding that asks who takes over.
    finding: Finding | None = None
    #: A hand-over from the account's lead who left: the successor takes it, named by
    #: whoever names the successor (the draft's owner).
    successor: bool = False
    #: The person of theirs ``node`` is reached through (a gatekeeper, or the one they
    #: named): every introduction goes through them.
    through: str = ""
    #: A second thread on an account served beyond the effort band: it takes part of the
    #: holder's time with the person, and adds no hours.
    moved: bool = False


@dataclass(frozen=True)
class Step:
    """One person of a shared problem: who of ours takes them, and who holds them now."""

    owner: str
    person: str
    holder: str | None


@dataclass(frozen=True)
class Intro:
    """How an owner reaches a person: introduced ``by`` one of ours (through a contact of
    theirs, ``through``), or ``mode`` ``revive`` (their own old relationship), ``ask``
    (the owner asks ``through`` for it), ``team`` (nobody known)."""

    mode: str
    by: str | None = None
    through: str | None = None


@dataclass
class Problem:
    """Findings gathered about one fact, before anyone is chosen to act on it."""

    key: ProblemKey
    subject: Subject
    members: list[int] = field(default_factory=list)
    #: What a problem's action still has to say that no other action says.
    rest: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Draft:
    """An action before its rank, owner and words are fixed."""

    key: ProblemKey
    subject: Subject
    priority: Severity
    score: float
    members: list[int]
    findings: list[Finding]
    because: list[Reason]
    evidence: list[str]
    need: Need
    problem: str = ""
    text: str = ""
    #: Chosen by the owner assignment: who acts, the people of a shared problem's steps,
    #: and how the owner is introduced.
    owner: str | None = None
    steps: list[Step] = field(default_factory=list)
    intro: Intro | None = None
    with_: list[str] = field(default_factory=list)
    #: A relationship to open that nobody fitting is free to take: the owner names
    #: someone.
    unfilled: bool = False

    def of(self, kind: FindingKind) -> list[Finding]:
        """The draft's findings of ``kind``."""
        return [f for f in self.findings if f.kind is kind]


@dataclass(frozen=True)
class ActionStep:
    """One step of a group action: who of ours (``owner``) meets whom (``subject``),
    introduced by whoever holds them now (``introducer``)."""

    subject: Subject
    owner: Subject
    introducer: Subject | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"subject": _person(self.subject), "owner": _person(self.owner),
                "introducer": _person(self.introducer)}


@dataclass(frozen=True)
class Action:
    """One thing to do about one problem: who acts, with whom, and every reason why."""

    id: str
    rank: int
    priority: Severity
    subject: Subject
    problem: str
    owner: Subject | None
    with_: tuple[Subject, ...]
    action: str
    due: date | None
    because: tuple[Reason, ...]
    evidence: tuple[str, ...]
    #: Positions, in the audit's findings, of the findings this action covers.
    findings: tuple[int, ...] = field(default=(), compare=False)
    #: The month it is planned in ("November 2026", or "next quarter"), and why it is
    #: later than its priority asks, when it is (None: on time).
    month: str | None = None
    deferred: str | None = None
    #: What the action asks for ("meet", "thread", "handover", "committee_incomplete" …):
    #: with the account and the subject, what its :attr:`id` is derived from.
    need: str = ""
    #: A group action's steps, one per person of theirs met.
    steps: tuple[ActionStep, ...] = ()

    @property
    def names_subject(self) -> bool:
        """Whether the problem names who or what it is about ("Claire Dubois is a likely
        anti-sponsor", "Nobody of ours reaches planning at Acme").  An account's name in a
        problem may be a deal's ("Acme 2027 supply"): an account never counts as named."""
        return self.subject.type != "account" and self.subject.name in self.problem

    @property
    def headline(self) -> str:
        """The problem, led by its subject unless it names the subject already.

        "Acme Foods: The account hangs on one relationship: Daniel Weber", but "Claire
        Dubois is a likely anti-sponsor (score 0.39)", not "Claire Dubois: Claire Dubois
        is …".
        """
        return self.problem if self.names_subject else f"{self.subject.name}: {self.problem}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "rank": self.rank, "priority": self.priority.value,
            "subject": self.subject.to_dict(), "problem": self.problem,
            "owner": _person(self.owner), "with": [_person(w) for w in self.with_],
            "action": self.action, "due": self.due.isoformat() if self.due else None,
            "because": [str(k) for k in self.because], "evidence": list(self.evidence),
            "month": self.month, "deferred": self.deferred, "need": self.need,
            "steps": [s.to_dict() for s in self.steps],
        }


def _person(subject: Subject | None) -> dict[str, str] | None:
    return {"id": subject.id, "name": subject.name} if subject else None


def need_of(d: Draft) -> str:
    """What a draft asks for, in a word that outlives its wording: the reason a
    relationship is opened for a person ("meet", "thread", "handover" …), how a person's
    action is taken ("anti", "holder"), or the kind of an account's problem."""
    kind = d.key[0]
    if kind == "person":
        return d.need.why.value or d.need.how.value
    if kind == "many":
        return f"many_{d.key[1]}"
    return str(kind)


def action_id(account: str, d: Draft) -> str:
    """An action's id, derived from the account, what the action is about and what it
    asks for: the same problem keeps its id from one audit to the next while it lasts,
    whatever its rank or wording.

    >>> from kamgraph.analysis.findings import Severity, Subject
    >>> d = Draft(key=("person", "003A"), subject=Subject("person", "003A", "Ana"),
    ...           priority=Severity.HIGH, score=1.0, members=[], findings=[], because=[],
    ...           evidence=[], need=Need(How.NEW, node="003A", why=Why.MEET))
    >>> first = action_id("001X", d)
    >>> first[:3], len(first), first == action_id("001X", d), first == action_id("001Y", d)
    ('kg-', 13, True, False)
    """
    about = "\x1f".join(str(part) for part in d.key[1:])
    digest = hashlib.sha256(f"{account}\x1f{need_of(d)}\x1f{about}".encode()).hexdigest()
    return f"kg-{digest[:10]}"


def capped(evidence: list[str]) -> tuple[str, ...]:
    """An action's evidence, at most ``EVIDENCE_LINES`` lines: a shared problem of
    hundreds of people lists the first; every line stays in the findings the action
    covers."""
    if len(evidence) <= EVIDENCE_LINES:
        return tuple(evidence)
    rest = len(evidence) - EVIDENCE_LINES + 1
    return (*evidence[:EVIDENCE_LINES - 1],
            f"… and {rest} more lines in the findings this action covers")


def and_list(items: Sequence[str], word: str = "and", *, serial: bool = False) -> str:
    """``a, b and c``, or ``a, b or c`` after "no"; ``serial`` puts a comma before the last
    word too ("a, b, and c"), for items that hold an "and" of their own.

    >>> and_list(["a", "b", "c"]), and_list(["a", "b"], "or"), and_list(["a"])
    ('a, b and c', 'a or b', 'a')
    """
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ("," if serial else "") + f" {word} " + items[-1]


def first_line(f: Finding) -> str:
    """A finding's first evidence line, as a problem's sentence."""
    text = f.evidence[0] if f.evidence else f.kind.value.replace("_", " ")
    return text[:1].upper() + text[1:]
