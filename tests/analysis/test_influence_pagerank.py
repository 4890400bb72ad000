"""PageRank as the derived influence computes it: the one-pass solution of an org chart
(no cycle) is the fixed point that power iteration converges to."""

from __future__ import annotations

import random

import networkx as nx
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from kamgraph.analysis.influence import pagerank


def _chart(seed: int, people: int, cyclic: bool) -> dict[tuple[str, str], float]:
    rng = random.Random(seed)
    edges: dict[tuple[str, str], float] = {}
    for i in range(1, people):
        edges[(f"p{i}", f"p{rng.randrange(i)}")] = 1.0  # reports to someone earlier
        if rng.random() < 0.2:  # sways someone earlier
            j = rng.randrange(i)
            edges[(f"p{j}", f"p{i}") if cyclic else (f"p{i}", f"p{j}")] = 2.0
    return edges


def test_an_org_chart_is_solved_to_networkx_pagerank() -> None:
    for seed, cyclic in ((1, False), (2, False), (3, True)):
        edges = _chart(seed, 300, cyclic)
        nodes = sorted({u for u, _ in edges} | {v for _, v in edges})
        graph = nx.DiGraph()
        graph.add_nodes_from(nodes)
        graph.add_weighted_edges_from((u, v, w) for (u, v), w in edges.items())
        expected = _pagerank_python(graph, alpha=0.85, tol=1e-13, max_iter=1000)
        got = pagerank(edges, nodes)
        assert abs(sum(got.values()) - 1.0) < 1e-9
        # Solved in one pass, an org chart is exact; with a cycle, iterated to 1e-10 a
        # person.
        tolerance = 1e-8 if cyclic else 1e-11
        assert max(abs(got[n] - expected[n]) for n in nodes) < tolerance, (seed, cyclic)
        assert max(got, key=got.__getitem__) == max(expected, key=expected.__getitem__)
