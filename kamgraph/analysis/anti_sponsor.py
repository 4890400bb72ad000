"""Likely anti-sponsors: a score per customer person, with the evidence that raised it.

Each signal is scaled to 0..1 and weighted (``Config.anti_sponsor_weights``); the score
combines them as independent pieces of evidence (``1 - prod(1 - w * s)``), so it grows
with every signal and never passes 1.  People who are engaged — at least
``engaged_min_two_way`` two-way contacts (held meetings, connected calls) in the recent
window and contact not falling — are judged on their recorded stance alone: however
senior, attending our meetings is not what a detractor does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from kamgraph.analysis.findings import AntiSponsorData, Finding, FindingKind, Subject, severity_for
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    customers,
    describe,
    in_order,
    is_key,
    memo,
    peer_quality,
)
from kamgraph.config import Config
from kamgraph.graph import INFLUENCES, REPORTS_TO, context
from kamgraph.model import Stance
from kamgraph.wording import counted

__all__ = ["AntiSponsorScore", "anti_sponsor_scores", "likely_anti_sponsor_people",
           "likely_anti_sponsors"]

_DECISION = ("economic_buyer", "decision_maker", "executive_sponsor", "technical_buyer")


@dataclass(frozen=True)
class AntiSponsorScore:
    person: str
    score: float
    engaged: bool
    signals: tuple[tuple[str, float, str], ...]  # (signal, strength 0..1, evidence)


def _signals(graph: nx.MultiDiGraph, node: str, config: Config) -> list[tuple[str, float, str]]:
    data = graph.nodes[node]
    edges = contact_edges(graph, node)
    out: list[tuple[str, float, str]] = []
    if data["stance"] == Stance.ANTI_SPONSOR and data.get("stance_recorded"):
        out.append(("recorded_anti_sponsor", 1.0, "recorded as an anti-sponsor"))
    elif data["stance"] == "skeptic" and data.get("stance_recorded"):
        out.append(("recorded_skeptic", 1.0, "recorded as a skeptic"))
    window = config.frequency_window_days
    # Attempts are judged over two windows: long enough to count, recent enough to matter.
    span = 2 * window
    as_of = context(graph).as_of
    recent_touches = [t for _, d in edges for t in d["touches"] if (as_of - t[0]).days < span]
    outcomes = Counter((t[1], t[2]) for t in recent_touches)
    declined = outcomes[("meeting", "declined")]
    meetings = outcomes[("meeting", "held")]
    if declined >= 2:
        out.append(("declined_meetings", declined / (declined + meetings),
                    f"declined {declined} of {declined + meetings} meeting invitations in "
                    f"the last {span} days"))
    unanswered = outcomes[("call", "unanswered")]
    calls = outcomes[("call", "held")]
    if unanswered >= 2:
        out.append(("unanswered_calls", unanswered / (unanswered + calls),
                    f"{unanswered} of {unanswered + calls} calls in the last {span} days "
                    f"went unanswered"))
    two_way = sum(d["two_way_recent"] for _, d in edges)
    recent_mails = sum(
        1 for _, d in edges for t in d["touches"]
        if t[1] == "email" and (context(graph).as_of - t[0]).days < window
    )
    if recent_mails >= 3 and two_way == 0:
        out.append(("no_response", min(1.0, recent_mails / 6),
                    f"{recent_mails} e-mails in the last {window} days and no meeting or "
                    f"call in return"))
    recent = sum(d["recent"] for _, d in edges)
    previous = sum(d["previous"] for _, d in edges)
    if previous >= 3 and recent <= previous / 2:
        out.append(("falling_frequency", 1 - recent / previous,
                    f"contact fell from {previous} to {recent} in the last {window} days"))
    lost = _lost_decisions(graph).get(node, [])
    if lost:
        deals = counted(len(lost), "lost opportunity", "lost opportunities")
        out.append(("lost_decisions", min(1.0, len(lost) / 2),
                    f"a decision role on {deals}: {', '.join(lost[:3])}"))
    hostile = _hostile_ties(graph).get(node)
    if hostile:
        out.append(("ties_to_anti_sponsor", 1.0, "close ties to recorded anti-sponsor "
                    + ", ".join(describe(graph, t) for t in hostile)))
    attempts = declined + unanswered + recent_mails
    if attempts and two_way == 0 and is_key(graph, node, config):
        out.append(("influence_without_engagement", 1.0,
                    f"a key person with no two-way contact in {window} days despite "
                    f"{counted(attempts, 'attempt')}"))
    sentiments = [d["sentiment"] for _, d in edges if d.get("sentiment") is not None]
    if sentiments and min(sentiments) < 0:
        out.append(("negative_sentiment", -min(sentiments),
                    f"recorded sentiment {min(sentiments):+.1f}"))
    return out


def _hostile_ties(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Person -> the recorded anti-sponsors they report to, manage, sway or are swayed
    by, in the graph's order; read once, from the anti-sponsors' side (there are few)."""
    def make() -> dict[str, list[str]]:
        out: dict[str, set[str]] = {}
        for anti in graph.nodes:
            data = graph.nodes[anti]
            if data["stance"] != Stance.ANTI_SPONSOR or not data.get("stance_recorded"):
                continue
            for side in (graph.succ[anti], graph.pred[anti]):
                for other, keyed in side.items():
                    if REPORTS_TO in keyed or INFLUENCES in keyed:
                        out.setdefault(other, set()).add(anti)
        return {node: in_order(graph, ties) for node, ties in out.items()}

    return memo(graph, "hostile_ties", make)


def _lost_decisions(graph: nx.MultiDiGraph) -> dict[str, list[str]]:
    """Person -> the lost opportunities they held a decision role on, read once."""
    def make() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for opp in context(graph).opportunities:
            if opp["is_closed"] and not opp["is_won"]:
                for role in opp["roles"]:
                    if any(r in _DECISION for r in role["roles"]):
                        out.setdefault(role["person"], []).append(opp["name"])
        return out

    return memo(graph, "lost_decisions", make)


def anti_sponsor_scores(graph: nx.MultiDiGraph,
                        config: Config) -> list[AntiSponsorScore]:
    """A score for every active customer person, highest first."""
    found = config
    return list(memo(graph, ("anti_sponsor_scores", id(found)),
                     lambda: _scores(graph, found)))


def _scores(graph: nx.MultiDiGraph, config: Config) -> list[AntiSponsorScore]:
    scores = []
    for node in customers(graph):
        signals = _signals(graph, node, config)
        edges = contact_edges(graph, node)
        two_way = sum(d["two_way_recent"] for _, d in edges)
        falling = any(s == "falling_frequency" for s, _, _ in signals)
        engaged = two_way >= config.engaged_min_two_way and not falling
        if engaged:
            signals = [s for s in signals if s[0].startswith("recorded_")]
        remain = 1.0
        for name, strength, _ in signals:
            remain *= 1 - config.anti_sponsor_weights.get(name, 0.0) * strength
        scores.append(AntiSponsorScore(node, round(1 - remain, 4), engaged, tuple(signals)))
    scores.sort(key=lambda s: (-s.score, s.person))
    return scores


def likely_anti_sponsor_people(graph: nx.MultiDiGraph,
                               config: Config) -> set[str]:
    """The customer people whose score reaches ``anti_sponsor_threshold``: who a route
    avoids and an action treats as a likely detractor."""
    return {s.person for s in anti_sponsor_scores(graph, config)
            if s.score >= config.anti_sponsor_threshold}


def likely_anti_sponsors(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Customer people whose anti-sponsor score reaches the threshold."""
    findings = []
    for result in anti_sponsor_scores(graph, config):
        if result.score < config.anti_sponsor_threshold:
            continue
        node = result.person
        data = graph.nodes[node]
        who = data["name"]  # every line names whom it is about
        evidence = [f"{who}: anti-sponsor score {result.score:.2f} (flagged at "
                    f"{config.anti_sponsor_threshold:.2f})"]
        evidence += [f"{who}: {text} (weight {config.anti_sponsor_weights.get(name, 0):.2f})"
                     for name, _, text in result.signals]
        if data["roles"]:
            evidence.append(f"{who}'s roles: "
                            + ", ".join(ROLE_LABELS.get(r, r) for r in data["roles"]))
        managers = [v for _, v, k in graph.out_edges(node, keys=True) if k == REPORTS_TO]
        target = managers[0] if managers else node
        candidates = [n for n, d in graph.nodes(data=True)
                      if d["side"] == "supplier" and d["active"]]
        helper = max(candidates, key=lambda n: (peer_quality(graph, target, n, config), n),
                     default=None)
        via = (f"; have {graph.nodes[helper]['name']} build support with "
               f"{graph.nodes[target]['name']}" if helper and target != node else "")
        action = (f"Treat {data['name']} as a likely detractor: confirm their stance with a "
                  f"coach, do not let them be our only channel{via}, and answer their "
                  f"objections in writing.")
        # Being flagged at all is at least medium: a likely detractor is never a footnote.
        severity = severity_for(result.score, config.anti_sponsor_threshold + 0.25,
                                config.anti_sponsor_threshold)
        findings.append(Finding(
            kind=FindingKind.ANTI_SPONSOR, severity=severity,
            score=result.score, subject=Subject("person", node, str(data["name"])),
            evidence=tuple(evidence), action=action,
            suggested=Subject("person", helper, str(graph.nodes[helper]["name"]))
            if helper else None,
            data=AntiSponsorData(tuple(s[0] for s in result.signals)),
        ))
    return findings
