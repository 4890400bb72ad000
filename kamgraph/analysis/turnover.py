"""People come and go: hand-overs, roles left empty, and new people to meet.

The relationship is the supplier's only while someone holds it: when one of our people
leaves (their user is made inactive, or they leave the account team), each relationship
they held must be handed to a colleague before it goes cold (seed 001: the departure of a
key account manager is the risk the practice exists to manage).  When one of theirs
leaves, their roles on open deals are empty until someone takes them over; when someone
new arrives in a decision role, they are met before a competitor meets them.

- ``hand_over``: a relationship held by one of ours who left, with a customer person
  still there, raised while it is recent (two-way contact within ``recency_days`` of
  the departure, the departure inside the change window or the contact still current)
  and until someone of ours still here has met the person since the departure;
- ``role_vacated``: a role on an open deal held only by someone who left;
- ``new_key_person``: a key person who arrived inside the change window and whom
  nobody of ours meets yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import (
    Finding,
    FindingKind,
    HandOverData,
    LeadLeftData,
    NewKeyPersonData,
    RoleVacatedData,
    Subject,
    severity_for,
)
from kamgraph.analysis.mirror import mirror_assignments
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    describe,
    in_order,
    is_decision_maker,
    is_unmapped,
    key_reasons,
    order_of,
    second_thread,
)
from kamgraph.analysis.strength import strength as relationship_strength
from kamgraph.analysis.strength import strength_line
from kamgraph.config import Config
from kamgraph.graph import CONTACT, arrived_on, context, left_on
from kamgraph.model import DECISION_ROLES, Level, SupplierRole
from kamgraph.records import ChangeKind

__all__ = ["departed_ours", "hand_overs",
           "lead_departures", "new_key_people", "turnover_findings", "vacated_roles"]

_DECISION = {r.value for r in DECISION_ROLES}


def _when(day: date | None) -> str:
    return f"left {day.isoformat()}" if day else "left"


def departed_ours(graph: nx.MultiDiGraph) -> list[str]:
    """Our people on the account who left: their user made inactive or gone from the
    export, or (still with us) gone from the account team inside the change window."""
    left_team = {c.person for c in context(graph).changes if c.kind is ChangeKind.LEFT_TEAM}
    return [n for n in in_order(graph, graph.nodes)
            if graph.nodes[n]["side"] == "supplier"
            and (not graph.nodes[n]["active"] or n in left_team)]


def _window_start(graph: nx.MultiDiGraph, config: Config) -> date:
    return context(graph).as_of - timedelta(days=config.change_window_days)


def hand_overs(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """A ``hand_over`` for each recent relationship a departed person of ours held with
    a customer person still there, until someone still here has met them since."""
    as_of = context(graph).as_of
    recency = timedelta(days=config.recency_days)
    window_start = _window_start(graph, config)
    assigned: dict[str, tuple[dict[str, Any], float]] | None = None
    out = []
    leavers = departed_ours(graph)
    for leaver in leavers:
        gone = left_on(graph, leaver)
        for _, customer, key, edge in graph.out_edges(leaver, keys=True, data=True):
            if key != CONTACT or not graph.nodes[customer]["active"]:
                continue
            last = edge["last_two_way"]
            if last is None:
                continue
            held_when_left = gone is not None and gone - last <= recency
            if not (edge["current"] or (held_when_left and gone is not None
                                        and gone > window_start)):
                continue
            since = gone or last
            staying = [(s, e) for s, e in contact_edges(graph, customer, active_only=True)
                       if s not in leavers and graph.nodes[s]["active"]]
            if any(e["last_two_way"] is not None and e["last_two_way"] > since
                   for _, e in staying):
                continue  # someone still here has met them since: handed over
            others = [s for s, _ in staying]
            reasons = key_reasons(graph, customer, config)
            level = graph.nodes[customer]["level_rank"]
            score = (0.75 if reasons and (is_decision_maker(graph, customer)
                                          or level >= Level.VP.rank)
                     else 0.6 if reasons else 0.4)
            if others:
                score -= 0.2  # someone else still holds a relationship with them
            if assigned is None:
                assigned = mirror_assignments(graph, config)
            peer = assigned.get(customer)
            successor = (str(peer[0]["id"]) if peer else
                         second_thread(graph, customer, exclude=set(leavers), config=config))
            # The relationship as it stood when they left (theirs no longer counts today).
            gap = abs(graph.nodes[leaver]["level_rank"] - graph.nodes[customer]["level_rank"])
            strength = (relationship_strength(edge["touches"], min(gone or as_of, as_of),
                                              config, gap)
                        if edge["touches"] else float(edge.get("strength") or 0.0))
            name, who = graph.nodes[customer]["name"], graph.nodes[leaver]["name"]
            left_how = ("left the account team" if graph.nodes[leaver]["active"]
                        else "left")
            evidence = [
                f"{who} (ours) {left_how}" + (f" on {gone.isoformat()}" if gone else "")
                + f": the relationship with {describe(graph, customer)} needs a new holder",
                f"{who} with {name}: "
                f"{strength_line(graph, leaver, customer, strength, config)}, last two-way "
                f"contact {last.isoformat()}",
            ]
            if others:
                evidence.append("still met by " + ", ".join(
                    str(graph.nodes[s]["name"]) for s in others))
            suggested = None
            if successor:
                entry = graph.nodes[successor] if successor in graph else (
                    peer[0] if peer else {"name": successor})
                suggested = Subject("person", successor, str(entry["name"]))
            out.append(Finding(
                kind=FindingKind.HAND_OVER,
                severity=severity_for(score, config.severity_high, config.severity_medium),
                score=round(score, 4),
                subject=Subject("person", customer, str(name)),
                evidence=tuple(evidence),
                action=(f"Hand {who}'s relationship with {name} to "
                        f"{suggested.name if suggested else 'a colleague'} before it goes "
                        f"cold."),
                suggested=suggested,
                data=HandOverData(
                    left=leaver, left_name=str(who), left_on=gone.isoformat() if gone else None,
                    frequency=edge["frequency"], strength=round(strength, 4),
                    last_contact=last.isoformat(), still_met=bool(others)),
            ))
    return out


def vacated_roles(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``role_vacated`` for each customer person who left holding a role on an open deal
    (or a decision role on the account) that nobody still there holds: "who takes over
    from them?".  The roles are read from the deals where the CRM still records them,
    and from what the person held before they left, inside the change window (an export
    usually drops a leaver's deal roles with them)."""
    if is_unmapped(graph):
        return []  # nobody of theirs is left on record: mapping the account comes first
    ctx = context(graph)
    opps = {str(o["id"]): o for o in ctx.opportunities if not o["is_closed"]}

    def holds(opp: dict[str, Any] | None, role: str) -> bool:
        """Whether someone still there holds ``role`` on a deal (None: the account)."""
        if opp is None:
            return any(role in graph.nodes[n]["roles"] for n in graph.nodes
                       if graph.nodes[n]["side"] == "customer" and graph.nodes[n]["active"])
        return any(role in r["roles"] and graph.nodes[r["person"]]["active"]
                   for r in opp["roles"])

    held: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, str] = {}
    wanted: list[tuple[str, str, str]] = []  # (person, role, opportunity id or "")
    for deal in opps.values():
        for r in deal["roles"]:
            if not graph.nodes[r["person"]]["active"]:
                wanted += [(r["person"], x, str(deal["id"])) for x in r["roles"]]
    for node in graph.nodes:
        d = graph.nodes[node]
        if d["side"] == "customer" and not d["active"]:
            wanted += [(node, x, "") for x in d["roles"] if x in _DECISION]
    for change in ctx.changes:
        if change.kind is ChangeKind.LEFT:
            names[change.person] = change.name
            wanted += [(change.person, role, opp_id) for role, opp_id in change.held
                       if opp_id or role in _DECISION]
    for person, role, opp_id in wanted:
        opp = opps.get(opp_id) if opp_id else None
        if opp_id and opp is None:
            continue  # the deal closed, or is gone
        where = str(opp["name"]) if opp is not None else "the account"
        if holds(opp, role) or where in held[person][role]:
            continue
        if person in graph and graph.nodes[person]["active"]:
            continue  # back again
        held[person][role].append(where)
    account = ctx.account
    arrivals = [n for n in in_order(graph, ctx.arrived)
                if n in graph and graph.nodes[n]["active"]]
    out = []
    for person in sorted(held, key=lambda p: (order_of(graph, p), names.get(p, p))):
        vacant = {r: sorted(w) for r, w in held[person].items() if w}
        # A role on a deal says more than the same role on the account.
        for deals_of_role in vacant.values():
            if len(deals_of_role) > 1 and "the account" in deals_of_role:
                deals_of_role.remove("the account")
        if not vacant:
            continue
        d = graph.nodes[person] if person in graph else None
        name = str(d["name"]) if d else names.get(person, person)
        gone = left_on(graph, person) if d else ctx.left.get(person)
        decision = any(r in _DECISION for r in vacant)
        score = 0.8 if decision else 0.55
        labels = [ROLE_LABELS.get(r, r).lower() for r in sorted(
            vacant, key=lambda r: (r not in _DECISION, r))]
        deals = sorted({w for where in vacant.values() for w in where})
        evidence = [f"{describe(graph, person) if d else name} {_when(gone)}: "
                    + "; ".join(f"{ROLE_LABELS.get(r, r).lower()} on " + ", ".join(
                        w if w == "the account" else repr(w) for w in where)
                        for r, where in sorted(vacant.items()))
                    + "; nobody still there holds the role"]
        # Someone who arrived in the same function, or as senior, is the likely successor.
        likely = [n for n in arrivals
                  if d is None or graph.nodes[n]["function"] == d["function"]
                  or graph.nodes[n]["level_rank"] >= d["level_rank"]]
        if likely:
            evidence.append(f"{describe(graph, likely[0])} arrived on "
                            f"{ctx.arrived[likely[0]].isoformat()}")
        ask = f" — is it {graph.nodes[likely[0]]['name']}?" if likely else ""
        shown = [w if w == "the account" else repr(w) for w in deals]
        out.append(Finding(
            kind=FindingKind.ROLE_VACATED,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score,
            subject=Subject("account", str(account["id"]), str(account["name"])),
            evidence=tuple(evidence),
            action=(f"Find out who takes over from {name} as {' and '.join(labels)} "
                    f"on {', '.join(shown)}{ask}"),
            data=RoleVacatedData(
                person=person, name=name, roles=tuple(sorted(vacant)), labels=tuple(labels),
                deals=tuple(deals), where=tuple(shown), likely=tuple(likely[:1]),
                likely_name=str(graph.nodes[likely[0]]["name"]) if likely else None,
                left_on=gone.isoformat() if gone else None),
        ))
    return out


def successions(graph: nx.MultiDiGraph) -> dict[str, tuple[str, str, str]]:
    """Who of the people of theirs who arrived inside the change window replaced someone
    who left in it: the same role on the same open deal, or the same title and function.
    New person -> (who left, their name, the post in words: "CFO and economic buyer")."""
    ctx = context(graph)
    arrived = [c.person for c in ctx.changes if c.kind is ChangeKind.ARRIVED
               and c.person in graph and graph.nodes[c.person]["active"]]
    on_deals: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for opp in ctx.opportunities:
        if not opp["is_closed"]:
            for r in opp["roles"]:
                on_deals[r["person"]].update((x, str(opp["id"])) for x in r["roles"])
    out: dict[str, tuple[str, str, str]] = {}
    for change in (c for c in ctx.changes if c.kind is ChangeKind.LEFT):
        gone = graph.nodes[change.person] if change.person in graph else None
        for new in arrived:
            if new in out:
                continue
            them = graph.nodes[new]
            shared = sorted({(r, o) for r, o in change.held if o} & on_deals.get(new, set()))
            same_post = gone is not None and bool(gone.get("title")) \
                and gone["title"] == them["title"] and gone["function"] == them["function"]
            if shared or same_post:
                roles = list(dict.fromkeys(ROLE_LABELS.get(r, r).lower() for r, _ in shared))
                post = " and ".join([str(them["title"] or "their post"), *roles])
                out[new] = (change.person, change.name, post)
                break
    return out


def new_key_people(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``new_key_person`` for each key person who arrived inside the change window and
    whom nobody of ours meets: high when they hold a decision role or sit at the top."""
    out = []
    replaced = successions(graph)
    for node in in_order(graph, context(graph).arrived):
        if node not in graph or not graph.nodes[node]["active"] \
                or graph.nodes[node]["side"] != "customer":
            continue
        reasons = key_reasons(graph, node, config)
        if not reasons:
            continue
        if any(graph.nodes[s]["active"] for s, _ in contact_edges(graph, node,
                                                                   active_only=True)):
            continue
        d = graph.nodes[node]
        day = arrived_on(graph, node)
        decides = is_decision_maker(graph, node) or d["level_rank"] >= Level.C_LEVEL.rank
        score = 0.85 if decides else 0.55
        old, old_name, post = replaced.get(node, (None, None, None))
        out.append(Finding(
            kind=FindingKind.NEW_KEY_PERSON,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("person", node, str(d["name"])),
            evidence=(f"{describe(graph, node)} arrived"
                      + (f" on {day.isoformat()}" if day else "")
                      + (f", replacing {old_name} as {post}" if old else "")
                      + ": nobody of ours has met them",),
            action=f"Meet {d['name']} this month.",
            data=NewKeyPersonData(day.isoformat() if day else None, decides, old, old_name,
                                  post),
        ))
    return out


_LEAD_ROLES = {SupplierRole.KEY_ACCOUNT_MANAGER.value, SupplierRole.KEY_ACCOUNT_DIRECTOR.value}
_SALES = ("field_sales", "inside_sales")


def lead_departures(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """``lead_left`` when the account's key account manager or director of ours has left
    and nobody of ours leads it now: the successor is named by the leaver's manager
    (their ``reports_to``), else by our most senior salesperson still here."""
    g = graph
    ours = [n for n in in_order(g, g.nodes) if g.nodes[n]["side"] == "supplier"]
    leading = [n for n in ours if set(g.nodes[n].get("team_roles", ())) & _LEAD_ROLES]
    if not leading or any(g.nodes[n]["active"] for n in leading):
        return []
    out = []
    pool = {e["id"]: e for e in context(g).pool.entries}
    for leaver in leading:
        data = g.nodes[leaver]
        manager = data.get("manager")
        namer = manager if manager in pool else _sales_leader(pool.values())
        gone = left_on(g, leaver)
        roles = tuple(r for r in data["team_roles"] if r in _LEAD_ROLES)
        labels = " and ".join(r.replace("_", " ") for r in roles)
        evidence = [f"{describe(g, leaver, 'ours')}, {labels} of the account, {_when(gone)}",
                    f"nobody of ours leads {context(g).account['name']} now"]
        if namer is not None:
            how = "their manager" if namer == manager else "our most senior salesperson"
            evidence.append(f"{pool[namer]['name']}, {how}, names the successor")
        # Nothing is known of the account's people: no alarm, one step to take.
        score = 0.4 if is_unmapped(g) else 1.0
        account = context(g).account
        out.append(Finding(
            kind=FindingKind.LEAD_LEFT,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("account", str(account["id"]), str(account["name"])),
            evidence=tuple(evidence),
            action=f"Name a successor to {data['name']} as the account's lead.",
            suggested=Subject("person", namer, str(pool[namer]["name"])) if namer else None,
            data=LeadLeftData(leaver, str(data["name"]), gone.isoformat() if gone else None,
                              roles, namer)))
    return out[:1]  # one successor for the account


def _sales_leader(pool: Iterable[dict[str, Any]]) -> str | None:
    """Our most senior salesperson still here (by level, then name)."""
    sales = [e for e in pool if e["function"] in _SALES]
    if not sales:
        return None
    return str(min(sales, key=lambda e: (-int(e["level_rank"]), str(e["name"]).lower(),
                                         e["id"]))["id"])


def turnover_findings(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """The lead who left, hand-overs, vacated roles and new key people, in that order."""
    found = lead_departures(graph, config) + hand_overs(graph, config) + vacated_roles(
        graph, config) + new_key_people(graph, config)
    return sorted(found, key=lambda f: (-f.severity.rank, -f.score,
                                        order_of(graph, f.subject.id)))
