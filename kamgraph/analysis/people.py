"""Who matters and who reaches whom: the small vocabulary every analysis shares."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import networkx as nx

from kamgraph.config import Config
from kamgraph.graph import CONTACT, context
from kamgraph.memo import remember
from kamgraph.model import DECISION_ROLES, Level

__all__ = [
    "ROLE_LABELS",
    "active_links",
    "contact_edges",
    "customer_set",
    "customers",
    "describe",
    "function_label",
    "in_order",
    "is_decision_maker",
    "is_key",
    "is_unmapped",
    "key_reasons",
    "memo",
    "open_opportunities",
    "order_of",
    "ours",
    "peer_fit",
    "peer_quality",
    "rebuffed",
    "second_thread",
]

ROLE_LABELS = {
    "economic_buyer": "Economic Buyer",
    "decision_maker": "Decision Maker",
    "technical_buyer": "Technical Buyer",
    "influencer": "Influencer",
    "user": "User",
    "gatekeeper": "Gatekeeper",
    "coach": "Coach",
    "executive_sponsor": "Executive Sponsor",
    "other": "Other",
}
_DECISION = {r.value for r in DECISION_ROLES}


def function_label(function: str) -> str:
    """``quality_control`` -> ``quality control``; ``r_and_d`` -> ``R&D``."""
    return {"r_and_d": "R&D"}.get(function, function.replace("_", " "))


def in_order(graph: nx.MultiDiGraph, nodes: Iterable[str]) -> list[str]:
    """People in the graph's order: by name, then id.

    Ties between people are broken this way everywhere, so the same people give the same
    audit whichever CRM numbered them.
    """
    rank = context(graph).rank
    return sorted(nodes, key=lambda n: (rank.get(n, len(rank)), n))


def order_of(graph: nx.MultiDiGraph, node: str) -> int:
    """A person's place in :func:`in_order`."""
    rank = context(graph).rank
    return int(rank.get(node, len(rank)))


def memo(graph: nx.MultiDiGraph, key: Hashable, make: Callable[[], _T]) -> _T:
    """``make()``, computed once per graph and remembered while the graph lives
    (:func:`kamgraph.memo.remember`).

    Analyses read a built account graph and never change it, and a dozen of them ask
    the same questions (who is a customer, who reaches whom): an audit of thousands of
    accounts answers each once per account.
    """
    return remember(graph, key, make)


_T = TypeVar("_T")


def _side(graph: nx.MultiDiGraph, side: str, active: bool) -> list[str]:
    return [node for node in in_order(graph, graph.nodes)
            if graph.nodes[node]["side"] == side and (graph.nodes[node]["active"] or not active)]


def customers(graph: nx.MultiDiGraph, *, active: bool = True) -> Iterator[str]:
    """Customer people, in name order; only those still there unless ``active=False``."""
    yield from memo(graph, ("customers", active), lambda: _side(graph, "customer", active))


def customer_set(graph: nx.MultiDiGraph) -> frozenset[str]:
    """The customer people still there, as a set: for asking who is one."""
    return memo(graph, "customer_set", lambda: frozenset(customers(graph)))


def is_unmapped(graph: nx.MultiDiGraph) -> bool:
    """True when nobody of the customer's is recorded (still there): nothing is known of
    the account's buying centre, so nothing can be said to be missing from it."""
    return not memo(graph, ("customers", True), lambda: _side(graph, "customer", True))


def ours(graph: nx.MultiDiGraph, *, active: bool = True) -> Iterator[str]:
    yield from memo(graph, ("ours", active), lambda: _side(graph, "supplier", active))


def contact_edges(
    graph: nx.MultiDiGraph, customer: str, *, active_only: bool = False
) -> Sequence[tuple[str, dict[str, Any]]]:
    """``(our person, edge attributes)`` for every contact edge into ``customer``, in
    the graph's order of our people (read-only: every analysis shares it)."""
    index = memo(graph, "contact_edges", lambda: _contact_index(graph))
    return index.get((customer, active_only), ())


def _contact_index(graph: nx.MultiDiGraph,
                   ) -> dict[tuple[str, bool], tuple[tuple[str, dict[str, Any]], ...]]:
    """Every person's contact edges, all and active only, in one pass over the graph."""
    rank = context(graph).rank
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for source, target, key, data in graph.edges(keys=True, data=True):
        if key == CONTACT:
            found.setdefault(target, []).append((source, data))
    out: dict[tuple[str, bool], tuple[tuple[str, dict[str, Any]], ...]] = {}
    for target, edges in found.items():
        # Stable: our people in name order, and two edges of one person as the graph has
        # them (there is one contact edge per pair).
        edges.sort(key=lambda item: rank.get(item[0], len(rank)))
        out[(target, False)] = tuple(edges)
        out[(target, True)] = tuple(e for e in edges if e[1]["active"])
    return out


def key_reasons(graph: nx.MultiDiGraph, node: str, config: Config) -> list[str]:
    """Why a customer person matters; empty when they do not.

    A person matters who holds a decision role, whose recorded influence reaches
    ``config.key_influence``, or whose level is ``config.key_level`` or above.
    """
    return list(_known_reasons(graph, node, config))


def _known_reasons(graph: nx.MultiDiGraph, node: str, config: Config) -> list[str]:
    """:func:`key_reasons`, remembered per graph and shared: not to be changed."""
    known: dict[str, list[str]] = memo(graph, ("key_reasons", id(config)), dict)
    found = known.get(node)
    if found is None:
        found = known[node] = _key_reasons(graph, node, config)
    return found


def _key_reasons(graph: nx.MultiDiGraph, node: str, config: Config) -> list[str]:
    data = graph.nodes[node]
    reasons = []
    decision = [ROLE_LABELS[r] for r in data["roles"] if r in _DECISION]
    if decision:
        reasons.append(f"holds a decision role ({', '.join(decision)})")
    influence = data.get("influence")
    if influence is not None and influence >= config.key_influence:
        reasons.append(f"recorded influence {influence:.2f} (key at {config.key_influence:.2f})")
    if data["level_rank"] >= config.key_level.rank:
        level = Level(data["level"])
        title = f"'{data['title']}', " if data.get("title") else ""
        reasons.append(f"senior: {title}{level.label}")
    return reasons


def is_key(graph: nx.MultiDiGraph, node: str, config: Config) -> bool:
    return bool(_known_reasons(graph, node, config))


def describe(graph: nx.MultiDiGraph, node: str, more: str = "") -> str:
    """``Name (Title)`` for evidence lines; ``more`` joins the title in its parentheses:
    ``Name (Title; more)``."""
    data = graph.nodes[node]
    inside = "; ".join(part for part in (data.get("title"), more) if part)
    return f"{data['name']} ({inside})" if inside else str(data["name"])


def is_decision_maker(graph: nx.MultiDiGraph, node: str) -> bool:
    """True when the person holds a decision role (economic buyer, decision maker, sponsor)."""
    return any(r in _DECISION for r in graph.nodes[node]["roles"])


def active_links(graph: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """Every active (ours, theirs) relationship, sorted."""
    return list(memo(graph, "active_links", lambda: sorted(
        ((u, v) for u, v, k, d in graph.edges(keys=True, data=True)
         if k == CONTACT and d["active"]),
        key=lambda link: (order_of(graph, link[0]), order_of(graph, link[1])),
    )))


def peer_fit(them: Mapping[str, Any], us: Mapping[str, Any], config: Config) -> float:
    """How well one of our people mirrors a customer person, from their attributes, 0..1.

    Function: 1 for the mirror table's first choice, a quarter less for each later one,
    0.2 for none.  Level: 1 at the same level, a quarter less a level apart.
    """
    matches = config.mirror_table.get(them["function"], ())
    if us["function"] in matches:
        function_fit = 1.0 - 0.25 * matches.index(us["function"])
    else:
        function_fit = 0.2
    level_fit = max(0.0, 1.0 - 0.25 * abs(them["level_rank"] - us["level_rank"]))
    return float(round(0.6 * function_fit + 0.4 * level_fit, 4))


def peer_quality(graph: nx.MultiDiGraph, customer: str, ours: str, config: Config) -> float:
    """:func:`peer_fit` of two people of an account graph."""
    return peer_fit(graph.nodes[customer], graph.nodes[ours], config)


def second_thread(
    graph: nx.MultiDiGraph, customer: str, *, exclude: set[str], config: Config
) -> str | None:
    """The best other person of ours in this account's graph to add as a thread.

    The fit depends only on their function and level, so our people are ranked once per
    (function, level): in an account of thousands, many people share a ranking.
    """
    them = graph.nodes[customer]

    def ranking() -> list[str]:
        candidates = [
            n for n in ours(graph)
            if graph.nodes[n].get("team_roles") or graph.out_degree(n)
        ]
        return sorted(candidates, key=lambda n: (-peer_quality(graph, customer, n, config),
                                                 order_of(graph, n)))

    ranked = memo(graph, ("second_thread", them["function"], them["level_rank"], id(config)),
                  ranking)
    return next((n for n in ranked if n not in exclude and not rebuffed(graph, n, customer)),
                None)


def rebuffed(graph: nx.MultiDiGraph, ours: str, customer: str) -> bool:
    """True when ``ours``'s record with ``customer`` is mostly attempts turned away.

    Declined invitations and unanswered calls that outnumber the two-way contacts (held
    meetings, connected calls): whoever else is asked, not this person, opens the door.
    """
    if not graph.has_edge(ours, customer, CONTACT):
        return False
    data = graph.edges[ours, customer, CONTACT]
    attempts = data["declined"] + data["unanswered"]
    if attempts < 2:
        return False
    two_way = sum(1 for t in data["touches"] if t[2] == "held" and t[1] != "email")
    return bool(attempts > two_way)


def open_opportunities(
    graph: nx.MultiDiGraph,
) -> list[tuple[dict[str, Any], dict[str, set[str]]]]:
    """Each open opportunity with its people's roles on it (person -> role values).  An
    open deal whose close date passed long ago (``stale``) is not one: the analyses leave
    it to :func:`kamgraph.analysis.committee.stale_deals`."""
    out = []
    for opp in context(graph).opportunities:
        if opp["is_closed"] or opp.get("stale"):
            continue
        roles: dict[str, set[str]] = {}
        for r in opp["roles"]:
            roles.setdefault(r["person"], set()).update(r["roles"])
        out.append((opp, roles))
    return out
