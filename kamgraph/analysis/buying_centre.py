"""The buying centre's changes: key people of theirs who arrived, left or were promoted
inside the change window (:mod:`kamgraph.changes` dates each change)."""

from __future__ import annotations

import networkx as nx

from kamgraph.analysis.findings import (
    BuyingCentreData,
    Finding,
    FindingKind,
    Subject,
    severity_for,
)
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.records import ChangeKind

__all__ = ["buying_centre_changes", "what_to_do"]


def what_to_do(graph: nx.MultiDiGraph, data: BuyingCentreData) -> str:
    """What the changes ask of us, in words: "meet A; find out who takes over from B"."""
    names = {c.person: c.name for c in context(graph).changes}
    parts = []
    if data.arrived:
        parts.append("meet " + ", ".join(names.get(p, p) for p in data.arrived))
    if data.left:
        parts.append("find out who takes over from "
                     + ", ".join(names.get(p, p) for p in data.left))
    if data.replaced:
        parts.append("meet " + ", ".join(names.get(new, new) for new, _ in data.replaced)
                     + " in their new post")
    if not parts:
        parts.append("check what the promotions change in the buying centre")
    return "; ".join(parts)


def buying_centre_changes(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``buying_centre_changed`` while a key person's arrival, departure or promotion is
    inside the change window: one finding for the account, each change dated."""
    ctx = context(graph)
    changes = [c for c in ctx.changes if c.key and (
        c.kind in (ChangeKind.ARRIVED, ChangeKind.LEFT) or c.promoted)]
    if not changes:
        return []
    account = ctx.account
    since = ctx.changes_since or "since the last sync"
    reorg = [c for c in ctx.changes if c.kind in (ChangeKind.REPORTS_TO, ChangeKind.TITLE)]
    evidence = [f"{since}:"] + [
        (f"{c.day.isoformat()}: " if c.day else "") + c.text for c in changes]
    if len(reorg) > 1:
        evidence.append(f"{len(reorg)} title or reporting changes: a reorganisation?")
    from kamgraph.analysis.turnover import successions

    replaced = successions(graph)
    olds = {old for old, _, _ in replaced.values()}
    evidence += [f"{graph.nodes[new]['name']} replaced {name} as {post}"
                 for new, (_, name, post) in replaced.items()]
    data = BuyingCentreData(
        arrived=tuple(c.person for c in changes if c.kind is ChangeKind.ARRIVED
                      and c.person in graph and graph.nodes[c.person]["active"]
                      and c.person not in replaced),
        left=tuple(c.person for c in changes if c.kind is ChangeKind.LEFT
                   and c.person not in olds),
        promoted=tuple(c.person for c in changes if c.promoted),
        replaced=tuple((new, old) for new, (old, _, _) in replaced.items()))
    score = min(1.0, 0.5 + 0.1 * len(changes))
    return [Finding(
        kind=FindingKind.BUYING_CENTRE_CHANGED,
        severity=severity_for(score, config.severity_high, config.severity_medium),
        score=score, subject=Subject("account", account["id"], str(account["name"])),
        evidence=tuple(evidence),
        action=f"The buying centre changed: {what_to_do(graph, data)}.",
        data=data,
    )]
