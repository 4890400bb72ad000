"""The simplest correct writer of an export, to compare a sync with.

Every CSV file of the export is read with ``csv.reader``; each row becomes
``json.dumps(row)`` and all of them go into one table with one ``executemany``, in one
transaction.  Nothing is checked, merged or normalised: it is the floor a sync of the
same files stands on.  Prints both times and their ratio, and the processor time of
each: the sync's, spread perfectly over every core, is the least any split of its work
across processes could take.

    python benchmarks/naive_writer.py [--accounts 500]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kamgraph.config import Config  # noqa: E402
from kamgraph.generate import generate_export  # noqa: E402
from kamgraph.stores.sqlite import SqliteStore  # noqa: E402
from kamgraph.syncing import sync_path  # noqa: E402


def naive_write(export: Path, db: Path) -> int:
    """Write every row of every CSV file of ``export`` into one table; return the rows."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE rows (file TEXT, line INTEGER, data TEXT)")
    conn.execute("BEGIN")
    n = 0
    for path in sorted(export.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            batch = [(path.name, i, json.dumps(row)) for i, row in enumerate(reader, 2)]
        conn.executemany("INSERT INTO rows VALUES (?, ?, ?)", batch)
        n += len(batch)
    conn.execute("COMMIT")
    conn.close()
    return n


def cpu_seconds() -> float:
    """Processor time (user and system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[500])
    args = parser.parse_args()
    results = []
    for accounts in args.accounts:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            export = tmp / "export"
            generate_export(export, accounts=accounts, seed=11, end=date(2026, 11, 1))
            naive, sync, naive_cpu, sync_cpu = [], [], [], []
            for i in range(3):
                start, used = time.perf_counter(), cpu_seconds()
                rows = naive_write(export, tmp / f"naive-{i}.db")
                naive.append(time.perf_counter() - start)
                naive_cpu.append(cpu_seconds() - used)
                with SqliteStore(tmp / f"k-{i}.db") as store:
                    start, used = time.perf_counter(), cpu_seconds()
                    sync_path(store, export, config=Config())
                    sync.append(time.perf_counter() - start)
                    sync_cpu.append(cpu_seconds() - used)
            cores = os.cpu_count() or 1
            # The sync's processor time spread over every core, against the naive writer's
            # time: what a perfect split of the sync across processes would reach.
            floor = min(sync_cpu) / cores / min(naive)
            print(f"{accounts} accounts, {rows} rows: naive {min(naive):.2f} s, "
                  f"sync {min(sync):.2f} s (min of 3): {min(sync) / min(naive):.2f}x; "
                  f"sync processor time {min(sync_cpu):.2f} s, over {cores} cores "
                  f"{floor:.2f}x at best", flush=True)
            results.append({
                "accounts": accounts, "rows": rows,
                "naive_s": [round(t, 2) for t in naive], "sync_s": [round(t, 2) for t in sync],
                "naive_cpu_s": [round(t, 2) for t in naive_cpu],
                "sync_cpu_s": [round(t, 2) for t in sync_cpu],
                "split_floor_of_min": round(floor, 2),
                "split_floor_of_median": round(statistics.median(sync_cpu) / cores
                                               / statistics.median(naive), 2),
                "ratio_of_min": round(min(sync) / min(naive), 2),
                "ratio_of_median": round(statistics.median(sync) / statistics.median(naive), 2)})
    out = ROOT / "benchmarks" / "results" / "naive_writer.json"
    out.write_text(json.dumps({
        "benchmark": "naive_writer", "date": date.today().isoformat(),
        "cores": os.cpu_count(), "python": platform.python_version(), "results": results},
        indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
