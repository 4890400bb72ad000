"""Influence derived from the graph, and hidden influencers.

Derived influence is PageRank over the customer side: a person gains from everyone who
reports to them and from everyone they sway (an ``influences`` line ``a -> b`` lends
``b``'s weight to ``a``).  Scores are scaled so the account's most influential person
is 1; people no line touches have none, and an account without lines has no derived
influence.  A *hidden influencer* scores high, holds no recorded role, is not senior
enough to be watched anyway, and has recorded structural weight — people who report to
them, or sway over a key person: exactly the person an account plan forgets.
"""

from __future__ import annotations

import networkx as nx

from kamgraph.analysis.findings import Finding, FindingKind, InfluencerData, Subject, severity_for
from kamgraph.analysis.people import (
    contact_edges,
    customers,
    describe,
    in_order,
    is_key,
    memo,
)
from kamgraph.config import Config
from kamgraph.graph import INFLUENCES, REPORTS_TO

__all__ = ["derived_influence", "hidden_influencers", "influence_weight", "pagerank"]



def pagerank(
    edges: dict[tuple[str, str], float], nodes: list[str], damping: float = 0.85,
    tolerance: float = 1e-10, max_iterations: int = 200,
) -> dict[str, float]:
    """Weighted PageRank (no numpy needed); sums to 1.  Solved in one pass when the
    lines make no cycle, by power iteration otherwise.

    >>> r = pagerank({("a", "boss"): 1.0, ("b", "boss"): 1.0}, ["a", "b", "boss"])
    >>> max(r, key=r.get)
    'boss'
    """
    if not nodes:
        return {}
    n = len(nodes)
    # People by position, so one iteration is list arithmetic, not dictionary lookups.
    index = {v: i for i, v in enumerate(nodes)}
    out_weight = [0.0] * n
    incoming: list[list[tuple[int, float]]] = [[] for _ in nodes]
    for (u, v), w in edges.items():
        out_weight[index[u]] += w
        incoming[index[v]].append((index[u], w))
    dangling_ix = [i for i in range(n) if out_weight[i] == 0]
    teleport = (1 - damping) / n
    order = _topological(incoming, n)
    if order is not None:
        return dict(zip(nodes, _acyclic(incoming, out_weight, order, dangling_ix, damping,
                                        teleport), strict=True))
    rank = [1.0 / n] * n
    # Each line's share of its source's weight, once: an iteration is then one multiply
    # and add per line (the same arithmetic, in the same order, as rank * w / out).
    shares = [[(u, w, out_weight[u]) for u, w in into] for into in incoming]
    for _ in range(max_iterations):
        spread = sum(rank[i] for i in dangling_ix) / n
        new = [teleport + damping * (sum([rank[u] * w / out for u, w, out in into])
                                     + spread)
               for into in shares]
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if delta < tolerance * n:
            break
    return dict(zip(nodes, rank, strict=True))


def _topological(incoming: list[list[tuple[int, float]]], n: int) -> list[int] | None:
    """The people in an order where every line's source comes before its target, or
    None when the lines make a cycle."""
    outgoing: list[list[int]] = [[] for _ in range(n)]
    waiting = [len(into) for into in incoming]
    for v, into in enumerate(incoming):
        for u, _ in into:
            outgoing[u].append(v)
    order = [i for i in range(n) if not waiting[i]]
    for u in order:  # grows as people are freed
        for v in outgoing[u]:
            waiting[v] -= 1
            if not waiting[v]:
                order.append(v)
    return order if len(order) == n else None


def _acyclic(incoming: list[list[tuple[int, float]]], out_weight: list[float],
             order: list[int], dangling_ix: list[int], damping: float,
             teleport: float) -> list[float]:
    """PageRank's fixed point when the lines make no cycle (an org chart with sways
    that do not loop), in one pass instead of iterating.

    Each rank is ``teleport + damping * (spread + what flows in)``, with ``spread`` the
    dangling people's rank shared by everyone.  Taken in order, a rank is ``a + b *
    spread`` with ``a`` and ``b`` from those before it, and ``spread`` then solves
    ``spread * n = sum(a + b * spread)`` over the dangling people.
    """
    n = len(out_weight)
    a = [0.0] * n
    b = [0.0] * n
    for v in order:
        flow_a = flow_b = 0.0
        for u, w in incoming[v]:
            share = w / out_weight[u]
            flow_a += a[u] * share
            flow_b += b[u] * share
        a[v] = teleport + damping * flow_a
        b[v] = damping * (1.0 + flow_b)
    spread = sum(a[i] for i in dangling_ix) / (n - sum(b[i] for i in dangling_ix))
    return [a[i] + b[i] * spread for i in range(n)]


def derived_influence(graph: nx.MultiDiGraph) -> dict[str, float]:
    """Each active customer person's derived influence, scaled to a maximum of 1."""
    return dict(memo(graph, "derived_influence", lambda: _derived_influence(graph)))


def _derived_influence(graph: nx.MultiDiGraph) -> dict[str, float]:
    people = list(customers(graph))
    members = set(people)
    edges: dict[tuple[str, str], float] = {}
    for u, v, key, data in graph.edges(keys=True, data=True):
        if u not in members or v not in members:
            continue
        if key == REPORTS_TO:
            edges[(u, v)] = edges.get((u, v), 0.0) + 1.0
        elif key == INFLUENCES:
            # u sways v: v's standing flows to u.
            edges[(v, u)] = edges.get((v, u), 0.0) + float(data.get("weight", 1.0)) * 2.0
    # Influence is derived from lines: someone no line touches has none to show, and an
    # account without lines has no derived influence at all (not everyone at 1.00).
    lined = {u for u, _ in edges} | {v for _, v in edges}
    rank = pagerank(edges, sorted(lined))
    top = max(rank.values(), default=0.0)
    return {p: (rank[p] / top if top and p in rank else 0.0) for p in people}


def influence_weight(graph: nx.MultiDiGraph, node: str,
                     derived: dict[str, float] | None = None) -> float:
    """How much a customer person's coverage counts, 0..1.

    Recorded influence when there is one; otherwise the mean of derived influence and
    seniority (level rank / 6), so an org chart alone still orders people sensibly.
    """
    data = graph.nodes[node]
    if data.get("influence") is not None:
        return float(data["influence"])
    derived = derived if derived is not None else derived_influence(graph)
    return float(0.5 * derived.get(node, 0.0) + 0.5 * data["level_rank"] / 6)


def hidden_influencers(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """People whose derived influence is high but who hold no recorded role."""
    derived = derived_influence(graph)
    findings = []
    for node in in_order(graph, derived):
        score = derived[node]
        data = graph.nodes[node]
        if score < config.hidden_influencer_threshold or data["roles"]:
            continue
        if data["level_rank"] >= config.key_level.rank:
            continue  # senior people are watched as key people already
        reports = [u for u, _, k in graph.in_edges(node, keys=True) if k == REPORTS_TO]
        sways = [v for _, v, k in graph.out_edges(node, keys=True) if k == INFLUENCES]
        if not reports and not any(is_key(graph, v, config) for v in sways):
            continue  # no recorded weight: a high rank alone is no evidence
        who = data["name"]  # every line names whom it is about
        evidence = [f"{who}: derived influence {score:.2f} (the account's most influential = "
                    f"1.00; flagged at {config.hidden_influencer_threshold:.2f})",
                    f"{who} has no recorded role on any opportunity or in the account plan"]
        if sways:
            evidence.append(f"{who} sways " + ", ".join(describe(graph, v) for v in sways[:5]))
        if reports:
            evidence.append(f"{len(reports)} people report to {who}")
        links = contact_edges(graph, node, active_only=True)
        evidence.append(
            f"{who}'s active relationships with us: {len(links)}"
            + (f" ({', '.join(graph.nodes[s]['name'] for s, _ in links)})" if links else "")
        )
        findings.append(Finding(
            kind=FindingKind.HIDDEN_INFLUENCER,
            severity=severity_for(0.3 + 0.4 * score, config.severity_high, config.severity_medium),
            score=round(0.3 + 0.4 * score, 3),
            subject=Subject("person", node, str(data["name"])),
            evidence=tuple(evidence),
            action=(f"Find out what role {data['name']} plays in the buying decision, record "
                    f"it, and make sure someone of ours meets them."),
            data=InfluencerData(score),
        ))
    return findings
