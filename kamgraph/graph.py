"""The networkx view of one account: what every analysis reads.

:func:`build_account_graph` turns a store's :class:`~kamgraph.stores.base.AccountData`
into a ``networkx.MultiDiGraph`` whose node and edge attributes are documented in
``docs/model.md``.  Everything relative to a date (frequency class, active or stale) is
computed here against ``as_of``; activities after ``as_of`` are ignored, so an audit
"as of" a past date sees the graph as it was.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import networkx as nx

from kamgraph.config import Config
from kamgraph.functions import customer_function, supplier_function
from kamgraph.memo import remember
from kamgraph.model import (
    Account,
    Channel,
    ContactLog,
    Frequency,
    InfluenceLine,
    Level,
    LogEntry,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Relationship,
    Side,
    TeamMember,
    Touch,
)
from kamgraph.records import AccountChange, AccountData, ChangeKind, Stored
from kamgraph.titles import parse_level

__all__ = ["CONTACT", "CONTEXT", "INFLUENCES", "REPORTS_TO", "AccountContext", "Pool",
           "arrived_on", "build_account_graph", "build_pool", "context", "frequency_class",
           "left_on", "reporting_cycles", "with_changes"]

CONTACT = "contact"
REPORTS_TO = "reports_to"
INFLUENCES = "influences"


def frequency_class(contacts: int, window_days: int) -> Frequency:
    """The slide-27 frequency class of ``contacts`` held within ``window_days``.

    >>> frequency_class(26, 90).value   # two a week over 13 weeks
    'twice_weekly'
    >>> frequency_class(3, 90).value    # about once a month
    'monthly'
    >>> frequency_class(0, 90).value
    'none'
    """
    if contacts <= 0 or window_days <= 0:
        return Frequency.NONE
    per_week = contacts * 7 / window_days
    if per_week >= 2:
        return Frequency.TWICE_WEEKLY
    if per_week >= 1:
        return Frequency.WEEKLY
    if contacts * 30 / window_days >= 1:
        return Frequency.MONTHLY
    return Frequency.OCCASIONALLY


@dataclass
class _Pair:
    touches: list[LogEntry] = field(default_factory=list)
    recorded: Relationship | None = None


_CONTACT_OUTCOMES = frozenset({Outcome.HELD.value, Outcome.SENT.value})


def _place(person: Person, side: Side, config: Config) -> tuple[Level, str]:
    """A person's (level, function) from their title and department, remembered per
    configuration: an audit places the same few thousand titles over and over."""
    placed: dict[tuple[Any, ...], tuple[Level, str]] = remember(config, "placements", dict)
    key = (side, person.title, person.department, person.level)
    found = placed.get(key)
    if found is None:
        level = person.level or parse_level(person.title, config.title_rules,
                                            config.default_level)
        if side is Side.CUSTOMER:
            function = customer_function(person.department, person.title, level,
                                         config.customer_functions, config.c_level_functions)
        else:
            function = supplier_function(person.department, person.title, level,
                                         config.supplier_functions, config.c_level_functions)
        if len(placed) >= 100_000:
            placed.clear()
        found = placed[key] = (level, function)
    return found


def _person_node(person: Person, stored: Stored, config: Config) -> dict[str, Any]:
    side = person.side or (Side.CUSTOMER if person.account_id else Side.SUPPLIER)
    level, function = _place(person, side, config)
    if person.function:
        function = person.function
    active = stored.status == "active" and person.active is not False
    return {
        "side": side.value,
        "name": person.name or person.id,
        "title": person.title,
        "department": person.department,
        "function": function,
        "level": level.value,
        "level_rank": level.rank,
        "account_id": person.account_id,
        "email": person.email,
        "active": active,
        "status": stored.status if person.active is not False else "departed",
        "status_since": stored.since.isoformat() if stored.since else None,
        "roles": tuple(sorted(r.value for r in person.roles or ())),
        "role_labels": (),
        "stance": (person.stance.value if person.stance else "unknown"),
        "stance_recorded": person.stance is not None,
        "influence": person.influence,
        "dos": person.dos,
        "donts": person.donts,
        "capacity": person.capacity,
        "capacity_hours": person.capacity_hours,
        "manager": person.reports_to,
        "gatekeeper": bool(person.gatekeeper),
        "introduce_through": person.introduce_through,
        "team_roles": (),
    }


@dataclass(frozen=True)
class Pool:
    """Every active person of ours, in name order: the candidates for new relationships.

    An audit builds it once (:func:`build_pool` over ``Store.our_people``) and every
    account graph refers to it, so auditing an account costs nothing per person of ours
    who has nothing to do with it.  ``by_function`` holds, per function, the positions
    of its people in ``entries``, so a search for a peer looks at the right functions
    only.  Entries are dicts: ``id``, ``name``, ``title``, ``function``, ``level``,
    ``level_rank``, ``capacity`` and ``load`` (accounts served), ``capacity_hours`` (None:
    the capacity model's default) and ``manager`` (the id they report to, or None).
    """

    entries: tuple[dict[str, Any], ...]
    by_function: dict[str, tuple[int, ...]]

    @cached_property
    def buckets(self) -> dict[tuple[str, int], tuple[int, ...]]:
        """Positions of the entries by (function, level rank), each in name order."""
        out: dict[tuple[str, int], list[int]] = defaultdict(list)
        for function, positions in self.by_function.items():
            for i in positions:
                out[(function, self.entries[i]["level_rank"])].append(i)
        return {k: tuple(v) for k, v in out.items()}


def build_pool(people: Iterable[Stored], config: Config,
               loads: dict[str, int] | None = None) -> Pool:
    """The pool of our active people, from stored person records of our side."""
    entries = []
    for stored in people:
        person = stored.record
        if not isinstance(person, Person) or person.side is not Side.SUPPLIER:
            continue
        attrs = _person_node(person, stored, config)
        if attrs["active"]:
            entries.append(_pool_entry(person.id, attrs, config, loads))
    return _pool(entries)


def _pool_entry(pid: str, attrs: dict[str, Any], config: Config,
                loads: dict[str, int] | None) -> dict[str, Any]:
    return {
        "id": pid, "name": attrs["name"], "title": attrs["title"],
        "function": attrs["function"], "level": attrs["level"],
        "level_rank": attrs["level_rank"],
        "capacity": attrs["capacity"] if attrs["capacity"] is not None
        else config.default_capacity,
        "capacity_hours": attrs["capacity_hours"], "manager": attrs["manager"],
        "load": (loads or {}).get(pid, 0),
    }


def _pool(entries: list[dict[str, Any]]) -> Pool:
    entries.sort(key=lambda e: (str(e["name"]).lower(), e["id"]))
    by_function: dict[str, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        by_function[entry["function"]].append(i)
    return Pool(tuple(entries), {f: tuple(ix) for f, ix in by_function.items()})


def build_account_graph(
    data: AccountData,
    as_of: date,
    config: Config,
    loads: dict[str, int] | None = None,
    pool: Pool | None = None,
) -> nx.MultiDiGraph:
    """Build the account's MultiDiGraph as of ``as_of``.

    Nodes are people (customer people of the account, and our people who touch it or sit
    on its team); edges are ``contact`` (ours -> theirs), ``reports_to`` and
    ``influences``.  Deleted records are left out; people gone from the latest export
    stay, marked inactive.

    Parameters
    ----------
    data : AccountData
        The account's records (``Store.load_account``).
    as_of : date
        The day every recency rule counts from.
    config : Config, optional
        Settings; the defaults when omitted.
    loads : dict, optional
        How many accounts each of our people serves (``Store.supplier_loads``).
    pool : Pool, optional
        Every active person of ours, for analyses that look beyond the account team;
        built from ``data`` when omitted (an audit builds it once).

    Returns
    -------
    networkx.MultiDiGraph
        The graph, with its :class:`AccountContext` under ``graph.graph["context"]``
        (read it with :func:`context`).
    """
    account: Account = data.account
    graph = nx.MultiDiGraph()
    people: dict[str, Person] = {}
    stored_people: dict[str, Stored] = {}
    team: list[TeamMember] = []
    pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
    influence: list[InfluenceLine] = []
    opportunities: dict[str, Opportunity] = {}
    opp_roles: list[OpportunityRole] = []
    repairs: dict[str, int] = defaultdict(int)

    for stored in data.items:
        rec = stored.record
        if stored.status == "deleted":
            continue
        if isinstance(rec, Person):
            people[rec.id] = rec
            stored_people[rec.id] = stored
        elif stored.status != "active":
            continue
        elif isinstance(rec, TeamMember):
            team.append(rec)
        elif isinstance(rec, ContactLog):
            pairs[(rec.supplier_id, rec.customer_id)].touches.extend(
                e for e in rec.entries if e[0] <= as_of)
        elif isinstance(rec, Touch):
            if rec.day <= as_of:
                # Channel and Outcome are string enums: the members are their values.
                pairs[(rec.supplier_id, rec.customer_id)].touches.append(
                    (rec.day, rec.channel, rec.outcome, rec.minutes, rec.activity_id))
        elif isinstance(rec, Relationship):
            pairs[(rec.supplier_id, rec.customer_id)].recorded = rec
        elif isinstance(rec, InfluenceLine):
            influence.append(rec)
        elif isinstance(rec, Opportunity):
            opportunities[rec.id] = rec
        elif isinstance(rec, OpportunityRole):
            opp_roles.append(rec)

    # Nodes and edges go in by name, not id: every analysis that meets a tie then breaks it
    # the same way for the same people, whichever CRM numbered them.
    def by_name(pid: str) -> tuple[str, str]:
        person = people.get(pid)
        return ((person.name or "").lower() if person else "", pid)

    people = {pid: people[pid] for pid in sorted(people, key=by_name)}

    def is_customer(pid: str) -> bool:
        p = people.get(pid)
        return p is not None and p.account_id == account.id and p.side is not Side.SUPPLIER

    ours_needed = {m.person_id for m in team} | {s for s, _ in pairs}

    def is_supplier(pid: str) -> bool:
        # An overlay row with neither side nor account may be about someone of another
        # account: it is ours only when this account's links say so.
        p = people.get(pid)
        return p is not None and (p.side is Side.SUPPLIER or (
            p.side is None and not p.account_id and pid in ours_needed))

    for pid, person in people.items():
        if is_customer(pid):
            graph.add_node(pid, **_person_node(person, stored_people[pid], config))

    for pid in sorted(ours_needed, key=by_name):
        if is_supplier(pid):
            graph.add_node(pid, **_person_node(people[pid], stored_people[pid], config))
        else:
            repairs["links naming an unknown person of ours"] += 1

    team_roles: dict[str, set[str]] = defaultdict(set)
    for member in team:
        if member.person_id in graph:
            team_roles[member.person_id].add(member.role.value)
    for pid, held in team_roles.items():
        graph.nodes[pid]["team_roles"] = tuple(sorted(held))

    labels: dict[str, set[str]] = defaultdict(set)
    extra_roles: dict[str, set[str]] = defaultdict(set)
    opp_list = []
    roles_by_opp: dict[str, list[OpportunityRole]] = defaultdict(list)
    for r in opp_roles:
        if r.person_id in graph:
            roles_by_opp[r.opportunity_id].append(r)
    for opp in sorted(opportunities.values(), key=lambda o: (o.name.lower(), o.id)):
        on_opp = roles_by_opp.get(opp.id, [])
        opp_list.append({
            "id": opp.id, "name": opp.name, "stage": opp.stage, "is_closed": opp.is_closed,
            "is_won": opp.is_won, "amount": opp.amount,
            "close_date": opp.close_date.isoformat() if opp.close_date else None,
            # Open, with a close date long past: not a live deal, a record to mend.
            "stale": not opp.is_closed and opp.close_date is not None
            and (as_of - opp.close_date).days > config.deal_stale_after_days,
            "roles": [
                {"person": r.person_id, "roles": tuple(x.value for x in r.roles),
                 "label": r.role_label, "primary": r.is_primary}
                for r in sorted(on_opp, key=lambda r: (by_name(r.person_id), r.id))
            ],
        })
        for r in on_opp:
            extra_roles[r.person_id].update(x.value for x in r.roles)
            if r.role_label:
                labels[r.person_id].add(r.role_label)
    for pid, roles in extra_roles.items():
        node = graph.nodes[pid]
        node["roles"] = tuple(sorted(set(node["roles"]) | roles))
        node["role_labels"] = tuple(sorted(labels[pid]))

    for (sid, cid), pair in sorted(pairs.items(),
                                   key=lambda kv: (by_name(kv[0][0]), by_name(kv[0][1]))):
        if sid not in graph or cid not in graph:
            if cid not in graph:
                repairs["links naming an unknown contact"] += 1
            continue
        graph.add_edge(sid, cid, key=CONTACT, kind=CONTACT,
                       **_contact_attrs(pair, graph, sid, cid, as_of, config))

    for pid, person in people.items():
        if pid not in graph or not person.reports_to:
            continue
        manager = person.reports_to
        if manager == pid:
            repairs["people reporting to themselves"] += 1
        elif manager in graph and graph.nodes[manager]["side"] == graph.nodes[pid]["side"]:
            graph.add_edge(pid, manager, key=REPORTS_TO, kind=REPORTS_TO)
        elif graph.nodes[pid]["side"] == Side.CUSTOMER.value:
            repairs["reports-to naming someone outside the account"] += 1

    _break_reporting_cycles(graph, repairs)

    for line in influence:
        if line.source_id in graph and line.target_id in graph and line.source_id != line.target_id:
            graph.add_edge(line.source_id, line.target_id, key=INFLUENCES, kind=INFLUENCES,
                           weight=line.weight, note=line.note)
        else:
            repairs["influence lines naming someone outside the account"] += 1

    if pool is None:
        entries = []
        for pid, person in people.items():
            if not is_supplier(pid):
                continue
            attrs = graph.nodes[pid] if pid in graph else _person_node(
                person, stored_people[pid], config)
            if attrs["active"]:
                entries.append(_pool_entry(pid, attrs, config, loads))
        pool = _pool(entries)

    graph.graph[CONTEXT] = AccountContext(
        as_of=as_of,
        account={
            "id": account.id, "name": account.name or account.id,
            "industry": account.industry,
            "tier": account.tier, "revenue": account.revenue,
            "attractiveness": account.attractiveness, "position": account.position,
            "revenue_target": account.revenue_target,
            "share_of_wallet_target": account.share_of_wallet_target,
            "target_stage": account.target_stage, "review_date": account.review_date,
            "competitors": account.competitors or (),
            "business_needs": account.business_needs or (),
        },
        pool=pool,
        opportunities=tuple(opp_list),
        repairs=dict(repairs),
        # Each person's place in name order: analyses break ties by it, not by id.
        rank={pid: i for i, pid in enumerate(people)},
    )
    return graph


#: The key of :class:`AccountContext` in an account graph's attributes.
CONTEXT = "context"


@dataclass(frozen=True)
class AccountContext:
    """What an account graph is of, beside its people and relationships: every input the
    analyses read that is not a node or an edge, typed, in one place
    (``graph.graph["context"]``; read it with :func:`context`)."""

    #: The day every recency rule counts from.
    as_of: date
    #: id, name, industry, tier, revenue, attractiveness, position, and the objectives:
    #: revenue_target, share_of_wallet_target, target_stage, review_date (None when not
    #: recorded), competitors, business_needs (empty when not recorded).
    account: Mapping[str, Any]
    #: Our people still here: the candidates for new relationships.
    pool: Pool
    #: Each person's place in name order (ties are broken by it, not by id).
    rank: Mapping[str, int] = field(default_factory=dict)
    #: The account's opportunities, with their people's roles.
    opportunities: tuple[dict[str, Any], ...] = ()
    #: What the graph repaired, by kind.
    repairs: Mapping[str, int] = field(default_factory=dict)
    #: What changed in the change window (:mod:`kamgraph.changes`), each change dated
    #: by the run that first saw it, and the window in words.
    changes: tuple[AccountChange, ...] = ()
    changes_since: str | None = None
    #: Whether the store records any buying role on any deal: when none does, nothing is
    #: known of a committee, and no committee action is made.
    roles_recorded: bool = True
    #: Who arrived, and who left, inside the window: person -> the day of the run that
    #: first saw it.
    arrived: Mapping[str, date] = field(default_factory=dict)
    left: Mapping[str, date] = field(default_factory=dict)
    #: Actions closed by hand whose closure holds: not raised again.
    closed: frozenset[str] = frozenset()


def context(graph: nx.MultiDiGraph) -> AccountContext:
    """The :class:`AccountContext` of an account graph.

    A graph made by hand with the attributes as keywords (``nx.MultiDiGraph(as_of=...,
    account=...)``, as small examples do) gets one made from them.
    """
    found = graph.graph.get(CONTEXT)
    if isinstance(found, AccountContext):
        return found
    attrs = graph.graph
    return AccountContext(
        as_of=attrs["as_of"], account=attrs.get("account", {"id": "", "name": ""}),
        pool=attrs.get("pool") or _pool([]), rank=attrs.get("rank", {}),
        opportunities=tuple(attrs.get("opportunities", ())),
        repairs=attrs.get("repairs", {}), changes=tuple(attrs.get("changes", ())),
        changes_since=attrs.get("changes_since"))


def with_changes(graph: nx.MultiDiGraph, changes: list[AccountChange], since: str) -> None:
    """Record what changed in the change window on a graph being assembled (before any
    analysis reads it): the changes (:class:`kamgraph.records.AccountChange`), the window
    in words, and who arrived and left in it, on the day of the run that first saw it."""
    arrived = {c.person: c.day for c in changes if c.kind is ChangeKind.ARRIVED and c.day}
    left = {c.person: c.day for c in changes if c.day and c.kind in (
        ChangeKind.LEFT, ChangeKind.OUR_PERSON_LEFT, ChangeKind.LEFT_TEAM)}
    graph.graph[CONTEXT] = replace(context(graph), changes=tuple(changes),
                                   changes_since=since, arrived=arrived, left=left)


def arrived_on(graph: nx.MultiDiGraph, node: str) -> date | None:
    """The day ``node`` arrived, when that was inside the change window."""
    return context(graph).arrived.get(node)


def left_on(graph: nx.MultiDiGraph, node: str) -> date | None:
    """The day ``node`` left: the run that first saw it inside the change window, else
    the day their record went from the export; None while they are here, or when the
    CRM says only that they left (a user made inactive before the window)."""
    found = context(graph).left.get(node)
    if found is not None:
        return found
    data = graph.nodes[node]
    if not data["active"] and data.get("status_since"):
        return date.fromisoformat(str(data["status_since"]))
    return None


def _contact_attrs(
    pair: _Pair, graph: nx.MultiDiGraph, sid: str, cid: str, as_of: date, config: Config
) -> dict[str, Any]:
    window = timedelta(days=config.frequency_window_days)
    # (day, channel, outcome, minutes, activity id), by day then activity.
    touches = sorted(pair.touches, key=_BY_DAY)
    recent_from = as_of - window
    previous_from = as_of - 2 * window
    year_from = as_of - timedelta(days=365)
    # One pass over the touches (an account of thousands has tens of thousands): the
    # counts every analysis reads, with the enum values read once, not per touch.
    by_channel = dict.fromkeys(_CHANNELS, 0)
    contacts = 0
    recent = previous = year_minutes = declined = unanswered = two_way_recent = 0
    first = last = last_two_way = None
    for day, channel, outcome, minutes, _activity in touches:
        if outcome in _CONTACT_OUTCOMES:
            contacts += 1
            by_channel[channel] += 1
            if first is None:
                first = day
            last = day
            if day > recent_from:
                recent += 1
            elif day > previous_from:
                previous += 1
            if day > year_from:
                year_minutes += minutes
            if outcome == _HELD and channel != _EMAIL:
                last_two_way = day
                if day > recent_from:
                    two_way_recent += 1
        elif outcome == _DECLINED:
            declined += 1
        elif outcome == _UNANSWERED:
            unanswered += 1
    frequency = frequency_class(recent, config.frequency_window_days)
    source = "derived" if touches else "recorded"
    recorded = pair.recorded
    if recorded is not None:
        if touches:
            source = "recorded+derived"
        if recorded.frequency and recorded.frequency.rank > frequency.rank:
            frequency = recorded.frequency
        if recorded.last_contact and recorded.last_contact <= as_of and (
            last is None or recorded.last_contact > last
        ):
            last = recorded.last_contact
    # A relationship needs two-way contact (a held meeting or a connected call): one-way
    # e-mail and unanswered calls are attempts, never coverage.  A relationship recorded
    # by hand is someone's word that the two talk, and counts as two-way.
    if recorded is not None and recorded.last_contact and recorded.last_contact <= as_of and (
        last_two_way is None or recorded.last_contact > last_two_way
    ):
        last_two_way = recorded.last_contact
    if last_two_way is not None:
        current = (as_of - last_two_way).days <= config.recency_days
    else:
        # A hand-recorded relationship with a frequency but no date is taken as current.
        current = (recorded is not None and recorded.last_contact is None
                   and frequency is not Frequency.NONE)
    holders_active = graph.nodes[sid]["active"] and graph.nodes[cid]["active"]
    return {
        "frequency": frequency.value,
        "frequency_rank": frequency.rank,
        "first_contact": first,
        "last_contact": last,
        "last_two_way": last_two_way,
        "days_since_contact": (as_of - last).days if last else None,
        "meetings": by_channel[_MEETING],
        "calls": by_channel[_CALL],
        "emails": by_channel[_EMAIL],
        "other": by_channel[_OTHER],
        "contacts": contacts,
        "recent": recent,
        "previous": previous,
        "declined": declined,
        "unanswered": unanswered,
        "minutes_12m": year_minutes,
        "current": current,
        "active": current and holders_active,
        "source": source,
        "strength": recorded.strength if recorded else None,
        "sentiment": recorded.sentiment if recorded else None,
        "note": recorded.note if recorded else None,
        "level": recorded.level if recorded else None,
        "desired_level": recorded.desired_level if recorded else None,
        "touches": tuple(touches),
        "two_way_recent": two_way_recent,
    }


def _BY_DAY(t: LogEntry) -> tuple[Any, Any]:  # noqa: N802 - a sort key, used as a constant
    return (t[0], t[4])


_CHANNELS = tuple(c.value for c in Channel)
_MEETING, _CALL, _EMAIL, _OTHER = (Channel.MEETING.value, Channel.CALL.value,
                                   Channel.EMAIL.value, Channel.OTHER.value)
_HELD, _DECLINED, _UNANSWERED = (Outcome.HELD.value, Outcome.DECLINED.value,
                                 Outcome.UNANSWERED.value)


def reporting_cycles(manager: Mapping[str, str]) -> list[list[str]]:
    """The cycles of reports-to lines (person -> manager), each once, in a stable order.

    Each person reports to at most one other, so following the lines from every person
    finds every cycle in linear time.  A person reporting to themself is a cycle of one.

    >>> reporting_cycles({"a": "b", "b": "a", "c": "a", "d": "d"})
    [['a', 'b'], ['d']]
    """
    cycles = []
    done: set[str] = set()
    for start in sorted(manager):
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = manager.get(node)
        if node is not None and node in on_path:
            cycles.append(path[path.index(node):])
        done.update(path)
    return cycles


def _break_reporting_cycles(graph: nx.MultiDiGraph, repairs: dict[str, int]) -> None:
    """Drop the line that closes each reports-to cycle, so the org chart is a forest.

    The dropped line is the one from the cycle's member with the smallest id: the same
    input always gives the same chart.
    """
    manager = {u: v for u, v, k in graph.edges(keys=True) if k == REPORTS_TO}
    for cycle in reporting_cycles(manager):
        cut = min(cycle)
        graph.remove_edge(cut, manager[cut], key=REPORTS_TO)
        repairs["reports-to cycles broken"] += 1
