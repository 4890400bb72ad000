"""Map status and the red flags of the strategic-selling tradition, raised from data.

Map status, per account and per open opportunity (0–3):

0. no contacts;
1. contacts, but no key players (decision roles, or key by influence or seniority);
2. key players, but none supportive (champion or supporter) that we cover;
3. at least one supportive key player covered.

The minimum committee — an executive sponsor, a decision maker and a champion, each
named and covered — is checked beside it.  Red flags: an uncovered buying influence on
an open deal, no coach or champion, an economic buyer not met in the window, a key
person gone quiet (no two-way contact for ``quiet_days`` after regular contact), and
too few people covered for the deal's size.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kamgraph.analysis.committee import capped
from kamgraph.analysis.findings import (
    Finding,
    FindingKind,
    MapStatusData,
    RedFlag,
    RedFlagData,
    Subject,
    severity_for,
)
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    customers,
    describe,
    is_key,
    is_unmapped,
    open_opportunities,
)
from kamgraph.config import Config
from kamgraph.graph import context

__all__ = ["map_status", "map_status_findings", "red_flags"]

_SUPPORTIVE = ("champion", "supporter")
_STATUS_TEXT = {
    0: "no contacts",
    1: "contacts, but no key players",
    2: "key players, but none supportive that we cover",
    3: "a supportive key player covered",
}


def _covered(graph: nx.MultiDiGraph, node: str) -> bool:
    return bool(contact_edges(graph, node, active_only=True))


def map_status(graph: nx.MultiDiGraph, people: list[str], roles: dict[str, set[str]],
               config: Config) -> tuple[int, dict[str, list[str]]]:
    """The 0–3 status of ``people``, and the minimum committee's named and covered members."""
    def has(node: str, role: str) -> bool:
        return role in roles.get(node, set()) or role in graph.nodes[node]["roles"]

    key = [p for p in people
           if is_key(graph, p, config) or roles.get(p) or graph.nodes[p]["roles"]]
    if not people:
        status = 0
    elif not key:
        status = 1
    elif any(graph.nodes[p]["stance"] in _SUPPORTIVE and _covered(graph, p) for p in key):
        status = 3
    else:
        status = 2
    committee = {
        "executive sponsor": [p for p in people if has(p, "executive_sponsor")],
        "decision maker": [p for p in people if has(p, "decision_maker")
                           or has(p, "economic_buyer")],
        "champion": [p for p in people if graph.nodes[p]["stance"] == "champion"],
    }
    return status, committee


def _scopes(graph: nx.MultiDiGraph) -> list[tuple[Subject, list[str], dict[str, set[str]],
                                                   dict[str, Any] | None]]:
    account = context(graph).account
    everyone = list(customers(graph))
    scopes: list[tuple[Subject, list[str], dict[str, set[str]], dict[str, Any] | None]] = [
        (Subject("account", account["id"], str(account["name"])), everyone, {}, None)]
    for opp, roles in open_opportunities(graph):
        members = [p for p in everyone if p in roles or graph.nodes[p]["stance"] == "champion"]
        scopes.append((Subject("opportunity", opp["id"], str(opp["name"])), members, roles, opp))
    return scopes


def map_status_findings(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``map_status`` for each scope below 3 or without its minimum committee.

    An unmapped account (nobody of theirs recorded) has none: nothing is known.
    """
    if is_unmapped(graph) or not context(graph).roles_recorded:
        return []
    findings = []
    as_of = context(graph).as_of
    for subject, people, roles, opp in _scopes(graph):
        status, committee = map_status(graph, people, roles, config)
        missing = [name for name, holders in committee.items()
                   if not any(_covered(graph, h) for h in holders)]
        if status == 3 and not missing:
            continue
        # Every line names the deal (or the account) it is about.
        where = f"{'on' if opp is not None else 'at'} {subject.name}"
        evidence = [f"map status {status} of 3 {where}: {_STATUS_TEXT[status]}"]
        for name, holders in committee.items():
            if not holders:
                evidence.append(f"{name} {where}: nobody named")
            else:
                marks = ", ".join(f"{graph.nodes[h]['name']}"
                                  f"{'' if _covered(graph, h) else ' (not covered)'}"
                                  for h in holders)
                evidence.append(f"{name} {where}: {marks}")
        score = 0.3 + 0.12 * (3 - status) + 0.05 * len(missing)
        action = ("Complete the minimum committee: " + ", ".join(missing) + "."
                  if missing else "Win the support of a key player we cover.")
        findings.append(Finding(
            kind=FindingKind.MAP_STATUS,
            severity=capped(severity_for(score, config.severity_high, config.severity_medium),
                            opp, as_of, config),
            score=min(1.0, score), subject=subject, evidence=tuple(evidence), action=action,
            data=MapStatusData(
                status=status, missing=tuple(missing),
                uncovered=tuple(h for name in missing for h in committee[name]),
                unnamed=tuple(name for name in missing if not committee[name])),
        ))
    return findings


def _two_way_days(graph: nx.MultiDiGraph, node: str) -> list[int]:
    as_of = context(graph).as_of
    return sorted((as_of - t[0]).days for s, d in contact_edges(graph, node)
                  if graph.nodes[s]["active"] for t in d["touches"]
                  if t[2] == "held" and t[1] != "email")


def red_flags(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """The five red flags, each with its evidence (none for an unmapped account)."""
    if is_unmapped(graph):
        return []
    # (subject, score, evidence, action, data: which flag, and whom it is about)
    flags: list[tuple[Subject, float, list[str], str, RedFlagData]] = []
    window = config.recency_days
    for subject, people, roles, opp in _scopes(graph):
        if opp is None:
            continue
        for node in people:
            if node in roles and not _covered(graph, node):
                # A role of "Other" says nothing worth repeating.
                labels = " and ".join(ROLE_LABELS.get(r, r) for r in sorted(roles[node])
                                      if r != "other")
                flags.append((subject, 0.6, [
                    f"uncovered buying influence on {opp['name']}: {describe(graph, node)}"
                    f"{f', {labels},' if labels else ''} has no active relationship with us"],
                    f"Cover {graph.nodes[node]['name']} before the deal moves on.",
                    RedFlagData(RedFlag.UNCOVERED_INFLUENCE, node)))
        coach = [p for p in people if "coach" in roles.get(p, set())
                 or graph.nodes[p]["stance"] == "champion"]
        if not coach:
            flags.append((subject, 0.55, [f"no coach or champion on {opp['name']}"],
                          "Find a coach: someone inside who wants us to win and will guide us.",
                          RedFlagData(RedFlag.NO_COACH)))
        covered = [p for p in people if _covered(graph, p)]
        amount = opp.get("amount") or 0
        wanted = int(amount // config.deal_amount_per_contact)
        if wanted > len(covered):
            flags.append((subject, 0.5, [
                f"{opp['name']} is worth {amount:,.0f}: {len(covered)} of its people "
                f"{'is' if len(covered) == 1 else 'are'} covered, {wanted} wanted (one per "
                f"{config.deal_amount_per_contact:,.0f})"],
                "Widen coverage of the deal's buying centre.",
                RedFlagData(RedFlag.THIN_COVERAGE, covered=len(covered), wanted=wanted)))
    for node in customers(graph):
        data = graph.nodes[node]
        subject = Subject("person", node, str(data["name"]))
        days = _two_way_days(graph, node)
        if "economic_buyer" in data["roles"] and (not days or days[0] > window):
            when = f"last met {days[0]} days ago" if days else "never met"
            flags.append((subject, 0.7, [
                f"economic buyer {describe(graph, node)} not met in the last {window} days "
                f"({when})"], f"Meet {data['name']} this month.",
                RedFlagData(RedFlag.ECONOMIC_BUYER_NOT_MET, node)))
        if is_key(graph, node, config) and days and days[0] >= config.quiet_days:
            earlier = [d for d in days if days[0] <= d < days[0] + 90]
            if len(earlier) >= 4:
                flags.append((subject, 0.55, [
                    f"{describe(graph, node)} has gone quiet: no two-way contact for "
                    f"{days[0]} days after {len(earlier)} in the 90 days before"],
                    f"Find out why {data['name']} went quiet; re-engage this week.",
                    RedFlagData(RedFlag.GONE_QUIET, node)))
    findings = []
    for subject, score, evidence, action, flag in flags:
        findings.append(Finding(
            kind=FindingKind.RED_FLAG,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=subject, evidence=tuple(evidence), action=action, data=flag,
        ))
    return findings


