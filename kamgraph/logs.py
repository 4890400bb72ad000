"""Activities aggregated per relationship as a sync reads them.

A loader yields one :class:`~kamgraph.model.Touch` per activity and pair; a store keeps
one :class:`~kamgraph.model.ContactLog` per pair and calendar month.  :class:`ContactLogs`
sits between them: every other record passes straight through, touches are gathered per
(our person, their person) and come out, sorted and split by month, when the export has
been read.  An incremental
export's touches are merged into the logs the store already holds, so the logs come out
as a full sync of the same data would write them.  Past :data:`~kamgraph.scratch.SPILL_AT`
touches held, they wait on disk instead (:mod:`kamgraph.scratch`): memory does not grow
with the number of activity rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import date

from kamgraph import scratch
from kamgraph.model import (
    ContactLog,
    LogEntry,
    Record,
    Touch,
    log_key_parts,
    log_pair,
    month_of,
    record_from_dict,
)
from kamgraph.records import Loader, LoadResult
from kamgraph.scratch import SortedRuns, chunks

__all__ = ["ContactLogs", "by_month", "merge_entries"]

Pair = tuple[str, str]
#: Every stored log of the given pairs ("ours|theirs") as (key, JSON): each month's, and
#: any whole-pair log.
PreviousLogs = Callable[[Iterable[str]], Iterable[tuple[str, str]]]


def _sort_key(entry: LogEntry) -> tuple[object, str]:
    return entry[0], entry[4]


def merge_entries(*parts: Iterable[LogEntry], removed: Collection[str] = ()
                  ) -> tuple[LogEntry, ...]:
    """One log from several, a later entry for an activity replacing an earlier one."""
    by_activity: dict[str, LogEntry] = {}
    for part in parts:
        for entry in part:
            by_activity[entry[4]] = entry
    for activity in removed:
        by_activity.pop(activity, None)
    return tuple(sorted(by_activity.values(), key=_sort_key))


class _Touches:
    """Touches gathered per pair as a loader yields them; past ``limit`` entries held,
    moved to :class:`~kamgraph.scratch.SortedRuns` on disk so memory stays flat."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.entries: dict[Pair, list[LogEntry]] = {}
        self.accounts: dict[Pair, str] = {}  # the last account seen: one per relationship
        self.removed: dict[Pair, set[str]] = {}
        self.held = 0
        self.runs: SortedRuns | None = None

    def add(self, touch: Touch) -> None:
        pair = (touch.supplier_id, touch.customer_id)
        self.accounts[pair] = touch.account_id
        if touch.deleted:
            self.removed.setdefault(pair, set()).add(touch.activity_id)
            return
        # Channel and Outcome are string enums: the members are their values.
        entry: LogEntry = (touch.day, touch.channel, touch.outcome, touch.minutes,
                           touch.activity_id)
        found = self.entries.get(pair)
        if found is None:
            self.entries[pair] = [entry]
        else:
            found.append(entry)
        self.held += 1
        if self.held >= self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.runs is None:
            self.runs = SortedRuns()
        # On disk as plain values: the day's ordinal, the channel's and outcome's names.
        self.runs.write(
            (pair, [(d.toordinal(), str(ch), str(o), m, a) for d, ch, o, m, a in entries])
            for pair, entries in sorted(self.entries.items()))
        self.entries = {}
        self.held = 0

    def pairs(self) -> Iterator[tuple[Pair, str, list[LogEntry], set[str]]]:
        """Each relationship touched, in pair order: its account, the entries read (in
        the order read) and the activities deleted."""
        if self.runs is None:
            for pair in sorted(self.accounts):
                yield (pair, self.accounts[pair], self.entries.pop(pair, []),
                       self.removed.get(pair, set()))
            return
        self._spill()
        days = _Days()
        spilled = self.runs.merged()
        found = next(spilled, None)
        for pair in sorted(self.accounts):
            new: list[LogEntry] = []
            # Spilled pairs come in pair order: this pair's, if it has any, are next.
            if found is not None and found[0] == pair:
                new = [(days[d], ch, o, m, a) for d, ch, o, m, a in found[1]]
                found = next(spilled, None)
            yield pair, self.accounts[pair], new, self.removed.get(pair, set())

    def close(self) -> None:
        if self.runs is not None:
            self.runs.close()
            self.runs = None


class _Days(dict[int, date]):
    """Days by ordinal, each made once."""

    def __missing__(self, ordinal: int) -> date:
        day = self[ordinal] = date.fromordinal(ordinal)
        return day


class ContactLogs:
    """A loader whose touches come out as one contact log per relationship and month."""

    def __init__(self, loader: Loader, previous: PreviousLogs | None = None) -> None:
        self.loader = loader
        self.format = loader.format
        self.result: LoadResult = loader.result
        self.previous = previous
        #: Whether the touches outgrew memory and waited on disk.
        self.spilled = False

    def close(self) -> None:
        self.loader.close()

    def records(self) -> Iterator[Record]:
        touches = _Touches(scratch.SPILL_AT)
        try:
            for record in self.loader.records():
                if type(record) is Touch:
                    touches.add(record)
                else:
                    yield record
            self.spilled = touches.runs is not None
            yield from self._logs(touches)
        finally:
            touches.close()

    def _logs(self, touches: _Touches) -> Iterator[ContactLog]:
        duplicates = unchanged = 0
        # The stored logs an incremental export merges into, read a slice of pairs at a
        # time: never every stored log at once.
        for part in chunks(touches.pairs(), 500):
            stored: dict[str, list[tuple[str, str]]] = {}
            if self.previous is not None:
                for key, data in self.previous(f"{s}|{c}" for (s, c), *_ in part):
                    stored.setdefault(log_pair(key), []).append((key, data))
            for pair, account, new, removed in part:
                before = _affected(stored.get(f"{pair[0]}|{pair[1]}", ()), new, removed)
                distinct = len({e[4] for e in new})
                duplicates += len(new) - distinct
                if not before and distinct == len(new) and not removed:
                    new.sort(key=_sort_key)
                    merged = tuple(new)
                else:
                    # Merged across the months it may touch: an activity whose date moved
                    # to another month leaves the old month's log.
                    merged = merge_entries(*(log.entries for log in before), new,
                                           removed=removed)
                months = by_month(merged)
                old = {log.month: log for log in before}
                for month in sorted(months.keys() | old.keys()):
                    entries = months.get(month, ())
                    was = old.get(month)
                    if was is not None and was.entries == entries \
                            and was.account_id == account:
                        # Activities sent again as they were: nothing to write.
                        unchanged += 1
                        continue
                    # A month emptied by deletions is written empty: its log stays, bare.
                    yield ContactLog(account_id=account, supplier_id=pair[0],
                                     customer_id=pair[1], entries=entries, month=month)
        if duplicates:
            self.result.skipped["activity row repeated in the export"] += duplicates
        # Stored logs sent again unchanged: not written, counted with what the store finds.
        self.result.unchanged += unchanged


def _affected(stored: Sequence[tuple[str, str]], new: list[LogEntry],
              removed: Collection[str]) -> list[ContactLog]:
    """The stored logs of a pair that incoming touches may change, decoded: the months
    new entries fall in, any month holding an activity sent again or deleted (its date
    may have moved), and a whole-pair log.  The others are left as they are, unread."""
    if not stored:
        return []
    months = {month_of(e[0]) for e in new}
    needles = [json.dumps(a, ensure_ascii=False) for a in {e[4] for e in new} | set(removed)]
    out = []
    for key, data in stored:
        month = log_key_parts(key)[1]
        if not month or month in months or any(n in data for n in needles):
            log = record_from_dict("contact_log", json.loads(data))
            assert isinstance(log, ContactLog)
            out.append(log)
    return out


def by_month(entries: tuple[LogEntry, ...]) -> dict[str, tuple[LogEntry, ...]]:
    """Sorted entries split by calendar month ("2026-03"), each month's still sorted."""
    months: dict[str, list[LogEntry]] = {}
    for entry in entries:
        key = month_of(entry[0])
        found = months.get(key)
        if found is None:
            months[key] = [entry]
        else:
            found.append(entry)
    return {month: tuple(found) for month, found in months.items()}
