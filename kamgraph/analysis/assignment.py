"""Maximum-weight assignment of people to candidates who each take a few of them.

Mirror matching asks: each key customer person without a peer has a handful of
candidate peers of ours, each fitting with some weight; each candidate takes at most
``capacity`` new people in one account; which assignment has the greatest total fit?
That is a maximum-weight bipartite b-matching, solved here by successive longest
augmenting paths (the min-cost-flow method): the best path from an unassigned person to
a candidate with room is applied while it adds weight.  Each step keeps the assignment
the heaviest of its size, so the last one is the heaviest of all.  A general-graph
matching (Edmonds' blossoms) over slot copies gives the same total at about four
times the cost.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

__all__ = ["best_assignment"]

_EPS = 1e-9


def best_assignment(
    choices: Sequence[Sequence[tuple[int, float]]], capacity: int
) -> dict[int, tuple[int, float]]:
    """Row -> (candidate, weight) of a heaviest assignment.

    ``choices[r]`` lists row ``r``'s candidates as (candidate, weight > 0), best first;
    a candidate takes at most ``capacity`` rows, a row at most one candidate.  Rows left
    out are those no gain could place.  The same input gives the same answer: earlier
    rows and earlier choices win ties.

    >>> best_assignment([[(7, 1.0), (8, 0.5)], [(7, 0.9)]], capacity=1)
    {0: (8, 0.5), 1: (7, 0.9)}
    """
    holder: dict[int, int] = {}  # row -> candidate
    held: dict[int, list[int]] = {}  # candidate -> rows, in the order they came
    weight = {(r, c): w for r, row in enumerate(choices) for c, w in row}
    while True:
        path = _best_path(choices, capacity, holder, held, weight)
        if path is None:
            break
        # path: row, candidate, row, candidate, ... ending at a candidate with room.
        for k in range(0, len(path), 2):
            row, candidate = path[k], path[k + 1]
            was = holder.get(row)
            if was is not None:
                held[was].remove(row)
            holder[row] = candidate
            held.setdefault(candidate, []).append(row)
    return {r: (c, weight[(r, c)]) for r, c in sorted(holder.items())}


def _best_path(
    choices: Sequence[Sequence[tuple[int, float]]],
    capacity: int,
    holder: dict[int, int],
    held: dict[int, list[int]],
    weight: dict[tuple[int, int], float],
) -> list[int] | None:
    """The augmenting path of greatest gain, or None when none gains anything.

    Longest paths by label correcting (Bellman-Ford with a queue) over the residual
    graph: row -> candidate it does not hold (+weight), candidate -> a row it holds
    (-weight of that pair).  No cycle gains: every earlier step was a heaviest path.
    """
    row_gain: dict[int, float] = {}
    row_from: dict[int, int | None] = {}
    cand_gain: dict[int, float] = {}
    cand_from: dict[int, int] = {}
    queue: deque[tuple[str, int]] = deque()
    for r in range(len(choices)):
        if r not in holder and choices[r]:
            row_gain[r] = 0.0
            row_from[r] = None
            queue.append(("row", r))
    while queue:
        side, node = queue.popleft()
        if side == "row":
            base = row_gain[node]
            for candidate, w in choices[node]:
                if holder.get(node) == candidate:
                    continue
                gain = base + w
                if gain > cand_gain.get(candidate, float("-inf")) + _EPS:
                    cand_gain[candidate] = gain
                    cand_from[candidate] = node
                    queue.append(("candidate", candidate))
        else:
            base = cand_gain[node]
            for r in held.get(node, ()):
                gain = base - weight[(r, node)]
                if gain > row_gain.get(r, float("-inf")) + _EPS:
                    row_gain[r] = gain
                    row_from[r] = node
                    queue.append(("row", r))
    ends = [(gain, c) for c, gain in cand_gain.items()
            if gain > _EPS and len(held.get(c, ())) < capacity]
    if not ends:
        return None
    best = max(gain for gain, _ in ends)
    end = min(c for gain, c in ends if gain >= best - _EPS)
    path: list[int] = []
    step: int | None = end
    while step is not None:
        row = cand_from[step]
        path[:0] = [row, step]
        step = row_from[row]
    return path
