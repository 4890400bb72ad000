"""One state per command: an audit that overlaps a sync reports the state before it,
never a mixture, on the embedded store (one read transaction; workers held to the run
the command began at) and on the Bolt server (each account read as of that run)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import pytest

from kamgraph.audit import iter_audits
from kamgraph.config import Config
from kamgraph.generate import generate_export
from kamgraph.stores.base import Store
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.servers import BoltServer

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An export, and the same a week later: every account's first contact gone."""
    folder = tmp_path_factory.mktemp("snapshot")
    before = folder / "before"
    generate_export(before, accounts=12, seed=6, end=AS_OF)
    after = folder / "after"
    shutil.copytree(before, after)
    with open(before / "Contact.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    account = rows[0].index("AccountId")
    seen: set[str] = set()
    kept = [rows[0]]
    for row in rows[1:]:
        if row[account] in seen:
            kept.append(row)
        seen.add(row[account])
    with open(after / "Contact.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(kept)
    return before, after


def audited(store: Store, **kwargs: object) -> Iterator[str]:
    for audit in iter_audits(store, as_of=AS_OF, **{"config": Config(), **kwargs}):  # type: ignore[arg-type]
        yield json.dumps(audit.to_dict(), sort_keys=True)


def check(reader: Store, writer: Store, exports: tuple[Path, Path], *,
          transaction: bool = False, **kwargs: object) -> None:
    before_export, after_export = exports
    sync_path(writer, before_export, allow_rejects=True, config=Config())
    expected = list(audited(reader, **kwargs))
    held = reader.reading() if transaction else nullcontext()
    with held:  # as a read command holds it: the whole audit
        running = audited(reader, **kwargs)
        first = next(running)
        # A sync commits while the audit is half way.
        report, _ = sync_path(writer, after_export, allow_rejects=True, allow_shrink=True,
                              config=Config())
        assert report.status == "ok" and report.counts["inactivated"] >= 12
        rest = list(running)
    assert [first, *rest] == expected  # the state before, account by account
    # The next audit sees the sync, and it changed every account.
    later = list(audited(reader, **kwargs))
    assert len(later) == len(expected)
    assert sum(a != b for a, b in zip(later, expected, strict=True)) >= len(expected) // 2


def test_an_audit_overlapping_a_sync_reads_the_state_before_it(
        tmp_path: Path, exports: tuple[Path, Path]) -> None:
    with SqliteStore(tmp_path / "k.db") as writer:
        sync_path(writer, exports[0], config=Config())  # the store exists for the reader to open
        with SqliteStore(tmp_path / "k.db", readonly=True) as reader:
            check(reader, writer, exports, transaction=True)


def test_parallel_workers_read_the_state_the_command_began_at(
        tmp_path: Path, exports: tuple[Path, Path]) -> None:
    with SqliteStore(tmp_path / "k.db") as writer:
        sync_path(writer, exports[0], config=Config())
        with SqliteStore(tmp_path / "k.db", readonly=True) as reader:
            check(reader, writer, exports, transaction=True, jobs=2)


def test_an_account_is_read_as_of_the_run_the_command_began_at_without_a_transaction(
        tmp_path: Path, exports: tuple[Path, Path]) -> None:
    """Without a read transaction (a notebook's portfolio), the run check alone holds."""
    with SqliteStore(tmp_path / "k.db") as writer:
        sync_path(writer, exports[0], config=Config())
        reader = SqliteStore(tmp_path / "k.db", readonly=True)
        with reader:
            check(reader, writer, exports)


def test_on_the_bolt_server(bolt_server: BoltServer, neo4j_store: Neo4jStore,
                            exports: tuple[Path, Path]) -> None:
    reader = Neo4jStore(bolt_server.uri, user=bolt_server.user,
                        password=bolt_server.password, database=bolt_server.database)
    with reader:
        check(reader, neo4j_store, exports)
