"""What an audit says, and what it costs to say it: per-account findings and actions,
audit time and JSON size, on the bundled demo and on generated portfolios.

    python benchmarks/audit_volume.py [--accounts 20 200 2000] [--label after]
        [--kamgraph .venv/bin/kamgraph]

Each portfolio is generated (``kamgraph generate --accounts N --seed 1``), synced into a
fresh embedded store and audited once to JSON (``--jobs`` left at every core).  The
counts are read back from the JSON, so the same script measures any version of the
audit: ``actions`` stays ``null`` for a report that has none (``kamgraph.audit/1``).
Results go to ``benchmarks/results/audit_volume.json``, keyed by label and portfolio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-01"


def _run(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _median(values: list[int]) -> float | None:
    return statistics.median(values) if values else None


def summarise(report: dict[str, Any]) -> dict[str, Any]:
    """Per-account counts of one audit JSON."""
    accounts = report["accounts"]
    # kamgraph.audit/3 lists the most severe findings of each kind and counts the rest.
    findings = [len(a["findings"]) + sum(a.get("held_back", {}).values()) for a in accounts]
    listed = [len(a["findings"]) for a in accounts]
    high_findings = [sum(f["severity"] == "high" for f in a["findings"]) for a in accounts]
    out: dict[str, Any] = {
        "accounts": len(accounts),
        "findings_median": _median(findings),
        "findings_max": max(findings, default=0),
        "high_findings_median": _median(high_findings),
        "listed_median": _median(listed),
        "listed_max": max(listed, default=0),
        "actions_median": None, "actions_max": None, "high_actions_median": None,
        "unmapped": None, "shown_max": None,
    }
    if accounts and "actions" in accounts[0]:
        mapped = [a for a in accounts if not a.get("unmapped")]
        actions = [len(a["actions"]) for a in mapped]
        high = [sum(x["priority"] == "high" for x in a["actions"]) for a in mapped]
        out.update({
            "actions_median": _median(actions),
            "actions_max": max(actions, default=0),
            "high_actions_median": _median(high),
            "unmapped": len(accounts) - len(mapped),
            # What the table prints by default: the budget.
            "shown_max": max((min(n, 7) for n in actions), default=0),
        })
    return out


def measure(kamgraph: str, accounts: int | None, work: Path) -> dict[str, Any]:
    store = work / "kg.db"
    if accounts is None:
        export = ROOT / "examples" / "salesforce"
        sync = _run([kamgraph, "sync", str(export), "--store", f"sqlite:///{store}"])
        _run([kamgraph, "sync", str(ROOT / "examples" / "facts"), "--format", "csv",
              "--store", f"sqlite:///{store}"])
    else:
        export = work / "export"
        _run([kamgraph, "generate", "--accounts", str(accounts), "--seed", "1",
              "-o", str(export)])
        sync = _run([kamgraph, "sync", str(export), "--store", f"sqlite:///{store}"])
    out = work / "audit.json"
    seconds = _run([kamgraph, "audit", "--store", f"sqlite:///{store}", "--as-of", AS_OF,
                    "--format", "json", "-o", str(out)])
    size = out.stat().st_size
    report = json.loads(out.read_text(encoding="utf-8"))
    result = summarise(report)
    result.update({"sync_s": round(sync, 2), "audit_s": round(seconds, 2),
                   "json_mb": round(size / 1e6, 2), "json_all_mb": None})
    if report.get("schema") == "kamgraph.audit/3":
        # Every finding listed (--all): the document with nothing held back.
        every = work / "audit-all.json"
        _run([kamgraph, "audit", "--store", f"sqlite:///{store}", "--as-of", AS_OF,
              "--format", "json", "--all", "-o", str(every)])
        result["json_all_mb"] = round(every.stat().st_size / 1e6, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, nargs="*", default=[20, 200, 2000])
    parser.add_argument("--label", default="current")
    parser.add_argument("--kamgraph", default=str(ROOT / ".venv" / "bin" / "kamgraph"))
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results"
                                                / "audit_volume.json"))
    args = parser.parse_args()
    path = Path(args.output)
    saved = json.loads(path.read_text()) if path.exists() else {"benchmark": "audit_volume",
                                                                 "runs": {}}
    runs = saved.setdefault("runs", {})
    label = runs.setdefault(args.label, {})
    label.update({"date": date.today().isoformat(), "cores": os.cpu_count(),
                  "python": platform.python_version()})
    for n in [None, *args.accounts]:
        with tempfile.TemporaryDirectory(prefix="kg-volume-") as folder:
            result = measure(args.kamgraph, n, Path(folder))
        name = "demo" if n is None else f"{n} accounts"
        label[name] = result
        print(args.label, name, json.dumps(result), flush=True)
        path.write_text(json.dumps(saved, indent=2) + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
