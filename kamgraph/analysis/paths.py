"""Paths to power: the strongest route from any of our people to someone who decides.

A route runs from one of our people through relationships (their strength, see
:mod:`kamgraph.analysis.strength`) and the customer's own lines — a reports-to line lets
either person introduce the other (``INTRO_REPORTS``), an influence line lets the one who
sways introduce the one swayed (``INTRO_INFLUENCE`` plus half its weight).  A route's
strength is the product of its hops' strengths, so the strongest route is the shortest
by ``-log(strength)`` — not necessarily the one with the fewest hops.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from heapq import heappop, heappush
from itertools import count, islice
from typing import Any

import networkx as nx

from kamgraph.analysis.anti_sponsor import likely_anti_sponsor_people
from kamgraph.analysis.findings import Finding, FindingKind, Subject, severity_for
from kamgraph.analysis.people import (
    contact_edges,
    customer_set,
    customers,
    describe,
    in_order,
    memo,
    order_of,
    ours,
)
from kamgraph.analysis.strength import edge_strength
from kamgraph.config import Config
from kamgraph.graph import INFLUENCES, REPORTS_TO

__all__ = ["INTRO_INFLUENCE", "INTRO_REPORTS", "Hop", "Route", "best_route",
           "describe_route", "economic_buyers", "find_customer", "met_by", "path_findings",
           "paths_to_power"]

INTRO_REPORTS = 0.6
INTRO_INFLUENCE = 0.4
_US = "\x00us"


@dataclass(frozen=True)
class Hop:
    source: str
    target: str
    kind: str  # relationship, reports_to, influence
    strength: float


@dataclass(frozen=True)
class Route:
    hops: tuple[Hop, ...]
    strength: float

    @property
    def asker(self) -> str:
        """Our person who starts the route."""
        return self.hops[0].source

    @property
    def contact(self) -> str:
        """Their person our asker knows: the one to ask for the introduction."""
        return self.hops[0].target


def _routes_graph(graph: nx.MultiDiGraph, config: Config) -> nx.DiGraph:
    """Every hop a route may take, weighted; built once per account graph."""
    return memo(graph, ("routes_graph", id(config)), lambda: _make_routes_graph(graph, config))


def _make_routes_graph(graph: nx.MultiDiGraph, config: Config) -> nx.DiGraph:
    # Hops gathered first and added in one call, in the order they are found (which
    # breaks ties between equally strong routes); a later, stronger sway replaces a hop.
    hops: dict[tuple[str, str], dict[str, Any]] = {}
    for s in ours(graph):
        hops[(_US, s)] = {"cost": 0.0, "strength": 1.0, "kind": "start"}
    for c in customers(graph):
        for s, _ in contact_edges(graph, c):
            value = edge_strength(graph, s, c, config)
            if value > 0:
                hops[(s, c)] = {"cost": -math.log(value), "strength": value,
                                "kind": "relationship"}
    people = customer_set(graph)
    reports = {"cost": -math.log(INTRO_REPORTS), "strength": INTRO_REPORTS,
               "kind": "reports_to"}
    for u, v, key, d in graph.edges(keys=True, data=True):
        if u not in people or v not in people:
            continue
        if key == REPORTS_TO:
            for pair in ((u, v), (v, u)):
                if pair not in hops:
                    hops[pair] = dict(reports)
        elif key == INFLUENCES:
            value = min(0.95, INTRO_INFLUENCE + 0.5 * float(d.get("weight", 1.0)))
            if (u, v) not in hops or hops[(u, v)]["strength"] < value:
                hops[(u, v)] = {**hops.get((u, v), {}), "cost": -math.log(value),
                                "strength": value, "kind": "influence"}
    h = nx.DiGraph()
    h.add_edges_from((u, v, attrs) for (u, v), attrs in hops.items())
    return h


def economic_buyers(graph: nx.MultiDiGraph) -> list[str]:
    """The account's economic buyers, most senior first."""
    return sorted((n for n in customers(graph) if "economic_buyer" in graph.nodes[n]["roles"]),
                  key=lambda n: (-graph.nodes[n]["level_rank"], order_of(graph, n)))


def find_customer(graph: nx.MultiDiGraph, ref: str) -> str | None:
    """A customer person of the account by id or name (any case), or None."""
    wanted = ref.strip().lower()
    return next((n for n in in_order(graph, graph.nodes)
                 if graph.nodes[n]["side"] == "customer"
                 and (n == ref.strip() or str(graph.nodes[n]["name"]).lower() == wanted)), None)


def paths_to_power(graph: nx.MultiDiGraph, target: str, config: Config,
                   alternatives: int = 3) -> list[Route]:
    """The strongest routes to ``target``, strongest first (at most ``alternatives``).

    Routes that pass through a likely anti-sponsor come after every route that does
    not, whatever their strength: an introduction is never asked of a detractor while
    another way in exists.
    """
    h = _routes_graph(graph, config)
    if target not in h or _US not in h:
        return []
    hops = memo(graph, ("route_hops", id(config)), lambda: _Hops(h))
    avoid = frozenset(likely_anti_sponsor_people(graph, config) - {target})
    routes = _simple_routes(hops, target, alternatives, avoid)
    if avoid and len(routes) < alternatives:
        seen = {r.hops for r in routes}
        for route in _simple_routes(hops, target, alternatives):
            if route.hops not in seen and len(routes) < alternatives:
                routes.append(route)
    return routes


def best_route(graph: nx.MultiDiGraph, target: str, config: Config) -> Route | None:
    """The strongest route to ``target`` that passes through no likely anti-sponsor, else
    the strongest route at all: the first of :func:`paths_to_power`, found for every
    person of the account in one search."""
    clean, full = memo(graph, ("best_routes", id(config)), lambda: _best_routes(graph, config))
    nodes = clean.get(target) or full.get(target)
    if not nodes or len(nodes) < 3:
        return None
    return _route(_routes_graph(graph, config), nodes)


def _route(h: nx.DiGraph, nodes: list[str]) -> Route:
    """The route along ``nodes`` of the routes graph, which start at ``_US``."""
    hops = tuple(Hop(a, b, h.edges[a, b]["kind"], h.edges[a, b]["strength"])
                 for a, b in zip(nodes[1:], nodes[2:], strict=False))
    return Route(hops, math.prod(hop.strength for hop in hops))


def _best_routes(graph: nx.MultiDiGraph, config: Config
                 ) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    h = _routes_graph(graph, config)
    if _US not in h:
        return {}, {}
    avoid = likely_anti_sponsor_people(graph, config)
    full = nx.single_source_dijkstra_path(h, _US, weight="cost")
    if not avoid:
        return full, full
    # A likely anti-sponsor may be the end of a route, never a step on one.
    clean_graph = h.subgraph(n for n in h if n not in avoid)
    reached = dict(nx.single_source_dijkstra_path(clean_graph, _US, weight="cost"))
    clean = dict(reached)
    for person in avoid & set(h):
        # The last step only: no other likely anti-sponsor on the way.
        entries = [(h.edges[u, person]["cost"], u) for u in h.predecessors(person)
                   if u in reached]
        if entries:
            cost = {u: nx.path_weight(h, reached[u], "cost") for _, u in entries}
            best = min((cost[u] + c, u) for c, u in entries)[1]
            clean[person] = [*reached[best], person]
    return clean, full


def _simple_routes(hops: _Hops, target: str, alternatives: int,
                   avoid: frozenset[str] = frozenset()) -> list[Route]:
    """The ``alternatives`` shortest simple routes to ``target`` through no one in ``avoid``."""
    return [_route(hops.h, nodes)
            for nodes in islice(_shortest_simple_paths(hops, target, avoid), alternatives)]


class _Hops:
    """The routes graph's hops and their costs as lists, each node's read once when a
    search first reaches it (a search reads a hop many times; networkx reads it through
    three layers of calls each time)."""

    def __init__(self, h: nx.DiGraph) -> None:
        self.h = h
        self.succ = _listed(h.succ)
        self.pred = _listed(h.pred)

    def cost(self, path: list[str]) -> float:
        return float(sum(self.h.succ[u][v]["cost"] for u, v in zip(path, path[1:], strict=False)))


def _listed(adjacency: Any) -> Callable[[str], list[tuple[str, float]]]:
    """A node's neighbours in ``adjacency`` (successors or predecessors) with each hop's
    cost, in the graph's order, read once per node."""
    lists: dict[str, list[tuple[str, float]]] = {}

    def hops_of(v: str) -> list[tuple[str, float]]:
        out = lists.get(v)
        if out is None:
            out = lists[v] = [(w, d["cost"]) for w, d in adjacency[v].items()]
        return out

    return hops_of


def _shortest_simple_paths(hops: _Hops, target: str,
                           avoid: frozenset[str]) -> Iterator[list[str]]:
    """Yen's k shortest simple paths from ``_US``, as ``nx.shortest_simple_paths`` finds
    them with ``weight="cost"`` on the routes graph without ``avoid``: the same searches
    in the same order, so that equally strong routes come in the same order too."""
    found: list[list[str]] = []
    candidates: list[tuple[float, int, list[str]]] = []
    queued: set[tuple[str, ...]] = set()
    order = count()

    def push(cost: float, path: list[str]) -> None:
        if tuple(path) not in queued:
            heappush(candidates, (cost, next(order), path))
            queued.add(tuple(path))

    found_path = _bidirectional(hops, _US, target, set(avoid), set())
    if found_path is None:
        return
    push(*found_path)
    while candidates:
        _, _, path = heappop(candidates)
        queued.remove(tuple(path))
        yield path
        found.append(path)
        ignore_nodes = set(avoid)
        ignore_edges: set[tuple[str, str]] = set()
        for i in range(1, len(path)):
            root = path[:i]
            root_cost = hops.cost(root)
            for other in found:
                if other[:i] == root:
                    ignore_edges.add((other[i - 1], other[i]))
            spur = _bidirectional(hops, root[-1], target, ignore_nodes, ignore_edges)
            if spur is not None:
                push(root_cost + spur[0], root[:-1] + spur[1])
            ignore_nodes.add(root[-1])


def _bidirectional(hops: _Hops, source: str, target: str, ignore_nodes: set[str],
                   ignore_edges: set[tuple[str, str]]) -> tuple[float, list[str]] | None:
    """networkx's bidirectional Dijkstra for Yen's algorithm, step for step (the same
    alternation, heap order and tie counter), over :class:`_Hops`; None when no path."""
    if source in ignore_nodes or target in ignore_nodes:
        return None
    if source == target:
        return 0.0, [source]
    dists: tuple[dict[str, float], dict[str, float]] = ({}, {})
    seen: tuple[dict[str, float], dict[str, float]] = ({source: 0}, {target: 0})
    parent: tuple[dict[str, str | None], dict[str, str | None]] = (
        {source: None}, {target: None})
    fringe: tuple[list[tuple[float, int, str]], list[tuple[float, int, str]]] = ([], [])
    ticket = count()
    heappush(fringe[0], (0, next(ticket), source))
    heappush(fringe[1], (0, next(ticket), target))
    neighbours = (hops.succ, hops.pred)
    best: tuple[float, list[str]] | None = None
    side = 1
    while fringe[0] and fringe[1]:
        side = 1 - side
        dist, _, v = heappop(fringe[side])
        done = dists[side]
        if v in done:
            continue
        done[v] = dist
        if v in dists[1 - side]:
            return best
        near, up = seen[side], parent[side]
        for w, cost in neighbours[side](v):
            if w in ignore_nodes or w in done:
                continue
            if ignore_edges and ((v, w) if side == 0 else (w, v)) in ignore_edges:
                continue
            length = dist + cost
            if w not in near or length < near[w]:
                near[w] = length
                heappush(fringe[side], (length, next(ticket), w))
                up[w] = v
                if w in seen[1 - side]:
                    total = seen[0][w] + seen[1][w]
                    if best is None or best[0] > total:
                        best = (total, _joined(parent, w))
    return None


def _joined(parent: tuple[dict[str, str | None], dict[str, str | None]], w: str) -> list[str]:
    """The path through ``w``: from the source to ``w``, then on to the target."""
    forward: list[str] = []
    node: str | None = w
    while node is not None:
        forward.append(node)
        node = parent[0][node]
    forward.reverse()
    node = parent[1][w]
    while node is not None:
        forward.append(node)
        node = parent[1][node]
    return forward


def met_by(graph: nx.MultiDiGraph, person: str) -> list[str]:
    """Our people still here with an active relationship with ``person``."""
    return in_order(graph, [s for s, _ in contact_edges(graph, person, active_only=True)
                            if graph.nodes[s]["active"]])


def describe_route(graph: nx.MultiDiGraph, route: Route) -> str:
    """The route in words; one that ends at someone a colleague other than its asker
    already meets says so ("already met by …"): ask them first."""
    parts = [str(graph.nodes[route.asker]["name"])]
    for hop in route.hops:
        verb = {"relationship": "knows", "reports_to": "works with",
                "influence": "sways"}[hop.kind]
        parts.append(f"—{verb} ({hop.strength:.2f})→ {graph.nodes[hop.target]['name']}")
    said = " ".join(parts) + f"; route strength {route.strength:.2f}"
    target = route.hops[-1].target
    holders = met_by(graph, target)
    others = [s for s in holders if s != route.asker]
    if others:
        said += "; already met by " + ", ".join(str(graph.nodes[s]["name"]) for s in others)
    if route.asker in holders and len(route.hops) > 1:
        said += (f"; {graph.nodes[route.asker]['name']} already meets "
                 f"{graph.nodes[target]['name']} directly")
    return said


def path_findings(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """For every economic buyer without an active relationship: the way in."""
    findings = []
    for target in economic_buyers(graph):
        if contact_edges(graph, target, active_only=True):
            continue
        routes = paths_to_power(graph, target, config)
        name = graph.nodes[target]["name"]
        if routes:
            best = routes[0]
            evidence = [f"{describe(graph, target)} is an economic buyer nobody of ours meets",
                        *(f"route {i}: {describe_route(graph, r)}"
                          for i, r in enumerate(routes, 1))]
            if len(best.hops) == 1:
                action = (f"{graph.nodes[best.asker]['name']} should revive the relationship "
                          f"with {name} directly.")
            else:
                action = (f"{graph.nodes[best.asker]['name']} asks "
                          f"{graph.nodes[best.contact]['name']} for an introduction to {name}.")
            score = 0.45 + 0.3 * (1 - best.strength)
            suggested = Subject("person", best.asker, str(graph.nodes[best.asker]["name"]))
        else:
            evidence = [f"{describe(graph, target)} is an economic buyer nobody of ours meets",
                        "no route through our relationships or their organisation"]
            action = f"Find a way to {name}: an event, a reference customer, our executive."
            score, suggested = 0.75, None
        findings.append(Finding(
            kind=FindingKind.PATH_TO_POWER,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=min(1.0, score), subject=Subject("person", target, str(name)),
            evidence=tuple(evidence), action=action, suggested=suggested,
        ))
    return findings
