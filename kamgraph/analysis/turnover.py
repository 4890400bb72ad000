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
from datetime import date, timedelta
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import Finding, Subject, severity_for
from kamgraph.analysis.mirror import mirror_assignments
from kamgraph.analysis.people import (
    ROLE_LABELS,
    contact_edges,
    describe,
    in_order,
    is_decision_maker,
    is_unmapped,
    key_reasons,
    open_opportunities,
    order_of,
    second_thread,
)
from kamgraph.analysis.strength import band
from kamgraph.analysis.strength import strength as relationship_strength
from kamgraph.config import Config
from kamgraph.graph import CONTACT, arrived_on, context, left_on
from kamgraph.model import DECISION_ROLES, Level

__all__ = ["HAND_OVER", "NEW_KEY_PERSON", "ROLE_VACATED", "departed_ours", "hand_overs",
           "new_key_people", "turnover_findings", "vacated_roles"]

HAND_OVER = "hand_over"
ROLE_VACATED = "role_vacated"
NEW_KEY_PERSON = "new_key_person"
_DECISION = {r.value for r in DECISION_ROLES}


def _when(day: date | None) -> str:
    return f"left {day.isoformat()}" if day else "left"


def departed_ours(graph: nx.MultiDiGraph) -> list[str]:
    """Our people on the account who left: their user made inactive or gone from the
    export, or (still with us) gone from the account team inside the change window."""
    left_team = {c.person for c in context(graph).changes if c.kind == "left_team"}
    return [n for n in in_order(graph, graph.nodes)
            if graph.nodes[n]["side"] == "supplier"
            and (not graph.nodes[n]["active"] or n in left_team)]


def _window_start(graph: nx.MultiDiGraph, config: Config) -> date:
    return context(graph).as_of - timedelta(days=config.change_window_days)


def hand_overs(graph: nx.MultiDiGraph, config: Config | None = None) -> list[Finding]:
    """A ``hand_over`` for each recent relationship a departed person of ours held with
    a customer person still there, until someone still here has met them since."""
    config = config or Config()
    as_of = context(graph).as_of
    recency = timedelta(days=config.recency_days)
    window_start = _window_start(graph, config)
    assigned: dict[str, tuple[dict[str, Any], float]] | None = None
    out = []
    for leaver in departed_ours(graph):
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
            taken = [s for s, e in contact_edges(graph, customer, active_only=True)
                     if s != leaver and graph.nodes[s]["active"]
                     and e["last_two_way"] is not None and e["last_two_way"] > since]
            if taken:
                continue  # someone still here has met them since: handed over
            others = [s for s, _ in contact_edges(graph, customer, active_only=True)
                      if s != leaver and graph.nodes[s]["active"]]
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
                         second_thread(graph, customer, exclude={leaver}, config=config))
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
                f"{edge['frequency'].replace('_', ' ')} contact, strength {strength:.2f} "
                f"({band(strength, config)}), last two-way contact {last.isoformat()}",
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
                kind=HAND_OVER,
                severity=severity_for(score, config.severity_high, config.severity_medium),
                score=round(score, 4),
                subject=Subject("person", customer, str(name)),
                evidence=tuple(evidence),
                action=(f"Hand {who}'s relationship with {name} to "
                        f"{suggested.name if suggested else 'a colleague'} before it goes "
                        f"cold."),
                suggested=suggested,
                data={"left": leaver, "left_name": str(who),
                      "left_on": gone.isoformat() if gone else None,
                      "frequency": edge["frequency"], "strength": round(strength, 4),
                      "last_contact": last.isoformat(), "still_met": bool(others)},
            ))
    return out


def vacated_roles(graph: nx.MultiDiGraph, config: Config | None = None) -> list[Finding]:
    """``role_vacated`` for each customer person who left holding a role on an open deal
    nobody still there holds: "who takes over from them?"."""
    config = config or Config()
    if is_unmapped(graph):
        return []  # nobody of theirs is left on record: mapping the account comes first
    held: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for opp, roles in open_opportunities(graph):
        present = {r for person, rs in roles.items() if graph.nodes[person]["active"]
                   for r in rs}
        for person, rs in roles.items():
            if graph.nodes[person]["active"]:
                continue
            for role in sorted(rs - present):
                held[person][role].append(str(opp["name"]))
    # A decision role recorded on the person, not on a deal, is the account's.
    present = {r for n in graph.nodes if graph.nodes[n]["side"] == "customer"
               and graph.nodes[n]["active"] for r in graph.nodes[n]["roles"]}
    for person in graph.nodes:
        d = graph.nodes[person]
        if d["side"] != "customer" or d["active"]:
            continue
        for role in sorted(set(d["roles"]) & _DECISION - present):
            if role not in held.get(person, {}):
                held[person][role].append("the account")
    account = context(graph).account
    arrivals = [n for n in context(graph).arrived
                if n in graph and graph.nodes[n]["active"]]
    out = []
    for person in in_order(graph, held):
        d = graph.nodes[person]
        gone = left_on(graph, person)
        vacant = held[person]
        decision = any(r in _DECISION for r in vacant)
        score = 0.8 if decision else 0.55
        labels = [ROLE_LABELS.get(r, r).lower() for r in sorted(
            vacant, key=lambda r: (r not in _DECISION, r))]
        deals = sorted({o for opps in vacant.values() for o in opps})
        evidence = [f"{describe(graph, person)} {_when(gone)}: "
                    + "; ".join(f"{ROLE_LABELS.get(r, r).lower()} on " + ", ".join(
                        o if o == "the account" else repr(o) for o in opps)
                        for r, opps in sorted(vacant.items()))
                    + "; nobody still there holds the role"]
        # Someone who arrived in the same function, or senior, is the likely successor.
        likely = [n for n in in_order(graph, arrivals)
                  if graph.nodes[n]["function"] == d["function"]
                  or graph.nodes[n]["level_rank"] >= d["level_rank"]]
        if likely:
            new = likely[0]
            evidence.append(f"{describe(graph, new)} arrived on "
                            f"{context(graph).arrived[new].isoformat()}")
        ask = f" — is it {graph.nodes[likely[0]]['name']}?" if likely else ""
        out.append(Finding(
            kind=ROLE_VACATED,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score,
            subject=Subject("account", str(account["id"]), str(account["name"])),
            evidence=tuple(evidence),
            action=(f"Find out who takes over from {d['name']} as {' and '.join(labels)} "
                    f"on {', '.join(deals)}{ask}"),
            data={"person": person, "name": str(d["name"]), "roles": sorted(vacant),
                  "deals": deals, "likely": likely[:1],
                  "left_on": gone.isoformat() if gone else None},
        ))
    return out


def new_key_people(graph: nx.MultiDiGraph, config: Config | None = None) -> list[Finding]:
    """``new_key_person`` for each key person who arrived inside the change window and
    whom nobody of ours meets: high when they hold a decision role or sit at the top."""
    config = config or Config()
    out = []
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
        out.append(Finding(
            kind=NEW_KEY_PERSON,
            severity=severity_for(score, config.severity_high, config.severity_medium),
            score=score, subject=Subject("person", node, str(d["name"])),
            evidence=(f"{describe(graph, node)} arrived"
                      + (f" on {day.isoformat()}" if day else "")
                      + ": nobody of ours has met them",
                      "key: " + "; ".join(reasons)),
            action=f"Meet {d['name']} this month.",
            data={"arrived": day.isoformat() if day else None, "decides": decides},
        ))
    return out


def turnover_findings(graph: nx.MultiDiGraph, config: Config | None = None) -> list[Finding]:
    """Hand-overs, vacated roles and new key people, in that order."""
    config = config or Config()
    found = hand_overs(graph, config) + vacated_roles(graph, config) + new_key_people(
        graph, config)
    return sorted(found, key=lambda f: (-f.severity.rank, -f.score,
                                        order_of(graph, f.subject.id)))
