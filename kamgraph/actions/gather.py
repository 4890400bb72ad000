"""Findings gathered into problems: one per customer person, per shared need, and per
account-level fact (see :mod:`kamgraph.actions.drafters`)."""

from __future__ import annotations

from collections.abc import Sequence

from kamgraph.actions.desk import Desk
from kamgraph.actions.drafters import DRAFTERS
from kamgraph.actions.drafts import Problem, ProblemKey
from kamgraph.actions.shared import home_of
from kamgraph.analysis.findings import BuyingCentreData, Finding, FindingKind, Subject
from kamgraph.analysis.people import contact_edges, is_unmapped
from kamgraph.graph import context

__all__ = ["gather"]

K = FindingKind


def gather(findings: Sequence[Finding], desk: Desk) -> list[Problem]:
    """The problems ``findings`` add up to, in the order they are first met.  Nobody who
    has left is the subject of one."""
    graph = desk.graph
    account = context(graph).account
    whole = Subject("account", str(account["id"]), str(account["name"]))
    problems: dict[ProblemKey, Problem] = {}

    def add(key: ProblemKey, subject: Subject, i: int) -> None:
        problems.setdefault(key, Problem(key, subject)).members.append(i)

    def customer(node: str | None) -> bool:
        return bool(node) and node in graph and graph.nodes[node]["side"] == "customer"

    later: list[int] = []
    changed: list[int] = []
    for i, f in enumerate(findings):
        if f.subject.type == "person" and f.subject.id in graph \
                and not graph.nodes[f.subject.id]["active"]:
            continue
        node = DRAFTERS[f.kind].about(f)
        if node is not None and customer(node):
            add(("person", node), f.subject if f.subject.id == node and f.subject.type
                == "person" else Subject("person", node, str(graph.nodes[node]["name"])), i)
        elif f.kind is K.BUYING_CENTRE_CHANGED:
            changed.append(i)  # once every other problem is known
        else:
            later.append(i)
    # Someone reached only through a gatekeeper nobody of ours meets is met through them:
    # their findings are reasons of the gatekeeper's action, not an action around them.
    through: dict[str, str] = {}  # someone merged into their gatekeeper's problem -> them
    for behind, gate in desk.gated_by.items():
        own: ProblemKey = ("person", behind)
        gate_key: ProblemKey = ("person", gate)
        if own in problems and gate_key in problems and not desk.holders(gate):
            problems[gate_key].members.extend(problems.pop(own).members)
            through[behind] = gate
    # People who matter less on their own join the shared problem of those like them.
    homes: dict[str, ProblemKey] = {}
    for key in [k for k in problems if k[0] == "person"]:
        problem = problems[key]
        node = key[1]
        grouped = home_of(node, [findings[i] for i in problem.members], desk)
        homes[node] = grouped
        if grouped != key:
            del problems[key]
            problems.setdefault(grouped, Problem(grouped, whole)).members.extend(problem.members)
    for behind, gate in through.items():
        if gate in homes:
            homes[behind] = homes[gate]
    # Findings about groups of people join a person's action where one exists.
    for i in later:
        f = findings[i]
        drafter = DRAFTERS[f.kind]
        home = next((homes[p] for p in drafter.joins(f) if homes.get(p) in problems), None)
        if home is not None:
            problems[home].members.append(i)
            continue
        placed = drafter.home(f, whole)
        if placed is not None:
            add(placed[0], placed[1], i)
    for i in changed:
        _changed(findings, i, problems, homes, whole, desk)
    out = list(problems.values())
    if is_unmapped(graph):
        out.append(Problem(("unmapped",), whole))
    return out


def _changed(findings: Sequence[Finding], i: int, problems: dict[ProblemKey, Problem],
             homes: dict[str, ProblemKey], whole: Subject, desk: Desk) -> None:
    """The buying centre's changes: a reason of the actions that already deal with its
    people (meet the newcomer, who takes over from the leaver), and an action of its own
    only for what none of them says."""
    graph = desk.graph
    data = findings[i].data
    assert isinstance(data, BuyingCentreData)
    found: list[ProblemKey] = []
    rest: dict[str, list[str]] = {"arrived": [], "left": [], "promoted": []}
    for new, _ in data.replaced:  # a succession is said on the successor's action
        if homes.get(new) in problems:
            found.append(homes[new])
    for kind, people in (("arrived", data.arrived), ("left", data.left),
                         ("promoted", data.promoted)):
        for node in people:
            home = (K.ROLE_VACATED, node) if kind == "left" else homes.get(node)
            if home in problems:
                assert home is not None
                found.append(home)
            elif kind == "arrived" and node in graph and any(
                    graph.nodes[s]["active"] for s, _ in contact_edges(
                        graph, node, active_only=True)):
                continue  # already met: nothing to do about them
            else:
                rest[kind].append(node)
    if found and not rest["arrived"] and not rest["left"]:
        problems[found[0]].members.append(i)
        return
    if not any(rest.values()):
        return  # every change is said elsewhere (a successor already met, say)
    key: ProblemKey = (K.BUYING_CENTRE_CHANGED,)
    problem = problems.setdefault(key, Problem(key, whole))
    problem.members.append(i)
    problem.rest = rest
