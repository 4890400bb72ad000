"""The Neo4j path at scale: full sync, two incremental syncs and the audit on a Bolt
server, with the embedded store's syncs beside it.

Starts Neo4j Community Edition on loopback as the tests do, with a page cache of
1 GiB and a 2 GiB heap (or uses KAMGRAPH_TEST_NEO4J_URI), and for each
portfolio size generates an export, syncs it into an empty graph, syncs a 1 % incremental
slice of its activity (``benchmarks/scale.py``'s: spread over nearly every account), then
the activity of 1 % of the accounts (a nightly export where few accounts had news), and
audits every account.  Each size gets a fresh server, warmed by a 20-account sync and
audit first (a server runs for months: its JIT compiler has done its work).  Writes
``benchmarks/results/bolt_sync.json``.

    python benchmarks/bolt_sync.py [--accounts 100 500]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import concentrated_slice, incremental_slice  # noqa: E402

from kamgraph.audit import run_audit  # noqa: E402
from kamgraph.config import Config  # noqa: E402
from kamgraph.generate import generate_export  # noqa: E402
from kamgraph.stores.neo4j import Neo4jStore  # noqa: E402
from kamgraph.stores.sqlite import SqliteStore  # noqa: E402
from kamgraph.syncing import sync_path  # noqa: E402
from tests.servers import BoltServer, clear_graph, server_for  # noqa: E402

#: The server the benchmarks measure: the tests' launcher with room for the graph.
SERVER = {"page_cache_mb": 1024, "heap": "2g"}
AS_OF = date(2026, 11, 1)


def _timed(step: object) -> float:
    start = time.perf_counter()
    step()  # type: ignore[operator]
    return time.perf_counter() - start


def run(server: BoltServer, accounts: int, tmp: Path) -> dict[str, object]:
    export = tmp / f"export-{accounts}"
    generate_export(export, accounts=accounts, seed=11, end=AS_OF)
    slice_rows = incremental_slice(export, tmp / f"incremental-{accounts}")
    few_rows, few_accounts = concentrated_slice(export, tmp / f"few-{accounts}")
    with SqliteStore(tmp / f"k-{accounts}.db") as sqlite:
        sqlite_full = _timed(lambda: sync_path(sqlite, export, config=Config()))
        sqlite_incremental = _timed(lambda: sync_path(
            sqlite, tmp / f"incremental-{accounts}", incremental=True, config=Config()))
        sqlite_few = _timed(lambda: sync_path(sqlite, tmp / f"few-{accounts}",
                                              incremental=True, config=Config()))
    # Credentials from the environment, as the CLI reads them: the audit runs in workers.
    os.environ.update(server.environ())
    store = Neo4jStore(server.uri)
    with store:
        # A server runs for months: warm its JIT (and plan cache) as one that has synced
        # before would be, then start from an empty graph.
        warm = tmp / "warm-up"
        if not warm.exists():
            generate_export(warm, accounts=20, seed=5, end=AS_OF)
        sync_path(store, warm, config=Config())
        run_audit(store, as_of=AS_OF, jobs=1, config=Config())
        clear_graph(store)
        store.init()
        full = _timed(lambda: sync_path(store, export, config=Config()))
        incremental = _timed(lambda: sync_path(store, tmp / f"incremental-{accounts}",
                                               incremental=True, config=Config()))
        few = _timed(lambda: sync_path(store, tmp / f"few-{accounts}", incremental=True,
                                       config=Config()))
        n = len(store.accounts(counts=False))
        audit = _timed(lambda: run_audit(store, as_of=AS_OF, jobs=os.cpu_count() or 1,
                                         config=Config()))
    return {"accounts": accounts, "incremental_rows": slice_rows,
            "sqlite_full_sync_s": round(sqlite_full, 2), "bolt_full_sync_s": round(full, 2),
            "bolt_over_sqlite": round(full / sqlite_full, 1),
            "bolt_incremental_s": round(incremental, 2),
            "incremental_share_of_full": round(incremental / full, 3),
            "few_accounts": few_accounts, "few_rows": few_rows,
            "bolt_few_s": round(few, 2), "sqlite_incremental_s": round(sqlite_incremental, 2),
            "sqlite_few_s": round(sqlite_few, 2),
            "bolt_audit_s": round(audit, 2), "audit_s_per_account": round(audit / n, 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[100, 500])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        rows = []
        for accounts in args.accounts:
            # A fresh server for each size: no size pays for the one before.
            server, kind = server_for(tmp / f"neo4j-{accounts}", **SERVER)
            try:
                rows.append(run(server, accounts, tmp))
            finally:
                server.stop()
            print(json.dumps(rows[-1]), flush=True)
    out = ROOT / "benchmarks" / "results" / "bolt_sync.json"
    out.write_text(json.dumps({
        "benchmark": "bolt_sync", "date": date.today().isoformat(), "server": kind,
        "server_settings": SERVER,
        "cores": os.cpu_count(), "python": platform.python_version(), "results": rows},
        indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
