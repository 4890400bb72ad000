"""How the audit of one account grows with its size: each analysis timed on accounts of
1,000 to 5,000 people (nine in ten theirs), so a cost that grows faster than the
account shows up as a column that does.

    python benchmarks/big_account.py [--people 1000 2000 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from map_render import AS_OF, account  # noqa: E402

from kamgraph.audit import ANALYSES  # noqa: E402
from kamgraph.config import Config  # noqa: E402
from kamgraph.graph import build_account_graph  # noqa: E402


def measure(people: int) -> dict[str, object]:
    data = account(people)
    config = Config()
    start = time.perf_counter()
    graph = build_account_graph(data, AS_OF, config)
    timings = {"graph": time.perf_counter() - start}
    findings = 0
    for analysis in ANALYSES:
        start = time.perf_counter()
        findings += len(analysis(graph, config))
        timings[analysis.__name__] = time.perf_counter() - start
    total = sum(timings.values())
    return {"people": people, "edges": graph.number_of_edges(), "findings": findings,
            "total_s": round(total, 2),
            "slowest": {k: round(v, 3) for k, v in sorted(timings.items(),
                                                        key=lambda kv: -kv[1])[:6]}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 2000, 5000])
    args = parser.parse_args()
    results = []
    for n in args.people:
        results.append(measure(n))
        print(json.dumps(results[-1]), flush=True)
    out = ROOT / "benchmarks" / "results" / "big_account.json"
    out.write_text(json.dumps({
        "benchmark": "big_account", "date": date.today().isoformat(), "cores": os.cpu_count(),
        "python": platform.python_version(), "results": results}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
