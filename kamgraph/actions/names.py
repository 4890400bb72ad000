"""People as an action's words name them: told apart from the account's namesakes."""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import Subject
from kamgraph.graph import context

__all__ = ["Names"]


class Names:
    """The people of one account (theirs, and ours on it or in the pool) by name."""

    def __init__(self, graph: nx.MultiDiGraph) -> None:
        self.graph = graph

    @cached_property
    def pool(self) -> dict[str, dict[str, Any]]:
        """Our people of the pool by id."""
        return {e["id"]: e for e in context(self.graph).pool.entries}

    def identity(self, node: str) -> tuple[str, str, str]:
        """Name, side and title of a person of the account or of our pool."""
        if node in self.graph:
            data = self.graph.nodes[node]
            return str(data["name"]), str(data.get("side", "")), str(data.get("title") or "")
        entry = self.pool.get(node)
        if entry is None:
            return node, "", ""
        return str(entry["name"]), "supplier", str(entry.get("title") or "")

    @cached_property
    def _by_name(self) -> dict[str, list[str]]:
        """The account's people (theirs, and ours on its team) by name."""
        out: defaultdict[str, list[str]] = defaultdict(list)
        for node, data in self.graph.nodes(data=True):
            if "name" in data:
                out[str(data["name"])].append(str(node))
        return out

    def _namesakes(self, node: str, name: str) -> list[tuple[str, str, str]]:
        """The account's other people who share ``node``'s name: those its actions'
        readers could take ``node`` for, with their sides and titles."""
        return [(other, *self.identity(other)[1:])
                for other in self._by_name.get(name, ()) if other != node]

    def name(self, node: str) -> str:
        """A person as an action's words name them, told apart from the account's people
        who share their name: one of ours as "(ours)", one of two on a side by title
        (and id, when the titles match too)."""
        name, side, title = self.identity(node)
        namesakes = self._namesakes(node, name)
        if not namesakes:
            return name
        same_side = [t for _, s, t in namesakes if s == side]
        if not same_side:
            return f"{name} (ours)" if side == "supplier" else name
        if title and title not in same_side:
            return f"{name} ({title})"
        return f"{name} ({title + ', ' if title else ''}{node})"

    def subject(self, node: str) -> Subject:
        """A person as an action's owner or subject (their plain name)."""
        return Subject("person", node, self.identity(node)[0])
