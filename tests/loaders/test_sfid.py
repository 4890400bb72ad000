from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamgraph.loaders.sfid import object_of, to18

# Pairs published in Salesforce's documentation and community answers.
KNOWN = [
    ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
    ("001D000000IqhSL", "001D000000IqhSLIAZ"),
    ("003000000000000", "003000000000000AAA"),
    ("ZZZZZZZZZZZZZZZ", "ZZZZZZZZZZZZZZZ555"),
]


@pytest.mark.parametrize(("id15", "id18"), KNOWN)
def test_known_pairs(id15: str, id18: str) -> None:
    assert to18(id15) == id18


@pytest.mark.parametrize(("id15", "id18"), KNOWN)
def test_eighteen_character_ids_are_canonicalised(id15: str, id18: str) -> None:
    assert to18(id18) == id18
    assert to18(id15 + id18[15:].lower()) == id18


@pytest.mark.parametrize("empty", ["", "  ", "000000000000000AAA", "000000000000000"])
def test_null_ids_are_none(empty: str) -> None:
    assert to18(empty) is None


@pytest.mark.parametrize("bad", ["abc", "003-00000000000", "x" * 20, "003000000000000A"])
def test_malformed_ids_raise(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Salesforce id"):
        to18(bad)


def test_prefix_names_the_object() -> None:
    assert object_of("003000000000000AAA") == "Contact"
    assert object_of("00Q000000000000AAA") == "Lead"
    assert object_of("a0D30000001n7PiEAI") is None


_ALNUM = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                 min_size=15, max_size=15).filter(lambda s: s.strip("0") != "")


@given(_ALNUM)
def test_suffix_tells_ids_that_differ_only_in_case(id15: str) -> None:
    id18 = to18(id15)
    assert id18 is not None and id18[:15] == id15
    swapped = id15.swapcase()
    if swapped != id15:
        other = to18(swapped)
        assert other is not None
        assert other.lower() != id18.lower()


@given(_ALNUM)
def test_to18_is_idempotent(id15: str) -> None:
    once = to18(id15)
    assert once is not None
    assert to18(once) == once


@given(_ALNUM)
def test_suffix_follows_the_published_algorithm(id15: str) -> None:
    # Salesforce's own description: per block of five, add 2**j for each upper-case
    # letter at position j, and take that entry of A-Z0-5.
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    expected = "".join(
        letters[sum(1 << j for j, c in enumerate(id15[i:i + 5]) if "A" <= c <= "Z")]
        for i in (0, 5, 10))
    assert to18(id15) == id15 + expected
