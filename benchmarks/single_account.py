"""What one account's commands cost as the portfolio around it grows: `audit ACCOUNT`,
`map ACCOUNT`, `path ACCOUNT` and `accounts`, on stores of 100 and 2,000 generated
accounts, for an account of the same size in each.

    python benchmarks/single_account.py [--accounts 100 2000] [--repeat 5]

Each command runs as a user runs it (a new process) and is measured in CPU seconds
(user + system of the process), the median of ``--repeat`` runs, the two stores side by
side in one run.  Results go to ``benchmarks/results/single_account.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KAMGRAPH = str(ROOT / ".venv" / "bin" / "kamgraph")
AS_OF = "2026-11-01"


def cpu(cmd: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def store_of(folder: Path, accounts: int) -> tuple[str, str, int]:
    """A synced store of ``accounts`` and the id of its account nearest 60 people."""
    export = folder / "export"
    subprocess.run([KAMGRAPH, "generate", "--accounts", str(accounts), "--seed", "1",
                    "-o", str(export)], check=True, stdout=subprocess.DEVNULL)
    uri = f"sqlite:///{folder / 'k.db'}"
    subprocess.run([KAMGRAPH, "sync", str(export), "--store", uri], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    listed = json.loads(subprocess.run([KAMGRAPH, "accounts", "--store", uri, "--format",
                                        "json"], check=True, capture_output=True,
                                       text=True).stdout)
    chosen = min(listed, key=lambda a: (abs(a["customers"] - 60), a["id"]))
    return uri, chosen["id"], chosen["customers"]


def senior_person(uri: str, account: str) -> str:
    """The account's most senior customer person: where `path` is asked to go."""
    sys.path.insert(0, str(ROOT))
    import kamgraph

    with kamgraph.open(uri, as_of=AS_OF) as kg:
        graph = kg.account(account).graph
        people = [n for n, d in graph.nodes(data=True) if d["side"] == "customer"
                  and d["active"]]
        best = max(people, key=lambda n: (graph.nodes[n]["level_rank"], n))
        return str(graph.nodes[best]["name"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs=2, default=[100, 2000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="kg-single-") as tmp:
        stores = {}
        for n in args.accounts:
            folder = Path(tmp) / str(n)
            folder.mkdir()
            stores[n] = store_of(folder, n)
            print(f"{n} accounts: account {stores[n][1]} ({stores[n][2]} people)",
                  flush=True)
        targets = {account: senior_person(uri, account)
                   for uri, account, _ in stores.values()}
        commands = {
            "audit": lambda uri, acc, out: [KAMGRAPH, "audit", acc, "--store", uri,
                                            "--as-of", AS_OF, "--jobs", "1"],
            "map": lambda uri, acc, out: [KAMGRAPH, "map", acc, "--store", uri, "--as-of",
                                          AS_OF, "-o", str(out / "m.html")],
            "path": lambda uri, acc, out: [KAMGRAPH, "path", acc, targets[acc], "--store",
                                           uri, "--as-of", AS_OF],
            "accounts": lambda uri, acc, out: [KAMGRAPH, "accounts", "--store", uri],
        }
        samples: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.repeat):
            for name, make in commands.items():
                for n, (uri, account, _people) in stores.items():
                    cmd = make(uri, account, Path(tmp))
                    try:
                        samples.setdefault((name, n), []).append(cpu(cmd))
                    except subprocess.CalledProcessError:
                        samples.setdefault((name, n), []).append(float("nan"))
        small, large = args.accounts
        for name in commands:
            a = statistics.median(samples[(name, small)])
            b = statistics.median(samples[(name, large)])
            results[name] = {f"{small}_cpu_s": round(a, 3), f"{large}_cpu_s": round(b, 3),
                             "ratio": round(b / a, 2) if a else None}
            print(name, results[name], flush=True)
    out = ROOT / "benchmarks" / "results" / "single_account.json"
    out.write_text(json.dumps({
        "benchmark": "single_account", "date": date.today().isoformat(),
        "cores": os.cpu_count(), "python": platform.python_version(),
        "accounts": args.accounts, "repeat": args.repeat, "results": results}, indent=2)
        + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
