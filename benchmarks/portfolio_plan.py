"""The portfolio's assignment: what it adds to a full audit, and what the solver gains
over a greedy loop.

    python benchmarks/portfolio_plan.py [--accounts 200 2000] [--jobs 2]

For each size, a generated portfolio (seed 7, as of 2026-11-01) is synced into a fresh
SQLite store, then:

- **audit, plan kept**: a full audit (JSON, in ``--jobs`` workers) reading a plan the
  store kept (what a sync leaves for the day): every account audited once, its actions
  worded from the kept plan;
- **audit, plan made**: the same audit with no plan kept: each account audited to its
  drafts (spilled to disk), the assignment made, each account worded;
- **assignment alone**: ``kamgraph.capacity.assign`` over every account's brief;
- **greedy**: the same asks, most important first, each to its first option with time
  left in its month or the next: what a hand-written loop would do;
- **capacity**: person-months over their hours or asks (must be 0), the most asks a
  C-level person and anyone has in a month.

"plan made and kept" is what a sync adds after it commits: every account audited once,
the assignment made, the day's follow-up and the plan kept.

The results go to ``benchmarks/results/portfolio_plan.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kamgraph.audit import (  # noqa: E402
    AssemblyContext,  # noqa: E402
    _light_brief,
    iter_accounts,
    iter_audits,
    keep_plan,
)
from kamgraph.capacity import (  # noqa: E402
    _account_weights,
    _sponsors,
    _workloads,
    assign,
)
from kamgraph.config import Config  # noqa: E402
from kamgraph.generate import generate_export  # noqa: E402
from kamgraph.report import render_stream  # noqa: E402
from kamgraph.stores.sqlite import SqliteStore  # noqa: E402
from kamgraph.syncing import sync_path  # noqa: E402

AS_OF = date(2026, 11, 1)


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _audit(store: SqliteStore, jobs: int) -> int:
    size = 0
    for chunk in render_stream(AS_OF, iter_audits(store, as_of=AS_OF, config=Config(),
                                                  jobs=jobs), "json", None):
        size += len(chunk)
    return size


def _greedy(briefs: list[Any], config: Config) -> dict[tuple[str, int], tuple[str | None, int]]:
    """Most important first, each ask to its first option with time left in its month,
    else the next month's: the loop the solver replaces."""
    everyone = _workloads(briefs, config, {})
    weight = _account_weights(briefs, config)
    from kamgraph.capacity import Assignment

    allowed = _sponsors(briefs, everyone, weight, config, Assignment(AS_OF, 3))
    asks = [(weight[b.account] * a.weight, b, k, a) for b in briefs
            for k, a in enumerate(b.asks) if not a.successor]
    asks.sort(key=lambda x: -x[0])
    horizon = config.capacity.horizon_months
    out: dict[tuple[str, int], tuple[str | None, int]] = {}
    owned: dict[tuple[str, str], int] = defaultdict(int)
    for _, b, k, a in asks:
        placed = None
        for month in range(min(a.month, horizon - 1), horizon):
            for person in a.options:
                load = everyone.get(person)
                if load is None or not allowed(person, b.account):
                    continue
                if load.asks[month] < load.max_asks and \
                        load.asked[month] + a.effort <= load.hours + 1e-9 and \
                        owned[(person, b.account)] < config.max_actions_per_owner:
                    load.asks[month] += 1
                    load.asked[month] += a.effort
                    owned[(person, b.account)] += 1
                    placed = (person, month)
                    break
            if placed:
                break
        out[(b.account, k)] = placed or (None, horizon)
    return out


def _score(briefs: list[Any], choices: dict[Any, tuple[str | None, int]],
           config: Config) -> dict[str, Any]:
    """What an assignment achieves: asks on time, in their month or later, beyond the
    plan; the weight placed on time; executives' hours used."""
    weight = _account_weights(briefs, config)
    on_time = late = beyond = 0
    value_on_time = value_total = 0.0
    for b in briefs:
        for k, a in enumerate(b.asks):
            if a.successor:
                continue
            person, month = choices[(b.account, k)]
            v = weight[b.account] * a.weight
            value_total += v
            if person is None or month >= config.capacity.horizon_months:
                beyond += 1
            elif month <= a.month:
                on_time += 1
                value_on_time += v
            else:
                late += 1
    return {"asks": on_time + late + beyond, "on_time": on_time, "later_month": late,
            "next_quarter": beyond, "weight_on_time_share": round(value_on_time / value_total, 4)
            if value_total else 0.0}


def _invariants(plan: Any) -> dict[str, Any]:
    """What the plan asks of each person a month against what the month holds: person-
    months over their hours or their asks (both must be 0), and the most asks any
    C-level person and anyone has in a month."""
    from kamgraph.capacity import workload_rows

    rows = workload_rows(plan, {})
    months = [(r, h, n) for r in rows for _, h, n in r.months]
    return {
        "people_asked": len(rows),
        "person_months_over_hours": sum(1 for r, h, _ in months if h > r.hours + 1e-6),
        "person_months_over_asks": sum(1 for r, _, n in months if n > r.max_asks),
        "most_asks_c_level": max((n for r, _, n in months if r.level == "c_level"), default=0),
        "most_asks_anyone": max((n for _, _, n in months), default=0),
    }


def run(accounts: int, jobs: int) -> dict[str, Any]:
    config = Config()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate_export(folder / "export", accounts=accounts, seed=7, end=AS_OF)
        with SqliteStore(folder / "k.db") as store:
            sync_path(store, folder / "export", config=config)
            made, size = _timed(lambda: _audit(store, jobs))
            plan_made, _ = _timed(lambda: keep_plan(store, as_of=AS_OF, config=config,
                                                    jobs=jobs))
            kept, size_kept = _timed(lambda: _audit(store, jobs))
            assert size == size_kept, "the same audit either way"
            ctx = AssemblyContext.read(store, AS_OF, config, None)
            from dataclasses import replace

            briefs = [b for b in iter_accounts(store, _light_brief, as_of=AS_OF, config=config,
                                               jobs=jobs, ctx=replace(ctx, drafted=True)) if b]
            solve, plan = _timed(lambda: assign(briefs, config, AS_OF))
            greedy_s, greedy = _timed(lambda: _greedy(briefs, config))
            solved = {ref: (c.person, c.month) for ref, c in plan.choices.items()}
    return {
        "accounts": accounts, "asks": sum(len(b.asks) for b in briefs),
        "audit_plan_kept_s": round(kept, 2), "audit_plan_made_s": round(made, 2),
        "assignment_share_of_audit": round((made - kept) / kept, 3),
        "plan_made_and_kept_s": round(plan_made, 2),
        "assign_s": round(solve, 2), "greedy_s": round(greedy_s, 3),
        "solver": _score(briefs, solved, config), "greedy": _score(briefs, greedy, config),
        "capacity": _invariants(plan),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    results = [run(n, args.jobs) for n in args.accounts]
    out = {"benchmark": "portfolio_plan", "date": date.today().isoformat(),
           "cores": os.cpu_count(), "python": platform.python_version(), "jobs": args.jobs,
           "results": results}
    path = ROOT / "benchmarks" / "results" / "portfolio_plan.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
