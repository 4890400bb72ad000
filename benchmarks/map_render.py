"""A 500-person account map: HTML size, and time to settle in headless Chromium.

    python benchmarks/map_render.py [--people 500]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kamgraph.audit import audit_graph  # noqa: E402
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
from kamgraph.viz import render_account_map  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()
    start = time.perf_counter()
    graph = build_account_graph(account(args.people), AS_OF)
    audit = audit_graph(graph)
    analyse_s = time.perf_counter() - start
    start = time.perf_counter()
    html = render_account_map(graph, audit)
    render_s = time.perf_counter() - start
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        path = Path(tmp) / "big.html"
        path.write_text(html, encoding="utf-8")
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        settle = []
        for _ in range(3):
            page = browser.new_context(offline=True, bypass_csp=True).new_page()
            page.goto(path.as_uri())
            page.wait_for_function("window.kamgraph && window.kamgraph.settled === true",
                                   timeout=60_000)
            settle.append(page.evaluate("window.kamgraph.settleMs"))
            page.context.close()
        browser.close()
    result = {
        "benchmark": "map_render", "date": date.today().isoformat(), "cores": os.cpu_count(),
        "python": platform.python_version(), "people": graph.number_of_nodes(),
        "edges": graph.number_of_edges(), "findings": len(audit.findings),
        "graph_and_audit_s": round(analyse_s, 2), "render_s": round(render_s, 2),
        "html_bytes": len(html.encode()), "settle_ms": [round(s) for s in settle],
    }
    out = ROOT / "benchmarks" / "results" / "map_render.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
