"""The simplest correct writer of an export, to compare a sync with.

Every CSV file of the export is read with ``csv.reader``; each row becomes
``json.dumps(row)`` and all of them go into one table with one ``executemany``, in one
transaction.  Nothing is checked, merged or normalised: it is the floor a sync of the
same files stands on.  Prints both times and their ratio.

    python benchmarks/naive_writer.py [--accounts 500]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
            naive, sync = [], []
            for i in range(3):
                start = time.perf_counter()
                rows = naive_write(export, tmp / f"naive-{i}.db")
                naive.append(time.perf_counter() - start)
                with SqliteStore(tmp / f"k-{i}.db") as store:
                    start = time.perf_counter()
                    sync_path(store, export)
                    sync.append(time.perf_counter() - start)
            print(f"{accounts} accounts, {rows} rows: naive {min(naive):.2f} s, "
                  f"sync {min(sync):.2f} s (min of 3): {min(sync) / min(naive):.2f}x",
                  flush=True)
            results.append({
                "accounts": accounts, "rows": rows,
                "naive_s": [round(t, 2) for t in naive], "sync_s": [round(t, 2) for t in sync],
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
