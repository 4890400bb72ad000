"""Single threads: key people, and whole accounts, that hang on one relationship.

A key customer person is single-threaded when exactly one of our people still here has
an active relationship with them.  An account is a bow-tie when every active link runs
through one of our people, or through one of theirs.
"""

from __future__ import annotations

import networkx as nx

from kamgraph.analysis.findings import Finding, FindingKind, Subject, ThreadData, severity_for
from kamgraph.analysis.people import (
    active_links,
    contact_edges,
    customers,
    describe,
    in_order,
    is_decision_maker,
    key_reasons,
    second_thread,
)
from kamgraph.analysis.strength import edge_strength, strength_line, strong_threads
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import Level
from kamgraph.wording import counted

__all__ = ["single_threads", "threads"]



def threads(graph: nx.MultiDiGraph, node: str, config: Config) -> list[str]:
    """Our people still here whose relationship with ``node`` is at least occasional."""
    return strong_threads(graph, node, config)


def single_threads(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Key people with one thread (or none above sporadic), and bow-tie accounts.

    A thread is a relationship of at least occasional strength
    (:mod:`kamgraph.analysis.strength`): many e-mails from one person are still one
    thread, and a dozen one-way e-mails are none.

    Examples
    --------
    >>> from tests.builders import AccountBuilder
    >>> g = (AccountBuilder().theirs("cfo", "CFO").ours("kam", "KAM")
    ...      .contact("kam", "cfo", times=6).graph())
    >>> from kamgraph.config import Config
    >>> [f.subject.id for f in single_threads(g, Config())]
    ['ACC', 'cfo']
    """
    findings = _account_bowtie(graph, config)
    for node in customers(graph):
        reasons = key_reasons(graph, node, config)
        active = contact_edges(graph, node, active_only=True)
        if not reasons or not active:
            continue  # not key, or no relationship at all: a coverage gap
        held = threads(graph, node, config)
        if len(held) > 1:
            continue
        data = graph.nodes[node]
        score = 0.4 + (0.2 if is_decision_maker(graph, node) else 0.0)
        score += 0.2 if data["level_rank"] >= Level.VP.rank else 0.1
        score = min(1.0, score)
        evidence = [f"{describe(graph, node)} matters: {'; '.join(reasons)}"]
        for ours, edge in active:
            value = edge_strength(graph, ours, node, config)
            said = strength_line(graph, ours, node, value, config)
            evidence.append(f"{describe(graph, ours)}: {said}, last contact "
                            f"{edge['last_contact']}")
        if held:
            evidence.insert(1, f"one thread: only {graph.nodes[held[0]]['name']} has a "
                               f"relationship with {data['name']} above sporadic")
        else:
            evidence.insert(1, f"no thread: every relationship with {data['name']} is "
                               f"sporadic")
        stale = [s for s, _ in contact_edges(graph, node) if s not in {o for o, _ in active}]
        if stale:
            evidence.append(f"earlier links with {data['name']} no longer active: "
                            + ", ".join(graph.nodes[s]["name"] for s in stale))
        lead = held[0] if held else active[0][0]
        helper = second_thread(graph, node, exclude={lead}, config=config)
        name, our_name = data["name"], graph.nodes[lead]["name"]
        action = (f"Add a second thread to {name}: {our_name} introduces "
                  f"{graph.nodes[helper]['name']} at the next meeting." if helper else
                  f"Add a second thread to {name}: name a second person of ours and have "
                  f"{our_name} introduce them.")
        findings.append(Finding(
            kind=FindingKind.SINGLE_THREADED,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("person", node, str(name)),
            evidence=tuple(evidence), action=action,
            suggested=Subject("person", helper, str(graph.nodes[helper]["name"]))
            if helper else None,
            data=ThreadData("person", thread=lead, threads=len(held)),
        ))
    return findings


def _account_bowtie(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    links = active_links(graph)
    if not links:
        return []
    ours = in_order(graph, {s for s, _ in links})
    theirs = in_order(graph, {c for _, c in links})
    account = context(graph).account
    if len(ours) > 1 and len(theirs) > 1:
        return []
    evidence = [f"{counted(len(links), 'active relationship')} at {account['name']} between "
                f"{len(ours)} of ours and {len(theirs)} of theirs"]
    if len(ours) == 1:
        evidence.append(f"every active link runs through {describe(graph, ours[0])}")
    if len(theirs) == 1:
        evidence.append(f"every active link runs through {describe(graph, theirs[0])}")
    all_theirs = list(customers(graph))
    uncovered = [c for c in all_theirs if c not in theirs]
    evidence.append(f"{len(uncovered)} of the {len(all_theirs)} people of {account['name']} "
                    f"have no active relationship with us")
    score = 0.75 if len(ours) == 1 and len(theirs) == 1 else 0.65
    hub = ours[0] if len(ours) == 1 else theirs[0]
    action = (f"Broaden {account['name']} beyond {graph.nodes[hub]['name']}: a second person "
              f"of ours for each key person, and meetings with their senior management and "
              f"technical people.")
    return [Finding(
        kind=FindingKind.SINGLE_THREADED,
        severity=severity_for(score, config.severity_high, config.severity_medium),
        score=score, subject=Subject("account", account["id"], str(account["name"])),
        evidence=tuple(evidence), action=action,
        data=ThreadData("account", ours=tuple(ours), theirs=tuple(theirs)),
    )]
