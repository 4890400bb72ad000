"""The buying committee: is every required role held by someone we actively cover?

Completeness is the share of ``Config.committee_roles`` held by a named, active
customer person with an active relationship with us (``champion`` is a recorded stance,
the rest are roles).  Momentum compares contacts with the committee in the recent window
against the window before.  Checked for the account and for each open opportunity.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import (
    CommitteeData,
    Finding,
    FindingKind,
    Severity,
    StaleDealsData,
    Subject,
    severity_for,
)
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    customer_set,
    customers,
    in_order,
    is_unmapped,
    memo,
    open_opportunities,
    second_thread,
)
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.wording import counted

__all__ = ["committee_findings", "committee_status", "deal_matters", "requirement_label",
           "stale_deals"]



def requirement_label(requirement: str) -> str:
    """A committee requirement as people say it: ``coach|champion`` is "Coach or Champion"."""
    return " or ".join(ROLE_LABELS.get(r, r.replace("_", " ").title())
                       for r in requirement.split("|"))


def committee_status(
    graph: nx.MultiDiGraph, config: Config, roles_of: dict[str, set[str]] | None = None,
) -> dict[str, Any]:
    """Holders, covered holders, completeness and momentum of the committee.

    ``roles_of`` restricts roles to one opportunity's; by default a person's roles are
    all they hold on the account.
    """
    # Only people who hold a role (here, or on the account) or are champions can hold a
    # requirement: the rest of a large account is never asked.
    champions = memo(graph, "champions", lambda: [
        n for n in customers(graph) if graph.nodes[n]["stance"] == "champion"])
    held_by = (roles_of.keys() if roles_of is not None else memo(
        graph, "role_holders", lambda: [n for n in customers(graph) if graph.nodes[n]["roles"]]))
    active = customer_set(graph)
    people = [n for n in {*champions, *held_by} if n in active]

    def holds(node: str, role: str) -> bool:
        if role == "champion":
            return bool(graph.nodes[node]["stance"] == "champion")
        held: Iterable[str] = (roles_of.get(node, set()) if roles_of is not None
                               else graph.nodes[node]["roles"])
        return role in held

    status: dict[str, Any] = {"requirements": {}, "complete": 0}
    members: set[str] = set()
    for requirement in config.committee_roles:
        alternatives = requirement.split("|")
        holders = in_order(graph, (n for n in people if any(holds(n, r) for r in alternatives)))
        covered = [n for n in holders if contact_edges(graph, n, active_only=True)]
        members.update(holders)
        status["requirements"][requirement] = {"holders": holders, "covered": covered}
        status["complete"] += 1 if covered else 0
    total = len(config.committee_roles)
    status["completeness"] = status["complete"] / total if total else 1.0
    recent = sum(d["recent"] for m in members for _, d in contact_edges(graph, m))
    previous = sum(d["previous"] for m in members for _, d in contact_edges(graph, m))
    status["recent"], status["previous"] = recent, previous
    status["members"] = in_order(graph, members)
    return status


def deal_matters(opp: dict[str, Any] | None, as_of: date, config: Config) -> bool:
    """A deal whose committee may make a high action: large (``deal_large_amount``), or
    closing within ``deal_closing_soon_days``.  The account's own committee never does."""
    if opp is None:
        return False
    if float(opp.get("amount") or 0.0) >= config.deal_large_amount:
        return True
    close = opp.get("close_date")
    return close is not None and \
        (date.fromisoformat(str(close)) - as_of).days <= config.deal_closing_soon_days


def capped(severity: Severity, opp: dict[str, Any] | None, as_of: date,
           config: Config) -> Severity:
    """Medium at most, unless the deal matters (:func:`deal_matters`)."""
    if severity is Severity.HIGH and not deal_matters(opp, as_of, config):
        return Severity.MEDIUM
    return severity


def stale_deals(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``stale_deals``: open deals whose close date passed more than
    ``deal_stale_after_days`` ago, one low line for the account: close or re-date them.
    No committee or map action is made for them."""
    stale = [o for o in context(graph).opportunities if o.get("stale")]
    if not stale:
        return []
    account = context(graph).account
    shown = ", ".join(f"{o['name']} (close date {o['close_date']})" for o in stale[:5])
    more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
    return [Finding(
        kind=FindingKind.STALE_DEALS, severity=Severity.LOW, score=0.15,
        subject=Subject("account", str(account["id"]), str(account["name"])),
        evidence=(f"{counted(len(stale), 'open deal')} with a close date more than "
                  f"{config.deal_stale_after_days} days past: {shown}{more}",),
        action="Close or re-date the open deals whose close dates passed: the committee "
               "of a deal no longer open is not worth completing.",
        data=StaleDealsData(tuple(str(o["id"]) for o in stale)))]


def committee_findings(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``committee_incomplete`` for the account and for each open opportunity (none for
    an unmapped account: a committee of nobody recorded is not known to be incomplete;
    none when the store records no buying roles at all: then nothing is known of any
    committee, which the audit says once)."""
    if is_unmapped(graph) or not context(graph).roles_recorded:
        return []
    account = context(graph).account
    scopes: list[tuple[Subject, dict[str, set[str]] | None, dict[str, Any] | None]] = [
        (Subject("account", account["id"], str(account["name"])), None, None)]
    for opp, roles in open_opportunities(graph):
        scopes.append((Subject("opportunity", opp["id"], str(opp["name"])), roles, opp))
    findings = []
    window = config.frequency_window_days
    reported: list[dict[str, Any]] = []
    as_of = context(graph).as_of
    for subject, roles_of, deal in scopes:
        status = committee_status(graph, config, roles_of)
        if status["completeness"] >= 1.0 or status["requirements"] in reported:
            continue  # complete, or the same committee as one already reported
        reported.append(status["requirements"])
        # Every line names the deal (or the account) it is about.
        where = f"{'on' if deal is not None else 'at'} {subject.name}"
        evidence = [f"committee {where}: {status['complete']} of "
                    f"{len(config.committee_roles)} complete ({status['completeness']:.0%})"]
        missing = []
        for requirement, entry in status["requirements"].items():
            label = requirement_label(requirement)
            if entry["covered"]:
                names = ", ".join(graph.nodes[n]["name"] for n in entry["covered"])
                evidence.append(f"{label} {where}: {names}, covered")
            elif entry["holders"]:
                names = ", ".join(graph.nodes[n]["name"] for n in entry["holders"])
                evidence.append(f"{label} {where}: {names}, not covered by anyone of ours")
                missing.append((requirement, entry["holders"][0]))
            else:
                evidence.append(f"{label} {where}: nobody identified")
                missing.append((requirement, None))
        falling = status["recent"] < 0.8 * status["previous"]
        evidence.append(f"momentum {where}: {counted(status['recent'], 'contact')} with the "
                        f"committee "
                        f"in the last {window} days against {status['previous']} before"
                        + (" (falling)" if falling else ""))
        steps = []
        suggested = None
        for requirement, holder in missing:
            if holder is None:
                steps.append(f"identify the {requirement_label(requirement)}")
            else:
                helper = second_thread(graph, holder, exclude=set(), config=config)
                if helper and suggested is None:
                    suggested = Subject("person", helper, str(graph.nodes[helper]["name"]))
                step = (f"have {graph.nodes[helper]['name'] if helper else 'someone'} "
                        f"meet {graph.nodes[holder]['name']}")
                if step not in steps:
                    steps.append(step)
        score = min(1.0, 0.3 + 0.5 * (1 - status["completeness"]) + (0.1 if falling else 0))
        findings.append(Finding(
            kind=FindingKind.COMMITTEE_INCOMPLETE,
            severity=capped(severity_for(score, config.severity_high, config.severity_medium),
                            deal, as_of, config),
            score=score, subject=subject, evidence=tuple(evidence),
            action="Complete the buying committee: " + "; ".join(steps) + ".",
            suggested=suggested,
            data=CommitteeData(
                completeness=status["completeness"],
                uncovered=tuple(h for _, h in missing if h is not None),
                unnamed=tuple(requirement_label(r) for r, h in missing if h is None)),
        ))
    return findings
