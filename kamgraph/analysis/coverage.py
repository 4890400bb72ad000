"""Coverage gaps: key customer people, and customer functions, that nobody of ours reaches.

A customer person who matters (see :func:`~kamgraph.analysis.people.key_reasons`) has a
gap when no active relationship reaches them: none within ``config.recency_days`` of
``as_of``, or only relationships held by people of ours who have left.  A customer
function has a gap when it has people but none of them has an active relationship.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import CoverageGapData, Finding, FindingKind, Subject, severity_for
from kamgraph.analysis.people import (
    contact_edges,
    customers,
    describe,
    function_label,
    is_decision_maker,
    is_key,
    key_reasons,
    memo,
)
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import Level, SupplierRole
from kamgraph.wording import counted

__all__ = ["coverage_gaps", "function_gaps", "level_gaps", "person_gaps", "suggest_owner"]

_LEAD_ROLES = (
    SupplierRole.EXECUTIVE_SPONSOR.value,
    SupplierRole.KEY_ACCOUNT_DIRECTOR.value,
    SupplierRole.KEY_ACCOUNT_MANAGER.value,
)


def coverage_gaps(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """All coverage-gap findings of one account graph, most severe first.

    Examples
    --------
    >>> from datetime import date
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(as_of=date(2026, 1, 1), account={"id": "A", "name": "Acme"})
    >>> g.add_node("cfo", side="customer", name="Cy", title="CFO", function="senior_management",
    ...            level="c_level", level_rank=6, active=True, roles=(), influence=None,
    ...            status="active")
    >>> from kamgraph.config import Config
    >>> [f.subject.name for f in coverage_gaps(g, Config())]
    ['C-level', 'Cy', 'senior management']
    """
    findings = person_gaps(graph, config) + function_gaps(graph, config)
    findings += level_gaps(graph, config)
    return sorted(findings, key=Finding.sort_key)


def _subject(graph: nx.MultiDiGraph, node: str) -> Subject:
    return Subject("person", node, str(graph.nodes[node]["name"]))


def suggest_owner(graph: nx.MultiDiGraph, customer: str) -> str | None:
    """The person of ours best placed to (re)open a relationship with ``customer``.

    First whoever of ours spoke to them last and is still here; else the account-team
    member whose level is closest to theirs, leads (sponsor, KAD, KAM) first on ties.
    """
    stale = [
        (data["last_contact"] or date.min, source)
        for source, data in contact_edges(graph, customer)
        if graph.nodes[source]["active"]
    ]
    if stale:
        return str(max(stale)[1])
    rank = graph.nodes[customer]["level_rank"]
    # The team member depends only on the customer's level: found once per level, not
    # once per person (a large account's team times its gaps would grow as a square).
    return memo(graph, ("team_owner", rank), lambda: _team_owner(graph, rank))


def _team_owner(graph: nx.MultiDiGraph, rank: int) -> str | None:
    team = [n for n, d in graph.nodes(data=True)
            if d["side"] == "supplier" and d["active"] and d.get("team_roles")]
    if not team:
        return None

    def fit(node: str) -> tuple[int, int, str]:
        data = graph.nodes[node]
        lead = 0 if any(r in _LEAD_ROLES for r in data["team_roles"]) else 1
        return (abs(data["level_rank"] - rank), lead, node)

    return str(min(team, key=fit))




def _last_contact(data: Mapping[str, Any], as_of: date) -> str:
    """When the last contact was; when it was one-way (an e-mail), also when the last
    meeting or call was, which is what makes a relationship active."""
    last, two_way = data["last_contact"], data["last_two_way"]
    if not last:
        return "no dated contact"
    days = (as_of - last).days
    ago = "the as-of date" if days == 0 else f"{counted(days, 'day')} before {as_of.isoformat()}"
    if two_way is not None and two_way >= last:
        return f"last contact {last.isoformat()}, {ago}"
    # Not two-way: an e-mail (sent or logged), or another contact only sent.
    sent = [t[1] for t in data["touches"] if t[0] == last and t[2] in ("held", "sent")]
    what = "an e-mail" if "email" in sent else "a one-way contact"
    since = ("no meeting or call on record" if two_way is None else
             f"no meeting or call in {counted((as_of - two_way).days, 'day')} "
             f"(last {two_way.isoformat()})")
    return f"last contact {what} {last.isoformat()}, {ago}; {since}"


def _history(graph: nx.MultiDiGraph, node: str, as_of: date) -> list[str]:
    lines = []
    edges = contact_edges(graph, node)
    if not edges:
        return [f"no contact recorded between {graph.nodes[node]['name']} and anyone of ours"]
    for source, data in edges:
        ours = graph.nodes[source]
        when = _last_contact(data, as_of)
        if not ours["active"]:
            since = f" (since {ours['status_since']})" if ours.get("status_since") else ""
            lines.append(f"{describe(graph, source)} held this relationship but has left{since}; "
                         f"{when}")
        else:
            lines.append(f"{describe(graph, source)}: {when}")
        attempts = []
        if data["declined"]:
            attempts.append(f"{counted(data['declined'], 'meeting invitation')} declined")
        if data["unanswered"]:
            attempts.append(f"{counted(data['unanswered'], 'call')} unanswered")
        if attempts:
            lines.append(f"{describe(graph, source)}: {', '.join(attempts)}")
    return lines


def person_gaps(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    as_of: date = context(graph).as_of
    findings = []
    for node in customers(graph):
        reasons = key_reasons(graph, node, config)
        if not reasons or contact_edges(graph, node, active_only=True):
            continue
        data = graph.nodes[node]
        decision = is_decision_maker(graph, node)
        score = 0.45 + (0.25 if decision else 0.0)
        score += 0.2 if data["level_rank"] >= Level.VP.rank else 0.1 * (
            data["level_rank"] >= config.key_level.rank)
        influence = data.get("influence")
        if influence is not None and influence >= config.key_influence:
            score += 0.1
        score = min(score, 1.0)
        owner = suggest_owner(graph, node)
        held_by_leaver = any(
            not graph.nodes[s]["active"] for s, _ in contact_edges(graph, node)
        )
        name = data["name"]
        evidence = [f"{describe(graph, node)} matters: {'; '.join(reasons)}"]
        evidence.append(
            f"no active relationship with {name}: nobody of ours who is still here has met "
            f"or spoken with them (a held meeting or a connected call) within "
            f"{config.recency_days} days"
        )
        evidence.extend(_history(graph, node, as_of))
        if owner is None:
            action = (f"Name someone of ours to own the relationship with {name} and meet "
                      f"them within 30 days.")
        elif held_by_leaver:
            action = (f"Hand the relationship with {name} over to {graph.nodes[owner]['name']}: "
                      f"an introduction meeting within 30 days.")
        else:
            action = (f"Ask {graph.nodes[owner]['name']} to arrange a meeting with {name} "
                      f"within 30 days.")
        findings.append(Finding(
            kind=FindingKind.COVERAGE_GAP,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score,
            subject=_subject(graph, node),
            evidence=tuple(evidence),
            action=action,
            suggested=_subject(graph, owner) if owner else None,
            data=CoverageGapData("person"),
        ))
    return findings


def function_gaps(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    account: Mapping[str, Any] = context(graph).account
    by_function: dict[str, list[str]] = {}
    for node in customers(graph):
        by_function.setdefault(graph.nodes[node]["function"], []).append(node)
    findings = []
    for function in config.gap_functions:
        people = by_function.get(function)
        if not people:
            continue
        if any(contact_edges(graph, p, active_only=True) for p in people):
            continue
        key_people = [p for p in people if is_key(graph, p, config)]
        score = 0.55 if key_people else 0.35
        label = function_label(function)
        shown = ", ".join(describe(graph, p) for p in people[:5])
        more = f" and {len(people) - 5} more" if len(people) > 5 else ""
        count = "1 person" if len(people) == 1 else f"{len(people)} people"
        evidence = [
            f"{count} in {label} at {account['name']}: {shown}{more}",
            f"nobody in {label} at {account['name']} has an active relationship with anyone "
            f"of ours "
            f"(within {config.recency_days} days)",
        ]
        if key_people:
            verb = "matters" if len(key_people) == 1 else "matter"
            evidence.append(f"{len(key_people)} of them in {label} at {account['name']} "
                            f"{verb} (decision role, influence or seniority)")
        target = max(people, key=lambda p: (graph.nodes[p]["level_rank"], p))
        owner = suggest_owner(graph, target)
        action = (f"Open a relationship with {label} at {account['name']}, starting with "
                  f"{graph.nodes[target]['name']}")
        action += f" through {graph.nodes[owner]['name']}." if owner else "."
        findings.append(Finding(
            kind=FindingKind.COVERAGE_GAP,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score,
            subject=Subject("function", f"{account['id']}:function:{function}", label),
            evidence=tuple(evidence),
            action=action,
            suggested=_subject(graph, owner) if owner else None,
            data=CoverageGapData("function", tuple(people), target),
        ))
    return findings


def level_gaps(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """Seniority levels of the customer that nobody of ours reaches at all."""
    account: Mapping[str, Any] = context(graph).account
    findings = []
    for level_name in config.gap_levels:
        level = Level(level_name)
        people = [n for n in customers(graph) if graph.nodes[n]["level"] == level.value]
        if not people or any(contact_edges(graph, p, active_only=True) for p in people):
            continue
        score = 0.5 + 0.1 * (level.rank - Level.DIRECTOR.rank)
        shown = ", ".join(describe(graph, p) for p in people[:5])
        target = people[0]
        owner = suggest_owner(graph, target)
        findings.append(Finding(
            kind=FindingKind.COVERAGE_GAP,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score,
            subject=Subject("level", f"{account['id']}:level:{level.value}", level.label),
            evidence=(
                f"nobody of ours has an active relationship with anyone at "
                f"{level.label if level.label.endswith('level') else level.label + ' level'} "
                f"at {account['name']}",
                f"{len(people)} at that level: {shown}",
            ),
            action=(f"Open a {level.label} relationship at {account['name']}: a peer of ours "
                    f"at the same level meets {graph.nodes[target]['name']}."),
            suggested=_subject(graph, owner) if owner else None,
            data=CoverageGapData("level", tuple(people), target),
        ))
    return findings
