"""One way to remember derived values: beside the object they are derived from, for as
long as it lives, never written into it.

The analyses remember per account graph (who is a customer, each relationship's
strength, a person's key reasons); the graph builder remembers per configuration (where
a title places someone).  Both go through :func:`remember`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

__all__ = ["remember"]

_T = TypeVar("_T")
#: id(owner) -> its remembered values; an entry goes when its owner is collected.
_CACHES: dict[int, dict[Any, Any]] = {}


def _nothing() -> None:
    return None


#: The owner asked about last and its values: the analyses of one account ask in a row.
_LAST: tuple[Callable[[], Any], dict[Any, Any]] = (_nothing, {})


def remember(owner: object, key: Hashable, make: Callable[[], _T]) -> _T:
    """``make()``, computed once per ``owner`` and ``key`` while ``owner`` lives.

    ``owner`` need not be hashable (a configuration holding mappings is not), only
    weakly referable.

    >>> class Thing: pass
    >>> thing, calls = Thing(), []
    >>> remember(thing, "x", lambda: calls.append(1) or 42), remember(thing, "x", lambda: 0)
    (42, 42)
    >>> len(calls)
    1
    """
    global _LAST
    if _LAST[0]() is owner:
        cache = _LAST[1]
    else:
        ident = id(owner)
        found = _CACHES.get(ident)
        if found is None:
            found = _CACHES[ident] = {}
            weakref.finalize(owner, _CACHES.pop, ident, None)
        cache = found
        _LAST = (weakref.ref(owner), cache)
    if key not in cache:
        cache[key] = make()
    return cast(_T, cache[key])
