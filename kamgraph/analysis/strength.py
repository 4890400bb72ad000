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

__all__ = ["band", "edge_strength", "strength", "strength_line", "strong_threads"]


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


#: The bands a frequency class agrees with, as (lowest, highest) index into ``_BANDS``:
#: weekly held contact is regular, monthly at least occasional; contact now and then is at
#: most occasional, none at all sporadic.
_BANDS = ("sporadic", "occasional", "regular")
_AGREES = {"twice_weekly": (2, 2), "weekly": (2, 2), "monthly": (1, 2),
           "occasionally": (0, 1), "none": (0, 0)}


def strength_line(graph: nx.MultiDiGraph, ours: str, theirs: str, value: float,
                  config: Config) -> str:
    """``strength 0.65 (occasional), monthly``: the band and the frequency of the contact
    edge ours → theirs, and, where the two disagree, why.

    The band weighs each contact by kind and age, the frequency only counts them in the
    last ``frequency_window_days``: monthly one-way e-mail is "monthly e-mail, few
    meetings", a strong tie gone quiet is "regular from earlier contact".
    """
    edge = graph.edges[ours, theirs, CONTACT]
    shown = band(value, config)
    often = edge["frequency"].replace("_", " ")
    window = f"in the last {config.frequency_window_days} days"
    line = f"strength {value:.2f} ({shown}), " + (f"no contact {window}" if often == "none"
                                                  else often)
    lowest, highest = _AGREES.get(edge["frequency"], (0, 2))
    if _BANDS.index(shown) < lowest:
        return line + _weaker(graph, ours, theirs, edge, config)
    if _BANDS.index(shown) > highest:
        said = "" if often == "none" else f" {window}"
        return line + (f"{said}; {shown} from earlier contact" if edge["touches"]
                       else "; strength as recorded")
    return line


def _weaker(graph: nx.MultiDiGraph, ours: str, theirs: str, edge: dict[str, Any],
            config: Config) -> str:
    """Why the band is below what the frequency alone would give."""
    window = config.frequency_window_days
    recent, two_way = int(edge["recent"]), int(edge["two_way_recent"])
    if recent and two_way * 2 < recent:
        few = "no meeting or call" if not two_way else "few meetings"
        return (f" e-mail, {few} ({two_way} of {recent} contacts in the last {window} days "
                f"a meeting or call)")
    if not recent:
        return f" as recorded; no contact logged in the last {window} days"
    levels = abs(graph.nodes[ours]["level_rank"] - graph.nodes[theirs]["level_rank"])
    if levels >= 2 and config.strength_level_penalty:
        return f", lowered for the seniority gap of {levels} levels"
    first = edge["first_contact"]
    return (f", but only since {first.isoformat()}: a new relationship" if first and
            (context(graph).as_of - first).days <= 2 * window else
            f", little contact before the last {window} days")


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
