"""Dates as a spreadsheet re-saves them: ``02/23/26 08:55 PM``, ``23.02.2026 20:55``.

An export opened in Excel and saved again has its ISO dates rewritten in the short form of
the machine's locale.  Day-first and month-first forms look alike (``02/03/2026``), so a
column is read in the one order all of its values admit: a day above 12 in the first place
says day-first, in the second month-first.  A column whose every value fits both orders
takes the order the file's other date columns show, else the rest of the export's, else
the one ``[dates] order`` names in kamgraph.toml; with none of these it is an error naming
both readings.  Dotted dates (``23.02.2026``) are always day-first, as every locale that
writes them; year-first ones (``2026/02/23``) are unambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from kamgraph.errors import InputError

if TYPE_CHECKING:
    from kamgraph.loaders.csvio import ExportSource, Row, Table

__all__ = ["DAY_FIRST", "MONTH_FIRST", "ORDERS", "ColumnDates", "local_moment", "looks_local"]

MONTH_FIRST = "month-first"
DAY_FIRST = "day-first"
ORDERS = (MONTH_FIRST, DAY_FIRST)

#: Day and month in either order, then the year (two or four digits), with an optional
#: time: ``2/5/24 1:51``, ``02/23/26 08:55 PM``, ``23.02.2026 20:55:03``, ``23-2-2026``.
_LOCAL = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\.?"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp])\.?[Mm]\.?)?$")
#: The same with the time but no AM/PM marker (the group above makes it optional only
#: together with the time: a separate pattern keeps each one simple).
_LOCAL_24 = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})\.?"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$")
#: Year first, with slashes or dots: ``2026/02/23 20:55``, ``2026.02.23.``.
_YEAR_FIRST = re.compile(
    r"^(\d{4})([/.])(\d{1,2})\2(\d{1,2})\.?"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$")


@dataclass
class _Parts:
    first: int
    second: int
    year: int
    hour: int
    minute: int
    second_of_minute: int
    dotted: bool


def _parts(raw: str) -> _Parts | None:
    found = _LOCAL_24.match(raw)
    half = None
    if found is None:
        found = _LOCAL.match(raw)
        if found is None:
            return None
        half = found.group(8).lower()
    a, sep, b, year, hour, minute, second = found.groups()[:7]
    y = int(year)
    if len(year) == 2:
        # Windows' default two-digit year window, as Excel reads them: 00-29 is 20xx.
        y += 2000 if y < 30 else 1900
    h = int(hour or 0)
    if half is not None:
        if not 1 <= h <= 12:
            h = 99  # impossible: reported by the caller
        else:
            h = h % 12 + (12 if half == "p" else 0)
    return _Parts(int(a), int(b), y, h, int(minute or 0), int(second or 0), sep == ".")


def looks_local(raw: str) -> bool:
    """True for a date in a spreadsheet's short form (day and month first)."""
    return bool(raw) and raw[0].isdigit() and _parts(raw) is not None


def _orders_of(parts: _Parts) -> frozenset[str]:
    """The orders a value admits."""
    if parts.dotted:
        return frozenset({DAY_FIRST})
    orders = set()
    if parts.first <= 12:
        orders.add(MONTH_FIRST)
    if parts.second <= 12:
        orders.add(DAY_FIRST)
    return frozenset(orders)


@dataclass
class ColumnDates:
    """What one column's local dates admit: the orders every value fits, how many
    values there were, and the first one met (for the error)."""

    orders: set[str] = field(default_factory=lambda: set(ORDERS))
    count: int = 0
    other: int = 0

    def add(self, raw: str) -> None:
        parts = _parts(raw)
        if parts is None:
            self.other += 1
            return
        self.count += 1
        self.orders &= _orders_of(parts)

    @property
    def decided(self) -> str | None:
        """The column's order when all of it is dates and they fit one order only."""
        if self.count and not self.other and len(self.orders) == 1:
            return next(iter(self.orders))
        return None


def scan(table: Table) -> dict[str, ColumnDates]:
    """The local dates of every column of a file, by lower-case column name."""
    columns: dict[int, ColumnDates] = {}
    for row in table.rows():
        for i, raw in enumerate(row.values[:len(table.header)]):
            raw = raw.strip()
            if not raw:
                continue
            if i not in columns:
                if not looks_local(raw):
                    continue
                columns[i] = ColumnDates()
            columns[i].add(raw)
    return {table.header[i].lower(): dates for i, dates in columns.items()}


def _one(orders: Iterable[str | None]) -> tuple[str | None, set[str]]:
    """The order several columns agree on (None when they disagree or say nothing), and
    every order they showed."""
    shown = {o for o in orders if o is not None}
    return (next(iter(shown)) if len(shown) == 1 else None), shown


def local_moment(row: Row, column: str, raw: str) -> datetime | None:
    """``raw`` read as a spreadsheet's short date in the order ``column`` admits, or None
    when it is not one.  Raises an :class:`InputError` naming the cell when the order
    cannot be told, or the date is impossible."""
    parts = _parts(raw)
    if parts is None:
        found = _YEAR_FIRST.match(raw)
        if found is None:
            return None
        y, _sep, m, d, hour, minute, second = found.groups()
        return _make(row, column, raw, int(y), int(m), int(d), int(hour or 0),
                     int(minute or 0), int(second or 0))
    if parts.dotted:
        order = DAY_FIRST
    else:
        order = _order(row, column)
    month, day = (parts.first, parts.second) if order == MONTH_FIRST else (
        parts.second, parts.first)
    return _make(row, column, raw, parts.year, month, day, parts.hour, parts.minute,
                 parts.second_of_minute)


def _make(row: Row, column: str, raw: str, y: int, m: int, d: int, hour: int, minute: int,
          second: int) -> datetime:
    try:
        return datetime(y, m, d, hour, minute, second)
    except ValueError as exc:
        raise row.error(column, f"impossible date {raw[:40]!r}: {exc}") from None


def _order(row: Row, column: str) -> str:
    table = row.table
    dates = table.local_dates()
    mine = dates.get(column.lower())
    if mine is None or not mine.orders:
        raise row.error(column, "the dates in this column mix day-first and month-first "
                                "forms (a day above 12 in both places): they cannot be "
                                "read as one; export the file again without re-saving it")
    if len(mine.orders) == 1:
        return next(iter(mine.orders))
    configured = table.source.date_order
    if configured is not None:
        return configured
    order, _ = _one(d.decided for name, d in dates.items() if name != column.lower())
    if order is None:
        order, _ = _one(_export_orders(table.source, table))
    if order is not None:
        return order
    example = row.get(column).strip()
    parts = _parts(example)
    assert parts is not None
    as_month = _spelled(parts.year, parts.first, parts.second)
    as_day = _spelled(parts.year, parts.second, parts.first)
    raise row.error(column, f"{example!r} reads as {as_month} (month first) or {as_day} "
                            f"(day first), and every date in the file fits both: set "
                            f"[dates] order = \"month-first\" or \"day-first\" in "
                            f"kamgraph.toml")


def _spelled(year: int, month: int, day: int) -> str:
    try:
        when = datetime(year, month, day)
    except ValueError:
        return f"day {day} of month {month}"
    return f"{when.day} {when:%B %Y}"


def _export_orders(source: ExportSource, besides: Table) -> Iterable[str | None]:
    """The orders the export's other files show, each file read once (an Excel re-save
    is one machine's locale throughout)."""
    for name in source.names():
        if not name.endswith(".csv") or name == besides.name.lower():
            continue
        try:
            table = source.cached_table(name)
            yield from (d.decided for d in table.local_dates().values())
        except InputError:
            continue  # a file that cannot be read is reported when it is
