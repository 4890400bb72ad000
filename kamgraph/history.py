"""What changed about one person across sync runs: role, stance, title, relationships.

Reads the versions a store kept (every insert, change and disappearance is kept) and
turns consecutive versions into readable changes.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from kamgraph.errors import UnknownAccount
from kamgraph.records import how_gone
from kamgraph.stores.base import HistoryEntry, Store

__all__ = ["PersonChange", "find_person", "person_changes"]

_FIELDS = ("name", "title", "department", "stance", "roles", "influence", "reports_to",
           "active", "account_id", "function", "level")
_LABELS = {"reports_to": "reports to", "account_id": "account"}


@dataclass(frozen=True)
class PersonChange:
    run: int
    source: str
    what: str


def _show(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ") if isinstance(value, str) else str(value)


def person_changes(person_id: str, entries: list[HistoryEntry],
                   names: dict[str, str] | None = None,
                   days: dict[int, date] | None = None) -> list[PersonChange]:
    """Readable changes, oldest first.  ``names`` turns ids (people, deals, accounts)
    into names where known; ``days`` gives each run's day.

    >>> from kamgraph.stores.base import HistoryEntry as H
    >>> v1 = H(1, "person", "p", "crm", "active", {"title": "Buyer", "stance": None})
    >>> v2 = H(2, "person", "p", "crm", "active", {"title": "Head of Purchasing",
    ...        "stance": None})
    >>> [c.what for c in person_changes("p", [v1, v2])]
    ['first seen: title Buyer', 'title: Buyer → Head of Purchasing']
    """
    names = names or {}

    def name(pid: Any) -> str:
        return names.get(str(pid), str(pid))

    changes: list[PersonChange] = []
    last: dict[tuple[str, str, str], HistoryEntry] = {}
    touches: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    # Within a run the person comes first: first seen (or gone) before their roles.
    for entry in sorted(entries, key=lambda e: (e.run, e.kind != "person", e.kind, e.key)):
        ident = (entry.kind, entry.key, entry.source)
        before = last.get(ident)
        last[ident] = entry
        data = entry.data
        if entry.kind in ("touch", "contact_log"):
            other = data["supplier_id"] if data["customer_id"] == person_id else \
                data["customer_id"]
            if entry.kind == "contact_log":
                # A log's new version: the activities it did not hold before are new.
                seen = {e[4] for e in before.data.get("entries", [])} if before else set()
                fresh = sum(1 for e in data.get("entries", []) if e[4] not in seen)
                if entry.status == "active" and fresh:
                    touches[(entry.run, entry.source)][name(other)] += fresh
            elif entry.status == "active" and before is None:
                touches[(entry.run, entry.source)][name(other)] += 1
            continue
        if entry.status != "active" and (before is None or before.status != entry.status):
            what = how_gone(entry.status)
            last_day = (days or {}).get(before.run) if before is not None else None
            when = f"; last seen in the run of {last_day.isoformat()}" if last_day else ""
            changes.append(PersonChange(entry.run, entry.source, _ended(entry, name, what + when)))
            continue
        if before is not None and before.status != "active" and entry.status == "active":
            changes.append(PersonChange(entry.run, entry.source,
                                  "back" if entry.kind == "person"
                                  else f"{_describe(entry, name)}: back"))
        if entry.kind == "person":
            if before is None:
                shown = [f"{_LABELS.get(f, f)} {_show(data.get(f))}" for f in ("title",)
                         if data.get(f)]
                changes.append(PersonChange(entry.run, entry.source,
                                      "first seen" + (": " + ", ".join(shown) if shown else "")))
                continue
            for f in _FIELDS:
                old, new = before.data.get(f), data.get(f)
                if old == new:
                    continue
                if f == "active":
                    what = ("left (made inactive in the CRM)" if new is False
                            else "back (active again in the CRM)")
                    changes.append(PersonChange(entry.run, entry.source, what))
                    continue
                if f in ("reports_to", "account_id"):
                    old, new = name(old) if old else None, name(new) if new else None
                changes.append(PersonChange(entry.run, entry.source,
                                      f"{_LABELS.get(f, f)}: {_show(old)} → {_show(new)}"))
        elif before is None:
            changes.append(PersonChange(entry.run, entry.source, f"new {_describe(entry, name)}"))
        elif before.data != data:
            changes.append(PersonChange(entry.run, entry.source,
                                        f"changed {_describe(entry, name)}"))
    for (run, source), counts in sorted(touches.items()):
        summary = ", ".join(f"{n} with {who}" for who, n in sorted(counts.items()))
        changes.append(PersonChange(run, source, f"new activities: {summary}"))
    changes.sort(key=lambda c: c.run)
    return changes


def _ended(entry: HistoryEntry, name: Any, why: str) -> str:
    """A record that ended, in words: the person left, a role or a seat was given up."""
    d = entry.data
    if entry.kind == "person":
        return f"left ({why})"
    if entry.kind == "opportunity_role":
        return (f"no longer {_show(d.get('roles'))} on {_deal(d, name)} ({why})")
    if entry.kind == "team_member":
        return f"left the account team, {_show(d.get('role'))} ({why})"
    return f"{_describe(entry, name)}: {why}"


def _deal(d: dict[str, Any], name: Any) -> str:
    opp = d.get("opportunity_id")
    named = name(opp) if opp else None
    return f"'{named}'" if named and named != opp else "a deal"


def _describe(entry: HistoryEntry, name: Any) -> str:
    d = entry.data
    if entry.kind == "opportunity_role":
        return f"role {_show(d.get('roles'))} on {_deal(d, name)}"
    if entry.kind == "team_member":
        return f"account team role {_show(d.get('role'))}"
    if entry.kind == "relationship":
        return (f"recorded relationship {name(d.get('supplier_id'))} → "
                f"{name(d.get('customer_id'))} ({_show(d.get('frequency'))})")
    if entry.kind == "influence":
        return f"influence line {name(d.get('source_id'))} → {name(d.get('target_id'))}"
    if entry.kind == "person":
        return "the person"
    return entry.kind.replace("_", " ")


def find_person(store: Store, ref: str) -> tuple[str, dict[str, str], list[str]]:
    """Resolve a person id or name across accounts.

    Returns the id, every known name (id -> name), and the accounts the person belongs to
    or works on (theirs: their account; ours: accounts with a team seat or a contact).
    """
    from kamgraph.audit import resolve_accounts
    from kamgraph.ids import is_valid, to18
    from kamgraph.model import Opportunity, Person

    wanted = ref.strip()
    if len(wanted) in (15, 18) and is_valid(wanted):
        wanted = to18(wanted) or wanted
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    accounts: dict[str, str] = {}
    matches: set[str] = set()
    involved: dict[str, list[str]] = {}
    lowered = ref.strip().lower()
    for summary in resolve_accounts(store, []):
        accounts[summary.id] = summary.name
        for item in store.load_account(summary.id).items:
            record = item.record
            data = record.to_dict()
            for pid in {data.get("person_id"), data.get("supplier_id"),
                        data.get("customer_id")} - {None}:
                involved.setdefault(str(pid), []).append(summary.id)
            if isinstance(record, Opportunity):
                names.setdefault(record.id, record.name)
            if not isinstance(record, Person):
                continue
            if record.name:
                names[record.id] = record.name
            if record.title:
                titles[record.id] = record.title
            if record.account_id == summary.id:
                involved.setdefault(record.id, []).append(summary.id)
            if record.id == wanted or (record.name or "").lower() == lowered:
                matches.add(record.id)
    if not matches:
        # A first name, or the start of a name, is enough when only one person has it.
        starts = {p for p, n in names.items()
                  if n.lower().startswith(lowered) or any(
                      part.startswith(lowered) for part in n.lower().split())}
        matches = starts
    if not matches:
        close = difflib.get_close_matches(ref.strip(), sorted(set(names.values())), n=3,
                                          cutoff=0.75)
        hint = ("; did you mean " + " or ".join(repr(c) for c in close) + "?") if close else ""
        raise UnknownAccount(f"no person with id or name {ref!r}{hint}")
    if len(matches) > 1:
        def who(p: str) -> str:
            where = ", ".join(accounts.get(a, a) for a in sorted(set(involved.get(p, []))))
            parts = [names.get(p, p), titles.get(p, ""), where]
            return f"{p} ({'; '.join(x for x in parts if x)})"

        shown = sorted(matches, key=lambda p: (names.get(p, ""), p))
        more = f" and {len(shown) - 8} more" if len(shown) > 8 else ""
        raise UnknownAccount(f"{ref!r} names {len(matches)} people; give an id: "
                             + ", ".join(who(p) for p in shown[:8]) + more)
    person = matches.pop()
    for account_id, account_name in accounts.items():
        names.setdefault(account_id, account_name)
    return person, names, sorted(set(involved.get(person, [])))
