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
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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

# A dense account: random titles, a reporting chain of fours, each of theirs in contact
# with up to two of ours (the results in results/big_account.json are of this one).
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
