"""Actions: one account's findings turned into a short, ranked list of what to do.

The analyses each see one side of the account and say so on their own; this step
speaks for all of them, once.  Findings about the same fact become one action whose
reasons list every finding behind it:

- a customer person is the subject of at most one action, whatever analyses noticed
  them (a gap, a single thread, a missing peer, a red flag, a likely anti-sponsor);
- a function or level gap, a committee hole or a key-person risk whose people already
  have actions adds a reason to them, not an action of its own;
- what is left of the buying committee and the deals' map status is one action for the
  account; the account's shape (a bow-tie), its effort and its changes one each.

Who acts is decided once for the account, most important action first: the person of
ours best placed (a peer of matching function and level, already on the account, with
capacity), never someone who has left, never someone whose record with the subject is
declines and unanswered calls; introduced by whoever of ours still holds the
relationship, or by the strongest route that avoids a likely anti-sponsor.

Actions are ranked by what losing the relationship would cost, and each has a priority
(at most ``Config.max_high_actions`` high) and a rank (1 = do first).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import networkx as nx

from kamgraph.analysis.anti_sponsor import likely_anti_sponsor_people
from kamgraph.analysis.findings import Finding, Severity, Subject
from kamgraph.analysis.paths import best_route
from kamgraph.analysis.people import (
    contact_edges,
    customers,
    describe,
    function_label,
    is_decision_maker,
    is_unmapped,
    open_opportunities,
    order_of,
    ours,
    peer_fit,
    rebuffed,
)
from kamgraph.analysis.strength import edge_strength, strong_threads
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import Level, SupplierRole

__all__ = ["Action", "plan_actions"]

#: Days to act, by priority.
DUE_DAYS = {Severity.HIGH: 30, Severity.MEDIUM: 60, Severity.LOW: 90}
_LEADS = (SupplierRole.KEY_ACCOUNT_MANAGER.value, SupplierRole.KEY_ACCOUNT_DIRECTOR.value,
          SupplierRole.EXECUTIVE_SPONSOR.value)
#: Person-level findings, most telling first: the first present names the problem.
_PERSON_ORDER = ("anti_sponsor", "new_key_person", "hand_over", "coverage_gap",
                 "path_to_power", "red_flag",
                 "single_threaded", "mirror_mismatch", "mirror_opportunity",
                 "relationship_level_gap", "hidden_influencer")
_UNCOVERED_FLAGS = ("uncovered_influence", "economic_buyer_not_met")
_DECIDERS = {"economic_buyer", "decision_maker", "executive_sponsor"}
#: People of a shared problem given an owner by name; the rest are in its evidence.
_GROUP_NAMED = 3
#: Evidence lines an action carries (the findings it covers keep all of theirs).
_EVIDENCE = 12


@dataclass(frozen=True)
class Action:
    """One thing to do about one problem: who acts, with whom, and every reason why."""

    id: str
    rank: int
    priority: Severity
    subject: Subject
    problem: str
    owner: Subject | None
    with_: tuple[Subject, ...]
    action: str
    due: date | None
    because: tuple[str, ...]
    evidence: tuple[str, ...]
    #: Positions, in the audit's findings, of the findings this action covers.
    findings: tuple[int, ...] = field(default=(), compare=False)

    @property
    def names_subject(self) -> bool:
        """Whether the problem names who or what it is about ("Claire Dubois is a likely
        anti-sponsor", "Nobody of ours reaches planning at Acme").  An account's name in a
        problem may be a deal's ("Acme 2027 supply"): an account never counts as named."""
        return self.subject.type != "account" and self.subject.name in self.problem

    @property
    def headline(self) -> str:
        """The problem, led by its subject unless it names the subject already.

        "Acme Foods: The account hangs on one relationship: Daniel Weber", but "Claire
        Dubois is a likely anti-sponsor (score 0.39)", not "Claire Dubois: Claire Dubois
        is …".
        """
        return self.problem if self.names_subject else f"{self.subject.name}: {self.problem}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "rank": self.rank, "priority": self.priority.value,
            "subject": self.subject.to_dict(), "problem": self.problem,
            "owner": _person(self.owner), "with": [_person(w) for w in self.with_],
            "action": self.action, "due": self.due.isoformat() if self.due else None,
            "because": list(self.because), "evidence": list(self.evidence),
        }


def _person(subject: Subject | None) -> dict[str, str] | None:
    return {"id": subject.id, "name": subject.name} if subject else None


@dataclass
class _Todo:
    """What is left to decide once every problem is drafted: who acts, and how.

    ``how`` is one of ``new`` (someone of ours opens a relationship with ``node``:
    ``why`` says which), ``anti`` (a likely anti-sponsor), ``holder`` (whoever holds the
    relationship acts: ``why``), ``committee`` (``steps``), ``map`` (an unmapped
    account) or ``fixed`` (an account-level action in the analysis's words ``text``, by
    ``suggested[0]`` if still here).
    """

    how: str
    node: str = ""
    why: str = ""
    suggested: list[str] = field(default_factory=list)
    text: str = ""
    steps: list[str] = field(default_factory=list)


@dataclass
class _Draft:
    """An action before its rank, owner and words are fixed."""

    key: tuple[str, ...]
    subject: Subject
    priority: Severity
    score: float
    members: list[int]
    findings: list[Finding]
    because: list[str]
    evidence: list[str]
    todo: _Todo
    problem: str = ""
    text: str = ""
    owner: Subject | None = None
    with_: list[Subject] = field(default_factory=list)


@dataclass
class _Problem:
    """Findings gathered about one fact, before anyone is chosen to act on it."""

    key: tuple[str, ...]
    subject: Subject
    members: list[int] = field(default_factory=list)
    #: What a problem's action still has to say that no other action says.
    rest: dict[str, list[str]] = field(default_factory=dict)


def plan_actions(
    graph: nx.MultiDiGraph, findings: Sequence[Finding], config: Config | None = None,
) -> list[Action]:
    """The ranked actions of one account from its findings.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The account graph the findings were made from.
    findings : sequence of Finding
        Every finding of the account, in the audit's order; an action's ``findings``
        are positions in it.
    config : Config, optional
        Owner limits, the high budget and the analyses' settings.

    Returns
    -------
    list of Action
        Every action, rank 1 first.  A low finding no action needs (the portfolio
        placement, say) is in none.

    Examples
    --------
    >>> from tests.builders import AccountBuilder
    >>> from kamgraph.audit import audit_graph
    >>> from kamgraph.model import CustomerRole, SupplierRole
    >>> g = (AccountBuilder()
    ...      .theirs("cfo", "CFO", roles=(CustomerRole.ECONOMIC_BUYER,))
    ...      .ours("kam", "Key Account Manager", team_role=SupplierRole.KEY_ACCOUNT_MANAGER)
    ...      .ours("fin", "Finance Director")
    ...      .theirs("buyer", "Buyer").contact("kam", "buyer", times=6).graph())
    >>> first = audit_graph(g).actions[0]
    >>> first.priority.value, first.problem
    ('high', 'Nobody of ours meets the economic buyer of an open deal')
    >>> first.action
    'Fin meets Cfo this month, introduced by Kam.'
    """
    config = config or Config()
    planner = _Planner(graph, findings, config)
    problems = _gather(graph, findings, planner.group_of)
    drafts = [d for d in (planner.draft(p) for p in problems) if d]
    drafts.sort(key=lambda d: (-d.priority.rank, -d.score, d.subject.name.lower()))
    highs = 0
    for d in drafts:
        if d.priority is Severity.HIGH:
            highs += 1
            if highs > config.max_high_actions:
                # The team can do a few things first, not all; said before the actions are
                # worded, so that their timing is the one their due date gives.
                d.priority = Severity.MEDIUM
    planner.assign(drafts)
    account_id = str(context(graph).account["id"])
    as_of: date = context(graph).as_of
    actions = []
    for rank, d in enumerate(drafts, 1):
        priority = d.priority
        actions.append(Action(
            id=f"{account_id}/{rank}", rank=rank, priority=priority, subject=d.subject,
            problem=d.problem, owner=d.owner, with_=tuple(d.with_), action=d.text,
            due=as_of + timedelta(days=DUE_DAYS[priority]),
            because=tuple(dict.fromkeys(d.because)),
            evidence=_capped(list(dict.fromkeys(d.evidence))),
            findings=tuple(d.members)))
    return actions


# -- gathering findings into problems ---------------------------------------------------

def _gather(graph: nx.MultiDiGraph, findings: Sequence[Finding],
            group_of: Callable[[str, list[Finding]], tuple[str, ...]]) -> list[_Problem]:
    """Findings gathered into problems.  ``group_of`` says, for a customer person and
    their findings, the problem they belong to: their own, or one shared by the people
    who need the same thing and matter less on their own."""
    account = context(graph).account
    whole = Subject("account", str(account["id"]), str(account["name"]))
    problems: dict[tuple[str, ...], _Problem] = {}

    def add(key: tuple[str, ...], subject: Subject, i: int) -> None:
        problems.setdefault(key, _Problem(key, subject)).members.append(i)

    def person_of(node: str) -> tuple[str, ...]:
        return ("person", node)

    def customer(node: Any) -> bool:
        return bool(node) and node in graph and graph.nodes[node]["side"] == "customer"

    def gone(node: Any) -> bool:
        return bool(node) and node in graph and not graph.nodes[node]["active"]

    later: list[int] = []
    changed: list[int] = []
    for i, f in enumerate(findings):
        data = f.data
        if f.subject.type == "person" and gone(f.subject.id):
            continue  # nobody who has left is the subject of an action
        if f.subject.type == "person" and customer(f.subject.id) and f.kind != "key_person_risk":
            add(person_of(f.subject.id), f.subject, i)
        elif f.kind == "red_flag" and customer(data.get("person")):
            node = str(data["person"])
            add(person_of(node), Subject("person", node, str(graph.nodes[node]["name"])), i)
        else:
            later.append(i)
    # People who matter less on their own join the shared problem of those like them.
    home_of: dict[str, tuple[str, ...]] = {}
    for key in [k for k in problems if k[0] == "person"]:
        problem = problems[key]
        node = key[1]
        grouped = group_of(node, [findings[i] for i in problem.members])
        home_of[node] = grouped
        if grouped != key:
            del problems[key]
            problems.setdefault(grouped, _Problem(grouped, whole)).members.extend(
                problem.members)
    # Findings about groups of people join a person's action where one exists.
    for i in later:
        f = findings[i]
        data = f.data
        people: list[str] = []
        if f.kind == "coverage_gap" and f.subject.type in ("function", "level"):
            people = [str(p) for p in data.get("people", ())]
            target = data.get("target")
            if target in people:
                people.remove(target)
                people.insert(0, target)
        elif f.kind == "key_person_risk":
            people = [str(p) for p in data.get("cut_off", ())]
        elif f.kind in ("committee_incomplete", "map_status") and not data.get("unnamed") \
                and data.get("uncovered"):
            people = [str(p) for p in data["uncovered"]]
        elif f.kind == "role_vacated":
            add(("role_vacated", str(data["person"])), whole, i)
            continue
        elif f.kind == "buying_centre_changed":
            changed.append(i)  # once every other problem is known
            continue
        home = next((home_of[p] for p in people if home_of.get(p) in problems), None)
        if home is not None:
            problems[home].members.append(i)
        elif f.kind == "coverage_gap":
            add(("group", f.subject.type, f.subject.id), f.subject, i)
        elif f.kind == "key_person_risk":
            add(("ours", f.subject.id), f.subject, i)
        elif f.kind in ("committee_incomplete", "map_status", "red_flag"):
            add(("committee",), whole, i)
        elif f.kind == "single_threaded":
            add(("shape",), whole, i)
        elif f.kind == "portfolio_placement":
            continue  # context for the header, not a thing to do
        else:
            add((f.kind,), f.subject if f.subject.type == "account" else whole, i)
    for i in changed:
        _changed(graph, findings, i, problems, home_of, whole)
    out = list(problems.values())
    if is_unmapped(graph):
        out.append(_Problem(("unmapped",), whole))
    return out


def _changed(graph: nx.MultiDiGraph, findings: Sequence[Finding], i: int,
             problems: dict[tuple[str, ...], _Problem],
             home_of: dict[str, tuple[str, ...]], whole: Subject) -> None:
    """The buying centre's changes: a reason of the actions that already deal with its
    people (meet the newcomer, who takes over from the leaver), and an action of its own
    only for what none of them says."""
    data = findings[i].data
    homes: list[tuple[str, ...]] = []
    rest: dict[str, list[str]] = {"arrived": [], "left": [], "promoted": []}
    for kind in ("arrived", "left", "promoted"):
        for node in data.get(kind, ()):
            home = (("role_vacated", node) if kind == "left" else home_of.get(node))
            if home in problems:
                homes.append(home)
            elif kind == "arrived" and node in graph and any(
                    graph.nodes[s]["active"] for s, _ in contact_edges(
                        graph, node, active_only=True)):
                continue  # already met: nothing to do about them
            else:
                rest[kind].append(str(node))
    if homes and not rest["arrived"] and not rest["left"]:
        problems[homes[0]].members.append(i)
        return
    problem = problems.setdefault(("buying_centre_changed",),
                                  _Problem(("buying_centre_changed",), whole))
    problem.members.append(i)
    problem.rest = rest


# -- choosing who acts ------------------------------------------------------------------

class _Planner:
    """Drafts each problem's action, then gives each one owner, most important first."""

    def __init__(self, graph: nx.MultiDiGraph, findings: Sequence[Finding],
                 config: Config) -> None:
        self.graph = graph
        self.findings = findings
        self.config = config
        self.owned: dict[str, int] = {}
        self._rankings: dict[tuple[str, int],
                             tuple[list[str], dict[str, tuple[float, str, str]]]] = {}
        #: Our people who left this account's team inside the change window: still with
        #: us, but no longer its people to act or introduce here.
        self.off_team = {c.person for c in context(graph).changes if c.kind == "left_team"}
        self.anti = likely_anti_sponsor_people(graph, config)
        self.deal_roles: dict[str, set[str]] = {}
        for _opp, roles in open_opportunities(graph):
            for person, held in roles.items():
                self.deal_roles.setdefault(person, set()).update(held)
        self.strategy = next((f.data.get("strategy") for f in findings
                              if f.kind == "portfolio_placement"), None)
        #: Roles whose holder left: their own actions ask who takes over.
        self.vacated = {str(r).replace("_", " ") for f in findings if f.kind == "role_vacated"
                        for r in f.data.get("roles", ())}

    # -- people -------------------------------------------------------------------------
    def _identity(self, node: str) -> tuple[str, str, str]:
        """Name, side and title of a person of the account or of our pool."""
        if node in self.graph:
            data = self.graph.nodes[node]
            return str(data["name"]), str(data.get("side", "")), str(data.get("title") or "")
        entry = self._pool_entry(node)
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
        return [(other, *self._identity(other)[1:])
                for other in self._by_name.get(name, ()) if other != node]

    def name(self, node: str) -> str:
        """A person as an action's words name them, told apart from the account's people
        who share their name: one of ours as "(ours)", one of two on a side by title
        (and id, when the titles match too)."""
        name, side, title = self._identity(node)
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
        return Subject("person", node, self._identity(node)[0])

    @cached_property
    def _pool_index(self) -> dict[str, dict[str, Any]]:
        """Our people of the pool by id."""
        return {e["id"]: e for e in context(self.graph).pool.entries}

    def _pool_entry(self, node: str) -> dict[str, Any] | None:
        return self._pool_index.get(node)

    def active_ours(self, node: str) -> bool:
        """One of our people still here: in the account graph, or in the pool."""
        if node in self.off_team:
            return False
        if node in self.graph:
            data = self.graph.nodes[node]
            return bool(data["side"] == "supplier" and data["active"])
        return self._pool_entry(node) is not None

    def holders(self, customer: str) -> list[str]:
        """Our people still here with an active relationship, strongest first."""
        out = [(edge_strength(self.graph, s, customer, self.config), -order_of(self.graph, s), s)
               for s, _ in contact_edges(self.graph, customer, active_only=True)
               if self.graph.nodes[s]["active"] and s not in self.off_team
               and not rebuffed(self.graph, s, customer)]
        return [s for _, _, s in sorted(out, reverse=True)]

    def avoid(self, customer: str, todo: _Todo) -> set[str]:
        """Who of ours may not take a new relationship with ``customer``: for a second
        thread, whoever holds one already; for a first regular one, whoever already has
        it (a sporadic contact may deepen theirs); for a meeting or a hand-over, nobody."""
        if todo.why in ("meet", "handover"):
            return set()
        if todo.why == "first_thread":
            return set(strong_threads(self.graph, customer, self.config))
        return set(self.holders(customer))

    def lead(self) -> str | None:
        """The account's lead of ours still here: KAM, then KAD, then sponsor."""
        team = [n for n in ours(self.graph) if self.graph.nodes[n].get("team_roles")
                and n not in self.off_team]
        for role in _LEADS:
            found = [n for n in team if role in self.graph.nodes[n]["team_roles"]]
            if found:
                return found[0]
        return team[0] if team else None

    def candidates(self, customer: str, suggested: list[str]) -> list[str]:
        """People of ours who could open a relationship with ``customer``, best first:
        the best peer by function and level, the analyses' own choices (which respect
        capacity) and people already on the account a little ahead of equals."""
        g = self.graph
        them = g.nodes[customer]
        base, keys = self._ranked_team(them["function"], them["level_rank"])
        fits: dict[str, float] = {}

        def consider(node: str, bonus: float) -> None:
            if not node or not self.active_ours(node) or rebuffed(g, node, customer):
                return
            attrs = g.nodes[node] if node in g else self._pool_entry(node)
            if attrs is None:
                return
            fit = peer_fit(them, attrs, self.config) + bonus
            fits[node] = max(fits.get(node, 0.0), fit)

        # The few people whose fit is not their place in the account's ranking: the
        # analyses' choices, the pool's free peers, and anyone who rebuffed them.
        for rank, node in enumerate(suggested):
            consider(node, 0.15 - 0.01 * rank)
        pool = context(g).pool
        for function in self.config.mirror_table.get(them["function"], ()):
            for level in range(them["level_rank"] - 1, them["level_rank"] + 2):
                for i in pool.buckets.get((function, level), ())[:3]:
                    entry = pool.entries[i]
                    if entry["load"] < entry["capacity"]:
                        consider(entry["id"], 0.0)
        rebuffing = {s for s, _ in contact_edges(g, customer) if s in keys
                     and rebuffed(g, s, customer)}
        rest = [n for n in base if n not in fits and n not in rebuffing]
        if not fits:
            return rest
        ordering = dict(keys)
        for node, fit in fits.items():
            # On the account too: the better of the two fits.
            fit = max(fit, -keys[node][0]) if node in keys else fit
            ordering[node] = (-fit, self.name(node).lower(), node)
        return sorted([*fits, *rest], key=ordering.__getitem__)

    def _ranked_team(self, function: str, level_rank: int,
                     ) -> tuple[list[str], dict[str, tuple[float, str, str]]]:
        """Our people on the account (team or contact), still here, ranked for a customer
        of ``function`` and ``level_rank`` as :meth:`candidates` ranks them; the same
        for everyone of that function and level, so ranked once."""
        def rank() -> tuple[list[str], dict[str, tuple[float, str, str]]]:
            g = self.graph
            probe = {"function": function, "level_rank": level_rank}
            keys = {}
            for node in ours(g):
                if (g.nodes[node].get("team_roles") or g.out_degree(node)) \
                        and self.active_ours(node):
                    fit = peer_fit(probe, g.nodes[node], self.config) + 0.05
                    keys[node] = (-fit, self.name(node).lower(), node)
            return sorted(keys, key=keys.__getitem__), keys

        key = (function, level_rank)
        if key not in self._rankings:
            self._rankings[key] = rank()
        return self._rankings[key]

    def pick(self, options: list[str], avoid: set[str]) -> str | None:
        """The first option not avoided and below the per-account owner limit."""
        limit = self.config.max_actions_per_owner
        for node in options:
            if node not in avoid and self.owned.get(node, 0) < limit:
                return node
        return next((n for n in options if n not in avoid), None)

    def take(self, node: str | None) -> Subject | None:
        if not node:
            return None
        self.owned[node] = self.owned.get(node, 0) + 1
        return self.subject(node)

    def introduction(self, customer: str, owner: str | None) -> tuple[str | None, str]:
        """Who of ours introduces ``owner`` to ``customer``, and the words for it."""
        holders = [h for h in self.holders(customer) if h != owner]
        if holders:
            return holders[0], f"introduced by {self.name(holders[0])}"
        route = best_route(self.graph, customer, self.config)
        if route is not None and self.active_ours(route.asker) and not any(
                h.target in self.anti for h in route.hops[:-1]):
            if len(route.hops) == 1:
                if route.asker == owner:
                    return None, "reviving the relationship"
                return route.asker, f"introduced by {self.name(route.asker)}"
            contact = self.name(route.contact)
            if route.asker == owner:
                return None, f"asking {contact} for the introduction"
            return route.asker, f"introduced by {self.name(route.asker)} through {contact}"
        lead = self.lead()
        if lead and lead != owner:
            return lead, f"introduced by {self.name(lead)}"
        return None, "through the account team"

    # -- grouping -----------------------------------------------------------------------
    def individual(self, node: str, members: list[Finding]) -> bool:
        """A person whose problem is an action of its own: an economic buyer, a decider
        on an open deal (economic buyer, decision maker, executive sponsor), a likely
        anti-sponsor, anyone a high finding is about, or a person gone quiet."""
        roles = self.deal_roles.get(node, set())
        return (bool(roles & _DECIDERS) or node in self.anti
                or any(f.kind in ("hand_over", "new_key_person")
                       and f.severity is not Severity.LOW for f in members)
                or "economic_buyer" in self.graph.nodes[node]["roles"]
                or any(f.severity is Severity.HIGH for f in members)
                or any(f.data.get("flag") == "gone_quiet" for f in members))

    def group_of(self, node: str, members: list[Finding]) -> tuple[str, ...]:
        """The problem ``node``'s findings belong to (see :func:`_gather`)."""
        if self.individual(node, members):
            return ("person", node)
        kinds = {f.kind for f in members}
        if "hand_over" in kinds:
            return ("many", "handover")
        if not self.holders(node) and kinds & {"coverage_gap", "path_to_power", "red_flag"}:
            return ("many", "meet")
        if kinds <= {"single_threaded", "mirror_opportunity", "red_flag", "mirror_mismatch"} \
                and "single_threaded" in kinds:
            return ("many", "thread")
        if kinds <= {"mirror_opportunity"}:
            return ("many", "peer")
        return ("person", node)

    def _group(self, d: _Draft, members: list[Finding], why: str) -> None:
        """A shared problem: the people in it, most senior first, and what they need."""
        g = self.graph
        people: list[str] = []
        for f in members:
            node = f.subject.id if f.subject.type == "person" else f.data.get("person")
            if node and node in g and g.nodes[node]["side"] == "customer" \
                    and node not in people:
                people.append(str(node))
        people.sort(key=lambda n: (-g.nodes[n]["level_rank"],
                                   -(g.nodes[n].get("influence") or 0.0),
                                   order_of(g, n)))
        shown = _and([describe(g, n) for n in people[:3]]
                     + ([f"{len(people) - 3} more"] if len(people) > 3 else []))
        # Several people are counted, then named; one is named alone.
        count = f"{len(people)} key people: {shown}" if len(people) > 1 else shown
        if why == "handover":
            leavers = _and(list(dict.fromkeys(str(f.data["left_name"]) for f in members
                                              if f.kind == "hand_over")))
            d.problem = f"Held by {leavers}, who left: " + (
                f"{len(people)} people: {shown}" if len(people) > 1 else shown)
        elif why == "meet":
            d.problem = f"Nobody of ours meets {count}"
        elif why == "peer":
            d.problem = f"No peer of ours meets {count}"
        else:
            held = {n: _threads([f for f in members if f.subject.id == n]) for n in people}
            if not any(held.values()):
                why = "first_thread"
                d.problem = (f"No relationship of ours with {shown} is more than sporadic"
                             if len(people) == 1 else f"No relationship of ours with "
                             f"{len(people)} key people is more than sporadic: {shown}")
            elif 0 in held.values():
                why = "first_thread"
                d.problem = f"{len(people)} key people rest on one thread of ours or none: {shown}"
            else:
                d.problem = (f"Only one thread of ours holds the relationship with {shown}"
                             if len(people) == 1 else f"One thread of ours holds {count}")
            risks = [f for f in members if f.kind == "key_person_risk"]
            if risks:
                worst = max(risks, key=lambda f: f.data.get("share", 0.0))
                d.problem += (f"; if {worst.subject.name} left, {worst.data['share']:.0%} of "
                              f"our key coverage would go")
        first: dict[str, tuple[int, str]] = {}
        for f in members:
            node = f.subject.id if f.subject.type == "person" else f.data.get("person")
            order = self._person_order(f)
            if node in people and (node not in first or order < first[node][0]):
                first[str(node)] = (order, f.evidence[0])
        d.evidence = [first[n][1] for n in people if n in first] + [
            e for f in members if f.kind == "key_person_risk" for e in f.evidence[:2]]
        suggested = [f.suggested.id for f in members
                     if f.suggested is not None and f.kind == "mirror_opportunity"]
        d.todo = _Todo("group", why=why, suggested=suggested, steps=people)

    # -- drafting -----------------------------------------------------------------------
    def draft(self, problem: _Problem) -> _Draft | None:
        members = [self.findings[i] for i in problem.members]
        kind = problem.key[0]
        if kind == "unmapped":
            name = problem.subject.name
            return _Draft(
                key=problem.key, subject=problem.subject, priority=Severity.LOW, score=0.1,
                members=[], findings=[], because=["unmapped"],
                evidence=[f"nobody of {name}'s people is recorded: the buying centre is "
                          f"unknown"],
                problem="Nobody of theirs is recorded", todo=_Todo("map"))
        if not members:
            return None
        primary = min(members, key=self._person_order) if kind == "person" else \
            max(members, key=lambda f: (f.severity.rank, f.score))
        d = _Draft(
            key=problem.key, subject=problem.subject,
            priority=max((f.severity for f in members), key=lambda s: s.rank),
            score=max(f.score for f in members), members=problem.members, findings=members,
            because=[f.kind for f in members],
            evidence=list(primary.evidence) + [e for f in members if f is not primary
                                               for e in f.evidence[:2]],
            todo=_Todo("fixed", suggested=[primary.suggested.id] if primary.suggested else [],
                       text=primary.action),
            problem=_first_line(primary))
        if kind == "person":
            self._person(d, problem.key[1], members)
        elif kind == "role_vacated":
            found = next(f for f in members if f.kind == "role_vacated")
            data = found.data
            labels = _and([r.replace("_", " ") for r in data["roles"]])
            d.problem = f"Who takes over from {data['name']} as {labels}?"
            if set(data["roles"]) & _DECIDERS:
                d.score += 0.2  # a deal without its decider: ask before the deal drifts
            d.todo = _Todo("vacated", text=found.action.split(" takes over from ", 1)[-1])
        elif kind == "buying_centre_changed":
            self._changes(d, problem.rest)
        elif kind == "many":
            self._group(d, members, problem.key[1])
        elif kind == "committee":
            self._committee(d, members)
        elif kind == "group":
            target = primary.data.get("target")
            d.problem = (f"Nobody of ours reaches {primary.subject.name} at "
                         f"{context(self.graph).account['name']}")
            if target in self.graph:
                d.todo = _Todo("new", node=str(target), why="meet",
                               suggested=d.todo.suggested)
        elif kind == "shape":
            hub = (primary.data.get("ours") or primary.data.get("theirs") or [None])[0]
            d.problem = ("The account hangs on one relationship"
                         + (f": {self.name(hub)}" if hub else ""))
            d.todo.suggested = []
        elif kind == "ours":
            share = primary.data.get("share", 0.0)
            d.problem = (f"If {primary.subject.name} left, {share:.0%} of our coverage of "
                         f"key people would go")
        elif kind == "coverage_effort":
            d.score -= 0.2
        return d

    def _person_order(self, f: Finding) -> int:
        name = f.kind
        if f.kind == "red_flag" and f.data.get("flag") not in _UNCOVERED_FLAGS:
            name = "single_threaded"  # gone quiet: a thread, not coverage
        return _PERSON_ORDER.index(name) if name in _PERSON_ORDER else len(_PERSON_ORDER)

    def _person(self, d: _Draft, node: str, members: list[Finding]) -> None:
        """The problem a customer person's findings add up to, and its weight."""
        g = self.graph
        kinds = {f.kind for f in members}
        flags = {f.data.get("flag") for f in members if f.kind == "red_flag"}
        them = g.nodes[node]
        roles = self.deal_roles.get(node, set()) | set(them["roles"])
        decision = bool(roles & {"economic_buyer", "decision_maker"})
        covered = bool(self.holders(node))
        on_deal = node in self.deal_roles
        # Ranked by what losing them would cost: the uncovered decider of an open deal,
        # a likely detractor and the only thread to a decider come first; a peer for a
        # manager or someone's role to record come last.
        if not covered and decision and on_deal:
            d.score += 0.3
        if "economic_buyer" in roles:
            d.score += 0.1
        if node in self.anti:
            d.score += 0.2
        if "single_threaded" in kinds and is_decision_maker(g, node):
            d.score += 0.15
        if kinds <= {"mirror_opportunity", "hidden_influencer", "relationship_level_gap"} \
                and them["level_rank"] < Level.DIRECTOR.rank:
            d.score -= 0.2
        name = self.name(node)
        suggested = [f.suggested.id for f in sorted(
            members, key=lambda f: (f.kind != "mirror_opportunity", self._person_order(f)))
            if f.suggested is not None]
        level = Level(them["level"]).label
        if node in self.anti:
            score = next((f.score for f in members if f.kind == "anti_sponsor"), None)
            d.problem = f"{name} is a likely anti-sponsor" + (
                f" (score {score:.2f})" if score is not None else "")
            d.todo = _Todo("anti", node=node)
        elif "new_key_person" in kinds and not covered:
            found = next(f for f in members if f.kind == "new_key_person")
            day = found.data.get("arrived")
            d.problem = (f"New {them['title'] or 'key person'}"
                         + (f" since {day}" if day else "") + ", not met yet")
            d.todo = _Todo("new", node=node, why="meet", suggested=suggested)
            if found.data.get("decides"):
                d.score += 0.2  # met before a competitor meets them
        elif "hand_over" in kinds:
            found = max((f for f in members if f.kind == "hand_over"), key=lambda f: f.score)
            leaver = str(found.data["left_name"])
            day = found.data.get("left_on")
            d.problem = f"Held by {leaver}, who left" + (f" on {day}" if day else "")
            d.todo = _Todo("new", node=node, why="handover", suggested=suggested, text=leaver)
        elif not covered and ({"coverage_gap", "path_to_power"} & kinds
                              or flags & set(_UNCOVERED_FLAGS)):
            what = ("the economic buyer of an open deal" if "economic_buyer" in roles and on_deal
                    else "a decision maker on an open deal" if decision and on_deal
                    else "an economic buyer" if "economic_buyer" in roles
                    else "a key person")
            d.problem = f"Nobody of ours meets {what}"
            d.todo = _Todo("new", node=node, why="meet", suggested=suggested)
        elif "gone_quiet" in flags and "single_threaded" not in kinds:
            d.problem = f"{name} has gone quiet after regular contact"
            d.todo = _Todo("holder", node=node, why="quiet")
        elif "single_threaded" in kinds:
            if _threads(members) == 0:
                d.problem = f"No relationship of ours with {name} is more than sporadic"
                d.todo = _Todo("new", node=node, why="first_thread", suggested=suggested)
            else:
                d.problem = f"Only one thread of ours holds the relationship with {name}"
                d.todo = _Todo("new", node=node, why="thread", suggested=suggested)
        elif "mirror_mismatch" in kinds:
            d.problem = f"{name} ({level}) is met only by people several levels junior"
            d.todo = _Todo("new", node=node, why="senior", suggested=suggested)
        elif "mirror_opportunity" in kinds:
            d.problem = (f"No peer of ours ({function_label(them['function'])}, {level}) "
                         f"meets {name}")
            d.todo = _Todo("new", node=node, why="peer", suggested=suggested)
        elif "relationship_level_gap" in kinds:
            found = next(f for f in members if f.kind == "relationship_level_gap")
            d.problem = f"The relationship with {name} is below where we want it"
            d.todo = _Todo("holder", node=node, why="level",
                           text=found.action.split(" to ", 1)[-1])
        elif "hidden_influencer" in kinds:
            d.problem = f"{name} sways the decision without a recorded role"
            d.todo = _Todo("holder", node=node, why="role")

    def _changes(self, d: _Draft, rest: dict[str, list[str]]) -> None:
        """What no other action says about the buying centre's changes."""
        arrived = [self.name(n) for n in rest.get("arrived", ())]
        left = [self.name(n) for n in rest.get("left", ())]
        promoted = [self.name(n) for n in rest.get("promoted", ())]
        parts, steps = [], []
        if arrived:
            parts.append(f"{_and(arrived)} arrived")
            steps.append(f"meets {_and(arrived)}")
        if left:
            parts.append(f"{_and(left)} left")
            steps.append(f"finds out who takes over from {_and(left)}")
        if promoted and not parts:
            parts.append(f"{_and(promoted)} {'was' if len(promoted) == 1 else 'were'} "
                         f"promoted")
            steps.append(f"finds out what {_and(promoted)}'s new role changes in the "
                         f"buying decision")
        d.problem = "The buying centre changed: " + "; ".join(parts)
        d.todo = _Todo("changes", steps=steps)

    def _committee(self, d: _Draft, members: list[Finding]) -> None:
        """What is left of the committee and the deals' maps, once people's own actions
        have taken their part: roles nobody holds, and deals covered too thinly.

        A role nobody holds in the account is asked for once; one missing only on some
        deals (someone holds it elsewhere in the account) is asked for on those deals.
        """
        unnamed: list[str] = []  # nobody in the account holds them
        per_deal: dict[str, list[str]] = {}  # deal -> the roles nobody holds on it
        thin: list[tuple[str, int, int]] = []  # deal, people covered, people wanted
        uncovered: list[str] = []
        for f in members:
            data = f.data
            labels = [str(role).lower() for role in data.get("unnamed", ())]
            if data.get("flag") == "no_coach":
                labels.append("coach or champion")
            held = unnamed if f.subject.type == "account" else per_deal.setdefault(
                f.subject.name, [])
            held.extend(label for label in dict.fromkeys(labels)
                        if label not in held and label not in self.vacated)
            if data.get("flag") == "thin_coverage":
                thin.append((f.subject.name, int(data["covered"]), int(data["wanted"])))
            for node in data.get("uncovered", ()):
                if node in self.graph and node not in uncovered:
                    uncovered.append(str(node))
        for roles in [unnamed, *per_deal.values()]:
            if "coach or champion" in roles and "champion" in roles:
                roles.remove("champion")
        # The roles missing on a deal alone (not account-wide), in one order for every
        # deal, so that deals missing the same roles are named together.
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
            parts.append("nobody identified as " + _and(unnamed))
            steps.append(f"identify the {_and(unnamed)}")
        if deals:
            # A deal group's own lists may hold an "and": the groups part with a comma too.
            parts.append(_and([f"no {_and(roles, 'or')} on {_and(where, 'or')}"
                               for roles, where in deals.items()], serial=True))
            steps.append("identify " + _and([f"the {_and(roles)} on {_and(where)}"
                                             for roles, where in deals.items()], serial=True))
        if thin:
            parts.append("too few people covered on " + _and(
                [f"{deal} ({covered} covered, {wanted} wanted)" for deal, covered, wanted in thin]))
            steps.append("widen coverage of " + _and([deal for deal, _, _ in thin]))
        if uncovered and not parts:
            names = _and([self.name(n) for n in uncovered])
            parts.append(f"{names} not covered")
            steps.append(f"cover {names}")
        if parts:
            d.problem = "The buying committee is incomplete: " + "; ".join(parts)
        d.todo = _Todo("committee", steps=steps or ["complete the buying committee"])

    # -- assigning ----------------------------------------------------------------------
    def assign(self, drafts: list[_Draft]) -> None:
        """Owners and introducers for every draft, in rank order, so the most important
        action gets first pick and nobody is given more than their share.

        An account served beyond the effort band is no action while high actions are
        open, or when the portfolio strategy is to develop it: time is not to move away.
        An account that hangs on one relationship is broadened beyond what the other
        actions already open, not asked again for a person of ours per key person.
        """
        high_open = any(d.priority is Severity.HIGH for d in drafts)
        opening = any(d.todo.how in ("new", "group") for d in drafts if d.key != ("shape",))
        for d in list(drafts):
            if d.key == ("coverage_effort",):
                over = d.findings[0].data.get("hours", 0) > self.config.effort_max_hours
                if over and (high_open or self.strategy == "develop"):
                    drafts.remove(d)
            elif d.key == ("shape",) and opening:
                data = d.findings[0].data
                hubs = data.get("ours") or data.get("theirs") or []
                if hubs:
                    d.todo.text = (f"Broaden {context(self.graph).account['name']} beyond "
                                   f"{self.name(hubs[0])}: besides the relationships the "
                                   f"other actions open, meetings between their senior "
                                   f"management and technical people and ours.")
        for d in drafts:
            self._assign_one(d)

    def _assign_one(self, d: _Draft) -> None:
        todo = d.todo
        when = "this month" if d.priority is Severity.HIGH else "this quarter"
        if todo.how == "new":
            self._new_relationship(d, todo, when)
            return
        if todo.how == "group":
            self._group_owners(d, todo, when)
            return
        if todo.how in ("anti", "holder"):
            holders = self.holders(todo.node)
            d.owner = self.take(holders[0] if holders else self.lead())
        else:
            suggested = next((s for s in todo.suggested if self.active_ours(s)), None)
            d.owner = self.take(suggested or self.lead())
        who = self.name(d.owner.id) if d.owner else "The account team"
        name = self.name(todo.node) if todo.node else ""
        if todo.how == "anti":
            g = self.graph
            champions = [c for c in customers(g) if g.nodes[c]["stance"] == "champion"
                         and c != todo.node and self.holders(c)]
            # "the stance of": a name told apart by its title takes no possessive.
            check = (f"checks the stance of {name} with {self.name(champions[0])}"
                     if champions else f"confirms the stance of {name} with a coach")
            d.text = (f"{who} {check}, answers their objections in writing and builds "
                      f"support around them; no introduction goes through them.")
        elif todo.how == "holder" and todo.why == "quiet":
            d.text = f"{who} finds out why {name} went quiet and re-engages {when}."
        elif todo.how == "holder" and todo.why == "level":
            d.text = f"{who} agrees a plan to deepen the relationship with {name} to {todo.text}"
        elif todo.how == "holder":
            d.text = (f"{who} finds out what role {name} plays in the buying decision and "
                      f"records it.")
        elif todo.how == "committee":
            d.text = f"{who} and the account team " + "; ".join(todo.steps) + f" {when}."
        elif todo.how == "vacated":
            question, _, ask = todo.text.partition(" — ")
            d.text = (f"{who} finds out who takes over from {question} {when}"
                      + (f" — {ask}" if ask else ".") )
        elif todo.how == "changes":
            d.text = f"{who} " + "; ".join(todo.steps) + f" {when}."
        elif todo.how == "map":
            d.text = (f"{who} maps {d.subject.name}: record who buys, decides and influences "
                      f"there.")
        else:
            d.text = todo.text

    def _group_owners(self, d: _Draft, todo: _Todo, when: str) -> None:
        """Who of ours takes the first people of a shared problem; the rest follow."""
        people = todo.steps
        first, rest = people[:_GROUP_NAMED], len(people) - _GROUP_NAMED
        more = f"; then the other {rest}" if rest > 0 else ""
        lead = self.lead()
        pairs = []
        for node in first:
            holders = self.holders(node)
            owner = self.pick(self.candidates(node, todo.suggested), self.avoid(node, todo))
            if owner:
                self.take(owner)
                pairs.append((owner, node, holders[0] if holders else None))
        d.owner = self.take(lead) if lead else None
        d.with_ = [self.subject(o) for o in dict.fromkeys(o for o, _, _ in pairs)]
        who = self.name(d.owner.id) if d.owner else "The account team"
        verb = {"meet": "meet", "peer": "become the peer of",
                "thread": "become a second thread to",
                "first_thread": "build a regular relationship with",
                "handover": "take over the relationship with"}[todo.why]
        if not pairs:
            d.text = (f"{who} names people of ours to {verb} "
                      f"{_and([self.name(n) for n in first])} {when}{more}.")
            return

        def step(owner: str, person: str, holder: str | None) -> tuple[str, str]:
            """What ``owner`` is asked to do with ``person``: the verb, and whom."""
            said = verb
            if todo.why == "first_thread":
                if owner in self.holders(person):
                    return ("build their relationship with",
                            f"{self.name(person)} into a regular one")
                if _threads([f for f in d.findings if f.subject.id == person]):
                    said = "become a second thread to"  # in a group where some have none
            introduced = (f" (introduced by {self.name(holder)})" if holder and holder != lead
                          and todo.why in ("thread", "first_thread") else "")
            return said, f"{self.name(person)}{introduced}"

        # One owner asked the same of several people is said once: "Quentin takes over
        # the relationships with A, B and C", not three times.
        merged: dict[tuple[str, str], list[str]] = {}
        for owner, person, holder in pairs:
            said, whom = step(owner, person, holder)
            merged.setdefault((owner, said), []).append(whom)
        own: list[str] = []  # what the lead does themselves: "meets A"
        steps: list[str] = []  # what the lead has others do: "Rep meet B"
        for (owner, said), people_of in merged.items():
            if len(people_of) > 1:
                said = said.replace("relationship with", "relationships with")
            if d.owner is not None and owner == d.owner.id:
                verb_of, _, rest_of = said.partition(" ")  # "meet", "become the peer of"
                own.append(" ".join([f"{verb_of}s", *([rest_of] if rest_of else []),
                                     _and(people_of)]))
            else:
                steps.append(f"{self.name(owner)} {said} {_and(people_of)}")
        nested = any(len(people_of) > 1 for people_of in merged.values())
        done = ([_and(own, serial=nested)] if own else []) + (
            [f"has {_and(steps, serial=nested)}"] if steps else [])
        d.text = f"{who} {_and(done, serial=bool(own and steps))} {when}{more}."

    def _new_relationship(self, d: _Draft, todo: _Todo, when: str) -> None:
        """Someone of ours opens (or adds, or takes over) a relationship with
        ``todo.node``."""
        node, name = todo.node, self.name(todo.node)
        owner = self.pick(self.candidates(node, todo.suggested), self.avoid(node, todo))
        if owner is None:
            d.owner = self.take(self.lead())
            who = self.name(d.owner.id) if d.owner else "The account team"
            d.text = (f"{who} names someone of ours to meet {name}: nobody with a fitting "
                      f"role and spare capacity is free.")
            return
        d.owner = self.take(owner)
        if todo.why == "handover" and owner in self.holders(node):
            d.text = (f"{self.name(owner)} takes over {todo.text}'s relationship with {name} "
                      f"{when}, building on their own.")
            return
        if todo.why == "first_thread" and owner in self.holders(node):
            d.text = (f"{self.name(owner)} builds their relationship with {name} into a "
                      f"regular one {when}.")
            return
        introducer, how = self.introduction(node, owner)
        d.with_ = [self.subject(introducer)] if introducer else []
        if todo.why == "handover":
            d.text = (f"{self.name(owner)} takes over {todo.text}'s relationship with {name} "
                      f"{when}, {how}.")
            return
        verb = {"meet": "meets", "thread": "becomes a second thread to",
                "first_thread": "builds a regular relationship with",
                "peer": "becomes the peer of", "senior": "joins the relationship with"}[todo.why]
        d.text = f"{self.name(owner)} {verb} {name} {when}, {how}."


def _capped(evidence: list[str]) -> tuple[str, ...]:
    """An action's evidence, at most ``_EVIDENCE`` lines: a shared problem of hundreds of
    people lists the first; every line stays in the findings the action covers."""
    if len(evidence) <= _EVIDENCE:
        return tuple(evidence)
    rest = len(evidence) - _EVIDENCE + 1
    return (*evidence[:_EVIDENCE - 1],
            f"… and {rest} more lines in the findings this action covers")


def _and(items: Sequence[str], word: str = "and", *, serial: bool = False) -> str:
    """``a, b and c``, or ``a, b or c`` after "no"; ``serial`` puts a comma before the last
    word too ("a, b, and c"), for items that hold an "and" of their own."""
    items = list(items)
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ("," if serial else "") + f" {word} " + items[-1]


def _first_line(f: Finding) -> str:
    text = f.evidence[0] if f.evidence else f.kind.replace("_", " ")
    return text[:1].upper() + text[1:]



def _threads(findings: Sequence[Finding]) -> int:
    """How many threads of ours the single-thread finding among ``findings`` counts: one,
    or none (every relationship sporadic)."""
    return min((int(f.data.get("threads", 1)) for f in findings
                if f.kind == "single_threaded" and f.data.get("scope") == "person"),
               default=1)
