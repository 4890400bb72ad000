"""The account portfolio matrix (Fiocca 1982; slide 8): where an account sits, what to do.

Rows are the account's attractiveness to us, columns our competitive position; each
cell names a strategy.  Our reading of the slide's grid:

=================  ===================  ===================  ==================
attractiveness     strong               average              weak
=================  ===================  ===================  ==================
high               defend               develop              develop
medium             defend               maintain selectively maintain minimally
low                maintain selectively maintain minimally   withdraw
=================  ===================  ===================  ==================
"""

from __future__ import annotations

import networkx as nx

from kamgraph.analysis.findings import Finding, FindingKind, PlacementData, Severity, Subject
from kamgraph.config import Config
from kamgraph.graph import context

__all__ = ["MATRIX", "placement", "portfolio_placement"]


MATRIX: dict[tuple[str, str], str] = {
    ("high", "strong"): "defend",
    ("high", "average"): "develop",
    ("high", "weak"): "develop",
    ("medium", "strong"): "defend",
    ("medium", "average"): "maintain selectively",
    ("medium", "weak"): "maintain minimally",
    ("low", "strong"): "maintain selectively",
    ("low", "average"): "maintain minimally",
    ("low", "weak"): "withdraw",
}

_ACTIONS = {
    "develop": "Invest: more people at more levels, a joint plan, the executive sponsor "
               "involved.",
    "defend": "Protect the position: keep senior coverage, watch competitors' moves, renew "
              "early.",
    "maintain selectively": "Keep coverage where it pays; do not add cost.",
    "maintain minimally": "Serve efficiently through inside sales; limit field time.",
    "withdraw": "Plan an orderly exit or hand the account to a channel partner.",
}


def placement(attractiveness: str | None, position: str | None) -> str | None:
    """The strategy of a matrix cell, or None when either axis is unknown.

    >>> placement("high", "average")
    'develop'
    >>> placement(None, "strong") is None
    True
    """
    if attractiveness is None or position is None:
        return None
    return MATRIX.get((attractiveness.lower(), position.lower()))


def portfolio_placement(graph: nx.MultiDiGraph, config: Config) -> list[Finding]:
    """One informational finding with the account's cell and strategy, where known."""
    account = context(graph).account
    strategy = placement(account.get("attractiveness"), account.get("position"))
    if strategy is None:
        return []
    return [Finding(
        kind=FindingKind.PORTFOLIO_PLACEMENT, severity=Severity.LOW, score=0.2,
        subject=Subject("account", account["id"], str(account["name"])),
        evidence=(f"{account['name']}: attractiveness {account['attractiveness']}, our "
                  f"competitive position "
                  f"{account['position']}: the '{strategy}' cell of the portfolio matrix",),
        action=_ACTIONS[strategy],
        data=PlacementData(strategy),
    )]
