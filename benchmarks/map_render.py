"""Maps at every size: page size and settle time in headless Chromium, before and after.

    python benchmarks/map_render.py [--before REV] [--sizes 10 60 500 5000]

Accounts of each size come from ``kamgraph.generate.account_of_size`` (seeded).  Each
page is rendered by this tree and, with ``--before``, by the tree at REV (a temporary
git worktree renders the same pickled accounts), then opened three times in headless
Chromium: its bytes, the time until the map is settled (min and median of three, from
navigation start), how many people it draws first and the scale of the first view.  The
60-person map's first view is saved as a screenshot for each tree.  The site is
measured too: ``map --all`` of a generated 200-account portfolio, and the portfolio page
of 2,000 accounts.  Results go to ``benchmarks/results/map_render.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CHROMIUM = os.environ.get("KAMGRAPH_CHROMIUM", "/usr/bin/chromium")
AS_OF = date(2026, 11, 1)

#: Renders pickled account data with whichever kamgraph is first on sys.path.
RENDER = """
import pickle, sys
# The tree on PYTHONPATH, not the editable install of the working copy.
sys.meta_path = [f for f in sys.meta_path if "editable" not in type(f).__module__]
from pathlib import Path
from kamgraph.config import Config
from kamgraph.audit import audit_graph
from kamgraph.graph import build_account_graph
from kamgraph.viz import render_account_map
data, as_of = pickle.loads(Path(sys.argv[1]).read_bytes())
graph = build_account_graph(data, as_of)
Path(sys.argv[2]).write_text(render_account_map(graph, audit_graph(graph)), encoding="utf-8")
"""


def _render(tree: Path, data_file: Path, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run([sys.executable, "-c", RENDER, str(data_file), str(out)], check=True,
                   env=env, cwd=tree)


def _measure(browser: object, page_file: Path, shot: Path | None) -> dict[str, object]:
    settle = []
    first: dict[str, object] = {}
    for i in range(3):
        context = browser.new_context(offline=True, bypass_csp=True,  # type: ignore[attr-defined]
                                      viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.wait_for_function("window.kamgraph && window.kamgraph.settled === true",
                               timeout=120_000)
        settle.append(page.evaluate(
            "window.kamgraph.settledAt || (performance.timing.loadEventEnd - "
            "performance.timing.navigationStart + window.kamgraph.settleMs)"))
        if i == 0:
            first = page.evaluate("() => ({drawn: window.kamgraph.nodeView.length,"
                                  " scale: window.kamgraph.network.getScale()})")
            if shot is not None:
                page.screenshot(path=str(shot))
        context.close()
    return {"html_bytes": page_file.stat().st_size,
            "settle_ms_min": round(min(settle)), "settle_ms_median": round(
                statistics.median(settle)),
            "drawn_first": first["drawn"], "first_scale": round(float(first["scale"]), 2)}


def _site(folder: Path) -> dict[str, object]:
    """``map --all`` of 200 generated accounts, and the portfolio page of 2,000."""
    import random

    from kamgraph.config import Config
    from kamgraph.generate import generate_export
    from kamgraph.portfolio import Portfolio
    from kamgraph.stores.sqlite import SqliteStore
    from kamgraph.syncing import sync_path
    from kamgraph.viz.site import IndexRow, render_index, write_site

    export = folder / "export"
    generate_export(export, accounts=200, seed=11, end=AS_OF)
    with SqliteStore(folder / "k.db") as store:
        sync_path(store, export, config=Config())
        portfolio = Portfolio(store, as_of=AS_OF, config=Config())
        files = write_site(((a.graph, a.audit) for a in portfolio.accounts()),
                           folder / "site", AS_OF.isoformat(), Config())
    site_bytes = sum(f.stat().st_size for f in files)
    rng = random.Random(3)
    rows = [IndexRow(id=f"001aB{i:013d}", name=f"Generated Account {i}",
                     stage=rng.choice(["early_kam", "mid_kam", "partnership_kam"]),
                     priorities={"high": rng.randrange(4), "medium": rng.randrange(6),
                                 "low": rng.randrange(4)},
                     risk_name=f"Person {i}", risk_share=rng.random(),
                     first=f"Person {i} (Chief Financial Officer): Nobody of ours meets the "
                           f"economic buyer of an open deal",
                     kinds={"coverage_gap": rng.randrange(40), "red_flag": rng.randrange(5),
                            "mirror_opportunity": rng.randrange(20)},
                     attractiveness=rng.choice(["high", "medium", "low"]),
                     position=rng.choice(["strong", "average", "weak"]))
            for i in range(2000)]
    index = render_index(rows, AS_OF.isoformat())
    return {"map_all_200_accounts_bytes": site_bytes, "map_all_200_files": len(files),
            "index_2000_accounts_bytes": len(index.encode())}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default=None, metavar="REV",
                        help="Also render with the tree at this git revision.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 60, 500, 5000])
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from kamgraph.generate import account_of_size

    trees = {"after": ROOT}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if args.before:
            worktree = tmp / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                            str(worktree), args.before], check=True)
            # loaders/ and viz/ import as kamgraph.loaders and kamgraph.viz.
            for sub in ("loaders", "viz"):
                (worktree / "kamgraph" / sub).symlink_to(worktree / sub)
            trees = {"before": worktree, "after": ROOT}
        try:
            results: dict[str, dict[str, object]] = {name: {} for name in trees}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking"])
                for size in args.sizes:
                    data_file = tmp / f"account-{size}.pickle"
                    data_file.write_bytes(pickle.dumps((account_of_size(size), AS_OF)))
                    for name, tree in trees.items():
                        page = tmp / f"{name}-{size}.html"
                        _render(tree, data_file, page)
                        shot = RESULTS / f"map_60_{name}.png" if size == 60 else None
                        results[name][str(size)] = _measure(browser, page, shot)
                        print(name, size, results[name][str(size)], flush=True)
                browser.close()
            site = _site(tmp / "site")
            print(site, flush=True)
        finally:
            if args.before:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(tmp / "before")], check=False)
    out = {"benchmark": "map_render", "date": date.today().isoformat(),
           "cores": os.cpu_count(), "python": platform.python_version(),
           "machine": platform.machine(), "before": args.before, "maps": results,
           "site": site}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "map_render.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
