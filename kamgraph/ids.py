"""Salesforce record ids: 15-character to 18-character, and the null id.

The 15-character id is case-sensitive; the 18-character form appends three characters
that encode, five characters at a time, which of the 15 are upper-case letters, so the
id survives case-insensitive tools.  Every id kamgraph stores is the 18-character form
with its suffix recomputed (the suffix itself is not case-sensitive).

>>> to18("a0D30000001n7Pi")
'a0D30000001n7PiEAI'
>>> to18("a0D30000001n7Pieai")
'a0D30000001n7PiEAI'
>>> to18("000000000000000AAA") is None
True
"""

from __future__ import annotations

import re
import string

__all__ = ["NULL_IDS", "PREFIXES", "is_valid", "object_of", "to18"]

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-5]{3})?$")
NULL_IDS = frozenset({"000000000000000", "000000000000000AAA"})

PREFIXES = {
    "001": "Account",
    "003": "Contact",
    "005": "User",
    "006": "Opportunity",
    "00Q": "Lead",
    "00T": "Task",
    "00U": "Event",
    "00K": "OpportunityContactRole",
}


#: Upper-case letters to "1", everything else to "0": the id's bits, one per character.
_BITS = str.maketrans({c: "1" for c in string.ascii_uppercase}
                      | {c: "0" for c in string.ascii_lowercase + string.digits})


#: A block of five bits, read as written (j-th character first), to its suffix letter:
#: bit j of a block is its j-th character, so the letter is of the bits reversed.
_LETTER = {format(n, "05b")[::-1]: _ALPHABET[n] for n in range(32)}


def _suffix(id15: str) -> str:
    bits = id15.translate(_BITS)
    return _LETTER[bits[:5]] + _LETTER[bits[5:10]] + _LETTER[bits[10:15]]


def is_valid(value: str) -> bool:
    """True when ``value`` has the shape of a 15- or 18-character id."""
    return bool(_ID.match(value))


#: Ids already made canonical: an export names a few thousand ids hundreds of thousands
#: of times (every activity names its account, contact and owner).
_CANONICAL: dict[str, str | None] = {}
_REMEMBERED = 500_000


def to18(value: str) -> str | None:
    """Return the canonical 18-character id, or None for an empty or null id.

    Raises ValueError for a value that is not shaped like a Salesforce id.
    """
    found = _CANONICAL.get(value, _CANONICAL)
    if found is not _CANONICAL:
        return found  # type: ignore[return-value]
    result = _to18(value)
    if len(_CANONICAL) >= _REMEMBERED:
        _CANONICAL.clear()
    _CANONICAL[value] = result
    return result


def _to18(value: str) -> str | None:
    value = value.strip()
    if not value or value in NULL_IDS or value.upper() == "000000000000000AAA":
        return None
    if not _ID.match(value):
        raise ValueError(f"not a Salesforce id: {value[:40]!r}")
    id15 = value[:15]
    return id15 + _suffix(id15)


def object_of(id18: str) -> str | None:
    """The object type named by an id's three-character key prefix, if known."""
    return PREFIXES.get(id18[:3])
