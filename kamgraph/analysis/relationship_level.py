"""Recorded relationship levels (vendor → credible source → problem solver → trusted
advisor) against what the account team wants, and against the measured strength."""

from __future__ import annotations

import networkx as nx

from kamgraph.analysis.findings import (
    Finding,
    FindingKind,
    RelationshipLevelData,
    Subject,
    severity_for,
)
from kamgraph.analysis.people import describe, order_of
from kamgraph.analysis.strength import band, edge_strength
from kamgraph.config import Config
from kamgraph.graph import CONTACT
from kamgraph.model import RELATIONSHIP_LEVELS

__all__ = ["relationship_level_gaps"]



def _label(level: str) -> str:
    return level.replace("_", " ")


def relationship_level_gaps(graph: nx.MultiDiGraph,
                            config: Config) -> list[Finding]:
    """A recorded level two or more steps below the desired one, or one the activity
    does not back (problem solver or trusted advisor with a sporadic strength)."""
    findings = []
    recorded = [(ours, theirs, key, d) for ours, theirs, key, d
                in graph.edges(keys=True, data=True) if key == CONTACT and d.get("level")]
    for ours, theirs, _key, d in sorted(
            recorded, key=lambda e: (order_of(graph, e[0]), order_of(graph, e[1]), e[2])):
        if not graph.nodes[ours]["active"] or not graph.nodes[theirs]["active"]:
            continue  # the relationship left with them: a coverage gap, not a level
        current = RELATIONSHIP_LEVELS.index(d["level"])
        desired = RELATIONSHIP_LEVELS.index(d["desired_level"]) if d.get("desired_level") \
            else current
        value = edge_strength(graph, ours, theirs, config)
        unbacked = current >= 2 and band(value, config) == "sporadic"
        if desired - current < 2 and not unbacked:
            continue
        evidence = [f"{describe(graph, ours)} with {describe(graph, theirs)}: recorded as "
                    f"{_label(d['level'])}"
                    + (f", wanted {_label(d['desired_level'])}" if d.get("desired_level")
                       else ""),
                    f"measured strength of {graph.nodes[ours]['name']} with "
                    f"{graph.nodes[theirs]['name']}: {value:.2f} ({band(value, config)})"]
        if unbacked:
            evidence.append("the recorded level is not backed by recent two-way contact")
        score = 0.3 + 0.1 * max(desired - current, 0) + (0.15 if unbacked else 0.0)
        toward = _label(RELATIONSHIP_LEVELS[min(desired, current + 1)])
        action = (f"Agree with {graph.nodes[ours]['name']} a plan to move the relationship with "
                  f"{graph.nodes[theirs]['name']} to {toward}"
                  + ("; meanwhile re-check the recorded level." if unbacked else "."))
        findings.append(Finding(
            kind=FindingKind.RELATIONSHIP_LEVEL_GAP,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=min(1.0, score), subject=Subject("person", theirs,
                                                    str(graph.nodes[theirs]["name"])),
            evidence=tuple(evidence), action=action,
            suggested=Subject("person", ours, str(graph.nodes[ours]["name"])),
            data=RelationshipLevelData(ours, toward, unbacked),
        ))
    return findings
