"""Actions as tasks in the CRM, and the tasks' status when they come back.

Three steps, each usable on its own (``docs/tasks.md`` describes the files):

- :func:`crm_ids` reads, from what a store keeps, each person's and account's id in the
  CRM export it came from: the id a task import needs.  A record only a kamgraph CSV
  overlay holds, or one gone from its CRM, has none (and :meth:`CrmIds.reason` says why).
- :func:`write_tasks` writes open and overdue actions as a CSV the CRM's import takes
  (``salesforce-tasks``, ``hubspot-tasks``, ``dynamics-tasks``); a task whose owner or
  person has no id in that CRM is not written but returned as :class:`Skipped`.
- :func:`returned_tasks` reads a later export's tasks back: those whose description
  carries ``kamgraph action <id>``, done or not.  It reads the export's files itself, so a
  sync stores what it always did.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, NamedTuple

from kamgraph.escape import csv_cell
from kamgraph.followup import Completed
from kamgraph.loaders import values as v
from kamgraph.loaders.csvio import ExportSource, Row, Table
from kamgraph.loaders.detection import salesforce_object
from kamgraph.model import Account, Person, Side
from kamgraph.records import Stored, how_gone
from kamgraph.stores.base import Store

__all__ = ["CRMS", "FORMATS", "MARKER", "CrmId", "CrmIds", "ReturnedTask", "Skipped",
           "completed_actions", "crm_ids", "returned_tasks", "write_tasks"]

#: The CRMs a store's sources may come from (a source's format).
CRMS = ("salesforce", "hubspot", "dynamics")
#: Output format -> the CRM it is for.
FORMATS = {"salesforce-tasks": "salesforce", "hubspot-tasks": "hubspot",
           "dynamics-tasks": "dynamics"}
#: What the first line of a task's description starts with, before the action's id.
MARKER = "kamgraph action"
_MARKED = re.compile(re.escape(MARKER) + r" (kg-[0-9A-Za-z]+)")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: Statuses of an entry that become tasks.
_OPEN = frozenset({"open", "overdue"})


# -- ids ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrmId:
    """A record's id in one CRM: ``kind`` is ``contact``, ``user`` or ``account``."""

    crm: str
    id: str
    kind: str


@dataclass(frozen=True)
class CrmIds:
    """kamgraph id -> its ids in the CRMs that hold it; ``why`` says why a record has none."""

    found: Mapping[str, tuple[CrmId, ...]]
    why: Mapping[str, str]

    def of(self, key: str, crm: str) -> CrmId | None:
        """The id of ``key`` in ``crm``, or None."""
        return next((c for c in self.found.get(key, ()) if c.crm == crm), None)

    def reason(self, key: str, crm: str) -> str:
        """Why ``key`` has no id in ``crm``."""
        others = sorted({c.crm for c in self.found.get(key, ())} - {crm})
        if others:
            return f"comes from {', '.join(others)}, not {crm}"
        return self.why.get(key, "not in the store")


def crm_ids(store: Store) -> CrmIds:
    """Every person's (ours and theirs) and account's id in the CRM it came from.

    Read from the records' sources (a source's format is its runs'): a record held only
    by a kamgraph CSV overlay, gone from its CRM's latest export, a user marked inactive,
    or an owner a HubSpot export names only by name, has no id.
    """
    formats = {run.source: run.format for run in store.runs()}
    found: dict[str, tuple[CrmId, ...]] = {}
    why: dict[str, str] = {}
    with store.reading():
        records = list(_everyone(store))
    contacts = _salesforce_contacts(records, formats)
    for stored in records:
        # A person may come twice: an overlay's row for one of theirs that names no
        # account is read with our people, apart from the CRM's record of them.
        key = stored.record.key()
        ids, reason = _ids_of(stored, formats, contacts)
        if ids:
            found[key] = tuple(dict.fromkeys(found.get(key, ()) + ids))
        elif reason:
            why.setdefault(key, reason)
    return CrmIds(found, {key: reason for key, reason in why.items() if key not in found})


def _everyone(store: Store) -> Iterator[Stored]:
    """Every account and person the store holds, merged across sources."""
    for summary in store.accounts(counts=False):
        data = store.load_account(summary.id, everyone=False)
        yield from (s for s in data.items if s.record.kind in ("account", "person"))
    yield from store.our_people()


def _crms(stored: Stored, formats: Mapping[str, str]) -> list[str]:
    return sorted({formats.get(s, "") for s in stored.sources} & set(CRMS))


def _ids_of(stored: Stored, formats: Mapping[str, str],
            contacts: Mapping[tuple[str, str], set[str]]) -> tuple[tuple[CrmId, ...], str]:
    """A record's CRM ids, or none and why."""
    crms = _crms(stored, formats)
    record = stored.record
    if not crms:
        return (), "only in a kamgraph CSV overlay, not in a CRM export"
    if stored.status != "active":
        return (), how_gone(stored.status)
    if isinstance(record, Person) and record.side is Side.SUPPLIER and record.active is False:
        return (), "a user marked inactive in the CRM"
    kind = _kind(record)
    ids, reasons = [], []
    for crm in crms:
        found, reason = _CONVERT[crm](record.key(), kind, record, contacts)
        if found:
            ids.append(CrmId(crm, found, kind))
        reasons.append(reason)
    return tuple(ids), "; ".join(r for r in reasons if r)


def _kind(record: Any) -> str:
    if isinstance(record, Account):
        return "account"
    return "user" if record.side is Side.SUPPLIER else "contact"


Converted = tuple[str | None, str]
_SF_PREFIX = {"account": "001", "contact": "003", "user": "005"}


def _salesforce(key: str, kind: str, record: Any,
                contacts: Mapping[tuple[str, str], set[str]]) -> Converted:
    """A Salesforce id is kamgraph's (18 characters), but for a contact's place at a
    further account (AccountContactRelation): that is the contact's own id."""
    if key[:3] == _SF_PREFIX[kind] and "@" not in key:
        return key, ""
    if kind == "contact":
        if key[:3] == "003" and "@" in key:
            return key.split("@", 1)[0], ""
        same = contacts.get(_person_key(record), set())
        if len(same) == 1:
            return next(iter(same)), ""
        return None, "a contact's place at a further account whose contact is not known"
    return None, f"{key} is not a Salesforce {kind} id"


def _salesforce_contacts(records: Iterable[Stored], formats: Mapping[str, str]
                         ) -> dict[tuple[str, str], set[str]]:
    """Salesforce contacts by name and e-mail: a membership of a further account carries
    its contact's, under another id."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for stored in records:
        record = stored.record
        if (isinstance(record, Person) and record.id[:3] == "003" and "@" not in record.id
                and "salesforce" in _crms(stored, formats)):
            out[_person_key(record)].add(record.id)
    return out


def _person_key(record: Any) -> tuple[str, str]:
    return ((record.name or "").strip().lower(), (record.email or "").strip().lower())


_HS_PREFIX = {"account": "hs-company-", "contact": "hs-contact-", "user": "hs-owner-"}


def _hubspot(key: str, kind: str, record: Any,
             contacts: Mapping[tuple[str, str], set[str]]) -> Converted:
    """HubSpot's record id is kamgraph's without its object prefix; an owner known only
    by name (no owners file) has none."""
    raw = key.removeprefix(_HS_PREFIX[kind])
    if raw != key and raw.isdigit():
        return raw, ""
    if kind == "user":
        return None, "an owner the HubSpot export names only by name (add the owners file)"
    return None, f"{key} is not a HubSpot {kind} id"


def _dynamics(key: str, kind: str, record: Any,
              contacts: Mapping[tuple[str, str], set[str]]) -> Converted:
    """A Dataverse id is kamgraph's: the GUID, lower-case."""
    if _GUID.match(key):
        return key, ""
    return None, f"{key} is not a Dataverse GUID"


_CONVERT = {"salesforce": _salesforce, "hubspot": _hubspot, "dynamics": _dynamics}


# -- writing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Skipped:
    """A task not written: the action, its step (1-based; None: the action's own task),
    and why."""

    action: str
    step: int | None
    reason: str


@dataclass(frozen=True)
class _Task:
    """One task an entry makes, before ids: kamgraph's ids of whom it names."""

    action: str
    step: int | None
    subject: str
    description: str
    owner: Mapping[str, str] | None
    person: Mapping[str, str] | None
    account: Mapping[str, str]
    priority: str
    due: str | None
    given: str


@dataclass(frozen=True)
class _Ids:
    owner: CrmId
    person: CrmId | None
    account: CrmId


def _task_list(entry: Mapping[str, Any]) -> list[_Task]:
    """The tasks an open entry makes: one per step, or one for the action."""
    steps = entry.get("steps") or []
    common = {"action": entry["id"], "account": entry["account"],
              "priority": entry["priority"], "due": entry.get("due"),
              "given": entry["given"]}
    if not steps:
        subject = entry.get("subject") or {}
        person = subject if subject.get("type") == "person" else None
        return [_Task(step=None, subject=entry["action"],
                      description=_description(entry, None, len(steps)),
                      owner=entry.get("owner"), person=person, **common)]
    return [_Task(step=i, subject=_step_line(entry["action"], step, i, len(steps)),
                  description=_description(entry, i, len(steps)),
                  owner=step.get("owner"), person=step.get("subject"), **common)
            for i, step in enumerate(steps, 1)]


def _step_line(action: str, step: Mapping[str, Any], i: int, n: int) -> str:
    owner = (step.get("owner") or {}).get("name", "?")
    who = (step.get("subject") or {}).get("name", "?")
    through = step.get("introducer")
    via = f", introduced by {through['name']}" if through else ""
    return f"Step {i} of {n}: {owner} meets {who}{via} ({action})"


def _description(entry: Mapping[str, Any], step: int | None, steps: int) -> str:
    first = f"{MARKER} {entry['id']}" + (f" (step {step} of {steps})" if step else "")
    lines = [first, entry["action"]]
    lines += [f"- {line}" for line in entry.get("evidence") or []]
    return "\n".join(lines)


def _resolve(task: _Task, ids: CrmIds, crm: str) -> _Ids | str:
    """The task's ids in ``crm``, or why it cannot be written."""
    named = {"owner": task.owner, "person": task.person, "account": task.account}
    if task.owner is None:
        return "the action has no owner"
    found: dict[str, CrmId | None] = {}
    for role, who in named.items():
        if who is None:
            found[role] = None
            continue
        found[role] = ids.of(who["id"], crm)
        if found[role] is None:
            return f"{role} {who.get('name') or who['id']}: {ids.reason(who['id'], crm)}"
    owner, person, account = found["owner"], found["person"], found["account"]
    assert owner is not None and account is not None
    if owner.kind != "user":
        return f"owner {task.owner.get('name')}: not a user of {crm}"
    if person is not None and person.kind != "contact":
        person = None  # one of ours: the task is on the account
    return _Ids(owner, person, account)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _row_salesforce(task: _Task, ids: _Ids) -> dict[str, str]:
    return {"Subject": _clip(task.subject, 255),
            "WhoId": ids.person.id if ids.person else "",
            "WhatId": ids.account.id, "OwnerId": ids.owner.id,
            "ActivityDate": task.due or "", "Status": "Not Started",
            "Priority": {"high": "High", "medium": "Normal", "low": "Low"}[task.priority],
            "Description": task.description}


def _row_hubspot(task: _Task, ids: _Ids) -> dict[str, str]:
    return {"hs_task_subject": _clip(task.subject, 255), "hs_task_body": task.description,
            # HubSpot requires a due moment on every task: the day given when none is due.
            "hs_timestamp": task.due or task.given, "hubspot_owner_id": ids.owner.id,
            "hs_task_status": "NOT_STARTED", "hs_task_priority": task.priority.upper(),
            "hs_task_type": "TODO",
            "Record ID - Contact": ids.person.id if ids.person else "",
            "Record ID - Company": ids.account.id}


def _row_dynamics(task: _Task, ids: _Ids) -> dict[str, str]:
    regarding = ids.person or ids.account
    return {"subject": _clip(task.subject, 200), "description": task.description,
            "scheduledend": task.due or "", "ownerid": ids.owner.id,
            "owneridtype": "systemuser", "regardingobjectid": regarding.id,
            "regardingobjecttypecode": regarding.kind,
            "prioritycode": {"low": "0", "medium": "1", "high": "2"}[task.priority],
            "statecode": "0", "statuscode": "2"}


_ROWS = {"salesforce": _row_salesforce, "hubspot": _row_hubspot, "dynamics": _row_dynamics}
#: Each format's columns, in order: Data Loader's Task fields, HubSpot's task properties
#: (internal names) and associations, Dataverse's task columns (logical names).
COLUMNS = {
    "salesforce": ("Subject", "WhoId", "WhatId", "OwnerId", "ActivityDate", "Status",
                   "Priority", "Description"),
    "hubspot": ("hs_task_subject", "hs_task_body", "hs_timestamp", "hubspot_owner_id",
                "hs_task_status", "hs_task_priority", "hs_task_type", "Record ID - Contact",
                "Record ID - Company"),
    "dynamics": ("subject", "description", "scheduledend", "ownerid", "owneridtype",
                 "regardingobjectid", "regardingobjecttypecode", "prioritycode",
                 "statecode", "statuscode"),
}


def write_tasks(fmt: str, entries: Iterable[Mapping[str, Any]], ids: CrmIds,
                out: IO[str] | Path) -> list[Skipped]:
    """Write the open and overdue ``entries`` (actions, as the actions JSON gives them)
    as tasks the CRM of ``fmt`` imports, to ``out`` (a path, or a text stream opened
    with ``newline=""``); ``ids`` from :func:`crm_ids`.

    An entry with steps makes one task per step (the step's owner, with the step's
    subject), else one task (its owner, with its subject when a person, on its account).
    Returns the tasks not written: whoever they name lacks an id in that CRM.
    """
    crm = FORMATS.get(fmt)
    if crm is None:
        raise ValueError(f"unknown task format {fmt!r}: one of {', '.join(FORMATS)}")
    rows, skipped = [], []
    for entry in entries:
        if entry.get("status") not in _OPEN:
            continue
        for task in _task_list(entry):
            found = _resolve(task, ids, crm)
            if isinstance(found, str):
                skipped.append(Skipped(task.action, task.step, found))
            else:
                rows.append(_ROWS[crm](task, found))
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as fh:
            _write(fh, COLUMNS[crm], rows)
    else:
        _write(out, COLUMNS[crm], rows)
    return skipped


def _write(out: IO[str], columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row[c]) for c in columns])


# -- reading back ---------------------------------------------------------------------


class ReturnedTask(NamedTuple):
    """A kamgraph task as a later export holds it: its action, whether it is done, and
    when (done: the day it was completed, else its due day; None: no day known)."""

    action: str
    completed: bool
    day: date | None


#: Per CRM, the columns of a task file, each by any of its names: the description, the
#: status, and the days (completion first, then due).  Files without a description and
#: a status are not tasks.
_READ: dict[str, dict[str, tuple[str, ...]]] = {
    "salesforce": {"description": ("Description",), "closed": ("IsClosed",),
                   "status": ("Status",), "due": ("ActivityDate",),
                   "done": ("CompletedDateTime", "LastModifiedDate")},
    "hubspot": {"description": ("hs_task_body", "Notes", "Task notes", "Body"),
                "closed": (), "status": ("hs_task_status", "Task Status", "Status"),
                "due": ("hs_timestamp", "Due date", "Due Date"),
                "done": ("hs_task_completion_date", "Completed at", "Completion date",
                         "hs_lastmodifieddate", "Last Modified Date")},
    "dynamics": {"description": ("description", "Description"), "closed": (),
                 "status": ("statecode", "Activity Status", "Status"),
                 "due": ("scheduledend", "Due Date", "Due"),
                 "done": ("actualend", "Actual End", "modifiedon", "Modified On")},
}
_DONE = frozenset({"completed", "complete", "closed", "1"})


def returned_tasks(path: Path, crm: str, *, encoding: str | None = None
                   ) -> Iterator[ReturnedTask]:
    """The kamgraph tasks in the export at ``path`` (a folder, zip or CSV of ``crm``:
    ``salesforce``, ``hubspot`` or ``dynamics``): every task row whose description
    carries ``kamgraph action <id>``.  An action written as steps comes back once per step.
    """
    spec = _READ[crm]
    with ExportSource(path) as source:
        for name in source.names():
            if not name.endswith(".csv") or (crm == "salesforce" and not _sf_tasks(source, name)):
                continue
            table = source.table(name, encoding)
            header = {h.lower() for h in table.peek_header()}
            if _first(header, spec["description"]) and (
                    _first(header, spec["status"]) or _first(header, spec["closed"])):
                yield from _marked(table, spec)


def completed_actions(path: Path, fmt: str, *, encoding: str | None = None
                      ) -> dict[str, Completed]:
    """The actions whose tasks came back completed in the export at ``path`` (of format
    ``fmt``; none for a format that is not a CRM's): every task of the action (one per
    step) completed, dated by the last."""
    if fmt not in CRMS:
        return {}
    seen: dict[str, list[tuple[bool, date | None]]] = {}
    for task in returned_tasks(path, fmt, encoding=encoding):
        seen.setdefault(task.action, []).append((task.completed, task.day))
    return {action: Completed(fmt, max((d for _, d in tasks if d), default=None))
            for action, tasks in seen.items() if all(done for done, _ in tasks)}


def _sf_tasks(source: ExportSource, name: str) -> bool:
    """A Salesforce file of Task records: ``Task.csv``, or a file named otherwise
    (Data Loader's ``extract.csv``) whose first task id says so."""
    if name == "task.csv":
        return True
    header, records = source.peek(name)
    return salesforce_object(header, records[0] if records else None, ids_first=True) == "Task"


def _first(header: set[str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n.lower() in header), None)


def _marked(table: Table, spec: Mapping[str, tuple[str, ...]]) -> Iterator[ReturnedTask]:
    header = {h.lower() for h in table.peek_header()}
    col = {field: _first(header, names) for field, names in spec.items()}
    for row in table.rows():
        found = _MARKED.search(row.get(str(col["description"])))
        if found is None:
            continue
        completed = _completed(row, col)
        days = ("done", "due") if completed else ("due",)
        day = next((d for d in (_day(row, col[f]) for f in days) if d is not None), None)
        yield ReturnedTask(found.group(1), completed, day)


def _completed(row: Row, col: Mapping[str, str | None]) -> bool:
    if col["closed"]:
        return v.boolean(row, col["closed"])
    return row.get(str(col["status"])).strip().lower() in _DONE


def _day(row: Row, column: str | None) -> date | None:
    if column is None:
        return None
    moment = v.moment(row, column, epoch_ms=True)
    return moment.date() if moment else None
