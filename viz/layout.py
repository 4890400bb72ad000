"""Where each person sits on an account's map: by structure, not by free physics.

Their people above, ours below.  Each side is in bands by level (C-level at the top, then
VP, director, head, manager, individual contributor), and each band is grouped by
function, left to right: one block per function, its people under their managers where
reports-to lines exist (a walk of the reporting tree inside the function).  A band of a
block wraps after a few people, so a function of hundreds is a block, not a line.  The
positions are computed here, once; the browser draws them without physics, so the map
is still at once.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from kamgraph.analysis.people import in_order
from kamgraph.graph import REPORTS_TO

__all__ = ["DX", "DY", "positions"]

#: Room for one person: a node and a label of up to two lines.
DX, DY = 140, 84
#: Room between function blocks, and between the two sides.
_BLOCK_GAP, _SIDE_GAP = 40, 110


def _widths(sizes: dict[str, int]) -> dict[str, int]:
    """Columns of each function's block.  A side of n people gets about 1.6 sqrt(n)
    columns in all (levels leave gaps in the bands, so this gives about a screen's
    shape), shared by the functions in proportion to their size."""
    total = sum(sizes.values())
    budget = max(4, math.ceil(1.6 * math.sqrt(total)))
    return {f: max(1, min(n, round(budget * n / total))) for f, n in sizes.items()}


def _order(graph: nx.MultiDiGraph, members: list[str]) -> list[str]:
    """The people of one function in reporting order: each manager before the people
    who report to them (a depth-first walk), most senior roots first."""
    inside = set(members)
    reports: dict[str, list[str]] = defaultdict(list)
    roots = []
    for node in members:
        boss = next((v for _, v, k in graph.out_edges(node, keys=True) if k == REPORTS_TO),
                    None)
        if boss in inside:
            reports[boss].append(node)
        else:
            roots.append(node)

    def seniority(n: str) -> tuple[int, str]:
        return (-graph.nodes[n]["level_rank"], str(graph.nodes[n]["name"]).lower())

    out: list[str] = []
    seen: set[str] = set()
    stack = sorted(roots, key=seniority, reverse=True)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        out.append(node)
        stack.extend(sorted(reports.get(node, ()), key=seniority, reverse=True))
    out += [n for n in members if n not in seen]  # a cycle the builder left: never lost
    return out


def _side(graph: nx.MultiDiGraph, nodes: Iterable[str], top: float
          ) -> tuple[dict[str, tuple[float, float]], float]:
    """Positions of one side's people from ``top`` down; returns them and the bottom."""
    by_function: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        by_function[graph.nodes[node]["function"]].append(node)
    # Biggest functions in the middle would scatter the eye: order by seniority present,
    # then size, then name, so the board reads the same for the same people.
    functions = sorted(by_function, key=lambda f: (
        -max(graph.nodes[n]["level_rank"] for n in by_function[f]),
        -len(by_function[f]), f))
    blocks = []
    rows_in_band: dict[int, int] = defaultdict(int)
    widths = _widths({f: len(m) for f, m in by_function.items()})
    for function in functions:
        members = _order(graph, by_function[function])
        width = widths[function]
        bands: dict[int, list[str]] = defaultdict(list)
        for node in members:
            bands[graph.nodes[node]["level_rank"]].append(node)
        used = max(min(width, len(b)) for b in bands.values())
        for rank, people in bands.items():
            rows_in_band[rank] = max(rows_in_band[rank], math.ceil(len(people) / width))
        blocks.append((bands, width, used))
    band_top: dict[int, float] = {}
    y = top
    for rank in sorted(rows_in_band, reverse=True):
        band_top[rank] = y
        y += rows_in_band[rank] * DY
    bottom = y
    out: dict[str, tuple[float, float]] = {}
    x = 0.0
    for bands, width, used in blocks:
        for rank, people in bands.items():
            for i, node in enumerate(people):
                row, col = divmod(i, width)
                # A band's last, short row is centred under the block.
                in_row = min(width, len(people) - row * width)
                offset = (used - in_row) / 2
                out[node] = (x + (col + offset) * DX, band_top[rank] + row * DY)
        x += used * DX + _BLOCK_GAP
    # Centre the side on x = 0.
    shift = (x - _BLOCK_GAP - DX) / 2
    out = {n: (px - shift, py) for n, (px, py) in out.items()}
    return out, bottom


def positions(graph: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Every person's (x, y) on the map, theirs above ours, in graph units (pixels at
    zoom 1)."""
    people = in_order(graph, graph.nodes)
    theirs = [n for n in people if graph.nodes[n]["side"] == "customer"]
    ours = [n for n in people if graph.nodes[n]["side"] == "supplier"]
    out, bottom = _side(graph, theirs, 0.0)
    mine, _ = _side(graph, ours, bottom + _SIDE_GAP)
    out.update(mine)
    return out
