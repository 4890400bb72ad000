"""Sync throughput into a Bolt server at several batch sizes.

Starts Neo4j Community Edition on loopback as the tests do, with a page cache of 1 GiB
and a 2 GiB heap (or uses KAMGRAPH_TEST_NEO4J_URI), generates an export, syncs it once
to warm the server, and times a full sync into an empty graph and a re-sync of the same
export for each batch size.  Writes benchmarks/results/bolt_batches.json and prints a
table.

    python benchmarks/bolt_batches.py [--accounts 40] [--batches 500,2000,5000]
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

from kamgraph.config import Config  # noqa: E402
from kamgraph.generate import generate_export  # noqa: E402
from kamgraph.stores.neo4j import Neo4jStore  # noqa: E402
from kamgraph.syncing import sync_path  # noqa: E402
from tests.servers import clear_graph, server_for  # noqa: E402

#: The server the benchmarks measure: the tests' launcher with room for the graph.
SERVER = {"page_cache_mb": 1024, "heap": "2g"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--batches", default="200,1000,5000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "export"
        stats = generate_export(export, accounts=args.accounts, seed=11, end=date(2026, 11, 1))
        server, kind = server_for(Path(tmp) / "neo4j", **SERVER)
        rows = []
        try:
            # Warm the server's JIT first (a server runs for months), off the clock.
            with Neo4jStore(server.uri, user=server.user, password=server.password,
                            database=server.database) as store:
                sync_path(store, export, config=Config())
            for batch in (int(b) for b in args.batches.split(",")):
                store = Neo4jStore(server.uri, user=server.user, password=server.password,
                                   database=server.database, batch_size=batch)
                with store:
                    clear_graph(store)
                    store.init()
                    start = time.perf_counter()
                    full, _ = sync_path(store, export, config=Config())
                    full_s = time.perf_counter() - start
                    # The same content read in full and compared (another setting changes
                    # the export's fingerprint); the same bytes again are not read at all.
                    start = time.perf_counter()
                    sync_path(store, export, encoding="utf-8", config=Config())
                    again_s = time.perf_counter() - start
                    start = time.perf_counter()
                    sync_path(store, export, encoding="utf-8", config=Config())
                    same_s = time.perf_counter() - start
                records = full.counts["inserted"]
                rows.append({"batch_size": batch, "records": records,
                             "full_sync_s": round(full_s, 2),
                             "records_per_s": round(records / full_s),
                             "resync_s": round(again_s, 2),
                             "resync_records_per_s": round(records / again_s),
                             "same_bytes_s": round(same_s, 2)})
                print(rows[-1], flush=True)
        finally:
            server.stop()
    result = {
        "benchmark": "bolt_batches", "date": date.today().isoformat(), "server": kind,
        "server_settings": SERVER,
        "cores": os.cpu_count(), "python": platform.python_version(),
        "accounts": args.accounts, "export_rows": stats, "results": rows,
    }
    out = ROOT / "benchmarks" / "results" / "bolt_batches.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
