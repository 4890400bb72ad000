"""What changed in an account between two syncs: arrivals, departures, reorganisations,
new roles and stances, relationships gone cold, our people who left.

Every sync keeps every version of every record, so the account can be rebuilt as it
stood after any run (``Store.account_snapshot``) and compared with today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx

from kamgraph.analysis.findings import Finding, Subject, severity_for
from kamgraph.analysis.people import ROLE_LABELS, contact_edges, describe, is_key
from kamgraph.config import Config
from kamgraph.graph import CONTEXT, REPORTS_TO, Pool, build_account_graph, context
from kamgraph.stores.base import Store, SyncRun, read_account

__all__ = ["AccountChange", "account_changes", "buying_centre_changes", "since_run",
           "changes_for_account"]

KIND = "buying_centre_changed"


@dataclass(frozen=True)
class AccountChange:
    kind: str  # arrived, left, title, reports_to, roles, stance, went_cold, our_person_left
    person: str
    name: str
    text: str
    key: bool

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "person": self.person, "name": self.name,
                "text": self.text, "key_person": self.key}


def _manager(graph: nx.MultiDiGraph, node: str) -> str | None:
    return next((v for _, v, k in graph.out_edges(node, keys=True) if k == REPORTS_TO), None)


def account_changes(then: nx.MultiDiGraph, now: nx.MultiDiGraph,
                    config: Config | None = None) -> list[AccountChange]:
    """Differences between two graphs of one account, in a stable order."""
    config = config or Config()
    out: list[AccountChange] = []

    def theirs(g: nx.MultiDiGraph) -> set[str]:
        return {n for n, d in g.nodes(data=True) if d["side"] == "customer" and d["active"]}

    before, after = theirs(then), theirs(now)
    for node in sorted(after - before):
        d = now.nodes[node]
        roles = ", ".join(ROLE_LABELS.get(r, r) for r in d["roles"])
        out.append(AccountChange("arrived", node, str(d["name"]),
                                 f"new: {describe(now, node)}" + (f" ({roles})" if roles else ""),
                                 is_key(now, node, config)))
    for node in sorted(before - after):
        d = then.nodes[node]
        why = "gone from the CRM" if node not in now else now.nodes[node]["status"]
        out.append(AccountChange("left", node, str(d["name"]),
                                 f"left: {describe(then, node)} ({why})",
                                 is_key(then, node, config)))
    for node in sorted(before & after):
        a, b = then.nodes[node], now.nodes[node]
        key = is_key(now, node, config) or is_key(then, node, config)
        if a["title"] != b["title"]:
            out.append(AccountChange("title", node, str(b["name"]),
                                     f"{b['name']}: title {a['title'] or '—'} → "
                                     f"{b['title'] or '—'}", key))
        m1, m2 = _manager(then, node), _manager(now, node)
        if m1 != m2:
            n1 = then.nodes[m1]["name"] if m1 else "nobody"
            n2 = now.nodes[m2]["name"] if m2 else "nobody"
            out.append(AccountChange("reports_to", node, str(b["name"]),
                                     f"{b['name']}: reports to {n1} → {n2}", key))
        if a["roles"] != b["roles"]:
            out.append(AccountChange("roles", node, str(b["name"]),
                                     f"{b['name']}: roles {', '.join(a['roles']) or '—'} → "
                                     f"{', '.join(b['roles']) or '—'}", key))
        if a["stance"] != b["stance"]:
            out.append(AccountChange("stance", node, str(b["name"]),
                                     f"{b['name']}: stance {a['stance']} → {b['stance']}", key))
        was = {s for s, _ in contact_edges(then, node, active_only=True)}
        still = {s for s, _ in contact_edges(now, node, active_only=True)}
        for s in sorted(was - still):
            if s in now and now.nodes[s]["active"]:
                out.append(AccountChange("went_cold", node, str(b["name"]),
                                         f"relationship {now.nodes[s]['name']} → {b['name']} "
                                         f"went cold", key))
    ours_then = {n for n, d in then.nodes(data=True) if d["side"] == "supplier" and d["active"]}
    for node in sorted(ours_then):
        if node in now and not now.nodes[node]["active"]:
            out.append(AccountChange("our_person_left", node, str(now.nodes[node]["name"]),
                                     f"ours: {describe(now, node)} has left", False))
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


def changes_for_account(store: Store, account_id: str, run: SyncRun, as_of: date,
                        config: Config, loads: dict[str, int] | None = None,
                        pool: Pool | None = None, now_run: int | None = None,
                        ) -> tuple[nx.MultiDiGraph, list[AccountChange]]:
    """Today's graph of an account and its changes since ``run``.

    ``loads`` (``Store.supplier_loads``) and ``pool`` (:func:`build_pool`) can be passed
    in when auditing many accounts: each is one scan of the whole store.  ``now_run``
    reads today's records as they stood after that run (:func:`read_account`).
    """
    if loads is None:
        loads = store.supplier_loads()
    everyone = pool is None
    now = build_account_graph(read_account(store, account_id, now_run, everyone=everyone),
                              as_of, config, loads, pool)
    try:
        snapshot = store.account_snapshot(account_id, run.id, everyone=everyone)
    except Exception:  # noqa: BLE001 - the account did not exist then: all of it is new
        empty = nx.MultiDiGraph(**{CONTEXT: context(now)})
        return now, account_changes(empty, now, config)
    then = build_account_graph(snapshot, min(run.started.date(), as_of), config, loads, pool)
    return now, account_changes(then, now, config)


def buying_centre_changes(graph: nx.MultiDiGraph, config: Config | None = None) -> list[Finding]:
    """``buying_centre_changed`` when a key person arrived or left since the last sync."""
    config = config or Config()
    changes = [c for c in context(graph).changes
               if c.key and c.kind in ("arrived", "left")]
    if not changes:
        return []
    account = context(graph).account
    since = (context(graph).changes_since or "the last sync")
    arrived = [c for c in changes if c.kind == "arrived"]
    left = [c for c in changes if c.kind == "left"]
    reorg = [c for c in context(graph).changes if c.kind in ("reports_to", "title")]
    evidence = [c.text for c in changes]
    if reorg:
        evidence.append(f"{len(reorg)} title or reporting changes: a reorganisation?")
    parts = []
    if arrived:
        parts.append("meet " + ", ".join(c.name for c in arrived))
    if left:
        parts.append("find out who takes over from " + ", ".join(c.name for c in left))
    score = min(1.0, 0.5 + 0.1 * len(changes))
    return [Finding(
        kind=KIND, severity=severity_for(score, config.severity_high, config.severity_medium),
        score=score, subject=Subject("account", account["id"], str(account["name"])),
        evidence=tuple([f"since {since}:", *evidence]),
        action="The buying centre changed: " + "; ".join(parts) + ".",
    )]
