"""Strength on hand-built histories; paths to power where the best path is not the shortest."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.analysis.paths import (
    _US,
    _Hops,
    _shortest_simple_paths,
    path_findings,
    paths_to_power,
)
from kamgraph.analysis.relationship_level import relationship_level_gaps
from kamgraph.analysis.strength import band, strength
from kamgraph.analysis.threads import single_threads
from kamgraph.config import Config
from kamgraph.model import Channel, CustomerRole, Outcome, Relationship
from tests.builders import AccountBuilder

TODAY = date(2026, 11, 1)
C = Config()


def history(*items: tuple[int, str, str]) -> tuple[tuple[object, ...], ...]:
    return tuple((TODAY - timedelta(days=age), channel, outcome, 30, f"a{i}")
                 for i, (age, channel, outcome) in enumerate(items))


class TestStrength:
    def test_more_recent_contact_is_stronger(self) -> None:
        for age in range(0, 300, 20):
            assert strength(history((age, "meeting", "held")), TODAY, C) >= \
                strength(history((age + 20, "meeting", "held")), TODAY, C)

    def test_two_way_contact_beats_one_way(self) -> None:
        meetings = history(*[(7 * i, "meeting", "held") for i in range(6)])
        mails = history(*[(7 * i, "email", "sent") for i in range(6)])
        assert strength(meetings, TODAY, C) > strength(mails, TODAY, C)

    def test_one_way_email_alone_stays_at_the_bottom(self) -> None:
        flood = history(*[(i, "email", "sent") for i in range(200)])
        assert strength(flood, TODAY, C) <= C.strength_one_way_cap
        assert band(strength(flood, TODAY, C), C) == "sporadic"

    def test_declines_and_unanswered_calls_add_nothing(self) -> None:
        base = history((10, "meeting", "held"))
        noisy = base + history(*[(i, "call", "unanswered") for i in range(1, 9)])
        assert strength(noisy, TODAY, C) == strength(base, TODAY, C)

    def test_long_standing_relationships_decay_more_slowly(self) -> None:
        recent = [(120 + 7 * i, "meeting", "held") for i in range(8)]
        old_roots = recent + [(360, "meeting", "held")]
        # The same quiet quarter costs a year-old relationship less.
        assert strength(history(*old_roots), TODAY, C) > strength(history(*recent), TODAY, C)

    def test_a_seniority_gap_costs(self) -> None:
        h = history(*[(7 * i, "meeting", "held") for i in range(5)])
        assert strength(h, TODAY, C, level_gap=3) < strength(h, TODAY, C, level_gap=0)

    @settings(max_examples=60)
    @given(st.lists(st.tuples(st.integers(0, 400),
                              st.sampled_from(["meeting", "call", "email", "other"]),
                              st.sampled_from(["held", "sent", "declined", "unanswered"])),
                    max_size=40), st.randoms(use_true_random=False))
    def test_in_unit_interval_and_order_independent(self, items: list[tuple[int, str, str]],
                                                    rnd: object) -> None:
        h = history(*items)
        value = strength(h, TODAY, C)
        assert 0.0 <= value <= 1.0
        shuffled = list(h)
        rnd.shuffle(shuffled)  # type: ignore[attr-defined]
        assert abs(strength(tuple(shuffled), TODAY, C) - value) < 1e-9


def test_many_emails_from_one_person_are_one_thread() -> None:
    b = (AccountBuilder().theirs("cfo", "CFO", roles=(CustomerRole.ECONOMIC_BUYER,))
         .ours("kam", "KAM").ours("rep", "Sales Rep")
         .contact("kam", "cfo", times=10, every=7)
         .contact("rep", "cfo", times=40, every=2, channel=Channel.EMAIL, outcome=Outcome.SENT,
                  minutes=0))
    [finding] = [f for f in single_threads(b.graph(), Config()) if f.subject.id == "cfo"]
    assert any("only Kam has a relationship with Cfo above sporadic" in e for e in finding.evidence)


def test_the_best_path_is_not_the_shortest() -> None:
    b = (AccountBuilder()
         .theirs("eb", "CFO", roles=(CustomerRole.ECONOMIC_BUYER,))
         .theirs("aide", "Finance Manager", reports_to="eb")
         .ours("weak", "Sales Rep").ours("kam", "Key Account Manager")
         # One meeting with the CFO long ago: a direct but feeble link.
         .contact("weak", "eb", days_ago=300)
         # A strong, regular relationship with the CFO's finance manager.
         .contact("kam", "aide", times=12, every=7))
    graph = b.graph()
    routes = paths_to_power(graph, "eb", Config())
    assert [[h.target for h in r.hops] for r in routes[:2]] == [["aide", "eb"], ["eb"]]
    assert routes[0].strength > routes[1].strength
    assert routes[0].asker == "kam" and routes[0].contact == "aide"
    [finding] = path_findings(graph, Config())
    assert finding.action == "Kam asks Aide for an introduction to Eb."
    assert finding.suggested is not None and finding.suggested.id == "kam"


def test_influence_lines_open_a_route() -> None:
    b = (AccountBuilder().theirs("eb", "CEO", roles=(CustomerRole.ECONOMIC_BUYER,))
         .theirs("guru", "Engineer").influences("guru", "eb", 1.0)
         .ours("ts", "Application Engineer").contact("ts", "guru", times=8, every=7))
    [route] = paths_to_power(b.graph(), "eb", Config())
    assert [h.kind for h in route.hops] == ["relationship", "influence"]


def test_no_route_is_said_plainly() -> None:
    b = AccountBuilder().theirs("eb", "CEO", roles=(CustomerRole.ECONOMIC_BUYER,)).ours("s", "KAM")
    [finding] = path_findings(b.graph(), Config())
    assert "no route" in finding.evidence[1] and finding.severity.value == "high"


def test_recorded_level_gap_and_unbacked_level() -> None:
    b = (AccountBuilder().theirs("c", "CTO").ours("s", "KAM")
         .contact("s", "c", days_ago=200)
         .add(Relationship(account_id="ACC", supplier_id="s", customer_id="c",
                           level="problem_solver", desired_level="trusted_advisor")))
    [finding] = relationship_level_gaps(b.graph(), Config())
    assert "not backed" in finding.evidence[-1]


@st.composite
def route_graphs(draw: st.DrawFn) -> tuple[nx.DiGraph, str, frozenset[str]]:
    """A routes graph with many equally strong routes: costs whose sums are exact."""
    people = [f"p{i}" for i in range(draw(st.integers(3, 8)))]
    starts = draw(st.lists(st.sampled_from(people), min_size=1, max_size=4))
    pairs = st.tuples(st.sampled_from(people), st.sampled_from(people))
    edges = draw(st.lists(st.tuples(pairs, st.sampled_from([0.0, 0.5, 0.5, 1.0])),
                          min_size=6, max_size=40))
    h = nx.DiGraph()
    h.add_edges_from([(_US, p, {"cost": 0.0}) for p in starts]
                     + [(u, v, {"cost": cost}) for (u, v), cost in edges if u != v])
    target = draw(st.sampled_from(people))
    avoid = frozenset(draw(st.sets(st.sampled_from(people), max_size=3))) - {target}
    return h, target, avoid


@settings(max_examples=300, deadline=None)
@given(route_graphs())
def test_routes_come_as_networkx_finds_them_ties_included(
        case: tuple[nx.DiGraph, str, frozenset[str]]) -> None:
    h, target, avoid = case
    if target not in h:
        h.add_node(target)
    view = h.subgraph(n for n in h if n not in avoid)
    try:
        expected = list(islice(nx.shortest_simple_paths(view, _US, target, weight="cost"), 4))
    except nx.NetworkXNoPath:
        expected = []
    assert list(islice(_shortest_simple_paths(_Hops(h), target, avoid), 4)) == expected
