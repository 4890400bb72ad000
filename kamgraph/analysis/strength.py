"""Relationship strength: a score in [0, 1] for each (ours, theirs) pair, from activity.

Each contact counts by kind (``strength_weights``: a held meeting most, a connected call
less, one-way e-mail little; declined invitations and unanswered calls nothing) and
decays with age.  The half-life grows with the relationship's tenure — a relationship of
a year or more decays ``strength_tenure_factor`` times more slowly than a new one, as a
long-standing tie survives a quiet quarter.  The decayed sum ``A`` becomes
``1 - exp(-A / strength_scale)``; with no two-way contact in a year the score is capped
at ``strength_one_way_cap`` (one-way e-mail alone is no relationship); a seniority gap
costs ``strength_level_penalty`` a level.  Bands, like the market's: regular (≥ 0.7),
occasional (≥ 0.4), sporadic.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import networkx as nx

from kamgraph.analysis.people import in_order, memo
from kamgraph.config import Config
from kamgraph.graph import CONTACT, context

__all__ = ["band", "edge_strength", "strength", "strong_threads"]


def strength(touches: tuple[tuple[Any, ...], ...], as_of: date, config: Config,
             level_gap: int = 0) -> float:
    """The strength of one relationship from its touches ``(day, channel, outcome, ...)``.

    >>> from datetime import date, timedelta
    >>> today = date(2026, 11, 1)
    >>> weekly = tuple((today - timedelta(days=7 * i), "meeting", "held", 60, f"a{i}")
    ...                for i in range(12))
    >>> mails = tuple((today - timedelta(days=7 * i), "email", "sent", 0, f"m{i}")
    ...               for i in range(50))
    >>> from kamgraph.config import Config
    >>> round(strength(weekly, today, Config()), 2), round(strength(mails, today, Config()), 2)
    (0.92, 0.2)
    """
    held = [t for t in touches if t[2] in ("held", "sent") and t[0] <= as_of]
    if not held:
        return 0.0
    tenure = (as_of - min(t[0] for t in held)).days
    half_life = config.strength_half_life_days * (
        1 + (config.strength_tenure_factor - 1) * min(1.0, tenure / 365))
    total = 0.0
    two_way = False
    for day, channel, outcome, *_ in held:
        age = (as_of - day).days
        total += config.strength_weights.get(channel, 0.0) * 0.5 ** (age / half_life)
        if outcome == "held" and channel != "email" and age <= 365:
            two_way = True
    score = 1 - math.exp(-total / config.strength_scale)
    if not two_way:
        score = min(score, config.strength_one_way_cap)
    score *= max(0.6, 1 - config.strength_level_penalty * level_gap)
    return max(0.0, min(1.0, score))


def band(score: float, config: Config) -> str:
    """``regular``, ``occasional`` or ``sporadic``.

    >>> from kamgraph.config import Config
    >>> band(0.72, Config()), band(0.5, Config()), band(0.1, Config())
    ('regular', 'occasional', 'sporadic')
    """
    if score >= config.strength_regular:
        return "regular"
    if score >= config.strength_occasional:
        return "occasional"
    return "sporadic"


def edge_strength(graph: nx.MultiDiGraph, ours: str, theirs: str, config: Config) -> float:
    """Strength of the contact edge ours → theirs (0 when there is none or ours has left)."""
    if not graph.has_edge(ours, theirs, CONTACT) or not graph.nodes[ours]["active"]:
        return 0.0
    data = graph.edges[ours, theirs, CONTACT]
    # Remembered beside the graph (the analyses' memo), never written into it.
    cache: dict[tuple[str, str], float] = memo(graph, ("strength", id(config)), dict)
    key = (ours, theirs)
    if key not in cache:
        gap = abs(graph.nodes[ours]["level_rank"] - graph.nodes[theirs]["level_rank"])
        score = strength(data["touches"], context(graph).as_of, config, gap)
        if not data["touches"] and data.get("strength") is not None:
            score = float(data["strength"])  # recorded by hand, no activity to measure
        cache[key] = score
    return float(cache[key])


def strong_threads(graph: nx.MultiDiGraph, theirs: str, config: Config) -> list[str]:
    """Our people still here whose strength with ``theirs`` is at least occasional."""
    out = []
    for ours, _, key in graph.in_edges(theirs, keys=True):
        if key == CONTACT and edge_strength(graph, ours, theirs, config) >= \
                config.strength_occasional:
            out.append(ours)
    return in_order(graph, out)
