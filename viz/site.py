"""The portfolio site: an index of every account and one map per account.

``map --all`` writes it to a folder and ``serve`` renders the same pages on request.
vis-network and the map's script sit once in ``assets/``; each account page carries
only its own data.  The index is one table, riskiest first, that a few lines of script
sort by any column and filter by name; at 2,000 accounts it stays under 2 MB.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from html import escape
from pathlib import Path

import networkx as nx

from kamgraph.analysis.findings import FindingKind
from kamgraph.analysis.key_person import key_person_losses
from kamgraph.analysis.portfolio import MATRIX
from kamgraph.analysis.stage import stage_label
from kamgraph.audit import AccountAudit, iter_accounts
from kamgraph.capacity import WorkloadRow
from kamgraph.config import Config
from kamgraph.files import write_atomic
from kamgraph.followup import since_counts
from kamgraph.graph import context
from kamgraph.model import Level
from kamgraph.stores.base import Store
from kamgraph.viz.maps import ASSETS, asset, render_account_map
from kamgraph.wording import counted

__all__ = ["IndexRow", "SitePage", "index_row", "map_filename", "render_index", "site_page",
           "write_pages", "write_portfolio", "write_site"]

_SEVERITIES = ("high", "medium", "low")
#: Stages, riskiest first (draining, then barely begun, then the bow-tie...); an unmapped
#: account, of which nothing is known, last.  The index sorts by it.
_STAGES = ("uncoupling_kam", "pre_kam", "early_kam", "mid_kam", "partnership_kam",
           "synergistic_kam", "unmapped")
#: Finding kinds in a few letters, for the index's compact count per kind.
K = FindingKind
_SHORT = {
    K.COVERAGE_GAP: "gap", K.SINGLE_THREADED: "thread", K.KEY_PERSON_RISK: "risk",
    K.ANTI_SPONSOR: "anti", K.MIRROR_OPPORTUNITY: "peer", K.MIRROR_MISMATCH: "junior",
    K.HIDDEN_INFLUENCER: "hidden", K.COMMITTEE_INCOMPLETE: "committee",
    K.COVERAGE_EFFORT: "effort", K.RELATIONSHIP_LEVEL_GAP: "level", K.MAP_STATUS: "map",
    K.RED_FLAG: "flag", K.PATH_TO_POWER: "power", K.BUYING_CENTRE_CHANGED: "changed",
    K.HAND_OVER: "hand-over", K.ROLE_VACATED: "vacant", K.NEW_KEY_PERSON: "new",
}
_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"


def map_filename(account_id: str) -> str:
    """``<account-id>.html``, with anything but letters, digits, ``-`` and ``_`` replaced."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", account_id) + ".html"


@dataclass(frozen=True)
class IndexRow:
    """What the portfolio page says of one account: kept instead of its graph, so a site
    of thousands of accounts is written one account at a time."""

    id: str
    name: str
    stage: str
    priorities: dict[str, int]
    risk_name: str | None
    risk_share: float
    first: str
    kinds: dict[FindingKind, int] = field(default_factory=dict)
    attractiveness: str | None = None
    position: str | None = None
    #: What became of the last follow-up's actions (None: none was kept before).
    followup: dict[str, int] | None = None
    #: Key people covered at each follow-up kept and now: (covered, key people).
    progress: tuple[tuple[int, int], ...] = ()


def index_row(graph: nx.MultiDiGraph, audit: AccountAudit, config: Config) -> IndexRow:
    """One account's line of the portfolio page (a worker process can make it, given the
    settings: ``functools.partial(index_row, config=config)``)."""
    a = context(graph).account
    losses = key_person_losses(graph, config)
    top = losses[0] if losses and losses[0].share > 0 else None
    first = audit.actions[0] if audit.actions else None
    return IndexRow(
        id=str(a["id"]), name=str(a["name"]), stage=audit.stage_name,
        priorities=dict(Counter(x.priority.value for x in audit.actions)),
        risk_name=str(graph.nodes[top.person]["name"]) if top else None,
        risk_share=top.share if top else 0.0,
        first=first.headline if first else "",
        kinds=dict(Counter(f.kind for f in audit.findings if f.kind in _SHORT)),
        attractiveness=(a.get("attractiveness") or None),
        position=(a.get("position") or None),
        followup=(since_counts(audit.followup, audit.since) if audit.since else None),
        progress=tuple((p.key_covered, p.key_people) for p in audit.progress))


def _followup_cell(r: IndexRow) -> str:
    if r.followup is None:
        return '<td data-sort="-1">—</td>'
    parts = [f"{r.followup[k]} {k}" for k in ("done", "overdue", "new") if r.followup.get(k)]
    return (f'<td data-sort="{r.followup.get("overdue", 0)}">'
            f'{escape(" · ".join(parts)) or "nothing due"}</td>')


def _progress_cell(r: IndexRow) -> str:
    """Key people covered now, and a small line of the share at each audit kept."""
    if not r.progress or not r.progress[-1][1]:
        return '<td data-sort="-1">—</td>'
    covered, key = r.progress[-1]
    shares = [c / k if k else 0.0 for c, k in r.progress]
    spark = ""
    if len(shares) > 1:
        step = 60 / (len(shares) - 1)
        points = " ".join(f"{i * step:.1f},{16 - 14 * v:.1f}" for i, v in enumerate(shares))
        label = ", ".join(f"{v:.0%}" for v in shares)
        spark = (f'<svg class="spark" width="62" height="18" role="img" '
                 f'aria-label="key people covered at each audit: {escape(label)}">'
                 f'<polyline fill="none" stroke="#2166ac" stroke-width="1.5" '
                 f'points="{points}"/></svg> ')
    return f'<td data-sort="{covered / key:.4f}">{spark}{covered} of {key}</td>'



def _matrix(rows: list[IndexRow]) -> str:
    placed: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r.attractiveness and r.position:
            key = (r.attractiveness.lower(), r.position.lower())
            placed.setdefault(key, []).append(
                f'<a href="{escape(map_filename(r.id))}">{escape(r.name)}</a>')
    if not placed:
        return "<p>No account has attractiveness and competitive position recorded.</p>"
    out = ['<table class="matrix"><tr><th>attractiveness \\ our position</th>'
           '<th>strong</th><th>average</th><th>weak</th></tr>']
    for level in ("high", "medium", "low"):
        cells = []
        for position in ("strong", "average", "weak"):
            names = placed.get((level, position), [])
            shown = "<br>".join(names[:12]) + (f"<br>… and {len(names) - 12} more"
                                                if len(names) > 12 else "")
            cells.append(f'<td><span class="strategy">{MATRIX[(level, position)]}</span>'
                         f" ({len(names)})<br>{shown}</td>")
        out.append(f"<tr><th>{level}</th>{''.join(cells)}</tr>")
    out.append("</table>")
    return "".join(out)


def _ranked(rows: Iterable[IndexRow]) -> list[IndexRow]:
    """Riskiest first: high actions, then key-person risk, then the weakest stage."""
    def stage_rank(r: IndexRow) -> int:
        return _STAGES.index(r.stage) if r.stage in _STAGES else len(_STAGES)

    return sorted(rows, key=lambda r: (-r.priorities.get("high", 0), -r.risk_share,
                                       stage_rank(r), -r.priorities.get("medium", 0),
                                       r.name.lower(), r.id))


_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("accounts"), body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter"), count = document.getElementById("count");
  var stage = document.getElementById("stage-filter"), sorted = { col: -1, dir: 1 };
  function apply() {
    var q = filter.value.trim().toLowerCase(), s = stage.value, shown = 0;
    rows.forEach(function (r) {
      var ok = (!q || r.dataset.name.indexOf(q) >= 0) && (!s || r.dataset.stage === s);
      r.hidden = !ok; if (ok) shown++;
    });
    count.textContent = shown + " of " + rows.length + " accounts";
  }
  function key(r, col) {
    var c = r.cells[col], v = c.dataset.sort !== undefined ? c.dataset.sort : c.textContent;
    var n = parseFloat(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    var button = th.querySelector("button");
    button.addEventListener("click", function () {
      sorted.dir = sorted.col === col ? -sorted.dir : (th.dataset.desc ? -1 : 1);
      sorted.col = col;
      rows.sort(function (a, b) {
        var x = key(a, col), y = key(b, col);
        return (x < y ? -1 : x > y ? 1 : Number(a.dataset.rank) - Number(b.dataset.rank)) *
          sorted.dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
        h.setAttribute("aria-sort", "none");
      });
      th.setAttribute("aria-sort", sorted.dir > 0 ? "ascending" : "descending");
    });
  });
  filter.addEventListener("input", apply);
  stage.addEventListener("change", apply);
  apply();
  window.kamgraphIndex = { rows: rows, apply: apply };
})();
"""


_WORKLOAD_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("workload");
  if (!table) return;
  var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows), dir = 1, last = -1;
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
    th.querySelector("button").addEventListener("click", function () {
      dir = last === col ? -dir : (th.dataset.desc ? -1 : 1);
      last = col;
      rows.sort(function (a, b) {
        var x = a.cells[col].dataset.sort || a.cells[col].textContent.toLowerCase();
        var y = b.cells[col].dataset.sort || b.cells[col].textContent.toLowerCase();
        var nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) { x = nx; y = ny; }
        return (x < y ? -1 : x > y ? 1 : Number(a.dataset.rank) - Number(b.dataset.rank)) * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
        h.setAttribute("aria-sort", "none");
      });
      th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    });
  });
})();
"""


def _workload(rows: Sequence[WorkloadRow]) -> str:
    """Our people's time: each month's hours and asks against what it holds, sortable."""
    if not rows:
        return "<p>Nobody of ours is asked for anything.</p>"
    months = [m for m, _, _ in rows[0].months]
    desc_attr = ' data-desc="1"'
    head = "".join(
        f'<th{desc_attr if desc else ""} aria-sort="none">'
        f'<button type="button">{escape(label)}</button></th>'
        for label, desc in [("Person", False), ("Level", False), ("Hours a month", True),
                            *((m, True) for m in months), ("Accounts sponsored", True),
                            ("Waiting", True), ("Fullest month", True)])
    lines = []
    full = ' class="full"'
    for rank, r in enumerate(rows):
        cells = "".join(
            f'<td data-sort="{h / r.hours if r.hours else 0:.4f}"'
            f'{full if h >= r.hours - 1e-9 or n >= r.max_asks else ""}>'
            f"{h:.1f} h ({n})</td>" for _, h, n in r.months)
        sponsors = ", ".join(r.sponsors)
        lines.append(
            f'<tr data-rank="{rank}"><td>{escape(r.name)}</td>'
            f'<td data-sort="{Level(r.level).rank}">{escape(Level(r.level).label)}</td>'
            f"<td>{r.hours:.1f}</td>{cells}"
            f'<td data-sort="{len(r.sponsors)}">{escape(sponsors) or "—"}</td>'
            f"<td>{r.deferred}</td><td>{r.peak:.0%}</td></tr>")
    return (f'<table id="workload"><thead><tr>{head}</tr></thead><tbody>'
            + "\n".join(lines) + "</tbody></table>")


def render_index(rows: Iterable[IndexRow], as_of: str,
                 workload: Sequence[WorkloadRow] | None = None) -> str:
    """The portfolio page: a table of every account, riskiest first (high actions, then
    key-person risk, then stage), sortable by each column and filtered by name and stage;
    a compact count per finding kind; the portfolio matrix; and our people's time month
    by month (``workload``), sortable too."""
    ranked = _ranked(rows)
    lines = []
    for rank, r in enumerate(ranked):
        risk = f"{escape(r.risk_name)} {r.risk_share:.0%}" if r.risk_name else "—"
        kinds = " · ".join(f"{_SHORT[k]} {n}" for k, n in sorted(
            r.kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        stage = stage_label(r.stage) if r.stage else "—"
        stage_sort = _STAGES.index(r.stage) if r.stage in _STAGES else len(_STAGES)
        lines.append(
            f'<tr data-name="{escape(r.name.lower())}" data-stage="{escape(r.stage)}" '
            f'data-rank="{rank}">'
            f'<td><a href="{escape(map_filename(r.id))}">{escape(r.name)}</a></td>'
            f'<td data-sort="{stage_sort}">{escape(stage)}</td>'
            + "".join(f'<td class="{s}">{r.priorities.get(s, 0)}</td>' for s in _SEVERITIES)
            + f'<td data-sort="{r.risk_share:.4f}">{risk}</td>'
            + _progress_cell(r) + _followup_cell(r)
            + f'<td class="kinds">{escape(kinds)}</td><td>{escape(r.first) or "—"}</td></tr>')
    stages = sorted({r.stage for r in ranked if r.stage},
                    key=lambda s: _STAGES.index(s) if s in _STAGES else len(_STAGES))
    options = "".join(f'<option value="{escape(s)}">{escape(stage_label(s))}</option>'
                      for s in stages)
    desc_attr = ' data-desc="1"'
    head = "".join(
        f'<th{desc_attr if desc else ""} aria-sort="none">'
        f'<button type="button">{label}</button></th>'
        for label, desc in (("Account", False), ("Stage", False), ("High", True),
                            ("Medium", True), ("Low", True), ("Key-person risk", True),
                            ("Key people covered", False), ("Follow-up", True),
                            ("Findings by kind", False), ("First action", False)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kamgraph portfolio</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 16px; color: #222; font-size: 14px; }}
table {{ border-collapse: collapse; margin: 12px 0; }}
td, th {{ border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }}
th button {{ font: inherit; font-weight: bold; background: none; border: 0; padding: 0;
  cursor: pointer; }}
th[aria-sort=ascending] button::after {{ content: " \\25B2"; }}
th[aria-sort=descending] button::after {{ content: " \\25BC"; }}
td.high {{ color: #b2182b; font-weight: bold; }} td.medium {{ color: #e66101; }}
td.kinds {{ color: #555; font-size: 12px; max-width: 260px; }}
#workload td.full {{ color: #b2182b; font-weight: bold; }}
#accounts td:last-child {{ max-width: 480px; }}
.matrix td {{ width: 200px; }} .strategy {{ color: #666; font-style: italic; }}
#tools {{ display: flex; gap: 12px; align-items: center; }}
#filter {{ width: 260px; padding: 3px 6px; }} #count {{ color: #666; }}
</style></head><body>
<h1>Key account portfolio</h1>
<p>As of {escape(as_of)} · {counted(len(ranked), "account")} · riskiest first: high actions, then
key-person risk, then stage. Click a heading to sort.</p>
<div id="tools">
<input id="filter" type="search" placeholder="Find an account" aria-label="Find an account">
<select id="stage-filter" aria-label="Stage"><option value="">All stages</option>{options}
</select><span id="count"></span></div>
<table id="accounts"><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(lines)}
</tbody></table>
<h2>Portfolio matrix</h2>
{_matrix(ranked)}
{"" if workload is None else "<h2>Our people's time</h2><p>Hours asked (asks) each month "
 "against what the person gives a month; waiting: asks that fit in none of these months. "
 "Click a heading to sort.</p>" + _workload(workload)}
<script>{_SCRIPT}</script>
<script>{_WORKLOAD_SCRIPT}</script>
</body></html>
"""


def write_assets(folder: Path) -> list[Path]:
    """The shared scripts and styles, once, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in ASSETS:
        path = folder / name
        write_atomic(path, asset(name))
        out.append(path)
    return out


@dataclass(frozen=True)
class SitePage:
    """One account's part of the site: its map's file name and HTML, its index line."""

    name: str
    html: str
    row: IndexRow


def site_page(graph: nx.MultiDiGraph, audit: AccountAudit,
              config: Config) -> SitePage:
    """One account's map and index line (a worker process can make it: see
    :func:`kamgraph.audit.iter_accounts`)."""
    return SitePage(name=map_filename(context(graph).account["id"]),
                    html=render_account_map(graph, audit, None, config, assets="assets/",
                                            home="index.html"),
                    row=index_row(graph, audit, config))


def write_site(accounts: Iterable[tuple[nx.MultiDiGraph, AccountAudit]], folder: Path,
               as_of: str, config: Config) -> list[Path]:
    """Write ``index.html``, one map per account and ``assets/`` into ``folder``, account
    by account (nothing but each account's index line is kept); return the files, the
    index first."""
    return write_pages((site_page(graph, audit, config) for graph, audit in accounts),
                       folder, as_of)


def write_portfolio(store: Store, folder: Path, as_of: date, config: Config,
                    jobs: int = 1) -> list[Path]:
    """:func:`write_site` of every account of ``store``, each account's page made where
    it is audited: in ``jobs`` worker processes, as ``kamgraph audit`` does."""
    pages = iter_accounts(store, partial(site_page, config=config), as_of=as_of,
                          config=config, jobs=jobs)
    return write_pages(pages, folder, as_of.isoformat())


def write_pages(pages: Iterable[SitePage], folder: Path, as_of: str,
                workload: Sequence[WorkloadRow] | None = None) -> list[Path]:
    """:func:`write_site` from the accounts' pages, made here or in workers."""
    folder.mkdir(parents=True, exist_ok=True)
    assets = write_assets(folder / "assets")
    written = []
    rows = []
    for page in pages:
        path = folder / page.name
        write_atomic(path, page.html)
        written.append(path)
        rows.append(page.row)
    index = folder / "index.html"
    write_atomic(index, render_index(rows, as_of, workload))
    return [index, *written, *assets]
