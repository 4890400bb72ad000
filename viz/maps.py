"""One account's relationship map: their people above, ours below, findings on top."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import networkx as nx
from pyvis.network import Network

from kamgraph.actions import Action
from kamgraph.analysis.findings import FindingKind, ThreadData
from kamgraph.analysis.influence import derived_influence
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    function_label,
    is_key,
    order_of,
)
from kamgraph.analysis.stage import stage_label
from kamgraph.analysis.strength import band, edge_strength
from kamgraph.audit import AccountAudit
from kamgraph.config import Config
from kamgraph.graph import CONTACT, INFLUENCES, REPORTS_TO, arrived_on, context, left_on
from kamgraph.model import DECISION_ROLES, Level, Stance
from kamgraph.viz.layout import DX, DY, positions
from kamgraph.wording import counted

__all__ = ["ASSETS", "STANCE_COLOURS", "action_entry", "asset", "map_data", "page_data",
           "render_account_map", "safe_json"]

STANCE_COLOURS: dict[str, str] = {
    Stance.CHAMPION: "#1a9850",
    Stance.SUPPORTER: "#91cf60",
    Stance.NEUTRAL: "#d9d9d9",
    Stance.SKEPTIC: "#fdae61",
    Stance.ANTI_SPONSOR: "#d73027",
    Stance.UNKNOWN: "#f7f7f7",
}
OURS_COLOUR = "#4575b4"
LEFT_COLOUR = "#9e9e9e"
NEW_GLOW = "#7b3294"
GAP_RING = "#d01c8b"
#: A relationship's line unless it differs (the map's default).
_LINK_COLOUR = "#4d4d4d"
#: What pyvis gives a node without a colour.
_PYVIS_COLOUR = "#97c2fc"
#: A person's fill and outline unless they differ (a customer of unknown stance).
_DEFAULT_COLOUR = ("#f7f7f7", "#333333")
_DECISION = {r.value for r in DECISION_ROLES}
#: Nothing is fetched: no network, no external script, style, font or image.
_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "img-src data:; font-src data:")
#: A site's pages load the shared scripts and styles from their own origin, nothing else.
_CSP_SITE = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
             "style-src 'self' 'unsafe-inline'; img-src data:; font-src data:")
_WIDTH = {"twice_weekly": 6, "weekly": 4, "monthly": 2.5, "occasionally": 1.5, "none": 1}
_SUPPLIER_SHAPES = {
    "executive_sponsor": "star",
    "key_account_director": "diamond",
    "key_account_manager": "diamond",
    "technical_service": "square",
    "sales": "square",
    "delivery": "square",
}


def safe_json(value: Any) -> str:
    """JSON that can sit inside a <script> element: no tag, comment or entity can close it.

    >>> safe_json({"name": "</script><img src=x onerror=alert(1)>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x onerror=alert(1)\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


#: Evidence lines a person's panel shows per finding (the audit keeps them all).
_PANEL_EVIDENCE = 3


def _findings_by_person(audit: AccountAudit) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in audit.findings:
        # What to do is the person's action, said once (``account.actions``): a finding
        # is shown as a reason, with its evidence, not with a suggestion of its own.
        entry = {"kind": f.kind.value, "severity": f.severity.value, "score": round(f.score, 2),
                 "evidence": list(f.evidence[:_PANEL_EVIDENCE])}
        if f.subject.type == "person":
            out[f.subject.id].append(entry)
        if f.suggested is not None:
            # The person it suggests sees what for; the evidence is the subject's.
            out[f.suggested.id].append({"kind": f"suggested: {f.kind.value}",
                                        "severity": entry["severity"], "score": entry["score"],
                                        "evidence": [], "about": f.subject.name})
    return out


def _lean(tip: dict[str, Any]) -> dict[str, Any]:
    """A tip without its empty fields: a page of thousands of people carries only what
    each one has."""
    return {k: v for k, v in tip.items() if v not in (None, [], (), "", False)}


def _actions_by_person(audit: AccountAudit) -> dict[str, dict[str, Any]]:
    """Person -> the rank of the action they are in and their part; the page holds each
    action once (``account.actions``) in the words the audit and the plan use."""
    return {person: {"rank": a.rank, "part": part}
            for person, (a, part) in audit.parts().items()}


def action_entry(a: Action) -> dict[str, Any]:
    """One action as the map's panels show it."""
    return {"rank": a.rank, "priority": a.priority.value, "subject": a.subject.name,
            "subject_id": a.subject.id, "problem": a.problem, "action": a.action,
            "names_subject": a.names_subject,
            "owner": a.owner.name if a.owner else None,
            "owner_id": a.owner.id if a.owner else None,
            "with": [w.name for w in a.with_], "with_ids": [w.id for w in a.with_],
            "due": a.due.isoformat() if a.due else None,
            "because": [k.replace("_", " ") for k in a.because]}


def map_data(graph: nx.MultiDiGraph, audit: AccountAudit,
             route: list[tuple[str, str, float]] | None,
             config: Config) -> dict[str, Any]:
    """Nodes, edges and options for vis-network, built through pyvis.

    ``route`` is a path to power, hop by hop ``(from, to, strength)``, drawn on top.
    """
    net = Network(directed=True, cdn_resources="in_line")
    findings = _findings_by_person(audit)
    actions = _actions_by_person(audit)
    derived = derived_influence(graph)
    kinds_on: dict[str, set[FindingKind]] = defaultdict(set)
    anti_score: dict[str, float] = {}
    for f in audit.findings:
        if f.subject.type == "person":
            kinds_on[f.subject.id].add(f.kind)
            if f.kind is FindingKind.ANTI_SPONSOR:
                anti_score.setdefault(f.subject.id, f.score)
    thread_edges = {(f.data.thread, f.subject.id) for f in audit.findings
                    if isinstance(f.data, ThreadData) and f.data.scope == "person"}

    as_of = context(graph).as_of
    window_start = as_of - timedelta(days=config.change_window_days)
    marks: set[str] = set()

    def left_recently(node: str) -> bool:
        day = left_on(graph, node) if not graph.nodes[node]["active"] else None
        return day is not None and day > window_start

    placed = positions(graph)
    shown = _shown(graph, audit, config)
    bottom = max((y for _, y in placed.values()), default=0.0)
    for side in ("customer", "supplier"):
        members = [n for n in graph.nodes if graph.nodes[n]["side"] == side]
        for node in members:
            d = graph.nodes[node]
            x, y = placed[node]
            on = kinds_on.get(node, set())
            influence = d.get("influence")
            weight = influence if influence is not None else derived.get(node, 0.3)
            tip = {
                "name": d["name"], "title": d["title"], "side": side,
                "level": Level(d["level"]).label,
                "roles": [ROLE_LABELS.get(r, r) for r in d["roles"]],
                "team_roles": [r.replace("_", " ") for r in d.get("team_roles", ())],
                "stance": d["stance"].replace("_", "-"), "status": d["status"],
                "influence": None if influence is None else round(influence, 2),
                "findings": findings.get(node, []),
                "action": actions.get(node),
            }
            gone = not d["active"]
            left = left_on(graph, node) if gone else None
            arrived = arrived_on(graph, node) if not gone else None
            tip["left"] = left.isoformat() if left else (True if gone else None)
            tip["arrived"] = arrived.isoformat() if arrived else None
            if tip["status"] == "active":
                del tip["status"]
            if tip["stance"] == "unknown":
                del tip["stance"]
            del tip["side"]  # the node says it
            tip = _lean(tip)
            if side == "customer":
                decision = any(r in _DECISION for r in d["roles"])
                colour = STANCE_COLOURS.get(d["stance"], STANCE_COLOURS["unknown"])
                shape = "star" if decision else ("triangle" if d["roles"] else "dot")
                size = 9 + 11 * weight
                if not gone:
                    stance = d["stance"] if d["stance"] in STANCE_COLOURS else "unknown"
                    marks.add(f"stance:{stance}")
            else:
                roles = d.get("team_roles", ())
                colour = OURS_COLOUR
                shape = next((_SUPPLIER_SHAPES[r] for r in roles if r in _SUPPLIER_SHAPES),
                             "dot")
                size = 12
                if not gone:
                    marks.add("ours")
            marks.add(f"shape:{shape}:{side}")
            border = "#333333"
            width = 1
            dashes: list[int] | bool = False
            if FindingKind.COVERAGE_GAP in on:
                border, width = GAP_RING, 4
                marks.add("gap")
            if FindingKind.KEY_PERSON_RISK in on:
                border, width = "#e66101", 5
                marks.add("risk")
            label = str(d["name"])
            if node in anti_score:
                label += f" \u26a0 {round(anti_score[node], 2):.2f}"
                border, width = "#67001f", 5
                marks.add("anti")
            if FindingKind.HIDDEN_INFLUENCER in on:
                dashes = [4, 3]
                marks.add("hidden")
            font: dict[str, Any] = {}
            shadow: dict[str, Any] | bool = False
            if gone:
                # Drawn as gone: hollow, a grey dotted outline, the day they left.
                colour, border, width, dashes = "#ffffff", LEFT_COLOUR, 2, [2, 3]
                label += f"\nleft {left.isoformat()}" if left else "\nleft"
                font = {"color": "#7a7a7a"}
                marks.add("departed")
            elif arrived is not None:
                label += f"\nNEW since {arrived.isoformat()}"
                shadow = {"enabled": True, "color": NEW_GLOW, "size": 18, "x": 0, "y": 0}
                font = {"color": NEW_GLOW}
                marks.add("new")
            net.add_node(
                node, label=label, shape=shape, size=size, x=x, y=y,
                **({} if (colour, border) == _DEFAULT_COLOUR else
                   {"color": {"background": colour, "border": border}}),
                side=side, function=d["function"], tip=tip,
                **_extras(kinds=sorted(k.value for k in on),
                          width=width, dashes=dashes, font=font, shadow=shadow,
                          left=tip.get("left"), arrived=tip.get("arrived"),
                          collapsed=node not in shown),
            )
    proposed = 0
    for pool_entry in context(graph).pool.entries:
        pid = pool_entry["id"]
        if pid in graph or (pid not in findings and pid not in actions):
            continue
        proposed += 1
        tip = {"name": pool_entry["name"], "title": pool_entry["title"], "side": "supplier",
               "function": function_label(pool_entry["function"]),
               "level": Level(pool_entry["level"]).label, "roles": [], "team_roles": [],
               "stance": "", "status": "proposed", "influence": None,
               "findings": findings.get(pid, []), "action": actions.get(pid)}
        marks.add("proposed_node")
        net.add_node(pid, label=f"{pool_entry['name']} (proposed)", shape="dot", size=14,
                     x=(proposed - 1) * DX, y=bottom + DY * 1.5,
                     color={"background": "#ffffff", "border": OURS_COLOUR},
                     borderWidth=2, shapeProperties={"borderDashes": [5, 5]},
                     side="supplier", function=pool_entry["function"], proposed=True,
                     tip=_lean(tip))

    for u, v, key, d in graph.edges(keys=True, data=True):
        if key == CONTACT:
            leavers = [n for n in (u, v) if not graph.nodes[n]["active"]]
            single = (u, v) in thread_edges
            value = edge_strength(graph, u, v, config)
            level = f"; recorded {d['level'].replace('_', ' ')}" if d.get("level") else ""
            gone_words = "; ".join(
                f"{graph.nodes[n]['name']} left"
                + (f" on {day.isoformat()}" if (day := left_on(graph, n)) else "")
                for n in leavers)
            if leavers:
                # Grey dash-dot: a relationship that left with someone, not a reporting line.
                style: dict[str, Any] = {"color": {"color": LEFT_COLOUR},
                                         "dashes": [12, 4, 2, 4]}
            else:
                style = {"color": {"color": "#b2182b" if single else "#4d4d4d"},
                         "dashes": not d["current"]}
                marks.add("single" if single else "contact")
                if not d["current"]:
                    marks.add("stale")
            recent = any(left_recently(n) for n in leavers)
            if recent:
                marks.add("departed_link")
            flags = {k: True for k, on in (("departed", bool(leavers)), ("recent", recent),
                                            ("single", single)) if on}
            net.add_edge(
                u, v, kind="contact", width=_WIDTH.get(d["frequency"], 1), **style, **flags,
                tip=(f"{graph.nodes[u]['name']} \u2192 {graph.nodes[v]['name']}: "
                     f"{d['frequency'].replace('_', ' ')}, last contact "
                     f"{d['last_contact'] or 'never'}; strength {value:.2f} "
                     f"({band(value, config)}){level}; {counted(d['meetings'], 'meeting')}, "
                     f"{counted(d['calls'], 'call')}, {counted(d['emails'], 'e-mail')}"
                     + ("; the only thread" if single else "")
                     + (f"; {gone_words}" if leavers else "")),
            )
        elif key == REPORTS_TO:
            marks.add("reports")
            net.add_edge(u, v, kind="reports_to", width=1, arrows="to",
                         color={"color": "#969696"},
                         tip=f"{graph.nodes[u]['name']} reports to {graph.nodes[v]['name']}")
        elif key == INFLUENCES:
            marks.add("influence")
            net.add_edge(u, v, kind="influences", width=1 + 2 * d.get("weight", 1.0),
                         arrows="to", color={"color": "#e08214"}, dashes=[2, 6],
                         tip=f"{graph.nodes[u]['name']} sways {graph.nodes[v]['name']}")
    node_ids = {n["id"] for n in net.nodes}
    # The relationships the actions ask for: the owner who is to meet the subject.
    for act in audit.actions:
        owner = act.owner
        if act.subject.type != "person" or owner is None or act.subject.id not in node_ids \
                or owner.id not in node_ids or graph.has_edge(owner.id, act.subject.id):
            continue
        marks.add("proposed")
        net.add_edge(owner.id, act.subject.id, kind="proposed", width=2,
                     dashes=[8, 6], color={"color": "#1b7837"},
                     tip=f"action {act.rank}: {act.action}")
    for a, b, strength in route or []:
        if a in node_ids and b in node_ids:
            marks.add("path")
            net.add_edge(a, b, kind="path", width=7,
                         arrows="to", color={"color": "#ffb000", "opacity": 0.85},
                         tip=f"path to power: {graph.nodes[a]['name']} \u2192 "
                             f"{graph.nodes[b]['name']} ({strength:.2f})")
    summaries = _summaries(graph, audit, placed, shown, findings)
    if summaries:
        marks.add("function")
    net.set_options(json.dumps({
        # Positions come from the layout: nothing moves, so the map is still at once.
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": False}},
                  "color": {"color": _LINK_COLOUR}},
        # What every person shares; a node carries only what differs.
        "nodes": {"font": {"size": 14}, "fixed": True, "physics": False, "borderWidth": 1,
                  "widthConstraint": {"maximum": DX - 14},
                  "color": {"background": _DEFAULT_COLOUR[0], "border": _DEFAULT_COLOUR[1],
                            "highlight": {"background": _DEFAULT_COLOUR[0],
                                          "border": "#000000"}}},
    }))
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    for node_data in nodes:
        if node_data.get("color") == _PYVIS_COLOUR:
            del node_data["color"]  # pyvis's own default: the map's applies instead
        if isinstance(node_data.get("size"), float):
            node_data["size"] = round(node_data["size"], 1)
    for edge_data in edges:
        # pyvis gives every edge of a directed network an arrow; a relationship has none.
        if edge_data.get("kind") in ("contact", "proposed"):
            edge_data.pop("arrows", None)
        if edge_data.get("dashes") is False:
            del edge_data["dashes"]
        if edge_data.get("color") == {"color": _LINK_COLOUR}:
            del edge_data["color"]
    if any(e.get("departed") and not e.get("recent") for e in edges):
        marks.add("departed_link")  # shown when asked
    first = next((a.subject.id for a in audit.actions
                  if a.subject.type == "person" and a.subject.id in shown), None)
    top = min((n for n in shown if graph.nodes[n]["side"] == "customer"),
              key=lambda n: (placed[n][1], abs(placed[n][0])), default=None)
    return {"nodes": nodes + summaries, "edges": edges, "options": json.loads(options),
            "marks": sorted(marks | {"size"}), "focus": first or top,
            "collapsed": len(shown) < graph.number_of_nodes()}


def _extras(*, kinds: list[str], width: int, dashes: list[int] | bool, font: dict[str, Any],
            shadow: dict[str, Any] | bool, left: Any, arrived: Any,
            collapsed: bool) -> dict[str, Any]:
    """A node's options that differ from the map's defaults (``options.nodes``)."""
    out: dict[str, Any] = {}
    if kinds:
        out["kinds"] = kinds
    if width != 1:
        out["borderWidth"] = width
    if dashes:
        out["shapeProperties"] = {"borderDashes": dashes}
    if font:
        out["font"] = font
    if shadow:
        out["shadow"] = shadow
    if left:
        out["left"] = left
    if arrived:
        out["arrived"] = arrived
    if collapsed:
        out["collapsed"] = True
    return out


def _shown(graph: nx.MultiDiGraph, audit: AccountAudit, config: Config) -> set[str]:
    """The people a map opens with: everyone, up to ``map_expand_limit``; past it, the
    people in actions, then key people (most senior, most influential first), then our
    people who meet them, within the limit.  The others wait in their function's node."""
    every = set(graph.nodes)
    limit = config.map_expand_limit
    if len(every) <= limit:
        return every
    functions = {graph.nodes[n]["function"] for n in every
                 if graph.nodes[n]["side"] == "customer"}
    room = max(10, limit - len(functions))
    keep: list[str] = []
    seen: set[str] = set()

    def take(nodes: Iterable[str]) -> None:
        for n in nodes:
            if n in graph and n not in seen and len(keep) < room:
                seen.add(n)
                keep.append(n)

    take(p for p in audit.parts())
    derived = derived_influence(graph)
    key = sorted((n for n in graph.nodes if graph.nodes[n]["side"] == "customer"
                  and graph.nodes[n]["active"] and is_key(graph, n, config)),
                 key=lambda n: (-graph.nodes[n]["level_rank"],
                                -(graph.nodes[n].get("influence") or derived.get(n, 0.0)),
                                order_of(graph, n)))
    for node in key:
        if len(keep) >= room:
            break
        take([node])
        take(s for s, e in contact_edges(graph, node) if e["active"])
    take(n for n in graph.nodes if graph.nodes[n]["side"] == "supplier"
         and graph.nodes[n].get("team_roles"))
    return set(keep)


def _summaries(graph: nx.MultiDiGraph, audit: AccountAudit,
               placed: dict[str, tuple[float, float]], shown: set[str],
               findings: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """One node per customer function with people left out: its size, how many of them
    we meet, and its worst finding; a click opens it."""
    hidden: dict[str, list[str]] = defaultdict(list)
    for node in graph.nodes:
        if node not in shown and graph.nodes[node]["side"] == "customer":
            hidden[graph.nodes[node]["function"]].append(node)
    out = []
    rank = {"high": 3, "medium": 2, "low": 1}
    for function, members in sorted(hidden.items()):
        everyone = [n for n in graph.nodes if graph.nodes[n]["side"] == "customer"
                    and graph.nodes[n]["function"] == function]
        met = sum(1 for n in everyone if any(e["active"] for _, e in contact_edges(graph, n)))
        worst = max((f for n in everyone for f in findings.get(n, [])),
                    key=lambda f: (rank[f["severity"]], f["score"]), default=None)
        xs = [placed[n][0] for n in members]
        y = min(placed[n][1] for n in members)
        worst_text = (f"{worst['severity']} {worst['kind'].replace('_', ' ')}"
                      if worst else "no finding")
        label = (f"{function_label(function)}\n{len(members)} more of {len(everyone)} · "
                 f"{met} met\nworst: {worst_text}")
        out.append({
            "id": f"function:{function}", "label": label, "shape": "box",
            "x": sum(xs) / len(xs), "y": y, "fixed": True, "physics": False,
            "color": {"background": "#f0f0f0", "border": "#555555"}, "borderWidth": 2,
            "font": {"size": 14}, "side": "customer", "function": function,
            "widthConstraint": {"maximum": 2 * DX}, "margin": 8,
            "summary": True, "members": len(members),
            "tip": {"name": f"{function_label(function)}: {len(members)} people not shown",
                    "title": f"{len(everyone)} people, {met} met by us; worst: {worst_text}",
                    "function": function_label(function), "level": "", "roles": [],
                    "team_roles": [], "stance": "", "status": "active", "influence": None,
                    "findings": [], "action": None, "left": None, "arrived": None,
                    "summary": "Click to show them."},
        })
    return out


#: The files a site shares (``assets/`` of ``map --all`` and ``serve``): name -> type.
ASSETS = {"vis-network.min.js": "text/javascript", "vis-network.css": "text/css",
          "map.js": "text/javascript", "map.css": "text/css"}


@cache
def asset(name: str) -> str:
    """One shared asset's text: vis-network from pyvis, the page's own script and style."""
    if name.startswith("vis-network"):
        lib = resources.files("pyvis").joinpath("templates", "lib", "vis-9.1.2")
        return lib.joinpath(name).read_text(encoding="utf-8")
    if name in ASSETS:
        return resources.files("kamgraph.viz").joinpath(name).read_text(encoding="utf-8")
    raise KeyError(name)


def _inline(name: str) -> str:
    """An asset inside a <script> or <style> element: nothing in it can close it."""
    text = asset(name)
    return (text.replace("</script", "<\\/script") if name.endswith(".js")
            else text.replace("</style", "<\\/style"))


def page_data(graph: nx.MultiDiGraph, audit: AccountAudit,
              route: list[tuple[str, str, float]] | None,
              config: Config) -> dict[str, Any]:
    """Everything one account's page shows, as the JSON the page reads."""
    data = map_data(graph, audit, route, config)
    account = context(graph).account
    data["account"] = {"id": account["id"], "name": account["name"],
                       "as_of": context(graph).as_of.isoformat(),
                       "stage": audit.stage.to_dict() if audit.stage else None,
                       "stage_label": stage_label(audit.stage_name) or None,
                       "functions": sorted(
                           {n["function"] for n in data["nodes"]}),
                       "kinds": sorted({k for n in data["nodes"] for k in n.get("kinds", ())}),
                       "actions": [action_entry(a) for a in audit.actions],
                       "action_count": len(audit.actions), "marks": data["marks"],
                       "max_actions": config.max_actions}
    return data


def render_account_map(graph: nx.MultiDiGraph, audit: AccountAudit,
                       route: list[tuple[str, str, float]] | None,
                       config: Config, *, assets: str | None = None,
                       home: str | None = None) -> str:
    """One account's map page (with a path drawn, if given).

    By default one self-contained file: vis-network and the page's script inlined.  With
    ``assets`` (a URL prefix such as ``"assets/"``) the page loads the shared files
    (:data:`ASSETS`) from there, as every page of a site does; ``home`` links back to the
    portfolio page.
    """
    from html import escape

    data = page_data(graph, audit, route, config)
    account = context(graph).account
    title = escape(f"{account['name']} — relationship map")
    if assets is None:
        csp = _CSP
        head = (f"<style>{_inline('vis-network.css')}</style>\n"
                f"<style>{_inline('map.css')}</style>")
        scripts = (f"<script>{_inline('vis-network.min.js')}</script>\n"
                   f"<script>{_inline('map.js')}</script>")
    else:
        csp = _CSP_SITE
        prefix = escape(assets)
        head = (f'<link rel="stylesheet" href="{prefix}vis-network.css">\n'
                f'<link rel="stylesheet" href="{prefix}map.css">')
        scripts = (f'<script src="{prefix}vis-network.min.js"></script>\n'
                   f'<script src="{prefix}map.js"></script>')
    back = (f'<a id="home" href="{escape(home)}">\u2190 Portfolio</a>' if home else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
<header>
  {back}
  <h1 id="title"></h1>
  <p id="subtitle"></p>
</header>
<div id="controls">
  <input id="search" type="search" placeholder="Search people" aria-label="Search people">
  <label><input type="checkbox" id="show-theirs" checked> Theirs</label>
  <label><input type="checkbox" id="show-ours" checked> Ours</label>
  <label><input type="checkbox" id="show-departed"> Older links of people who left</label>
  <select id="function-filter" aria-label="Function">
    <option value="">All functions</option></select>
  <select id="finding-filter" aria-label="Finding"><option value="">All findings</option></select>
</div>
<main>
  <div id="network"></div>
  <aside id="side">
    <section id="actions"></section>
    <section id="details">
      <p class="hint">Select a person to see their action and findings.</p></section>
    <section id="legend"></section>
  </aside>
</main>
<script id="kamgraph-data" type="application/json">{safe_json(data)}</script>
{scripts}
</body>
</html>
"""
