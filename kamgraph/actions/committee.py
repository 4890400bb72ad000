"""What is left of the buying committee and the deals' maps, once people's own actions
have taken their part: roles nobody holds, and deals covered too thinly."""

from __future__ import annotations

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import Draft, How, Need, and_list
from kamgraph.analysis.findings import CommitteeData, MapStatusData, RedFlag, RedFlagData

__all__ = ["draft_committee"]


def draft_committee(d: Draft, desk: Desk) -> None:
    """The committee's problem and steps.

    A role nobody holds in the account is asked for once; one missing only on some
    deals (someone holds it elsewhere in the account) is asked for on those deals.
    """
    unnamed: list[str] = []  # nobody in the account holds them
    per_deal: dict[str, list[str]] = {}  # deal -> the roles nobody holds on it
    thin: list[tuple[str, int, int]] = []  # deal, people covered, people wanted
    uncovered: list[str] = []
    for f in d.findings:
        data = f.data
        labels = [role.lower() for role in data.unnamed] \
            if isinstance(data, CommitteeData | MapStatusData) else []
        if isinstance(data, RedFlagData) and data.flag is RedFlag.NO_COACH:
            labels.append("coach or champion")
        held = unnamed if f.subject.type == "account" else per_deal.setdefault(
            f.subject.name, [])
        held.extend(label for label in dict.fromkeys(labels)
                    if label not in held and label not in desk.vacated)
        if isinstance(data, RedFlagData) and data.flag is RedFlag.THIN_COVERAGE:
            thin.append((f.subject.name, data.covered, data.wanted))
        people = data.uncovered if isinstance(data, CommitteeData | MapStatusData) else ()
        for node in people:
            if node in desk.graph and node not in uncovered:
                uncovered.append(node)
    for roles in [unnamed, *per_deal.values()]:
        if "coach or champion" in roles and "champion" in roles:
            roles.remove("champion")
    # The roles missing on a deal alone (not account-wide), in one order for every deal,
    # so that deals missing the same roles are named together.
    order = {r: i for i, r in enumerate(dict.fromkeys(
        r for roles in per_deal.values() for r in roles))}
    deals: dict[tuple[str, ...], list[str]] = {}  # roles -> the deals missing them
    for deal, roles in per_deal.items():
        alone = tuple(sorted((r for r in roles if r not in unnamed), key=order.__getitem__))
        if alone:
            deals.setdefault(alone, []).append(deal)
    parts = []
    steps = []
    if unnamed:
        parts.append("nobody identified as " + and_list(unnamed))
        steps.append(f"identify the {and_list(unnamed)}")
    if deals:
        # A deal group's own lists may hold an "and": the groups part with a comma too.
        parts.append(and_list([f"no {and_list(roles, 'or')} on {and_list(where, 'or')}"
                               for roles, where in deals.items()], serial=True))
        steps.append("identify " + and_list([f"the {and_list(roles)} on {and_list(where)}"
                                             for roles, where in deals.items()], serial=True))
    if thin:
        parts.append("too few people covered on " + and_list(
            [f"{deal} ({covered} covered, {wanted} wanted)" for deal, covered, wanted in thin]))
        steps.append("widen coverage of " + and_list([deal for deal, _, _ in thin]))
    if uncovered and not parts:
        names = and_list([desk.name(n) for n in uncovered])
        parts.append(f"{names} not covered")
        steps.append(f"cover {names}")
    if parts:
        d.problem = "The buying committee is incomplete: " + "; ".join(parts)
    d.need = Need(How.COMMITTEE, steps=steps or ["complete the buying committee"])
