"""Who acts: one owner per action (and one per step of a shared problem), chosen most
important action first, so the first gets first pick and nobody is given more than
their share of the account (``Config.max_actions_per_owner``)."""

from __future__ import annotations

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafts import Draft, How, Step, Why

__all__ = ["GROUP_NAMED", "assign_owners"]

#: People of a shared problem given an owner by name; the rest are in its evidence.
GROUP_NAMED = 3


class _Owners:
    """How many actions of the account each person of ours owns so far."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.owned: dict[str, int] = {}

    def pick(self, options: list[str], avoid: set[str]) -> str | None:
        """The first option not avoided and below the per-account owner limit."""
        limit = self.desk.config.max_actions_per_owner
        for node in options:
            if node not in avoid and self.owned.get(node, 0) < limit:
                return node
        return next((n for n in options if n not in avoid), None)

    def take(self, node: str | None) -> str | None:
        if node:
            self.owned[node] = self.owned.get(node, 0) + 1
        return node or None


def assign_owners(drafts: list[Draft], desk: Desk) -> None:
    """Each draft's owner, its shared problem's steps and its introducer, in rank order.

    A relationship to open goes to the best candidate of ours not avoided (a holder, for
    a second thread) with room; with nobody free, the account's lead names someone.
    A likely anti-sponsor or a person to act on through the relationship goes to its
    strongest holder; everything else to the analysis's own choice, or the lead.
    """
    owners = _Owners(desk)
    for d in drafts:
        need = d.need
        if need.how is How.NEW:
            _new_relationship(d, desk, owners)
        elif need.how is How.GROUP:
            _group(d, desk, owners)
        elif need.how in (How.ANTI, How.HOLDER):
            holders = desk.holders(need.node)
            d.owner = owners.take(holders[0] if holders else desk.lead)
        else:
            suggested = next((s for s in need.suggested if desk.active_ours(s)), None)
            d.owner = owners.take(suggested or desk.lead)


def _new_relationship(d: Draft, desk: Desk, owners: _Owners) -> None:
    need = d.need
    node = need.node
    owner = owners.pick(desk.candidates(node, need.suggested), desk.avoid(node, need.why))
    if owner is None:
        d.owner = owners.take(desk.lead)  # who names someone
        d.unfilled = True
        return
    d.owner = owners.take(owner)
    if need.why in (Why.HANDOVER, Why.FIRST_THREAD) and owner in desk.holders(node):
        return  # building on their own relationship: nobody introduces them
    d.intro = desk.introduction(node, owner)
    d.with_ = [d.intro.by] if d.intro.by else []


def _group(d: Draft, desk: Desk, owners: _Owners) -> None:
    """Who of ours takes the first people of a shared problem; the lead directs them."""
    need = d.need
    for node in need.steps[:GROUP_NAMED]:
        holders = desk.holders(node)
        owner = owners.pick(desk.candidates(node, need.suggested), desk.avoid(node, need.why))
        if owner:
            owners.take(owner)
            d.steps.append(Step(owner, node, holders[0] if holders else None))
    d.owner = owners.take(desk.lead)
    d.with_ = list(dict.fromkeys(s.owner for s in d.steps))
