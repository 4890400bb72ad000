"""Scratch space on disk for what a sync would otherwise hold in memory.

A large export's activities arrive in no useful order: every touch has to be kept until
the last row is read, because the next row may belong to any relationship.  Held as
Python objects that costs about 200 bytes an activity row, so memory would grow with the
export.  Past a limit they move to disk, so a sync's peak memory stays flat however many
rows it reads:

- what is looked up by key as the sync goes (an event's invitees) goes to a
  :class:`MultiMap`, held in a private SQLite database indexed by key (:class:`Scratch`:
  SQLite's empty file name, a temporary file deleted when the connection closes);
- what only has to come back in key order, once (the touches), goes to
  :class:`SortedRuns`: each spill is appended to a temporary file already sorted, and
  reading merges the runs.  No index and no sort on disk: at 1,000 accounts the touches
  of a sync went to disk and back in about 1.4 s this way, against 4.2 s through a
  SQLite table sorted on the way out.
"""

from __future__ import annotations

import heapq
import marshal
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import IO, Any, TypeVar

__all__ = ["SPILL_AT", "MultiMap", "Scratch", "SortedRuns", "chunks"]

#: Items held in memory before they move to disk: about 20 MB of touches.
SPILL_AT = 100_000

T = TypeVar("T")

#: Values a :class:`SortedRuns` block holds (a group may take it past).
_BLOCK = 2000


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class Scratch:
    """A private, temporary SQLite database on disk, gone when closed."""

    def __init__(self, cache_mb: int = 16) -> None:
        self.conn = sqlite3.connect("", isolation_level=None)
        # Nothing here must survive a crash: no journal, no syncing.  A small cache makes
        # SQLite write pages (and sort runs) to its temporary file rather than keep them.
        self.conn.execute("PRAGMA journal_mode=OFF")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA temp_store=FILE")
        self.conn.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")

    def insert(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """``executemany`` in one transaction (one commit per row would write each)."""
        self.conn.execute("BEGIN")
        self.conn.executemany(sql, rows)
        self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


class MultiMap:
    """Values gathered under keys (``add``), looked up a batch of keys at a time.

    Held in a dict until ``limit`` values, then in a :class:`Scratch` table indexed by
    key.  ``width`` is the number of fields in each value.
    """

    def __init__(self, width: int, limit: int) -> None:
        self.width = width
        self.limit = limit
        self.held: dict[str, list[tuple[Any, ...]]] = {}
        self.count = 0
        self.scratch: Scratch | None = None

    def add(self, key: str, value: tuple[Any, ...]) -> None:
        found = self.held.get(key)
        if found is None:
            self.held[key] = [value]
        else:
            found.append(value)
        self.count += 1
        if self.count >= self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.scratch is None:
            self.scratch = Scratch()
            columns = ", ".join(f"v{i}" for i in range(self.width))
            self.scratch.conn.execute(f"CREATE TABLE held (key TEXT, {columns})")
        marks = ", ".join("?" * (self.width + 1))
        self.scratch.insert(
            f"INSERT INTO held VALUES ({marks})",
            ((key, *value) for key, values in self.held.items() for value in values))
        self.held = {}
        self.count = 0

    @property
    def spilled(self) -> bool:
        return self.scratch is not None

    def seal(self) -> None:
        """Every value added: index what went to disk for lookups."""
        if self.scratch is not None:
            self._spill()
            self.scratch.conn.execute("CREATE INDEX held_key ON held (key)")

    def lookup(self, keys: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
        """The values of ``keys`` (those that have any), in the order they were added."""
        if self.scratch is None:
            return {k: self.held[k] for k in keys if k in self.held}
        out: dict[str, list[tuple[Any, ...]]] = {}
        wanted = list(dict.fromkeys(keys))
        for part in chunks(wanted, 500):
            rows = self.scratch.conn.execute(
                f"SELECT * FROM held WHERE key IN ({','.join('?' * len(part))}) ORDER BY rowid",
                part)
            for key, *value in rows:
                out.setdefault(key, []).append(tuple(value))
        return out

    def close(self) -> None:
        if self.scratch is not None:
            self.scratch.close()
            self.scratch = None
        self.held = {}


class SortedRuns:
    """Groups ``(key, values)`` spilled a run at a time, read back once in key order.

    Each :meth:`write` takes a run already sorted by key and appends it to one temporary
    file with :mod:`marshal` (so keys and values are plain tuples, lists, strings and
    numbers).  :meth:`merged` merges the runs: one group per key, its values in the order
    they were written, earlier runs first.  Memory while merging is one block (about
    ``_BLOCK`` values) per run; the runs share the file, so a large export needs no more
    open files than a small one.
    """

    def __init__(self) -> None:
        self.file: IO[bytes] | None = None
        #: Each run's first and last byte in the file.
        self.runs: list[tuple[int, int]] = []

    def write(self, groups: Iterable[tuple[Any, list[Any]]]) -> None:
        """Write one run: ``groups`` sorted by key, each key once."""
        if self.file is None:
            self.file = tempfile.TemporaryFile()
        fh = self.file
        start = fh.seek(0, 2)
        # In blocks, each one marshal blob behind its length: marshal reads a file object
        # a few bytes at a time, but a bytes object at C speed.  A block ends past _BLOCK
        # values, so merging holds about that many a run.
        block: list[tuple[Any, list[Any]]] = []
        size = 0
        for group in groups:
            block.append(group)
            size += len(group[1])
            if size >= _BLOCK:
                _write_block(fh, block)
                block, size = [], 0
        if block:
            _write_block(fh, block)
        self.runs.append((start, fh.tell()))

    def merged(self) -> Iterator[tuple[Any, list[Any]]]:
        """Every key written, in order, with the values of every run."""
        if self.file is None:
            return
        fh = self.file
        runs = (_groups(fh, start, end) for start, end in self.runs)
        merged = heapq.merge(*runs, key=itemgetter(0))
        current = next(merged, None)
        while current is not None:
            key, values = current
            current = next(merged, None)
            while current is not None and current[0] == key:  # the same key, a later run
                values.extend(current[1])
                current = next(merged, None)
            yield key, values

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.runs = []


def _write_block(fh: IO[bytes], block: list[tuple[Any, list[Any]]]) -> None:
    data = marshal.dumps(block)
    fh.write(len(data).to_bytes(8, "little"))
    fh.write(data)


def _groups(fh: IO[bytes], start: int, end: int) -> Iterator[tuple[Any, list[Any]]]:
    """One run's groups, a block at a time (each read seeks: the runs share the file)."""
    at = start
    while at < end:
        fh.seek(at)
        size = int.from_bytes(fh.read(8), "little")
        block = marshal.loads(fh.read(size))
        at += 8 + size
        yield from block
