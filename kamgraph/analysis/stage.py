"""The stage of a key account relationship, from the shape of its graph (McDonald).

``pre_kam`` → ``early_kam`` (the bow-tie: one interface, our KAM and their key contact)
→ ``mid_kam`` → ``partnership_kam`` (many interfaces beside the KAM and the contact) →
``synergistic_kam`` (the diamond: relationships at every level that do not run through
the KAM and the contact) → ``uncoupling_kam`` (contact draining away).  The features and
the thresholds are listed in the reasons of every classification.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import networkx as nx

from kamgraph.analysis.people import active_links, customers, is_decision_maker, is_key
from kamgraph.config import Config
from kamgraph.graph import CONTACT
from kamgraph.model import Level
from kamgraph.wording import counted

__all__ = ["STAGES", "Stage", "StageFeatures", "StageName", "classify_stage", "stage_features",
           "stage_label"]


class StageName(StrEnum):
    """McDonald's stages of a key account relationship, in the order they develop."""

    PRE_KAM = "pre_kam"
    EARLY_KAM = "early_kam"
    MID_KAM = "mid_kam"
    PARTNERSHIP_KAM = "partnership_kam"
    SYNERGISTIC_KAM = "synergistic_kam"
    UNCOUPLING_KAM = "uncoupling_kam"

    @property
    def label(self) -> str:
        return stage_label(self.value)


STAGES = tuple(s.value for s in StageName)


def stage_label(name: str) -> str:
    """A stage's name as people write it.

    >>> stage_label("early_kam"), stage_label("pre_kam"), stage_label("unmapped")
    ('Early KAM', 'Pre-KAM', 'Unmapped')
    """
    label = " ".join("KAM" if w == "kam" else w for w in name.split("_"))
    return (label[:1].upper() + label[1:]).replace("Pre KAM", "Pre-KAM")


@dataclass(frozen=True)
class Stage:
    """An account's stage and why: the reasons list the features and thresholds."""

    name: StageName
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name.value, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class StageFeatures:
    links: int
    ours: int
    theirs: int
    their_functions: int
    our_functions: int
    kam: str | None
    contact: str | None
    hub_share: float
    senior_links: int
    redundancy: int
    recent: int
    previous: int


def stage_features(graph: nx.MultiDiGraph, config: Config) -> StageFeatures:
    """Measure the features the stage is classified from."""
    links = active_links(graph)
    ours = {s for s, _ in links}
    theirs = {c for _, c in links}
    weight: Counter[tuple[str, str]] = Counter()
    recent = previous = 0
    for s, c, key, data in graph.edges(keys=True, data=True):
        if key == CONTACT:
            recent += data["recent"]
            previous += data["previous"]
            if data["active"]:
                weight[(s, c)] = data["recent"] + 1
    kams = [n for n in ours if "key_account_manager" in graph.nodes[n].get("team_roles", ())]
    per_ours: Counter[str] = Counter()
    for (s, _c), w in weight.items():
        per_ours[s] += w
    kam = (max(kams, key=lambda n: (per_ours[n], n)) if kams else
           (max(per_ours, key=lambda n: (per_ours[n], n)) if per_ours else None))
    contact = None
    if kam is not None:
        kam_links = {c: w for (s, c), w in weight.items() if s == kam}
        contact = max(kam_links, key=lambda c: (kam_links[c], c)) if kam_links else None
    hub = sum(1 for s, c in links if s == kam or c == contact)
    senior = sum(1 for _, c in links if graph.nodes[c]["level_rank"] >= Level.DIRECTOR.rank)
    deciders = [n for n in customers(graph)
                if is_decision_maker(graph, n) or is_key(graph, n, config)]
    threads = [len({s for s, c in links if c == d}) for d in deciders]
    return StageFeatures(
        links=len(links), ours=len(ours), theirs=len(theirs),
        their_functions=len({graph.nodes[c]["function"] for c in theirs}),
        our_functions=len({graph.nodes[s]["function"] for s in ours}),
        kam=kam, contact=contact, hub_share=hub / len(links) if links else 0.0,
        senior_links=senior, redundancy=min(threads) if threads else 0,
        recent=recent, previous=previous,
    )


def classify_stage(graph: nx.MultiDiGraph, config: Config) -> Stage:
    """The account's stage and the reasons for it (the audit's ``stage`` field).

    Examples
    --------
    >>> from tests.builders import AccountBuilder
    >>> g = (AccountBuilder().theirs("buyer", "Buyer").ours("kam", "KAM")
    ...      .contact("kam", "buyer", times=6).graph())
    >>> from kamgraph.config import Config
    >>> classify_stage(g, Config()).name.label
    'Early KAM'
    """
    f = stage_features(graph, config)
    names = {n: graph.nodes[n]["name"] for n in (f.kam, f.contact) if n}
    reasons = [
        f"{counted(f.links, 'active relationship')} between {f.ours} of ours and "
        f"{f.theirs} of theirs",
        f"functions connected: {f.their_functions} of theirs, {f.our_functions} of ours",
        f"{counted(f.senior_links, 'link')} {'reaches' if f.senior_links == 1 else 'reach'} "
        "director level or above",
        f"redundancy: the least-covered key person is reached by {f.redundancy} of ours",
        f"contacts: {f.recent} in the last {config.frequency_window_days} days, "
        f"{f.previous} in the window before",
    ]
    if f.kam and f.contact:
        reasons.insert(1, f"{f.hub_share:.0%} of links run through {names[f.kam]} (ours) or "
                          f"{names[f.contact]} (theirs)")
    if f.links == 0:
        name = StageName.UNCOUPLING_KAM if f.previous > 0 else StageName.PRE_KAM
        reasons.insert(0, "no active relationship" + (
            " after earlier contact" if f.previous > 0 else ""))
    elif f.previous >= 10 and f.recent < f.previous / 2 and f.links <= 2:
        name = StageName.UNCOUPLING_KAM
        reasons.insert(0, "contact has more than halved and few links remain")
    elif f.ours == 1 or f.theirs == 1 or f.hub_share >= config.bowtie_share:
        name = StageName.EARLY_KAM
        reasons.insert(0, "a bow-tie: the relationship runs through one pair")
    else:
        name, why = _developed(f, graph, config)
        reasons.insert(0, why)
    return Stage(name, tuple(reasons))


def _developed(f: StageFeatures, graph: nx.MultiDiGraph, config: Config) -> tuple[StageName, str]:
    """Mid KAM, partnership or the diamond: by the interfaces connected *and* by how much
    hangs on one person of ours.  A partnership has no single point of failure
    (McDonald): where one departure would take ``stage_dependence_max`` or more of our
    coverage of key people, the account is at most Mid KAM, whatever its link count."""
    from kamgraph.analysis.key_person import key_person_losses

    losses = key_person_losses(graph, config)
    top = losses[0] if losses and losses[0].share > 0 else None
    short = []
    if f.their_functions < 3:
        short.append(f"functions of theirs connected: {f.their_functions} (3 wanted)")
    if f.ours < 3:
        short.append(f"people of ours in contact: {f.ours} (3 wanted)")
    if f.hub_share >= 0.5:
        short.append(f"{f.hub_share:.0%} of links through the KAM and the key contact")
    if f.senior_links < 1:
        short.append("no link at director level or above")
    if top is not None and top.share >= config.stage_dependence_max:
        who = graph.nodes[top.person]["name"]
        short.append(f"if {who} left, {top.share:.0%} of our coverage of key people would go:"
                     f" a partnership has no single point of failure")
    if not short:
        if (f.their_functions >= 4 and f.ours >= 4 and f.hub_share <= 0.4
                and f.senior_links >= 2 and f.redundancy >= 2):
            return StageName.SYNERGISTIC_KAM, (
                "a diamond: many interfaces at every level, key people reached by at least "
                "two of ours, independent of the KAM")
        return StageName.PARTNERSHIP_KAM, "many interfaces beside the KAM and the key contact"
    return StageName.MID_KAM, "more than one interface, short of a partnership: " + "; ".join(
        short)
