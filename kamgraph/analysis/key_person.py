"""Key-person risk: what we would lose if one of our people left.

For each of our people still here, remove them and recompute: the key customer people
(see ``key_reasons``) left with no active relationship are *cut off*, and their
influence-weighted share of the key people we cover today is the loss.  The graph cut
points explain it: in the graph of active relationships joined through one hub for our
company, the people of ours who are articulation points are exactly those whose
departure cuts someone off, and each bridge is someone's only link.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from kamgraph.analysis.findings import Finding, FindingKind, KeyPersonData, Subject, severity_for
from kamgraph.analysis.influence import derived_influence, influence_weight
from kamgraph.analysis.people import (
    active_links,
    customers,
    describe,
    in_order,
    is_key,
    order_of,
    second_thread,
)
from kamgraph.config import Config

__all__ = ["Loss", "key_person_losses", "key_person_risks", "relationship_cut_points"]

_HUB = "\x00us"


@dataclass(frozen=True)
class Loss:
    """What losing one of our people costs: the share of weighted key coverage, and whom."""

    person: str
    share: float
    cut_off: tuple[str, ...]


def relationship_cut_points(graph: nx.MultiDiGraph) -> tuple[set[str], set[tuple[str, str]]]:
    """Articulation points among our people, and bridges (ours, theirs), of the active links."""
    links = active_links(graph)
    h = nx.Graph()
    h.add_edges_from(links)
    h.add_edges_from((_HUB, s) for s, _ in links)
    # One depth-first search: the blocks (biconnected components).  A block of one
    # edge is a bridge; a person in two blocks or more is a cut point.
    blocks_of: dict[str, int] = {}
    bridges = set()
    for block in nx.biconnected_component_edges(h):
        for node in {n for edge in block for n in edge}:
            blocks_of[node] = blocks_of.get(node, 0) + 1
        if len(block) == 1:
            u, v = block[0]
            if _HUB not in (u, v):
                s, c = (u, v) if graph.nodes[u]["side"] == "supplier" else (v, u)
                bridges.add((s, c))
    points = {p for p, n in blocks_of.items() if n > 1 and p != _HUB
              and graph.nodes[p]["side"] == "supplier"}
    return points, bridges


def key_person_losses(graph: nx.MultiDiGraph, config: Config) -> list[Loss]:
    """The loss for every one of our people with an active link, largest first.

    Shares lie in [0, 1] and, since a key person cut off by one departure is reached by
    nobody else, the shares of all our people add up to at most 1.
    """
    links = active_links(graph)
    reach: dict[str, set[str]] = {}
    for s, c in links:
        reach.setdefault(c, set()).add(s)
    derived = derived_influence(graph)
    key = {c: influence_weight(graph, c, derived) for c in reach if is_key(graph, c, config)}
    total = sum(key.values())
    # One pass: a key person reached by one of ours alone is cut off by that one leaving
    # (and by nobody else), so each is counted against their only holder.
    alone: dict[str, list[str]] = {}
    for c in key:
        if len(reach[c]) == 1:
            alone.setdefault(next(iter(reach[c])), []).append(c)
    losses = []
    for s in in_order(graph, {s for s, _ in links}):
        cut = tuple(in_order(graph, alone.get(s, ())))
        share = sum(key[c] for c in cut) / total if total else 0.0
        losses.append(Loss(s, min(1.0, share), cut))
    losses.sort(key=lambda loss: (-loss.share, order_of(graph, loss.person)))
    return losses


def key_person_risks(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Our people whose departure would lose at least the configured share of coverage."""
    points, bridges = relationship_cut_points(graph)
    reached = {b for _, b in active_links(graph)}
    covered = sum(1 for c in customers(graph) if c in reached)
    hanging = Counter(s for s, _ in bridges)
    findings = []
    for loss in key_person_losses(graph, config):
        if loss.share < config.key_person_risk_threshold or not loss.cut_off:
            continue
        s = loss.person
        name = graph.nodes[s]["name"]
        evidence = [
            f"if {describe(graph, s)} left, {loss.share:.0%} of our influence-weighted "
            f"coverage of key people would go",
            "cut off: " + ", ".join(describe(graph, c) for c in loss.cut_off),
        ]
        if s in points:
            who = ("the one person we reach hangs" if covered == 1 else
                   f"{hanging[s]} of the {covered} people we reach "
                   f"{'hangs' if hanging[s] == 1 else 'hang'}")
            evidence.append(f"{name} is a cut point of the relationship graph: {who} on "
                            f"{name} alone")
        helpers = []
        for c in loss.cut_off:
            helper = second_thread(graph, c, exclude={s}, config=config)
            if helper and helper not in helpers:
                helpers.append(helper)
        helper_names = ", ".join(graph.nodes[h]["name"] for h in helpers[:3])
        action = (f"Reduce the dependence on {name}: have {name} introduce "
                  f"{helper_names or 'a second person of ours'} to "
                  f"{', '.join(graph.nodes[c]['name'] for c in loss.cut_off[:3])}.")
        score = min(1.0, 0.3 + 0.7 * loss.share)
        findings.append(Finding(
            kind=FindingKind.KEY_PERSON_RISK,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("person", s, str(name)), evidence=tuple(evidence),
            action=action,
            suggested=Subject("person", helpers[0], str(graph.nodes[helpers[0]]["name"]))
            if helpers else None,
            data=KeyPersonData(loss.share, tuple(loss.cut_off)),
        ))
    return findings
