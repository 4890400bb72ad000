"""The mirror assignment is a heaviest assignment: as heavy as a general matching finds."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.analysis.assignment import best_assignment

# Weights as the mirror fit makes them: a few distinct values, so ties are common.
_WEIGHT = st.sampled_from([0.2, 0.35, 0.5, 0.55, 0.7, 0.8, 0.85, 1.0])
_ROW = st.lists(st.tuples(st.integers(0, 7), _WEIGHT), max_size=6,
                unique_by=lambda c: c[0])


def _matching_weight(choices: list[list[tuple[int, float]]], capacity: int) -> float:
    graph = nx.Graph()
    for r, row in enumerate(choices):
        for c, w in row:
            for slot in range(capacity):
                graph.add_edge(("row", r), ("slot", c, slot), weight=w)
    return sum(graph.edges[a, b]["weight"] for a, b in nx.max_weight_matching(graph))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROW, max_size=12), st.integers(1, 3))
def test_as_heavy_as_a_maximum_weight_matching(choices: list[list[tuple[int, float]]],
                                               capacity: int) -> None:
    got = best_assignment(choices, capacity)
    for r, (c, w) in got.items():
        assert (c, w) in choices[r]
    loads: dict[int, int] = {}
    for c, _ in got.values():
        loads[c] = loads.get(c, 0) + 1
    assert all(n <= capacity for n in loads.values())
    total = sum(w for _, w in got.values())
    assert abs(total - _matching_weight(choices, capacity)) < 1e-9
    assert best_assignment(choices, capacity) == got  # the same input, the same answer


def test_a_strong_candidate_is_not_promised_twice() -> None:
    # Both want candidate 1; one can have them, the other takes their second choice.
    got = best_assignment([[(1, 1.0), (2, 0.8)], [(1, 1.0), (3, 0.2)]], capacity=1)
    assert got == {0: (2, 0.8), 1: (1, 1.0)}
    # Ties go to the earlier row.
    assert best_assignment([[(1, 1.0)], [(1, 1.0)]], capacity=1) == {0: (1, 1.0)}
    assert best_assignment([[(1, 1.0)], [(1, 1.0)]], capacity=2) == {0: (1, 1.0), 1: (1, 1.0)}
    assert best_assignment([], capacity=2) == {}
