"""How counts read in what kamgraph writes for people: evidence, messages, run records."""

from __future__ import annotations

__all__ = ["counted"]


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, plural unless one (``plural``, else the noun and "s"), the
    count with thousands separators.

    >>> counted(1, "active relationship"), counted(3, "link"), counted(12_500, "row")
    ('1 active relationship', '3 links', '12,500 rows')
    >>> counted(2, "lost opportunity", "lost opportunities")
    '2 lost opportunities'
    """
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {plural or noun + 's'}"
