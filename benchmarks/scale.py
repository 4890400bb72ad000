"""Sync and audit at scale, against the parse floor of the same files.

The parse floor is the time Python's csv module takes merely to read every CSV of the
export, measured in the same run, so the ratios hold on any machine.  Each step runs in
its own process so its peak memory (RSS) is its own.

Two more floors, the store's own, bound what any sync or audit over the embedded store
could reach:

- the write floor: the records a full sync stored, already encoded, inserted with one
  ``executemany`` into an empty store of the same schema (nothing parsed, encoded or
  compared);
- the read floor: every account's records read by its account index and their JSON
  decoded, nothing built from them, divided by the cores an audit uses;
- the graph floor: every account loaded and its graph built as an audit does, with no
  analysis run on it, divided by the cores;
- one analysis: networkx's cut points of every account's graph (the linear-time core of
  key-person risk, one of a dozen analyses), divided by the cores.

    python benchmarks/scale.py --accounts 100 1000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def _changed_activities(export: Path, out: Path,
                        pick: Callable[[int, list[str], list[str]], bool]
                        ) -> tuple[int, set[str]]:
    """Write the activity rows ``pick(i, header, row)`` keeps into ``out``, each changed (a
    call's result, an event's duration), with ``LastModifiedDate`` after the full
    export's; return how many, and the ids of the events among them."""
    out.mkdir(parents=True, exist_ok=True)
    rows = 0
    events: set[str] = set()
    for name, change in (("Task.csv", "CallDurationInSeconds"), ("Event.csv",
                                                                 "DurationInMinutes")):
        with open(export / name, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            col = header.index(change)
            picked = []
            for i, row in enumerate(reader):
                if pick(i, header, row):
                    row[col] = str(int(row[col] or 0) + 60)
                    picked.append([*row, "2026-11-02 06:00:00"])
        with open(out / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow([*header, "LastModifiedDate"])
            writer.writerows(picked)
        rows += len(picked)
        if name == "Event.csv":
            events = {row[0] for row in picked}
    return rows, events


def incremental_slice(export: Path, out: Path, share: float = 0.01) -> int:
    """An incremental export: 1 % of the activity rows, changed (a call's result, an
    event's duration), with ``LastModifiedDate`` after the full export's."""
    step = round(1 / share)
    return _changed_activities(export, out, lambda i, header, row: i % step == 0)[0]


def concentrated_slice(export: Path, out: Path, share: float = 0.01) -> tuple[int, int]:
    """An incremental export as a nightly one often is: the activity rows of a few
    accounts (``share`` of them, at least one: the accounts with news), each changed as
    :func:`incremental_slice` changes them, with their invitations.  Returns the
    activity rows and the accounts."""
    with open(export / "Account.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        column = next(reader).index("Id")
        ids = [row[column] for row in reader]
    chosen = set(ids[::max(1, round(1 / share))])
    rows, events = _changed_activities(
        export, out, lambda i, header, row: row[header.index("WhatId")] in chosen)
    with open(export / "EventRelation.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        col = header.index("EventId")
        invitations = [row for row in reader if row[col] in events]
    with open(out / "EventRelation.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerows([header, *invitations])
    return rows, len(chosen)


def write_floor(store: Path, tmp: Path) -> float:
    """Seconds to insert the stored records, as they are, into an empty store."""
    from kamgraph.stores.sqlite import SqliteStore

    with sqlite3.connect(store) as source:
        rows = source.execute("SELECT * FROM records").fetchall()
    target = tmp / "write-floor.db"
    with SqliteStore(target) as empty:
        conn = empty.conn
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO records VALUES ({', '.join('?' * len(rows[0]))})", rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    del rows
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return elapsed


def read_floor(store: Path) -> float:
    """Seconds to read and decode every account's records."""
    conn = sqlite3.connect(store)
    accounts = [a for (a,) in conn.execute("SELECT key FROM records WHERE kind = 'account'")]
    loads = json.loads
    start = time.perf_counter()
    for account in accounts:
        for (data,) in conn.execute("SELECT data FROM records WHERE account_id = ?",
                                    (account,)):
            loads(data)
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def graph_floor(store: Path) -> tuple[float, float]:
    """Seconds to load every account and build its graph, and seconds to find the cut
    points of those graphs."""
    import networkx as nx

    from kamgraph.config import Config
    from kamgraph.graph import build_account_graph, build_pool
    from kamgraph.stores.sqlite import SqliteStore

    config = Config()
    cuts = 0.0
    with SqliteStore(store) as opened:
        start = time.perf_counter()
        loads = opened.supplier_loads()
        pool = build_pool(opened.our_people(), config, loads)
        for summary in opened.accounts(counts=False):
            graph = build_account_graph(opened.load_account(summary.id, everyone=False),
                                        date(2026, 11, 1), config, loads, pool)
            began = time.perf_counter()
            list(nx.articulation_points(nx.Graph(graph)))
            cuts += time.perf_counter() - began
        elapsed = time.perf_counter() - start - cuts
    return elapsed, cuts


def floors(db: Path, tmp: Path) -> dict[str, float]:
    """The store's floors, measured in a child process: a process started later from
    this one would report this one's peak memory as its own (Linux keeps the larger
    high-water mark across fork and exec), and the write floor holds every record."""
    out = subprocess.run([sys.executable, __file__, "--floors", str(db), str(tmp)],
                         check=True, capture_output=True, text=True).stdout
    found: dict[str, float] = json.loads(out)
    # What an audit does is spread over every core: its floors are per core.
    cores = os.cpu_count() or 1
    return {name: seconds if name == "store_write_floor" else seconds / cores
            for name, seconds in found.items()}


def timed(args: list[str]) -> tuple[float, int]:
    """Wall time and peak RSS (KB) of one kamgraph command in a child process.

    The peak is this child's own (``wait4``), its worker processes included: not the
    largest of every child so far, which the generator would always be.
    """
    start = time.perf_counter()
    child = subprocess.Popen([str(KAMGRAPH), *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, args)
    return elapsed, usage.ru_maxrss


def run(accounts: int, tmp: Path) -> dict[str, object]:
    export = tmp / f"export-{accounts}"
    subprocess.run([str(KAMGRAPH), "generate", "--accounts", str(accounts), "--seed", "1",
                    "-o", str(export)], check=True, stdout=subprocess.DEVNULL)
    floor, rows = parse_floor(export)
    db = tmp / f"k-{accounts}.db"
    store = f"sqlite:///{db}"
    sync_s, sync_rss = timed(["sync", str(export), "--store", store])
    floor_s = floors(db, tmp)
    # The same bytes again: recognised by the fingerprint, not parsed.
    resync_s, _ = timed(["sync", str(export), "--store", store])
    # The same content read in full (another setting changes the fingerprint): what a
    # re-sync of a re-written but unchanged export costs.
    reread_s, _ = timed(["sync", str(export), "--encoding", "utf-8", "--store", store])
    changed = incremental_slice(export, tmp / f"incremental-{accounts}")
    incremental_s, _ = timed(["sync", str(tmp / f"incremental-{accounts}"), "--incremental",
                              "--store", store])
    audit_s, audit_rss = timed(["audit", "--store", store, "--as-of", "2026-11-01",
                                "--format", "json", "-o", str(tmp / "audit.json")])
    # Each step once more: the machine's noise shows in the spread, and the better of
    # two runs is the fairer measure of the code.
    floor2, _ = parse_floor(export)
    floor = min(floor, floor2)
    return {
        "accounts": accounts, "csv_rows": rows,
        "export_mb": round(sum(p.stat().st_size for p in export.glob("*.csv")) / 1e6, 1),
        "parse_floor_s": round(floor, 2),
        "sync_s": round(sync_s, 2), "sync_ratio": round(sync_s / floor, 1),
        "sync_rows_per_s": round(rows / sync_s), "sync_peak_rss_mb": round(sync_rss / 1024),
        "resync_s": round(resync_s, 2), "resync_share_of_sync": round(resync_s / sync_s, 3),
        "reread_s": round(reread_s, 2), "reread_share_of_sync": round(reread_s / sync_s, 2),
        "incremental_rows": changed, "incremental_s": round(incremental_s, 2),
        "incremental_share_of_sync": round(incremental_s / sync_s, 3),
        "audit_s": round(audit_s, 2), "audit_ratio": round(audit_s / floor, 1),
        "audit_peak_rss_mb": round(audit_rss / 1024),
        **{f"{name}_s": round(seconds, 2) for name, seconds in floor_s.items()},
        **{f"{name}_ratio": round(seconds / floor, 2) for name, seconds in floor_s.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="+", default=[100])
    parser.add_argument("--floors", nargs=2, type=Path, metavar=("STORE", "TMP"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floors:
        db, tmp = args.floors
        graph, cuts = graph_floor(db)
        print(json.dumps({"store_write_floor": write_floor(db, tmp),
                          "store_read_floor": read_floor(db), "graph_floor": graph,
                          "cut_points": cuts}))
        return
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
