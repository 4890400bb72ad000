"""Scratch space on disk for what a sync would otherwise hold in memory.

A large export's activities arrive in no useful order: every touch has to be kept until
the last row is read, because the next row may belong to any relationship.  Held as
Python objects that costs about 200 bytes an activity row, so memory would grow with the
export.  Past a limit, :class:`Scratch` moves them to a private SQLite database on disk
(SQLite's empty file name: a temporary file, deleted when the connection closes) and
hands them back sorted, so a sync's peak memory stays flat however many rows it reads.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

__all__ = ["SPILL_AT", "MultiMap", "Scratch", "chunks"]

#: Items held in memory before they move to disk: about 20 MB of touches.
SPILL_AT = 100_000

T = TypeVar("T")


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
