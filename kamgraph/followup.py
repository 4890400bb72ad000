"""The follow-up: what became of the actions an earlier audit gave.

An action's id is derived from what it is about (:func:`kamgraph.actions.drafts.action_id`),
so the same problem keeps its id from one audit to the next.  Each sync keeps the
follow-up of its day: every action given, when it was first given, and its status:

- **open** while it is still raised, and **overdue** once its due date is past;
- **done** when the records show it: someone of ours had two-way contact (a held meeting,
  a connected call) with the person it is about after it was first given (its owner, or
  anyone who did not already hold the relationship then), or, for an account's problem
  (a committee, a role, the lead's successor), when the problem is no longer found;
- **dropped** when the problem went away otherwise: the person left, or is no longer
  found with nothing of ours to show for it;
- **closed** by hand (``kamgraph actions close``), with the reason, until reopened or
  until the day the closure names.

"New" is not a status of its own: an open action first given after the follow-up it is
compared with.  An action done while its problem stays is given again, as a new round.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

import networkx as nx

from kamgraph.actions.drafts import Action
from kamgraph.analysis.findings import Subject
from kamgraph.config import Config
from kamgraph.graph import CONTACT, context
from kamgraph.wording import counted

__all__ = ["FOLLOWUP_SCHEMA", "Closure", "Completed", "Entry", "Followup", "Progress",
           "Status", "TrackedAccount", "contacts_of", "follow_account", "followup_counts",
           "progress_of", "since_counts"]

#: Follow-ups kept before an audit whose progress it reads (the newest).
HISTORY_POINTS = 12

FOLLOWUP_SCHEMA = "kamgraph.followup/1"

#: Days a resolved action stays in the follow-up, for comparisons over that span (two
#: monthly reviews): a big portfolio's follow-up does not grow with its history.
RESOLVED_KEPT_DAYS = 62
#: Evidence lines a follow-up keeps of each action (a CRM task's description carries them).
KEPT_LINES = 3

#: Needs met by recording, not by meeting someone: the problem no longer found is done.
_RECORDED = frozenset({"committee_incomplete", "map_status", "unmapped", "lead_left",
                       "role_vacated", "buying_centre_changed", "stale_deals",
                       "coverage_effort", "portfolio_placement"})


class Status(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    DROPPED = "dropped"
    CLOSED = "closed"

    @property
    def resolved(self) -> bool:
        return self in (Status.DONE, Status.DROPPED, Status.CLOSED)


@dataclass(frozen=True)
class TrackedAccount:
    """What the follow-up reads of an account graph: who of ours last met whom (customer
    person -> our person -> the day of their last two-way contact), who of theirs has
    left (and when, if known), and our people's names."""

    met: Mapping[str, Mapping[str, date]] = field(default_factory=dict)
    gone: Mapping[str, date | None] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)


def contacts_of(graph: nx.MultiDiGraph) -> TrackedAccount:
    """The two-way contacts and departures of an account graph."""
    met: dict[str, dict[str, date]] = {}
    for ours, theirs, key, data in graph.edges(keys=True, data=True):
        if key == CONTACT and data.get("last_two_way") is not None:
            met.setdefault(theirs, {})[ours] = data["last_two_way"]
    nodes = graph.nodes
    gone = {n: _since(d.get("status_since")) for n, d in nodes(data=True)
            if d.get("side") == "customer" and not d.get("active", True)}
    names = {ours: str(nodes[ours].get("name", ours)) for seen in met.values() for ours in seen}
    return TrackedAccount(met=met, gone=gone, names=names)


def _since(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Progress:
    """Where an account stood at an audit: its stage, its key people and how many of
    them someone of ours holds an active relationship with."""

    as_of: date
    stage: str | None
    key_people: int
    key_covered: int

    @property
    def share(self) -> float | None:
        return self.key_covered / self.key_people if self.key_people else None

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "stage": self.stage,
                "key_people": self.key_people, "key_covered": self.key_covered}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Progress:
        return cls(as_of=date.fromisoformat(data["as_of"]), stage=data.get("stage"),
                   key_people=int(data["key_people"]), key_covered=int(data["key_covered"]))


def progress_of(graph: nx.MultiDiGraph, stage: str | None, config: Config) -> Progress:
    """An account's progress as its graph stands."""
    from kamgraph.analysis.people import contact_edges, customers, is_key

    key = [n for n in customers(graph) if is_key(graph, n, config)]
    covered = sum(1 for n in key if contact_edges(graph, n, active_only=True))
    return Progress(as_of=context(graph).as_of, stage=stage, key_people=len(key),
                    key_covered=covered)


@dataclass(frozen=True)
class Completed:
    """An action whose tasks came back completed from the CRM (every step's task, for
    an action written as steps), and the day the last was completed, if known."""

    crm: str
    day: date | None = None


@dataclass(frozen=True)
class Closure:
    """An action closed by hand: why, on which day, and until when (None: until
    reopened)."""

    reason: str
    closed_on: date
    until: date | None = None

    def holds(self, day: date) -> bool:
        return self.until is None or day <= self.until

    def close(self, entry: Entry, day: date) -> Entry:
        """``entry`` closed by this closure when it holds on ``day`` and the entry is
        still to do; else the entry as it is."""
        if entry.status.resolved or not self.holds(day):
            return entry
        return replace(entry, status=Status.CLOSED, status_on=self.closed_on,
                       why=f"closed by hand: {self.reason}")

    def to_json(self) -> str:
        return json.dumps({"reason": self.reason, "closed_on": self.closed_on.isoformat(),
                           "until": self.until.isoformat() if self.until else None})

    @classmethod
    def from_json(cls, text: str) -> Closure:
        data = json.loads(text)
        return cls(reason=data["reason"], closed_on=date.fromisoformat(data["closed_on"]),
                   until=date.fromisoformat(data["until"]) if data.get("until") else None)


@dataclass(frozen=True)
class Entry:
    """One action given, and what became of it."""

    id: str
    account_id: str
    account: str
    status: Status
    given: date
    action: Action
    #: Who of ours held the relationship with the subject when it was given: their
    #: contact then is not the action done.
    holders: tuple[str, ...] = ()
    #: When the status was reached (done, dropped, closed), and what shows it.
    status_on: date | None = None
    why: str | None = None

    def shown_since(self, since: date | None) -> bool:
        """Whether the follow-up compared with ``since`` shows the entry: every action
        still to do, and those done, dropped or closed after that day."""
        return not self.status.resolved or since is None or (
            self.status_on is not None and self.status_on > since)

    def resolved_since(self, since: date | None) -> bool:
        """Done, dropped or closed after ``since``."""
        return self.status.resolved and self.shown_since(since)

    def is_new(self, since: date | None) -> bool:
        return not self.status.resolved and (since is None or self.given > since)

    def label(self, since: date | None) -> str:
        """The status as the follow-up shows it: "new" for an open action first given
        after ``since``."""
        return "new" if self.status is Status.OPEN and self.is_new(since) else self.status.value

    def to_dict(self, since: date | None = None) -> dict[str, Any]:
        a = self.action
        return {
            "id": self.id, "account": {"id": self.account_id, "name": self.account},
            "status": self.label(since), "priority": a.priority.value,
            "subject": a.subject.to_dict(), "owner": _who(a.owner),
            "with": [_who(w) for w in a.with_], "need": a.need, "problem": a.problem,
            "action": a.action, "given": self.given.isoformat(),
            "due": a.due.isoformat() if a.due else None,
            "status_on": self.status_on.isoformat() if self.status_on else None,
            "why": self.why, "evidence": list(a.evidence),
            "steps": [s.to_dict() for s in a.steps],
        }

    def stored(self) -> dict[str, Any]:
        """The entry as a follow-up keeps it: its first evidence lines only (the audit of
        its day has them all)."""
        return {**self.to_dict(), "status": self.status.value, "holders": list(self.holders),
                "rank": self.action.rank, "evidence": list(self.action.evidence[:KEPT_LINES])}

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Entry:
        from kamgraph.actions.drafts import ActionStep
        from kamgraph.analysis.findings import Severity

        steps = tuple(ActionStep(subject=_subject(s["subject"]), owner=_subject(s["owner"]),
                                 introducer=_subject(s["introducer"])
                                 if s.get("introducer") else None)
                      for s in data.get("steps", ()))
        action = Action(
            id=data["id"], rank=int(data.get("rank", 0)), priority=Severity(data["priority"]),
            subject=Subject(**data["subject"]), problem=data["problem"],
            owner=_subject(data["owner"]) if data.get("owner") else None,
            with_=tuple(_subject(w) for w in data.get("with", ())), action=data["action"],
            due=date.fromisoformat(data["due"]) if data.get("due") else None,
            because=(), evidence=tuple(data.get("evidence", ())), need=data.get("need", ""),
            steps=steps)
        return cls(id=data["id"], account_id=data["account"]["id"],
                   account=data["account"]["name"], status=Status(data["status"]),
                   given=date.fromisoformat(data["given"]), action=action,
                   holders=tuple(data.get("holders", ())),
                   status_on=date.fromisoformat(data["status_on"])
                   if data.get("status_on") else None, why=data.get("why"))


def _who(subject: Subject | None) -> dict[str, str] | None:
    return {"id": subject.id, "name": subject.name} if subject else None


def _subject(data: Mapping[str, str]) -> Subject:
    return Subject("person", data["id"], data["name"])


@dataclass
class Followup:
    """The follow-up of a portfolio as of a day: every action given and its status,
    compared with the follow-up kept before (``since``, its day)."""

    as_of: date
    since: date | None
    entries: list[Entry] = field(default_factory=list)
    run: int | None = None
    #: Each account's progress at this follow-up's day.
    progress: dict[str, Progress] = field(default_factory=dict)

    def counts(self, since: date | None = None) -> dict[str, int]:
        return since_counts(self.entries, self.since if since is None else since)

    def to_json(self) -> str:
        return json.dumps({
            "schema": FOLLOWUP_SCHEMA, "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat() if self.since else None, "run": self.run,
            "entries": [e.stored() for e in self.entries]}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Followup:
        data = json.loads(text)
        return cls(as_of=date.fromisoformat(data["as_of"]),
                   since=date.fromisoformat(data["since"]) if data.get("since") else None,
                   entries=[Entry.from_stored(e) for e in data["entries"]],
                   run=data.get("run"))

    def progress_json(self) -> str:
        """Each account's progress at this follow-up's day, kept beside it (small: every
        audit reads the newest few)."""
        return json.dumps({k: p.to_dict() for k, p in self.progress.items()},
                          separators=(",", ":"))

    def select(self, *, statuses: Collection[str] = (), owner: str | None = None,
               account: str | None = None, since: date | None = None) -> list[Entry]:
        """The entries shown since ``since`` (the follow-up compared with, by default)
        whose status as shown is one of ``statuses``, whose owner's name contains
        ``owner`` (or whose id it is), of accounts whose name contains ``account`` (or
        whose id it is); every one when nothing is given."""
        day = self.since if since is None else since
        return [e for e in self.entries if e.shown_since(day)
                and (not statuses or e.label(day) in statuses)
                and (owner is None or (e.action.owner is not None and _matches(
                    owner, e.action.owner.name, e.action.owner.id)))
                and (account is None or _matches(account, e.account, e.account_id))]

    def by_account(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {}
        for e in self.entries:
            grouped.setdefault(e.account_id, []).append(e)
        return grouped


def _matches(wanted: str, name: str, ident: str) -> bool:
    text = wanted.strip().lower()
    return text in name.lower() or text == ident.lower()


def pack(text: str) -> str:
    """A follow-up as a store keeps it: compressed (a follow-up's sentences repeat; about
    a sixth of its size), as text both stores hold."""
    return "z1:" + base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def unpack(text: str) -> str:
    """What :func:`pack` kept, as JSON (a follow-up kept uncompressed reads as it is)."""
    if not text.startswith("z1:"):
        return text
    return zlib.decompress(base64.b64decode(text[3:])).decode("utf-8")


def since_counts(entries: Iterable[Entry], since: date | None) -> dict[str, int]:
    """How many actions were done, dropped and closed after ``since``, how many are
    overdue and open now, and how many are new since."""
    counts: Counter[str] = Counter()
    for e in entries:
        if e.shown_since(since):
            counts[e.status.value] += 1
        if e.is_new(since):
            counts["new"] += 1
    return {k: counts[k] for k in ("done", "overdue", "new", "open", "dropped", "closed")}


def followup_counts(counts: Mapping[str, int], since: date | None) -> str:
    """"since 2026-11-01: 4 done, 2 overdue, 1 new" (or "first follow-up: 7 new").

    >>> followup_counts({"done": 4, "overdue": 2, "new": 1, "open": 9}, date(2026, 11, 1))
    'since 2026-11-01: 4 done, 2 overdue, 1 new'
    """
    shown = [f"{counts[k]} {k}" for k in ("done", "overdue", "new", "dropped", "closed")
             if counts.get(k)]
    lead = f"since {since.isoformat()}" if since else "first follow-up"
    return f"{lead}: {', '.join(shown) if shown else 'nothing to follow up'}"


def follow_account(
    account_id: str,
    account: str,
    actions: Sequence[Action],
    previous: Sequence[Entry],
    tracked: TrackedAccount,
    holders: Mapping[str, Sequence[str]],
    *,
    as_of: date,
    closures: Mapping[str, Closure],
    completed: Mapping[str, Completed] | None = None,
) -> list[Entry]:
    """One account's follow-up as of ``as_of``: the actions given before (``previous``)
    with what became of them, and this audit's ``actions``, each given on the day it was
    first given.  ``holders`` are the people of ours who hold each customer person's
    relationship now (for the actions given today); ``completed`` are the actions whose
    tasks came back done in the CRM (:func:`kamgraph.tasks.returned_tasks`)."""
    raised = {a.id: a for a in actions}
    out: list[Entry] = []
    carried: set[str] = set()
    for old in previous:
        if old.status.resolved:
            if old.status_on is None or (as_of - old.status_on).days <= RESOLVED_KEPT_DAYS:
                out.append(old)
            continue
        entry = _judged(old, raised.get(old.id), tracked, as_of, closures.get(old.id),
                        (completed or {}).get(old.id))
        out.append(entry)
        if not entry.status.resolved:
            carried.add(entry.id)
    for a in actions:
        if a.id in carried:
            continue
        subject = a.subject.id if a.subject.type == "person" else ""
        out.append(_status(Entry(
            id=a.id, account_id=account_id, account=account, status=Status.OPEN,
            given=as_of, action=a, holders=tuple(holders.get(subject, ()))), as_of))
    return out


def _judged(old: Entry, now: Action | None, tracked: TrackedAccount, as_of: date,
            closure: Closure | None, task: Completed | None) -> Entry:
    """What became of an action given before."""
    if closure is not None and closure.holds(as_of):
        return closure.close(old, as_of)
    # A status is reached on the day the follow-up learns it (its reason gives the day
    # the records show), so that "since" counts each once, however late it was entered.
    if task is not None:
        return replace(old, status=Status.DONE, status_on=as_of,
                       why=f"its task was completed in {task.crm}"
                           + (f" on {task.day.isoformat()}" if task.day else ""))
    met = _met(old, tracked)
    if met is not None:
        return replace(old, status=Status.DONE, status_on=as_of, why=met)
    subject = old.action.subject
    if subject.type == "person" and subject.id in tracked.gone:
        day = tracked.gone[subject.id]
        return replace(old, status=Status.DROPPED, status_on=as_of,
                       why=f"{subject.name} left" + (f" on {day.isoformat()}" if day else ""))
    if now is None:
        if subject.type != "person" and old.action.need in _RECORDED:
            return replace(old, status=Status.DONE, status_on=as_of,
                           why="no longer found: the records show it resolved")
        return replace(old, status=Status.DROPPED, status_on=as_of,
                       why="no longer found: the problem went away")
    # Still raised: worded as today, due when it was first due (or sooner, if it grew
    # more urgent).
    due = min((d for d in (old.action.due, now.due) if d is not None), default=None)
    return _status(replace(old, action=replace(now, id=old.id, due=due)), as_of)


def _met(old: Entry, tracked: TrackedAccount) -> str | None:
    """Who of ours met the action's person after it was given, and when ("Helen Park met
    Oskar Lindqvist on 2026-11-27"): its owner, or anyone who did not hold the
    relationship then."""
    subject = old.action.subject
    if subject.type != "person":
        return None
    owner = old.action.owner.id if old.action.owner else None
    for ours, day in sorted(tracked.met.get(subject.id, {}).items(), key=lambda kv: kv[1]):
        if day > old.given and (ours == owner or ours not in old.holders):
            who = tracked.names.get(ours, ours)
            return f"{who} met {subject.name} on {day.isoformat()}"
    return None


def _status(entry: Entry, as_of: date) -> Entry:
    due = entry.action.due
    late = due is not None and as_of > due
    return replace(entry, status=Status.OVERDUE if late else Status.OPEN, status_on=None,
                   why=f"{counted((as_of - due).days, 'day')} past due" if late and due else None)

