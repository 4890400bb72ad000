"""Who matters and who reaches whom: the small vocabulary every analysis shares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx

from kamgraph.config import Config
from kamgraph.graph import CONTACT
from kamgraph.model import DECISION_ROLES, Level

__all__ = [
    "ROLE_LABELS",
    "contact_edges",
    "customers",
    "describe",
    "function_label",
    "is_key",
    "key_reasons",
    "ours",
]

ROLE_LABELS = {
    "economic_buyer": "Economic Buyer",
    "decision_maker": "Decision Maker",
    "technical_buyer": "Technical Buyer",
    "influencer": "Influencer",
    "user": "User",
    "gatekeeper": "Gatekeeper",
    "coach": "Coach",
    "executive_sponsor": "Executive Sponsor",
    "other": "Other",
}
_DECISION = {r.value for r in DECISION_ROLES}


def function_label(function: str) -> str:
    """``quality_control`` -> ``quality control``; ``r_and_d`` -> ``R&D``."""
    return {"r_and_d": "R&D"}.get(function, function.replace("_", " "))


def customers(graph: nx.MultiDiGraph, *, active: bool = True) -> Iterator[str]:
    """Customer people, sorted by id; only those still there unless ``active=False``."""
    for node, data in sorted(graph.nodes(data=True)):
        if data["side"] == "customer" and (data["active"] or not active):
            yield node


def ours(graph: nx.MultiDiGraph, *, active: bool = True) -> Iterator[str]:
    for node, data in sorted(graph.nodes(data=True)):
        if data["side"] == "supplier" and (data["active"] or not active):
            yield node


def contact_edges(
    graph: nx.MultiDiGraph, customer: str, *, active_only: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """``(our person, edge attributes)`` for every contact edge into ``customer``."""
    out = []
    for source, _, key, data in graph.in_edges(customer, keys=True, data=True):
        if key == CONTACT and (data["active"] or not active_only):
            out.append((source, data))
    out.sort(key=lambda item: item[0])
    return out


def key_reasons(graph: nx.MultiDiGraph, node: str, config: Config) -> list[str]:
    """Why a customer person matters; empty when they do not.

    A person matters who holds a decision role, whose recorded influence reaches
    ``config.key_influence``, or whose level is ``config.key_level`` or above.
    """
    data = graph.nodes[node]
    reasons = []
    decision = [ROLE_LABELS[r] for r in data["roles"] if r in _DECISION]
    if decision:
        reasons.append(f"holds a decision role ({', '.join(decision)})")
    influence = data.get("influence")
    if influence is not None and influence >= config.key_influence:
        reasons.append(f"recorded influence {influence:.2f} (key at {config.key_influence:.2f})")
    if data["level_rank"] >= config.key_level.rank:
        level = Level(data["level"])
        title = f"'{data['title']}', " if data.get("title") else ""
        reasons.append(f"senior: {title}{level.label}")
    return reasons


def is_key(graph: nx.MultiDiGraph, node: str, config: Config) -> bool:
    return bool(key_reasons(graph, node, config))


def describe(graph: nx.MultiDiGraph, node: str) -> str:
    """``Name (Title)`` for evidence lines."""
    data = graph.nodes[node]
    title = data.get("title")
    return f"{data['name']} ({title})" if title else str(data["name"])
