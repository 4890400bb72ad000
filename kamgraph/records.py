"""The records every layer shares: what a loader yields and reports, what a store holds
and hands to the graph.  It imports no loader, store or graph, so each of them can
import it (``tests/test_layers.py`` holds every module to its layer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from kamgraph.model import Account, Record

__all__ = ["AccountChange", "AccountData", "ChangeKind", "EventSink", "KnownIds", "KnownLookup",
           "LoadResult", "Loader", "Reject", "RowLike", "Stored", "how_gone"]

EventSink = Callable[..., None]


class RowLike(Protocol):
    """What a rejected row must say of itself: its file, line and cells."""

    line: int

    @property
    def table(self) -> Any: ...

    def get(self, column: str) -> str: ...


@dataclass(frozen=True)
class Reject:
    """A row kamgraph could not use, with why: what the rejects file holds.

    ``type`` is a stable slug (``unknown-contact``), ``message`` a sentence for people.
    """

    file: str
    line: int
    field: str
    type: str
    message: str
    value: str = ""


@dataclass
class LoadResult:
    """Counts of what a load read, skipped (by reason) and rejected.

    ``high_water`` is the latest modification time seen (``LastModifiedDate`` or
    ``SystemModstamp``), for a scheduler asking for the next incremental slice.
    ``fingerprint`` (of a full export) and ``unchanged`` (records known to be as stored
    without being written again) are set by the sync around the loader.
    """

    format: str
    source: str
    read: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    rejects: list[Reject] = field(default_factory=list)
    high_water: str | None = None
    fingerprint: str | None = None
    unchanged: int = 0
    #: File -> lines of a UTF-8 file that were not UTF-8, read as Windows-1252.
    redecoded: dict[str, list[int]] = field(default_factory=dict)
    #: What the graph will repair (reports-to cycles, self-reports), counted by kind.
    repairs: dict[str, int] = field(default_factory=dict)
    #: Things a user should know that are not errors (activities expected, none read).
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def saw_modified(self, moment: str) -> None:
        if self.high_water is None or moment > self.high_water:
            self.high_water = moment

    def reject(self, row_file: str, line: int, column: str, type_: str, message: str,
               value: str = "") -> None:
        self.rejects.append(Reject(row_file, line, column, type_, message, value[:200]))

    def reject_row(self, row: RowLike, column: str, type_: str, message: str) -> None:
        """Reject ``row`` for the value in ``column``: its file, line and value kept."""
        self.reject(row.table.display, row.line, column, type_, message, row.get(column))


@dataclass(frozen=True)
class KnownIds:
    """What the store already holds, for an incremental export that references it."""

    accounts: frozenset[str] = frozenset()
    contacts: dict[str, str] = field(default_factory=dict)  # contact -> account
    users: frozenset[str] = frozenset()
    opportunities: dict[str, str] = field(default_factory=dict)  # opportunity -> account
    #: The store holds accounts, listed or not: when only the ids an export names were
    #: asked for, a contact's account missing from ``accounts`` is still unknown.
    holds_accounts: bool = False


#: Asks a store which of the ids an export names it holds, by kind (``account``,
#: ``person``, ``opportunity``); ``None`` asks for every id it holds.
KnownLookup = Callable[[Mapping[str, Collection[str]] | None], KnownIds]


class Loader(Protocol):
    """A CRM reader: ``records()`` streams records and fills ``result`` as it goes."""

    format: str
    result: LoadResult

    def records(self) -> Iterator[Record]: ...

    def close(self) -> None:
        """Release the export's files when the records will not be read after all."""


_GONE = {"inactive": "gone from the export", "deleted": "deleted in the CRM",
         "departed": "marked as left in the CRM"}


def how_gone(status: str) -> str:
    """A status other than active, in words: how someone or something left.

    >>> how_gone("inactive"), how_gone("departed")
    ('gone from the export', 'marked as left in the CRM')
    """
    return _GONE.get(status, status)


@dataclass(frozen=True)
class Stored:
    """A record as the store holds it: merged across sources, with its status.

    ``status`` is ``active``, ``inactive`` (gone from the latest full export, since
    ``since``) or ``deleted`` (the source deleted or merged it away).
    """

    record: Record
    status: str = "active"
    since: date | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountData:
    """Everything a store knows about one account, plus our people (the supplier pool)."""

    account: Account
    items: tuple[Stored, ...]

    def of_kind(self, kind: str) -> Iterator[Stored]:
        return (s for s in self.items if s.record.kind == kind)


class ChangeKind(StrEnum):
    """What changed about a person between two syncs."""

    ARRIVED = "arrived"  # one of theirs is new
    LEFT = "left"  # one of theirs left (gone from the CRM, or marked as left)
    TITLE = "title"
    REPORTS_TO = "reports_to"
    ROLES = "roles"
    STANCE = "stance"
    WENT_COLD = "went_cold"  # a relationship of ours with them went cold
    OUR_PERSON_LEFT = "our_person_left"  # one of ours left us
    LEFT_TEAM = "left_team"  # one of ours left the account team, still with us


@dataclass(frozen=True)
class AccountChange:
    """One change of one account between two syncs (:mod:`kamgraph.changes` finds them);
    an account graph carries those of its change window."""

    kind: ChangeKind
    person: str
    name: str
    text: str
    key: bool
    #: The run that first saw the change, and its day (None: not dated).
    run: int | None = None
    day: date | None = None
    #: Someone who left: the roles they held before, each ``(role, opportunity id)``
    #: (an empty id: a role on the account, not on one deal).
    held: tuple[tuple[str, str], ...] = ()
    #: A new title: whether it is a level up.
    promoted: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "person": self.person, "name": self.name,
                               "text": self.text, "key_person": self.key, "run": self.run,
                               "date": self.day.isoformat() if self.day else None}
        if self.held:
            out["held"] = [{"role": r, "opportunity": o or None} for r, o in self.held]
        return out
