"""What only a real Neo4j shows: its locking under read-committed, its enforcement of read
transactions, its routing scheme, its one database, and the plans it makes of each
statement."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamgraph.audit import run_audit
from kamgraph.config import Config
from kamgraph.errors import StoreBusy, StoreError, StoreUnavailable
from kamgraph.loaders import load
from kamgraph.model import Record
from kamgraph.queries import names, query
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.servers import BoltServer

DAY1 = date(2026, 10, 1)
AS_OF = date(2026, 11, 1)
ROOT = Path(__file__).resolve().parent.parent.parent
ROUNDS = 100


def store_on(server: BoltServer, uri: str | None = None, **options: Any) -> Neo4jStore:
    return Neo4jStore(uri or server.uri, user=server.user, password=server.password,
                      database=server.database, **options)


class _HeldUntil:
    """A real loader whose first record waits until ``other`` is set: the sync that won
    the lock holds it until the other sync has given up (or, were the lock taken twice,
    both wait, and the round fails on the time-out)."""

    def __init__(self, path: Path, other: threading.Event) -> None:
        self.inner = load(path, "csv", config=Config())
        self.format = self.inner.format
        self.result = self.inner.result
        self.other = other

    def records(self) -> Iterator[Record]:
        assert self.other.wait(30), "both syncs took the lock"
        yield from self.inner.records()


@pytest.fixture
def tiny_export(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "accounts.csv").write_text("id,name\nA1,Acme Foods\n", encoding="utf-8")
    return folder


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def _race(stores: list[Neo4jStore], export: Path) -> list[str]:
    """Two syncs started at the same moment: what became of each."""
    start = threading.Barrier(2)
    done = [threading.Event(), threading.Event()]
    outcome = ["", ""]

    def sync(i: int) -> None:
        start.wait()
        try:
            stores[i].sync(_HeldUntil(export, done[1 - i]),  # type: ignore[arg-type]
                           source="facts", today=DAY1)
            outcome[i] = "synced"
        except StoreBusy:
            outcome[i] = "busy"
        except Exception as exc:  # noqa: BLE001 - shown by the caller's assertion
            outcome[i] = repr(exc)
        finally:
            done[i].set()

    threads = [threading.Thread(target=sync, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


@pytest.mark.parametrize("held_by", ["nobody", "a process that died"])
def test_two_syncs_started_at_once_one_wins_every_time(
        bolt_server: BoltServer, neo4j_store: Neo4jStore, tiny_export: Path,
        held_by: str) -> None:
    """Two syncs ask for the lock at the same moment (a barrier), a hundred times: each
    time exactly one syncs and the other is told the graph is busy.  When the lock was
    left by a process of this host that died, both find it dead and try to take it over:
    still exactly one does."""
    stores = [store_on(bolt_server, wait=0), store_on(bolt_server, wait=0)]
    for store in stores:
        store.open()
    try:
        for _ in range(ROUNDS):
            if held_by != "nobody":
                stale = f"{socket.gethostname()}:{_dead_pid()}:gone"
                assert neo4j_store._write("acquire_lock", name="sync", holder=stale,
                                          now="0", expires="9999")
            assert sorted(_race(stores, tiny_export)) == ["busy", "synced"]
        runs = neo4j_store.runs()
        assert len(runs) == ROUNDS and {r.status for r in runs} == {"ok"}
    finally:
        for store in stores:
            store.close()


def _reads_and_writes() -> tuple[set[str], set[str]]:
    """The statements the store runs in read transactions, and in write ones, from its
    source: every ``_read``/``_write`` call and ``_members``/``_by_uid``/``_drain`` by
    name."""
    code = (ROOT / "kamgraph" / "stores" / "neo4j.py").read_text(encoding="utf-8")
    reads = set(re.findall(r'_(?:read|members)\(\s*"(\w+)"', code))
    reads |= set(re.findall(r'_by_uid\(\s*"(\w+)"[^)]*write=False', code))
    writes = set(re.findall(r'_write\(\s*"(\w+)"', code))
    writes |= set(re.findall(r'_drain\(\s*"(\w+)"', code))
    writes |= set(re.findall(r'_by_uid\(\s*"(\w+)"(?![^)]*write=False)', code))
    return reads, writes


def test_every_statement_in_a_read_transaction_only_reads(neo4j_store: Neo4jStore) -> None:
    """Neo4j refuses a write in a read transaction (ArcadeDB let one through): the server
    says which kind each statement is, and every one the store reads with is read-only."""
    reads, writes = _reads_and_writes()
    assert len(reads) > 20 and len(writes) > 10 and not reads & writes
    assert reads | writes | {"initialize", "dump_records"} == set(names())
    with neo4j_store._session() as session:
        for name in sorted(reads):
            kind = session.run("EXPLAIN " + query(name), _PARAMS).consume().query_type
            assert kind == "r", (name, kind)
        for name in sorted(writes):
            kind = session.run("EXPLAIN " + query(name), _PARAMS).consume().query_type
            assert kind in ("w", "rw"), (name, kind)
    # And the server enforces it: a write in a read transaction is refused, not run.
    with pytest.raises(StoreError, match="refused"):
        neo4j_store._read("upsert_source", name="x", format="csv")
    assert "x" not in neo4j_store._source_formats()


_PARAMS: dict[str, Any] = {
    "uids": ["person|003Gx0000000014IAA|salesforce"], "run": 1, "current": 1,
    "finished": "2026-10-01T00:00:00", "source": "salesforce", "format": "salesforce",
    "mode": "full", "started": "2026-10-01T00:00:00", "name": "sync", "holder": "h",
    "now": "2026-10-01", "expires": "2026-10-02", "stale": "s", "id": "003Gx0000000014IAA",
    "status": "ok", "counts": "{}", "error": None, "data": "{}",
    "account_id": "001aB0000000001QAA", "everyone": False,
    "accounts": ["001aB0000000001QAA"], "activity": ["touch", "contact_log"], "batch": 500,
    "pairs": [{"supplier": "005aB0000000024QAA", "customer": "003Gx0000000003IAA"}],
    "prefix": "003Gx0000000014IAA|", "suffix": "|003Gx0000000014IAA", "limit": 5,
    "day": "2026-10-01", "kind": "opportunity_role", "key": "1|2026-10-01|x",
    "payload": "{}", "keep": 30, "made": "2026-10-01T00:00:00",
    "rows": [{"uid": "person|x|salesforce", "kind": "person", "key": "x",
              "source": "salesforce", "data": "{}", "hash": "h", "status": "active",
              "since": None, "account_id": "001aB0000000001QAA", "pool": False,
              "supplier_id": None, "customer_id": None, "person_id": None}],
}

#: Statements that read every record by design: a dump for comparing stores.
WHOLE_GRAPH = {"dump_records"}


def _operators(plan: dict[str, Any]) -> Iterator[tuple[str, str]]:
    yield plan["operatorType"].split("@")[0], str(plan["args"].get("Details", ""))
    for child in plan.get("children", []):
        yield from _operators(child)


def test_every_lookup_starts_from_an_index(neo4j_store: Neo4jStore,
                                           example_weekly: Path) -> None:
    """EXPLAIN on Neo4j, over a synced graph: no statement of a sync, an incremental
    merge, an account load, a history or a discard scans every :Record node (or every
    node); each starts from the uid constraint or an index."""
    sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    sync_path(neo4j_store, ROOT / "examples" / "facts", today=DAY1, config=Config())
    seeks = 0
    with neo4j_store._session() as session:
        for name in sorted(set(names()) - {"initialize"} - WHOLE_GRAPH):
            text = query(name)
            params = {k: _PARAMS[k] for k in set(re.findall(r"\$(\w+)", text))}
            plan = session.run("EXPLAIN " + text, params).consume().plan
            operators = list(_operators(plan))
            for operator, details in operators:
                assert operator != "AllNodesScan", (name, operators)
                assert not (operator == "NodeByLabelScan" and ":Record" in details), \
                    (name, operators)
            seeks += any("Index" in operator for operator, _ in operators)
        # The check can fail: a dump is a scan of every record.
        plan = session.run("EXPLAIN " + query("dump_records")).consume().plan
        assert ("NodeByLabelScan", "r:Record") in list(_operators(plan))
    assert seeks > 30


def test_the_routing_scheme_on_a_single_server(bolt_server: BoltServer,
                                               neo4j_store: Neo4jStore,
                                               example_weekly: Path, tmp_path: Path) -> None:
    """neo4j:// asks the server for a routing table (as on a cluster or Aura) and sends
    reads and writes where it says: a sync, an incremental and an audit there match the
    same on bolt:// and on the embedded store."""
    from tests.test_incremental import slice_export

    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    routed = bolt_server.uri.replace("bolt://", "neo4j://")
    with store_on(bolt_server, routed) as store, SqliteStore(tmp_path / "k.db") as sqlite:
        assert store.uri == routed
        for each in (store, sqlite):
            sync_path(each, slices[0], today=DAY1, config=Config())
            report, _ = sync_path(each, slices[1], today=DAY1, incremental=True, config=Config())
            assert report.status == "ok"
        assert list(store.dump()) == list(sqlite.dump())
        assert run_audit(store, as_of=AS_OF, config=Config()).to_dict() == \
            run_audit(sqlite, as_of=AS_OF, config=Config()).to_dict()
        # Each statement's session carried the bookmarks of those before it.
        assert store._bookmarks.get_bookmarks()


def test_the_one_database_of_community_edition(bolt_server: BoltServer,
                                               neo4j_store: Neo4jStore,
                                               example_weekly: Path) -> None:
    """NEO4J_DATABASE unset reads the server's default; set to neo4j, the same graph; set
    to a database the server does not have, a one-line error that says so."""
    if bolt_server.database is not None:
        pytest.skip("the server under test names its own database")
    sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    with store_on(bolt_server) as default:
        named = Neo4jStore(bolt_server.uri, user=bolt_server.user,
                           password=bolt_server.password, database="neo4j")
        with named:
            assert list(named.dump()) == list(default.dump()) != []
    with pytest.raises(StoreUnavailable, match="no database 'kamgraph'.*'neo4j'"):
        Neo4jStore(bolt_server.uri, user=bolt_server.user, password=bolt_server.password,
                   database="kamgraph").open()


def test_tls_routing_uris_verify_the_servers_certificate(bolt_server: BoltServer,
                                                        neo4j_store: Neo4jStore,
                                                        example_weekly: Path) -> None:
    """neo4j+s:// (Aura's scheme): TLS, the certificate checked against the authorities
    the system trusts; here the test server's own, given to the CLI as the system's
    (SSL_CERT_FILE).  Without it the same URI is refused, in one line; neo4j+ssc://
    takes the self-signed certificate as it is."""
    if bolt_server.certificate is None:
        pytest.skip("the server under test was not started here with TLS")
    sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    env = {**os.environ, **bolt_server.environ()}
    env.pop("KAMGRAPH_STORE", None)
    env.pop("NEO4J_URI", None)
    exe = Path(sys.executable).parent / "kamgraph"

    def accounts(uri: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), "accounts", "--store", uri], capture_output=True,
                              text=True, env={**env, **extra}, check=False, timeout=300)

    port = bolt_server.port
    trusted = accounts(f"neo4j+s://localhost:{port}", SSL_CERT_FILE=str(bolt_server.certificate))
    assert trusted.returncode == 0, trusted.stderr
    assert "Acme Foods" in trusted.stdout
    assert accounts(f"neo4j+ssc://localhost:{port}").stdout == trusted.stdout
    untrusted = accounts(f"neo4j+s://localhost:{port}", SSL_CERT_FILE=os.devnull)
    assert untrusted.returncode == 3
    [line] = untrusted.stderr.strip().splitlines()
    assert line.startswith(f"Error: neo4j+s://localhost:{port}: cannot connect"), line
