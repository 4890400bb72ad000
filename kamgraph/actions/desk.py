"""What drafting and assigning an account's actions read of it: who of ours is still
here and holds whom, who leads the account, who could open a relationship with whom, and
how an owner is introduced."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import networkx as nx

from kamgraph.actions.drafts import Intro, Why
from kamgraph.actions.names import Names
from kamgraph.analysis.anti_sponsor import likely_anti_sponsor_people
from kamgraph.analysis.findings import (
    Finding,
    LeadLeftData,
    PlacementData,
    RoleVacatedData,
)
from kamgraph.analysis.paths import best_route
from kamgraph.analysis.people import (
    contact_edges,
    open_opportunities,
    order_of,
    ours,
    peer_fit,
    rebuffed,
)
from kamgraph.analysis.strength import edge_strength, strong_threads
from kamgraph.config import Config
from kamgraph.graph import REPORTS_TO, context
from kamgraph.model import SupplierRole
from kamgraph.records import ChangeKind

__all__ = ["LEADS", "Desk"]

#: The account's lead, in this order of team roles.
LEADS = (SupplierRole.KEY_ACCOUNT_MANAGER.value, SupplierRole.KEY_ACCOUNT_DIRECTOR.value,
         SupplierRole.EXECUTIVE_SPONSOR.value)


class Desk:
    """One account's facts for its actions, read once from its graph and findings."""

    def __init__(self, graph: nx.MultiDiGraph, findings: Sequence[Finding],
                 config: Config) -> None:
        self.graph = graph
        self.findings = findings
        self.config = config
        self.names = Names(graph)
        #: Our people who left this account's team inside the change window: still with
        #: us, but no longer its people to act or introduce here.
        self.off_team = {c.person for c in context(graph).changes
                         if c.kind is ChangeKind.LEFT_TEAM}
        self.anti = likely_anti_sponsor_people(graph, config)
        self.deal_roles: dict[str, set[str]] = {}
        for _opp, roles in open_opportunities(graph):
            for person, held in roles.items():
                self.deal_roles.setdefault(person, set()).update(held)
        self.strategy = next((f.data.strategy for f in findings
                              if isinstance(f.data, PlacementData)), None)
        #: Roles whose holder left: their own actions ask who takes over.
        self.vacated = {r.replace("_", " ") for f in findings
                        if isinstance(f.data, RoleVacatedData) for r in f.data.roles}
        #: The account's lead who left with nobody leading it now, and who names their
        #: successor (and leads meanwhile).
        left = next((f.data for f in findings if isinstance(f.data, LeadLeftData)), None)
        self.departed_lead = left.person if left else None
        self.names_successor = left.names_successor if left else None
        #: Who of theirs is reached only through someone: the people above a gatekeeper,
        #: and those who name whom to be introduced through -> that person.
        self.gated_by = _gates(graph)
        self._rankings: dict[tuple[str, int],
                             tuple[list[str], dict[str, tuple[float, str, str]]]] = {}

    def name(self, node: str) -> str:
        return self.names.name(node)

    def active_ours(self, node: str) -> bool:
        """One of our people still here: in the account graph, or in the pool."""
        if node in self.off_team:
            return False
        if node in self.graph:
            data = self.graph.nodes[node]
            return bool(data["side"] == "supplier" and data["active"])
        return node in self.names.pool

    def holders(self, customer: str) -> list[str]:
        """Our people still here with an active relationship, strongest first."""
        g = self.graph
        out = [(edge_strength(g, s, customer, self.config), -order_of(g, s), s)
               for s, _ in contact_edges(g, customer, active_only=True)
               if g.nodes[s]["active"] and s not in self.off_team
               and not rebuffed(g, s, customer)]
        return [s for _, _, s in sorted(out, reverse=True)]

    def avoid(self, customer: str, why: Why) -> set[str]:
        """Who of ours may not take a new relationship with ``customer``: for a second
        thread, whoever holds one already; for a first regular one, whoever already has
        it (a sporadic contact may deepen theirs); for a meeting or a hand-over, nobody."""
        if why in (Why.MEET, Why.HANDOVER):
            return set()
        if why is Why.FIRST_THREAD:
            return set(strong_threads(self.graph, customer, self.config))
        return set(self.holders(customer))

    @cached_property
    def lead(self) -> str | None:
        """The account's lead of ours still here: KAM, then KAD, then sponsor; when the
        KAM or KAD left with nobody leading, whoever names the successor."""
        if self.departed_lead is not None and self.names_successor is not None:
            return self.names_successor
        team = [n for n in ours(self.graph) if self.graph.nodes[n].get("team_roles")
                and n not in self.off_team]
        for role in LEADS:
            found = [n for n in team if role in self.graph.nodes[n]["team_roles"]]
            if found:
                return found[0]
        return team[0] if team else None

    def candidates(self, customer: str, suggested: list[str]) -> list[str]:
        """People of ours who could open a relationship with ``customer``, best first:
        the best peer by function and level, the analyses' own choices (which respect
        capacity) and people already on the account a little ahead of equals."""
        g = self.graph
        them = g.nodes[customer]
        base, keys = self._ranked_team(them["function"], them["level_rank"])
        fits: dict[str, float] = {}

        def consider(node: str, bonus: float) -> None:
            if not node or not self.active_ours(node) or rebuffed(g, node, customer):
                return
            attrs = g.nodes[node] if node in g else self.names.pool.get(node)
            if attrs is None:
                return
            fit = peer_fit(them, attrs, self.config) + bonus
            fits[node] = max(fits.get(node, 0.0), fit)

        # The few people whose fit is not their place in the account's ranking: the
        # analyses' choices, the pool's free peers, and anyone who rebuffed them.
        for rank, node in enumerate(suggested):
            consider(node, 0.15 - 0.01 * rank)
        pool = context(g).pool
        for function in self.config.mirror_table.get(them["function"], ()):
            for level in range(them["level_rank"] - 1, them["level_rank"] + 2):
                for i in pool.buckets.get((function, level), ())[:3]:
                    entry = pool.entries[i]
                    if entry["load"] < entry["capacity"]:
                        consider(entry["id"], 0.0)
        rebuffing = {s for s, _ in contact_edges(g, customer) if s in keys
                     and rebuffed(g, s, customer)}
        rest = [n for n in base if n not in fits and n not in rebuffing]
        if not fits:
            return rest
        ordering = dict(keys)
        for node, fit in fits.items():
            # On the account too: the better of the two fits.
            fit = max(fit, -keys[node][0]) if node in keys else fit
            ordering[node] = (-fit, self.name(node).lower(), node)
        return sorted([*fits, *rest], key=ordering.__getitem__)

    def _ranked_team(self, function: str, level_rank: int,
                     ) -> tuple[list[str], dict[str, tuple[float, str, str]]]:
        """Our people on the account (team or contact), still here, ranked for a customer
        of ``function`` and ``level_rank`` as :meth:`candidates` ranks them; the same
        for everyone of that function and level, so ranked once."""
        key = (function, level_rank)
        if key not in self._rankings:
            g = self.graph
            probe = {"function": function, "level_rank": level_rank}
            keys = {}
            for node in ours(g):
                if (g.nodes[node].get("team_roles") or g.out_degree(node)) \
                        and self.active_ours(node):
                    fit = peer_fit(probe, g.nodes[node], self.config) + 0.05
                    keys[node] = (-fit, self.name(node).lower(), node)
            self._rankings[key] = sorted(keys, key=keys.__getitem__), keys
        return self._rankings[key]

    def introduction(self, customer: str, owner: str | None) -> Intro:
        """Who of ours introduces ``owner`` to ``customer``: whoever holds them, else the
        strongest route that avoids a likely anti-sponsor, else the account's lead."""
        holders = [h for h in self.holders(customer) if h != owner]
        if holders:
            return Intro("by", holders[0])
        route = best_route(self.graph, customer, self.config)
        if route is not None and self.active_ours(route.asker) and not any(
                h.target in self.anti for h in route.hops[:-1]):
            if len(route.hops) == 1:
                if route.asker == owner:
                    return Intro("revive")
                return Intro("by", route.asker)
            if route.asker == owner:
                return Intro("ask", through=route.contact)
            return Intro("by", route.asker, route.contact)
        lead = self.lead
        if lead and lead != owner:
            return Intro("by", lead)
        return Intro("team")


def _gates(graph: nx.MultiDiGraph) -> dict[str, str]:
    """Customer person -> the person of theirs they are reached through (recorded in the
    kamgraph CSV overlay: ``gatekeeper`` or ``introduce_through``)."""
    out: dict[str, str] = {}
    for node, data in graph.nodes(data=True):
        if data.get("side") != "customer":
            continue
        through = data.get("introduce_through")
        if through and through in graph and through != node:
            out[node] = str(through)
        if data.get("gatekeeper"):
            above, seen = node, {node}
            while True:
                managers = [m for _, m, k in graph.out_edges(above, keys=True)
                            if k == REPORTS_TO and m not in seen]
                if not managers:
                    break
                above = managers[0]
                seen.add(above)
                out.setdefault(above, node)
    return out
