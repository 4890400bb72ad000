"""Sync and audit at scale, against the parse floor of the same files.

The parse floor is the time Python's csv module takes merely to read every CSV of the
export, measured in the same run, so the ratios hold on any machine.  Each step runs in
its own process so its peak memory (RSS) is its own.

    python benchmarks/scale.py --accounts 100 1000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAMGRAPH = Path(sys.executable).parent / "kamgraph"


def parse_floor(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    rows = 0
    for path in sorted(folder.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            for _ in csv.reader(fh):
                rows += 1
    return time.perf_counter() - start, rows


def timed(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KB) of one kamgraph command in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([str(KAMGRAPH), *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def run(accounts: int, tmp: Path) -> dict[str, object]:
    export = tmp / f"export-{accounts}"
    subprocess.run([str(KAMGRAPH), "generate", "--accounts", str(accounts), "--seed", "1",
                    "-o", str(export)], check=True, stdout=subprocess.DEVNULL)
    floor, rows = parse_floor(export)
    store = f"sqlite:///{tmp / f'k-{accounts}.db'}"
    sync_s, sync_rss = timed(["sync", str(export), "--store", store])
    resync_s, _ = timed(["sync", str(export), "--store", store])
    audit_s, audit_rss = timed(["audit", "--store", store, "--as-of", "2026-11-01",
                                "--format", "json", "-o", str(tmp / "audit.json")])
    return {
        "accounts": accounts, "csv_rows": rows,
        "export_mb": round(sum(p.stat().st_size for p in export.glob("*.csv")) / 1e6, 1),
        "parse_floor_s": round(floor, 2),
        "sync_s": round(sync_s, 2), "sync_ratio": round(sync_s / floor, 1),
        "sync_rows_per_s": round(rows / sync_s), "sync_peak_rss_mb": round(sync_rss / 1024),
        "resync_s": round(resync_s, 2), "resync_share_of_sync": round(resync_s / sync_s, 2),
        "audit_s": round(audit_s, 2), "audit_ratio": round(audit_s / floor, 1),
        "audit_peak_rss_mb": round(audit_rss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[100])
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.accounts:
            results.append(run(n, Path(tmp)))
            print(json.dumps(results[-1]), flush=True)
    out = ROOT / "benchmarks" / "results" / "scale.json"
    out.write_text(json.dumps({
        "benchmark": "scale", "date": date.today().isoformat(), "cores": os.cpu_count(),
        "python": platform.python_version(), "results": results}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
