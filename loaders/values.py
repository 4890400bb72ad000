"""Cell parsers shared by the loaders; each raises an InputError naming the cell."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TypeVar

from kamgraph.errors import InputError
from kamgraph.loaders import dates, sfid
from kamgraph.loaders.csvio import Row

__all__ = ["boolean", "check_id", "day", "day_of_cell", "flag", "lookup_id", "mangled",
           "mangled_id", "moment", "number", "record_id", "sf_id", "text"]

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}
_MOMENT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
#: A number as a spreadsheet shows a long one: 1.11015E+11.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE]\+?\d+$")
_EPOCH = datetime(1970, 1, 1)
_V = TypeVar("_V")

#: Parsed ISO moments by their text: an export repeats the same days over and over.
_MOMENTS: dict[str, datetime] = {}
#: How many values a memo of parsed cells keeps before it starts afresh.
_KEPT = 300_000


def _remember(memo: dict[str, _V], raw: str, value: _V) -> _V:
    if len(memo) >= _KEPT:
        memo.clear()
    memo[raw] = value
    return value


def text(row: Row, column: str) -> str | None:
    """The stripped value, or None when empty."""
    value = row.get(column).strip()
    return value or None


_BOOLEANS = {"1": True, "0": False, "true": True, "false": False, "True": True,
             "False": False, "TRUE": True, "FALSE": False}


def boolean(row: Row, column: str, default: bool = False) -> bool:
    raw = row.get(column)
    known = _BOOLEANS.get(raw)
    if known is not None:
        return known
    raw = raw.strip().lower()
    if not raw and not row.table.has(column):
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False if raw or row.table.has(column) else default
    raise row.error(column, f"not a boolean: {raw[:40]!r} (expected 0/1 or true/false)")


def moment(row: Row, column: str, *, epoch_ms: bool = False) -> datetime | None:
    """A date or datetime in any of the forms the CRMs write, as naive UTC: ISO
    (``2023-01-18 00:00:00``, ``2017-03-01T14:55:03.000+0000``, ``2026-02-23 20:55``), and
    the short forms a spreadsheet re-saves them in (``02/23/26 08:55 PM``,
    ``23.02.2026 20:55``), read in the order the column admits (:mod:`.dates`).

    ``epoch_ms`` also reads milliseconds since 1970 (HubSpot's internal-value exports).
    """
    raw = row.get(column).strip()
    if not raw:
        return None
    known = _MOMENTS.get(raw)
    if known is not None:
        return known
    match = _MOMENT.match(raw)
    if not match:
        return _other_moment(row, column, raw, epoch_ms)
    y, mo, d, h, mi, s, zone = match.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError as exc:
        raise row.error(column, f"impossible date {raw[:40]!r}: {exc}") from None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        try:
            aware = value.replace(tzinfo=timezone(sign * offset))
            value = aware.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            # An offset of a day or more (+99:99), or one that moves the moment off the
            # calendar (9999-12-31 23:00 -05:00).
            raise row.error(column, f"impossible date {raw[:40]!r}: its UTC offset is "
                                    f"out of range or takes it off the calendar") from None
    return _remember(_MOMENTS, raw, value)


def _other_moment(row: Row, column: str, raw: str, epoch_ms: bool) -> datetime:
    if epoch_ms and raw.isdigit() and 11 <= len(raw) <= 14:
        try:
            return _EPOCH + timedelta(milliseconds=int(raw))
        except OverflowError:
            raise row.error(column, f"impossible date {raw[:40]!r}") from None
    local = dates.local_moment(row, column, raw)
    if local is not None:
        return local
    forms = "YYYY-MM-DD[ HH:MM[:SS]], or a spreadsheet's 02/23/2026 8:55 PM or 23.02.2026" + (
        ", or epoch milliseconds" if epoch_ms else "")
    raise row.error(column, f"not a date: {raw[:40]!r} (expected {forms})")


def mangled(raw: str) -> bool:
    """True for an id a spreadsheet wrote in scientific notation (``1.11015E+11``)."""
    return "e" in raw.lower() and _SCIENTIFIC.match(raw.strip()) is not None


def mangled_id(row: Row, column: str, raw: str) -> InputError:
    """The error for an id a spreadsheet wrote in scientific notation."""
    return row.error(column, f"{raw.strip()[:40]!r} is an id a spreadsheet wrote in "
                             f"scientific notation, which drops its last digits: it cannot "
                             f"be recovered (two ids may now read the same); export again "
                             f"and sync the file as exported, or re-save it with this column "
                             f"formatted as text")


def check_id(row: Row, column: str, raw: str) -> str:
    """``raw``, unless it is an id a spreadsheet mangled (then an error naming the cell)."""
    if mangled(raw):
        raise mangled_id(row, column, raw)
    return raw


def flag(row: Row, raw: str, column: str) -> bool:
    """:func:`boolean` of a cell already picked from the row (the usual 0/1 at once)."""
    known = _BOOLEANS.get(raw)
    return known if known is not None else boolean(row, column)


def day_of_cell(row: Row, raw: str, column: str) -> date | None:
    """:func:`day` of a cell already picked from the row (a day seen before at once)."""
    known = _MOMENTS.get(raw)
    return known.date() if known is not None else day(row, column)


def lookup_id(row: Row, raw: str, column: str) -> str | None:
    """:func:`sf_id` of a lookup cell picked from the row, remembered: a contact or
    owner id recurs on every activity row (a record's own id never does)."""
    if raw in _IDS:
        return _IDS[raw]
    return _remember(_IDS, raw, sf_id(row, column))


def record_id(row: Row, raw: str, column: str, expect: str) -> str | None:
    """:func:`sf_id` of a record's own id, picked from the row, of type ``expect``."""
    try:
        value = sfid.to18(raw)
    except ValueError:
        return sf_id(row, column, expect)  # raises, naming the cell
    if value is not None and sfid.PREFIXES.get(value[:3], expect) != expect:
        return sf_id(row, column, expect)
    return value


def day(row: Row, column: str, *, epoch_ms: bool = False) -> date | None:
    value = moment(row, column, epoch_ms=epoch_ms)
    return value.date() if value else None


def number(row: Row, column: str) -> float | None:
    """A number as an export writes it (``1250000.0``, ``1250000,5``), or as a
    spreadsheet formats it (``$74,000,000.00``, ``74.000.000,00 €``, ``1 250 000``):
    currency signs and codes and digit-group separators are dropped, the last of ``.``
    and ``,`` is the decimal mark."""
    raw = row.get(column).strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "")) if raw.count(",") and "." in raw else float(
            raw.replace(",", ".")
        )
    except ValueError:
        value = _formatted(row, column, raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise row.error(column, f"not a finite number: {raw[:40]!r}")
    return value


_CURRENCY = re.compile(r"[$€£¥₹¤\s\u00a0\u202f']|^[A-Za-z]{1,3}(?=[\d\s\-+.,(])|"
                       r"(?<=[\d\s.,)])[A-Za-z]{1,3}$")


#: A magnitude written as letters ("2.4m", "750k", "1.2 bn"): never a currency's code,
#: and dropped like one it would read a million as 2.
_ABBREVIATED = re.compile(r"(?<=[\d\s.,])(k|m|b|bn|mn|mm|mio|mrd)$", re.IGNORECASE)


def _formatted(row: Row, column: str, raw: str) -> float:
    if _ABBREVIATED.search(raw.strip()):
        raise row.error(column, f"an abbreviated number: {raw[:40]!r} (write it whole, "
                                f"e.g. 2400000)")
    text = _CURRENCY.sub("", raw)
    if text.startswith("(") and text.endswith(")"):  # accounting's negative
        text = "-" + text[1:-1]
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    else:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise row.error(column, f"not a number: {raw[:40]!r}") from None


#: Lookup ids already normalised, by their text (see :func:`lookup_id`).
_IDS: dict[str, str | None] = {}


def sf_id(row: Row, column: str, expect: str | None = None) -> str | None:
    """A Salesforce id in 18-character form; ``expect`` checks its object type."""
    raw = row.get(column)
    try:
        value = sfid.to18(raw)
    except ValueError:
        if mangled(raw):
            raise mangled_id(row, column, raw) from None
        raise row.error(column, f"not a Salesforce id: {raw.strip()[:40]!r}") from None
    if value is not None and expect is not None:
        found = sfid.object_of(value)
        if found is not None and found != expect:
            raise row.error(column, f"id {value} is {_article(found)} {found}, expected "
                                    f"{_article(expect)} {expect}")
    return value


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"
