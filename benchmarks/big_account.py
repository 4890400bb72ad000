"""How the audit of one account grows with its size: the graph and each analysis timed,
then the actions step, on accounts of 4,000 and 16,000 people (nine in ten theirs), in
two shapes:

- ``realistic``: :func:`kamgraph.generate.account_of_size`, the generated exports'
  functions and title ladders, a board and reporting lines by function;
- ``dense``: random titles, a reporting chain of fours, each of theirs in contact with up
  to two of ours (a stress case: twice the relationships, five times the findings).

Each size is measured ``--repeat`` times, the shapes and sizes interleaved, and the
fastest run kept (CPU seconds of this process): the machines are shared, and a
neighbour's load only ever adds time.  ``--root`` measures another checkout (the tree
before a change) with the same accounts.

    python benchmarks/big_account.py [--people 4000 16000] [--repeat 3] [--root PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("KAMGRAPH_BENCH_ROOT", str(ROOT)))

from kamgraph.audit import ANALYSES  # noqa: E402
from kamgraph.config import Config  # noqa: E402
from kamgraph.graph import build_account_graph  # noqa: E402
from kamgraph.model import (  # noqa: E402
    Account,
    Channel,
    Outcome,
    Person,
    Side,
    SupplierRole,
    TeamMember,
    Touch,
)
from kamgraph.stores.base import AccountData, Stored  # noqa: E402

# The dense account: random titles, a reporting chain of fours, each of theirs in contact
# with up to two of ours.
TITLES = ["CEO", "CFO", "VP Operations", "Quality Director", "Head of Purchasing",
          "Purchasing Manager", "Buyer", "Process Engineer", "Plant Manager", "Demand Planner",
          "R&D Manager", "Research Scientist"]
AS_OF = date(2026, 11, 1)


def account(people: int, seed: int = 5) -> AccountData:
    rng = random.Random(seed)
    items = [Stored(Account(id="BIG", name="Big Account"))]
    theirs = [f"c{i}" for i in range(int(people * 0.9))]
    ours = [f"s{i}" for i in range(people - len(theirs))]
    for i, pid in enumerate(theirs):
        boss = theirs[(i - 1) // 4] if i else None
        items.append(Stored(Person(id=pid, side=Side.CUSTOMER, name=f"Person {i}",
                                   account_id="BIG", title=rng.choice(TITLES), reports_to=boss)))
    for i, pid in enumerate(ours):
        items.append(Stored(Person(id=pid, side=Side.SUPPLIER, name=f"Ours {i}",
                                   title="Key Account Manager" if i < 3 else "Sales Rep")))
        items.append(Stored(TeamMember(account_id="BIG", person_id=pid, role=SupplierRole.SALES)))
    n = 0
    for c in theirs:
        for s in rng.sample(ours, rng.randrange(0, 3)):
            for _ in range(rng.randrange(1, 6)):
                n += 1
                items.append(Stored(Touch(
                    activity_id=f"a{n}", account_id="BIG", supplier_id=s, customer_id=c,
                    day=AS_OF - timedelta(days=rng.randrange(200)), channel=Channel.MEETING,
                    outcome=Outcome.HELD, minutes=30)))
    return AccountData(account=items[0].record, items=tuple(items))  # type: ignore[arg-type]



def shaped(shape: str, people: int) -> AccountData:
    if shape == "dense":
        return account(people)
    from kamgraph.generate import account_of_size

    return account_of_size(people)


def measure(shape: str, people: int) -> dict[str, object]:
    """One run: the graph, each analysis and the actions step, in CPU seconds."""
    data = shaped(shape, people)
    config = Config()
    try:  # as the audit runs them: the cycle collector paused for the account
        from kamgraph.audit import collector_paused
    except ImportError:  # a tree from before it
        from contextlib import nullcontext as collector_paused
    with collector_paused():
        return _measure(shape, people, data, config)


def _measure(shape: str, people: int, data: AccountData, config: Config) -> dict[str, object]:
    from kamgraph.actions import plan_actions
    from kamgraph.analysis.findings import Finding

    start = time.process_time()
    graph = build_account_graph(data, AS_OF, config)
    timings = {"graph": time.process_time() - start}
    findings = []
    for analysis in ANALYSES:
        start = time.process_time()
        findings.extend(analysis(graph, config))
        timings[analysis.__name__] = time.process_time() - start
    findings.sort(key=Finding.sort_key)
    start = time.process_time()
    actions = plan_actions(graph, findings, config)
    timings["actions"] = time.process_time() - start
    return {"shape": shape, "people": people, "edges": graph.number_of_edges(),
            "findings": len(findings), "actions": len(actions),
            "analyses_s": sum(v for k, v in timings.items() if k != "actions"),
            "timings": timings}


def best(runs: list[dict[str, object]]) -> dict[str, object]:
    """The fastest of several runs of one shape and size, with each step's fastest."""
    first = runs[0]
    steps = {k: min(r["timings"][k] for r in runs) for k in first["timings"]}  # type: ignore[index]
    analyses = min(r["analyses_s"] for r in runs)  # type: ignore[type-var]
    return {**{k: first[k] for k in ("shape", "people", "edges", "findings", "actions")},
            "graph_and_analyses_s": round(analyses, 2),  # type: ignore[arg-type]
            "analyses_runs_s": [round(r["analyses_s"], 2) for r in runs],  # type: ignore[arg-type]
            "actions_s": round(steps["actions"], 2),
            "slowest": {k: round(v, 3) for k, v in sorted(steps.items(),
                                                        key=lambda kv: -kv[1])[:7]}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, nargs="+", default=[4000, 16000])
    parser.add_argument("--shapes", nargs="+", default=["realistic", "dense"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--root", type=Path, default=None,
                        help="measure the kamgraph of another checkout")
    parser.add_argument("--before", type=Path, default=None,
                        help="also measure this checkout (the tree before a change), "
                             "run for run with the other")
    parser.add_argument("--label", default="after")
    parser.add_argument("--one", nargs=2, metavar=("SHAPE", "PEOPLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # a child process: one run, printed as JSON
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    # Trees measured, interleaved run by run: this checkout, and --before's if given.
    trees = {args.label: args.root}
    if args.before is not None:
        trees = {"before": args.before, args.label: args.root}
    runs: dict[tuple[str, str, int], list[dict[str, object]]] = {}
    for _ in range(args.repeat):
        for people in args.people:
            for shape in args.shapes:
                for label, root in trees.items():
                    env = dict(os.environ)
                    if root is not None:
                        env["KAMGRAPH_BENCH_ROOT"] = str(root.resolve())
                    # Each run in a fresh process: nothing remembered from the one before.
                    done = subprocess.run(
                        [sys.executable, __file__, "--one", shape, str(people)],
                        env=env, capture_output=True, text=True, check=True)
                    runs.setdefault((label, shape, people), []).append(json.loads(done.stdout))
    out = ROOT / "benchmarks" / "results" / "big_account.json"
    kept = json.loads(out.read_text()) if out.exists() else {}
    kept = kept if "runs" in kept else {"benchmark": "big_account", "runs": {}}
    for label, root in trees.items():
        results = [best(r) for (lab, _, _), r in runs.items() if lab == label]
        growth = {}
        for shape in args.shapes:
            ordered = sorted((r for r in results if r["shape"] == shape),
                             key=lambda r: int(r["people"]))  # type: ignore[call-overload]
            if len(ordered) >= 2:
                growth[shape] = round(
                    float(ordered[-1]["graph_and_analyses_s"])  # type: ignore[arg-type]
                    / float(ordered[0]["graph_and_analyses_s"]), 2)  # type: ignore[arg-type]
        for r in results:
            print(label, json.dumps(r), flush=True)
        print(label, "growth", growth)
        kept["runs"][label] = {
            "date": date.today().isoformat(), "cores": os.cpu_count(),
            "python": platform.python_version(), "repeat": args.repeat,
            "tree": str(root) if root else "this checkout",
            "results": results, "growth": growth}
    out.write_text(json.dumps(kept, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
