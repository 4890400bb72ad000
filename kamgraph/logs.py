"""Activities aggregated per relationship as a sync reads them.

A loader yields one :class:`~kamgraph.model.Touch` per activity and pair; a store keeps
one :class:`~kamgraph.model.ContactLog` per pair.  :class:`ContactLogs` sits between
them: every other record passes straight through, touches are gathered per (our person,
their person) and come out, sorted, when the export has been read.  An incremental
export's touches are merged into the logs the store already holds, so the logs come out
as a full sync of the same data would write them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from kamgraph.loaders.base import Loader, LoadResult
from kamgraph.model import ContactLog, LogEntry, Record, Touch

__all__ = ["ContactLogs", "merge_entries"]

Pair = tuple[str, str]
PreviousLogs = Callable[[Iterable[str]], dict[str, ContactLog]]


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


class ContactLogs:
    """A loader whose touches come out as one contact log per relationship."""

    def __init__(self, loader: Loader, previous: PreviousLogs | None = None) -> None:
        self.loader = loader
        self.format = loader.format
        self.result: LoadResult = loader.result
        self.previous = previous

    def close(self) -> None:
        self.loader.close()

    def records(self) -> Iterator[Record]:
        entries: dict[Pair, list[LogEntry]] = {}
        accounts: dict[Pair, str] = {}
        removed: dict[Pair, set[str]] = {}
        for record in self.loader.records():
            if type(record) is not Touch:
                yield record
                continue
            pair = (record.supplier_id, record.customer_id)
            accounts[pair] = record.account_id
            if record.deleted:
                removed.setdefault(pair, set()).add(record.activity_id)
                continue
            # Channel and Outcome are string enums: the members are their values.
            entry: LogEntry = (record.day, record.channel, record.outcome, record.minutes,
                               record.activity_id)
            found = entries.get(pair)
            if found is None:
                entries[pair] = [entry]
            else:
                found.append(entry)
        stored: dict[str, ContactLog] = {}
        if self.previous is not None and accounts:
            stored = self.previous(f"{s}|{c}" for s, c in accounts)
        duplicates = unchanged = 0
        for pair in sorted(accounts):
            new = entries.pop(pair, [])
            before = stored.get(f"{pair[0]}|{pair[1]}")
            distinct = len({e[4] for e in new})
            duplicates += len(new) - distinct
            if before is None and distinct == len(new) and pair not in removed:
                new.sort(key=_sort_key)
                merged = tuple(new)
            else:
                merged = merge_entries(before.entries if before else (), new,
                                       removed=removed.get(pair, set()))
            if before is not None and merged == before.entries \
                    and before.account_id == accounts[pair]:
                # Activities sent again as they were: nothing to write.
                unchanged += 1
                continue
            if merged or before is not None:
                yield ContactLog(account_id=accounts[pair], supplier_id=pair[0],
                                 customer_id=pair[1], entries=merged)
        if duplicates:
            self.result.skipped["activity row repeated in the export"] += duplicates
        # Stored logs sent again unchanged: not written, counted with what the store finds.
        self.result.unchanged += unchanged
