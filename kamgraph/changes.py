"""What changed in an account between two syncs: arrivals, departures, reorganisations,
new roles and stances, relationships gone cold, our people who left.

Every sync keeps every version of every record, so the account can be rebuilt as it
stood after any run (``Store.account_snapshot``) and compared with today's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import networkx as nx

from kamgraph.analysis.people import ROLE_LABELS, describe, is_key
from kamgraph.config import Config
from kamgraph.errors import UnknownAccount
from kamgraph.graph import CONTACT, REPORTS_TO, Pool, build_account_graph, context
from kamgraph.records import AccountChange, ChangeKind, how_gone
from kamgraph.stores.base import ChangeIndex, Store, SyncRun, read_account

__all__ = ["ChangeWindow", "account_changes",
           "change_window", "since_run", "window_changes"]



@dataclass(frozen=True)
class ChangeWindow:
    """The runs changes are reported over: everything the runs after ``baseline`` changed
    (up to the newest, ``runs[-1]``), compared with the account as ``baseline`` left it.

    By default (:func:`change_window`) the baseline is the last run on or before the
    window's first day, ``change_window_days`` before the as-of date, so a change stays
    reported until the window passes, whatever quiet syncs come after it.
    """

    baseline: SyncRun | None
    runs: tuple[SyncRun, ...]
    #: The window's length in days; None when the baseline was named (``--since``).
    days: int | None = None
    as_of: date | None = None

    def day_of(self, run_id: int) -> date | None:
        return next((r.started.date() for r in self.runs if r.id == run_id), None)

    @property
    def label(self) -> str:
        """The window in words, for evidence lines and headings."""
        if self.baseline is None:
            return "no earlier sync"
        since = f"run {self.baseline.id} ({self.baseline.started.date().isoformat()})"
        if self.days is None or self.as_of is None:
            return f"since {since}"
        return f"since {since}, in the {self.days}-day window to {self.as_of.isoformat()}"


def change_window(runs: list[SyncRun], as_of: date, days: int, since: str | None = None,
                  latest: int | None = None) -> ChangeWindow:
    """The window of changes as of ``as_of``: the runs after the last successful run on or
    before ``as_of - days`` (or, when every run is newer, after the first run of the
    source loaded last: each source's first load is the starting state), up to
    ``latest``.

    ``since`` (a run id or a date, as :func:`since_run` reads it) names the baseline
    instead.  Runs after ``as_of`` count too: the account is read as the newest run left it.
    """
    done = sorted((r for r in runs if r.status == "ok" and (latest is None or r.id <= latest)),
                  key=lambda r: r.id)
    baseline: SyncRun | None
    if since is not None:
        baseline = since_run(list(reversed(done)), since)
        length: int | None = None
    else:
        cut = as_of - timedelta(days=days)
        before = [r for r in done if r.started.date() <= cut]
        if before:
            baseline = before[-1]
        else:
            # Every run is inside the window: the store as it stood once each source had
            # been loaded once (a CRM export, then a facts overlay) is what came first.
            firsts: dict[str, SyncRun] = {}
            for r in done:
                firsts.setdefault(r.source, r)
            baseline = max(firsts.values(), key=lambda r: r.id) if firsts else None
        length = days
    after = tuple(r for r in done if baseline is not None and r.id > baseline.id)
    return ChangeWindow(baseline, after, length, as_of)


def _managers(graph: nx.MultiDiGraph) -> dict[str, str]:
    return {u: v for u, v, k in graph.edges(keys=True) if k == REPORTS_TO}


def _active_links(graph: nx.MultiDiGraph) -> dict[str, set[str]]:
    """Customer person -> our people with an active relationship with them."""
    out: dict[str, set[str]] = {}
    for s, c, k, d in graph.edges(keys=True, data=True):
        if k == CONTACT and d["active"]:
            out.setdefault(c, set()).add(s)
    return out


def account_changes(then: nx.MultiDiGraph, now: nx.MultiDiGraph,
                    config: Config) -> list[AccountChange]:
    """Differences between two graphs of one account, in a stable order.

    One pass over each graph's people and edges: a nightly audit compares every account
    some run touched.
    """
    out: list[AccountChange] = []

    def theirs(g: nx.MultiDiGraph) -> set[str]:
        return {n for n, d in g.nodes(data=True) if d["side"] == "customer" and d["active"]}

    before, after = theirs(then), theirs(now)
    for node in sorted(after - before):
        d = now.nodes[node]
        roles = ", ".join(ROLE_LABELS.get(r, r) for r in d["roles"])
        out.append(AccountChange(ChangeKind.ARRIVED, node, str(d["name"]),
                                 f"new: {describe(now, node)}" + (f" ({roles})" if roles else ""),
                                 is_key(now, node, config)))
    on_deals: dict[str, list[tuple[str, str]]] = {}
    for opp in context(then).opportunities:
        if not opp["is_closed"]:
            for r in opp["roles"]:
                on_deals.setdefault(r["person"], []).extend((x, opp["id"]) for x in r["roles"])
    for node in sorted(before - after):
        d = then.nodes[node]
        why = "gone from the CRM" if node not in now else how_gone(now.nodes[node]["status"])
        held = on_deals.get(node, [])
        deal_roles = {r for r, _ in held}
        held += [(r, "") for r in d["roles"] if r not in deal_roles]
        out.append(AccountChange(ChangeKind.LEFT, node, str(d["name"]),
                                 f"left: {describe(then, node)} ({why})",
                                 is_key(then, node, config), held=tuple(held)))
    managers_then, managers_now = _managers(then), _managers(now)
    links_then, links_now = _active_links(then), _active_links(now)
    for node in sorted(before & after):
        a, b = then.nodes[node], now.nodes[node]
        found: list[tuple[ChangeKind, str]] = []
        promoted = b["level_rank"] > a["level_rank"]
        if a["title"] != b["title"]:
            moved = (" (promoted)" if promoted else
                     " (moved down)" if b["level_rank"] < a["level_rank"] else "")
            found.append((ChangeKind.TITLE, f"{b['name']}: title {a['title'] or '—'} → "
                                            f"{b['title'] or '—'}{moved}"))
        m1, m2 = managers_then.get(node), managers_now.get(node)
        if m1 != m2:
            n1 = then.nodes[m1]["name"] if m1 else "nobody"
            n2 = now.nodes[m2]["name"] if m2 else "nobody"
            found.append((ChangeKind.REPORTS_TO, f"{b['name']}: reports to {n1} → {n2}"))
        if a["roles"] != b["roles"]:
            found.append((ChangeKind.ROLES, f"{b['name']}: roles {', '.join(a['roles']) or '—'} → "
                                   f"{', '.join(b['roles']) or '—'}"))
        if a["stance"] != b["stance"]:
            found.append((ChangeKind.STANCE, f"{b['name']}: stance {a['stance']} → {b['stance']}"))
        cold = links_then.get(node, set()) - links_now.get(node, set())
        for s in sorted(cold, key=lambda n: (str(now.nodes[n]["name"]) if n in now else "", n)):
            if s in now and now.nodes[s]["active"]:
                found.append((ChangeKind.WENT_COLD, f"relationship {now.nodes[s]['name']} → "
                                           f"{b['name']} went cold"))
        if found:
            key = is_key(now, node, config) or is_key(then, node, config)
            out += [AccountChange(kind, node, str(b["name"]), text, key,
                                  promoted=kind is ChangeKind.TITLE and promoted)
                    for kind, text in found]
    ours_then = {n for n, d in then.nodes(data=True) if d["side"] == "supplier" and d["active"]}
    for node in sorted(ours_then, key=lambda n: (str(then.nodes[n]["name"]), n)):
        if node in now and not now.nodes[node]["active"]:
            out.append(AccountChange(ChangeKind.OUR_PERSON_LEFT, node, str(now.nodes[node]["name"]),
                                     f"ours: {describe(now, node)} has left", False))
        elif then.nodes[node]["team_roles"] and (
                node not in now or not now.nodes[node]["team_roles"]):
            roles = ", ".join(r.replace("_", " ") for r in then.nodes[node]["team_roles"])
            out.append(AccountChange(ChangeKind.LEFT_TEAM, node, str(then.nodes[node]["name"]),
                                     f"ours: {describe(then, node)} left the account team "
                                     f"({roles})", False))
    return out


def since_run(runs: list[SyncRun], since: str | None) -> SyncRun | None:
    """The run to compare with: a run id, the last run started on or before a date, or
    (by default) the successful run before the latest one."""
    done = [r for r in runs if r.status == "ok"]
    if since is None:
        return done[1] if len(done) > 1 else None
    if since.isdigit():
        return next((r for r in done if r.id == int(since)), None)
    day = date.fromisoformat(since)
    return next((r for r in done if r.started.date() <= day), None)


def window_changes(store: Store, account_id: str, window: ChangeWindow, as_of: date,
                   config: Config, *, index: ChangeIndex | None = None,
                   now: nx.MultiDiGraph | None = None, loads: dict[str, int] | None = None,
                   pool: Pool | None = None) -> tuple[nx.MultiDiGraph, list[AccountChange]]:
    """Today's graph of an account and what changed in it over ``window``, each change
    dated by the run that first saw it.

    The account is compared as ``window.baseline`` left it with today's, and the changes
    are dated by replaying only the runs that touched it (``index``: its records, or the
    records of our people on it).  ``loads`` (``Store.supplier_loads``), ``pool``
    (:func:`build_pool`), ``index`` (``Store.change_index``) and ``now`` (today's graph)
    can be passed in when auditing many accounts.  An account that did not exist at the
    baseline has no changes: all of it is new.
    """
    if loads is None:
        loads = store.supplier_loads()
    everyone = pool is None
    latest = window.runs[-1].id if window.runs else None
    if now is None:
        now = build_account_graph(read_account(store, account_id, latest, everyone=everyone),
                                  as_of, config, loads, pool)
    baseline = window.baseline
    if baseline is None or latest is None:
        return now, []
    if index is None:
        index = store.change_index(baseline.id)
    touched = set(index.accounts.get(account_id, ()))
    for node, data in now.nodes(data=True):
        if data["side"] == "supplier":
            touched |= index.ours.get(node, frozenset())
    steps = sorted(touched & {r.id for r in window.runs})
    if not steps:
        return now, []

    def graph_at(run: SyncRun) -> nx.MultiDiGraph | None:
        if run.id == latest:
            return now
        try:
            snapshot = store.account_snapshot(account_id, run.id, everyone=everyone)
        except UnknownAccount:
            return None
        return build_account_graph(snapshot, min(run.started.date(), as_of), config, loads,
                                   pool)

    then = graph_at(baseline)
    if then is None:
        return now, []
    net = account_changes(then, now, config)
    if not net:
        return now, []
    # Each change is dated by the last step that made it: the run that first saw the
    # state the account is in now.  After the last step the account is as it is now, so
    # an account one run touched is dated without being read again.
    seen: dict[tuple[str, str], int] = {}
    before = then
    by_id = {r.id: r for r in window.runs}
    for step in steps[:-1]:
        after = graph_at(by_id[step])
        if after is None:
            continue
        for change in account_changes(before, after, config):
            seen[(change.kind, change.person)] = step
        before = after
    if len(steps) > 1:
        for change in account_changes(before, now, config):
            seen[(change.kind, change.person)] = steps[-1]
    dated = []
    for change in net:
        run = seen.get((change.kind, change.person), steps[-1])
        dated.append(replace(change, run=run, day=window.day_of(run)))
    return now, dated
