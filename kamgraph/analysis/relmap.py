"""The relationship map of slide 27: their functions × our functions, how often we meet.

Each cell holds the most frequent contact class between anyone of that customer function
and anyone of ours in that function, over active relationships.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from kamgraph.graph import CONTACT
from kamgraph.model import Frequency

__all__ = ["relationship_map"]


def relationship_map(graph: nx.MultiDiGraph) -> dict[str, Any]:
    """``{"rows": [...], "columns": [...], "cells": {row: {column: class}}}``.

    Rows are the customer functions present in the account, columns our functions with
    at least one link; a missing cell means nobody meets.
    """
    rows = sorted({d["function"] for _, d in graph.nodes(data=True)
                   if d["side"] == "customer" and d["active"]})
    cells: dict[str, dict[str, str]] = {}
    columns: set[str] = set()
    for s, c, key, data in graph.edges(keys=True, data=True):
        if key != CONTACT or not data["active"]:
            continue
        row, col = graph.nodes[c]["function"], graph.nodes[s]["function"]
        columns.add(col)
        current = cells.setdefault(row, {}).get(col)
        if current is None or Frequency(data["frequency"]).rank > Frequency(current).rank:
            cells[row][col] = data["frequency"]
    return {"rows": rows, "columns": sorted(columns), "cells": cells}
