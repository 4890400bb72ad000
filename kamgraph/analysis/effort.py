"""Coverage effort: contact hours per account per year against the 60–80 hour benchmark.

Hours are the minutes of held meetings and connected calls in the 365 days before
``as_of`` by people of ours still here (a departed colleague's hours are listed apart,
not counted), once per person of ours per activity (a meeting with three of their
people is one meeting for each of ours who attended).  Accounts with no recorded
durations get no finding: nothing is known.
"""

from __future__ import annotations

from datetime import timedelta

import networkx as nx

from kamgraph.analysis.findings import EffortData, Finding, FindingKind, Subject, severity_for
from kamgraph.analysis.people import order_of
from kamgraph.analysis.portfolio import placement
from kamgraph.config import Config
from kamgraph.graph import CONTACT, context, left_on

__all__ = ["contact_hours", "coverage_effort"]



def contact_hours(graph: nx.MultiDiGraph) -> tuple[float, dict[str, float]] | None:
    """Hours in the last year, in all and per person of ours; None when no durations."""
    as_of = context(graph).as_of
    seen: dict[tuple[str, str], int] = {}
    for s, _c, key, data in graph.edges(keys=True, data=True):
        if key != CONTACT:
            continue
        for day, _channel, outcome, minutes, activity in data["touches"]:
            if outcome == "held" and minutes and as_of - day < timedelta(days=365):
                seen[(activity, s)] = minutes
    if not seen:
        return None
    per_minutes: dict[str, int] = {}
    for (_, s), minutes in seen.items():
        per_minutes[s] = per_minutes.get(s, 0) + minutes
    # Whole minutes summed before dividing: the same hours whatever order touches come in.
    per_person = {s: m / 60 for s, m in per_minutes.items()}
    return sum(per_minutes.values()) / 60, per_person


def coverage_effort(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Under- or over-served accounts against ``effort_min_hours``..``effort_max_hours``."""
    measured = contact_hours(graph)
    if measured is None:
        return []
    _, every = measured
    # Hours of people still here: a colleague who left no longer spends time here.
    per_person = {s: h for s, h in every.items() if graph.nodes[s]["active"]}
    gone = {s: h for s, h in every.items() if s not in per_person}
    hours = sum(per_person.values())
    low, high = config.effort_min_hours, config.effort_max_hours
    if low <= hours <= high:
        return []
    account = context(graph).account
    top = sorted(per_person.items(), key=lambda kv: (-kv[1], order_of(graph, kv[0])))[:3]
    evidence = [
        f"{hours:.0f} hours of meetings and calls with {account['name']} in the last 12 "
        f"months (benchmark {low:.0f}–{high:.0f} hours a year)",
    ]
    if top:
        evidence.append(f"most time on {account['name']}: " + ", ".join(
            f"{graph.nodes[s]['name']} {h:.0f} h" for s, h in top))
    for s, h in sorted(gone.items(), key=lambda kv: (-kv[1], order_of(graph, kv[0]))):
        day = left_on(graph, s)
        if day is not None:
            left = f"left {day.isoformat()}"
        else:
            # The CRM says only that they left: their last activity bounds it.
            seen = max((e["last_contact"] for _, _, k, e in graph.out_edges(s, keys=True,
                                                                            data=True)
                        if k == CONTACT and e["last_contact"]), default=None)
            left = f"left after {seen.isoformat()}" if seen else "left"
        evidence.append(f"not counted: {graph.nodes[s]['name']}, {left}, {h:.0f} h")
    strategy = placement(account.get("attractiveness"), account.get("position"))
    if hours < low:
        score = 0.3 + 0.4 * (1 - hours / low)
        action = (f"Plan {low - hours:.0f} more hours of contact with {account['name']} over "
                  f"the next year, spread across the key people.")
    elif strategy == "develop":
        return []  # the strategy is to invest here: time beyond the band is no fault
    else:
        score = 0.3
        action = (f"{account['name']} gets {hours - high:.0f} hours a year beyond the point "
                  f"where more coverage stops paying; move time to under-served accounts.")
    return [Finding(
        kind=FindingKind.COVERAGE_EFFORT,
        severity=severity_for(score, config.severity_high, config.severity_medium),
        score=score, subject=Subject("account", account["id"], str(account["name"])),
        evidence=tuple(evidence), action=action, data=EffortData(hours),
    )]
