"""Mirror relationships: each key customer person met by a peer of ours.

A peer has a matching function (``Config.mirror_table``: their CTO with our CTO, their
quality control with our technical service, purchasing with our field sales) and a level
within ``mirror_level_gap``.  For key people without one, the best available people of
ours — from everyone still here, not only the account team — are assigned by maximum
weight assignment, so one strong candidate is not promised to five people, and nobody is
given an account beyond their capacity (``capacity`` in the people file, else
``default_capacity``).  ``mirror_mismatch`` flags the senior person whose only links are
several levels junior.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kamgraph.analysis.assignment import best_assignment
from kamgraph.analysis.findings import Finding, FindingKind, Subject, severity_for
from kamgraph.analysis.influence import derived_influence, influence_weight
from kamgraph.analysis.people import (
    contact_edges,
    customers,
    describe,
    function_label,
    is_key,
    key_reasons,
    memo,
    order_of,
    peer_fit,
)
from kamgraph.config import Config
from kamgraph.graph import Pool, context
from kamgraph.model import Level

__all__ = ["mirror_assignments", "mirror_findings", "mirror_mismatches", "needs_peer"]

_SLOTS_PER_ACCOUNT = 2  # new peers one person of ours takes on in one account
_CANDIDATES = 6  # best candidates considered per customer person
#: Key people matched in one account: each augmenting step costs up to the whole
#: assignment graph, so in a huge account only the most influential are matched; the
#: rest are listed without a peer.
_MATCHED = 60


def _quality(them: dict[str, Any], us: dict[str, Any], config: Config) -> float:
    """A candidate peer's fit; 0 outside the mirror table or too far apart in level."""
    if us["function"] not in config.mirror_table.get(them["function"], ()):
        return 0.0
    if abs(them["level_rank"] - us["level_rank"]) > config.mirror_level_gap + 1:
        return 0.0
    return peer_fit(them, us, config)


def is_peer(graph: nx.MultiDiGraph, customer: str, ours: str, config: Config) -> bool:
    them, us = graph.nodes[customer], graph.nodes[ours]
    return (us["function"] in config.mirror_table.get(them["function"], ())
            and abs(them["level_rank"] - us["level_rank"]) <= config.mirror_level_gap)


def needs_peer(graph: nx.MultiDiGraph, config: Config) -> list[str]:
    """Key customer people none of whose active relationships is with a peer."""
    def make() -> list[str]:
        out = []
        for node in customers(graph):
            if not is_key(graph, node, config):
                continue
            if graph.nodes[node]["function"] not in config.mirror_table:
                continue
            if not any(is_peer(graph, node, s, config)
                       for s, _ in contact_edges(graph, node, active_only=True)):
                out.append(node)
        return out

    return list(memo(graph, ("needs_peer", id(config)), make))


def _candidates(graph: nx.MultiDiGraph, pool: Pool, bucket: tuple[int, ...],
                cache: dict[tuple[int, ...], list[int]]) -> list[int]:
    """The first few people of one (function, level) bucket who could take the account:
    already in it, or below their capacity.  Everyone in a bucket fits a customer person
    equally well, so the best candidates are among the first few who are free."""
    found = cache.get(bucket)
    if found is None:
        found = []
        for i in bucket:
            entry = pool.entries[i]
            if entry["id"] in graph or entry["load"] < entry["capacity"]:
                found.append(i)
                if len(found) == _CANDIDATES:
                    break
        cache[bucket] = found
    return found


def mirror_assignments(
    graph: nx.MultiDiGraph, config: Config
) -> dict[str, tuple[dict[str, Any], float]]:
    """Customer person -> (our person from the pool, quality), by max-weight assignment
    (:func:`~kamgraph.analysis.assignment.best_assignment`).

    The cost grows with the account's key people and the mirror table, not with the
    number of our people: candidates come from the pool's (function, level) buckets.
    """
    pool: Pool = context(graph).pool
    buckets = pool.buckets
    free: dict[tuple[int, ...], list[int]] = {}
    needs = needs_peer(graph, config)
    if len(needs) > _MATCHED:
        derived = derived_influence(graph)
        needs = sorted(needs, key=lambda n: (-influence_weight(graph, n, derived),
                                             order_of(graph, n)))[:_MATCHED]
    choices = []
    for node in needs:
        them = graph.nodes[node]
        ranked: list[tuple[float, int]] = []
        for function in config.mirror_table.get(them["function"], ()):
            for level in range(them["level_rank"] - config.mirror_level_gap - 1,
                               them["level_rank"] + config.mirror_level_gap + 2):
                bucket = buckets.get((function, level))
                if not bucket:
                    continue
                q = _quality(them, pool.entries[bucket[0]], config)
                if q > 0:
                    ranked.extend((q, i) for i in _candidates(graph, pool, bucket, free))
        # The pool is in name order: equal candidates keep it, whatever their ids.
        ranked.sort(key=lambda c: (-c[0], c[1]))
        choices.append([(i, q) for q, i in ranked[:_CANDIDATES]])
    assigned = best_assignment(choices, _SLOTS_PER_ACCOUNT)
    return {needs[r]: (pool.entries[i], q) for r, (i, q) in assigned.items()}


def mirror_findings(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``mirror_opportunity`` for key people without a peer, and ``mirror_mismatch``."""
    assigned = mirror_assignments(graph, config)
    findings = []
    for node in needs_peer(graph, config):
        them = graph.nodes[node]
        links = contact_edges(graph, node, active_only=True)
        wanted = ", ".join(function_label(f) for f in config.mirror_table[them["function"]])
        evidence = [
            f"{describe(graph, node)}: {function_label(them['function'])}, "
            f"{Level(them['level']).label}; {'; '.join(key_reasons(graph, node, config))}",
            f"no peer among our people who meet {them['name']} (a peer is in {wanted}, within "
            f"{config.mirror_level_gap} level)",
        ]
        if links:
            evidence.append("met today by " + ", ".join(
                describe(graph, s, f"{function_label(graph.nodes[s]['function'])}, "
                                   f"{Level(graph.nodes[s]['level']).label}")
                for s, _ in links))
        suggestion = assigned.get(node)
        if suggestion:
            peer, quality = suggestion
            evidence.append(
                f"best available peer: {peer['name']} ({peer['title'] or 'no title'}, "
                f"{function_label(peer['function'])}); serves {peer['load']} of "
                f"{peer['capacity']} accounts; fit {quality:.2f}")
            action = (f"Initiate a mirror relationship: {peer['name']} meets {them['name']} "
                      f"this quarter, introduced by "
                      f"{graph.nodes[links[0][0]]['name'] if links else 'the account team'}.")
        else:
            evidence.append(f"nobody of ours with spare capacity matches {them['name']}; "
                            f"consider a hire or freeing someone's capacity")
            action = f"Find a peer of ours for {them['name']} ({wanted})."
        score = 0.35 + (0.2 if them["level_rank"] >= Level.VP.rank else 0.1)
        findings.append(Finding(
            kind=FindingKind.MIRROR_OPPORTUNITY,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("person", node, str(them["name"])),
            evidence=tuple(evidence), action=action,
            suggested=Subject("person", suggestion[0]["id"], str(suggestion[0]["name"]))
            if suggestion else None,
        ))
    return findings + mirror_mismatches(graph, config)


def mirror_mismatches(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Senior customer people whose only active links are several levels junior."""
    findings = []
    pool: Pool = context(graph).pool
    buckets = pool.buckets
    best_of: dict[tuple[str, int], tuple[float, int, int] | None] = {}
    for node in customers(graph):
        them = graph.nodes[node]
        if them["level_rank"] < Level.VP.rank:
            continue
        links = contact_edges(graph, node, active_only=True)
        if not links:
            continue
        gaps = [them["level_rank"] - graph.nodes[s]["level_rank"] for s, _ in links]
        if min(gaps) < config.mismatch_level_gap:
            continue
        # The best fit at most one level below them; everyone in a (function, level)
        # bucket fits alike, so each bucket's first person in name order speaks for it,
        # and everyone of theirs of one function and level has the same best.
        place = (them["function"], them["level_rank"])
        if place not in best_of:
            best_of[place] = max(((_quality(them, pool.entries[ix[0]], config), level, -ix[0])
                                  for (_function, level), ix in buckets.items()
                                  if level >= them["level_rank"] - 1),
                                 default=None)
        best = best_of[place]
        senior = pool.entries[-best[2]] if best is not None else None
        evidence = [
            f"{describe(graph, node)} is {Level(them['level']).label}",
            f"{them['name']} is only linked through " + ", ".join(
                describe(graph, s, Level(graph.nodes[s]["level"]).label) for s, _ in links),
            f"the closest of those who meet {them['name']} is {min(gaps)} levels junior",
        ]
        action = (f"Bring {senior['name'] if senior else 'a senior person of ours'} into the "
                  f"relationship with {them['name']}; keep the current contact for the "
                  f"day-to-day.")
        score = 0.5 + 0.05 * (min(gaps) - config.mismatch_level_gap)
        findings.append(Finding(
            kind=FindingKind.MIRROR_MISMATCH,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=min(1.0, score), subject=Subject("person", node, str(them["name"])),
            evidence=tuple(evidence), action=action,
            suggested=Subject("person", senior["id"], str(senior["name"])) if senior else None,
        ))
    return findings
