"""Stores: where the account graph lives.  :func:`open_store` picks one from a URI."""

from __future__ import annotations

import os
from pathlib import Path

from kamgraph.errors import InputError
from kamgraph.stores.base import AccountData, AccountSummary, Store, Stored, SyncReport, SyncRun
from kamgraph.stores.sqlite import SqliteStore

__all__ = [
    "AccountData",
    "AccountSummary",
    "DEFAULT_STORE",
    "SqliteStore",
    "Store",
    "Stored",
    "SyncReport",
    "SyncRun",
    "open_store",
    "resolve_store_uri",
]

DEFAULT_STORE = "sqlite:///kamgraph.db"
_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def resolve_store_uri(uri: str | None) -> str:
    """``--store``, else ``KAMGRAPH_STORE``, else ``NEO4J_URI``, else ./kamgraph.db."""
    return (
        uri
        or os.environ.get("KAMGRAPH_STORE")
        or os.environ.get("NEO4J_URI")
        or DEFAULT_STORE
    )


def open_store(uri: str | None = None, *, wait: float = 5.0,
               batch_size: int | None = None, create: bool = True,
               readonly: bool = False) -> Store:
    """Open the store a URI names: ``sqlite:///path``, a plain path, or ``bolt://…``.

    ``wait`` is how many seconds a writer waits for another writer's lock.  An embedded
    store that does not exist is created unless ``create=False`` (then it is an error);
    ``readonly`` opens it to read only, and never writes to it.
    """
    chosen = resolve_store_uri(uri)
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in chosen):
        raise InputError("the store URI holds control characters", field="--store")
    if chosen.startswith("sqlite://"):
        rest = chosen[len("sqlite://"):]
        if not rest.startswith("/") or rest == "/":
            raise InputError(
                "a SQLite store URI is sqlite:///relative/path or sqlite:////absolute/path",
                field="--store",
            )
        return SqliteStore(Path(rest[1:]), busy_timeout=wait, create=create,
                           readonly=readonly)
    if chosen.startswith(_NEO4J_SCHEMES):
        from kamgraph.stores.neo4j import DEFAULT_BATCH, Neo4jStore

        return Neo4jStore(chosen, wait=wait, batch_size=batch_size or DEFAULT_BATCH)
    if "://" in chosen:
        scheme = chosen.split("://", 1)[0]
        raise InputError(f"unknown store scheme {scheme!r}: use sqlite:/// or bolt://",
                         field="--store")
    return SqliteStore(Path(chosen), busy_timeout=wait, create=create, readonly=readonly)
