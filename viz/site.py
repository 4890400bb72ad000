"""The portfolio site: an index of every account and one map per account."""

from __future__ import annotations

import re
from collections import Counter
from html import escape
from pathlib import Path

import networkx as nx

from kamgraph.analysis.key_person import key_person_losses
from kamgraph.analysis.portfolio import MATRIX
from kamgraph.audit import AccountAudit
from kamgraph.config import Config
from kamgraph.files import write_atomic
from kamgraph.graph import context
from kamgraph.viz.maps import render_account_map

__all__ = ["map_filename", "render_index", "write_site"]

_SEVERITIES = ("high", "medium", "low")


def map_filename(account_id: str) -> str:
    """``<account-id>.html``, with anything but letters, digits, ``-`` and ``_`` replaced."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", account_id) + ".html"


def _matrix(accounts: list[tuple[nx.MultiDiGraph, AccountAudit]]) -> str:
    placed: dict[tuple[str, str], list[str]] = {}
    for graph, _ in accounts:
        a = context(graph).account
        if a.get("attractiveness") and a.get("position"):
            key = (a["attractiveness"].lower(), a["position"].lower())
            placed.setdefault(key, []).append(
                f'<a href="{escape(map_filename(a["id"]))}">{escape(a["name"])}</a>')
    if not placed:
        return "<p>No account has attractiveness and competitive position recorded.</p>"
    rows = ['<table class="matrix"><tr><th>attractiveness \\ our position</th>'
            '<th>strong</th><th>average</th><th>weak</th></tr>']
    for level in ("high", "medium", "low"):
        cells = []
        for position in ("strong", "average", "weak"):
            names = "<br>".join(placed.get((level, position), []))
            cells.append(f'<td><span class="strategy">{MATRIX[(level, position)]}</span>'
                         f"<br>{names}</td>")
        rows.append(f"<tr><th>{level}</th>{''.join(cells)}</tr>")
    rows.append("</table>")
    return "".join(rows)


def render_index(accounts: list[tuple[nx.MultiDiGraph, AccountAudit]], as_of: str) -> str:
    """The portfolio page, riskiest account first: stage, actions by priority, the
    first action, the largest key-person risk, and the portfolio matrix."""
    rows = []
    ranked = []
    for graph, audit in accounts:
        losses = key_person_losses(graph)
        share = losses[0].share if losses else 0.0
        by_priority = Counter(a.priority.value for a in audit.actions)
        ranked.append((-by_priority.get("high", 0), -share, -by_priority.get("medium", 0),
                       str(context(graph).account["name"]).lower(), graph, audit, losses))
    ranked.sort(key=lambda r: r[:4])
    for *_, graph, audit, losses in ranked:
        a = context(graph).account
        by_priority = Counter(x.priority.value for x in audit.actions)
        risk = (f"{escape(str(graph.nodes[losses[0].person]['name']))} "
                f"{losses[0].share:.0%}" if losses and losses[0].share > 0 else "—")
        first = audit.actions[0] if audit.actions else None
        top = (f"{escape(first.subject.name)}: {escape(first.problem)}" if first else "—")
        stage = ("unmapped" if audit.unmapped else
                 audit.stage["name"].replace("_", " ") if audit.stage else "—")
        rows.append(
            f'<tr><td><a href="{escape(map_filename(a["id"]))}">{escape(a["name"])}</a></td>'
            f"<td>{escape(stage)}</td>"
            + "".join(f'<td class="{s}">{by_priority.get(s, 0)}</td>' for s in _SEVERITIES)
            + f"<td>{risk}</td><td>{top}</td></tr>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>kamgraph portfolio</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 16px; color: #222; }}
table {{ border-collapse: collapse; margin: 12px 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }}
td.high {{ color: #b2182b; font-weight: bold; }} td.medium {{ color: #e66101; }}
.matrix td {{ width: 180px; height: 70px; }} .strategy {{ color: #666; font-style: italic; }}
</style></head><body>
<h1>Key account portfolio</h1>
<p>As of {escape(as_of)} · {len(accounts)} accounts</p>
<p>Actions by priority per account, riskiest first.</p>
<table><tr><th>Account</th><th>Stage</th><th>High</th><th>Medium</th><th>Low</th>
<th>Largest key-person risk</th><th>First action</th></tr>
{''.join(rows)}
</table>
<h2>Portfolio matrix</h2>
{_matrix(accounts)}
</body></html>
"""


def write_site(accounts: list[tuple[nx.MultiDiGraph, AccountAudit]], folder: Path,
               as_of: str, config: Config | None = None) -> list[Path]:
    """Write ``index.html`` and one map per account into ``folder``; return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for graph, audit in accounts:
        path = folder / map_filename(context(graph).account["id"])
        write_atomic(path, render_account_map(graph, audit, config=config))
        written.append(path)
    index = folder / "index.html"
    write_atomic(index, render_index(accounts, as_of))
    return [index, *written]
