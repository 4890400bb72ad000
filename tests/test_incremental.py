"""Incremental exports: slices of changed records add up to a full sync, and a nightly
export looks up only the records of earlier syncs it names."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.records import KnownIds
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.loaders import crm_writers as w

ACTIVITY_FILES = {"Task.csv": "ActivityDate", "Event.csv": "ActivityDateTime"}


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows([header, *rows])


def slice_export(export: Path, out: Path, cuts: list[date]) -> list[Path]:
    """Split an export by activity date: slice 0 holds everything up to the first cut,
    each later slice only the activities (and their invitations) modified in its window,
    with ``LastModifiedDate`` set to the activity's date."""
    bounds = [date.min, *cuts, date.max]
    folders = [out / f"slice{i}" for i in range(len(bounds) - 1)]

    def slot(day: str) -> int:
        d = date.fromisoformat(day[:10]) if day else date.min
        return next(i for i in range(len(folders)) if bounds[i] < d <= bounds[i + 1]
                    or (i == 0 and d <= bounds[1]))

    event_slot: dict[str, int] = {}
    for name in sorted(p.name for p in export.glob("*.csv")):
        header, rows = read(export / name)
        buckets: list[list[list[str]]] = [[] for _ in folders]
        if name in ACTIVITY_FILES:
            col = header.index(ACTIVITY_FILES[name])
            for row in rows:
                i = slot(row[col])
                if name == "Event.csv":
                    event_slot[row[0]] = i
                buckets[i].append([*row, row[col] or "2000-01-01"])
            for i, folder in enumerate(folders):
                write(folder / name, [*header, "LastModifiedDate"], buckets[i])
            continue
        if name == "EventRelation.csv":
            col = header.index("EventId")
            for row in rows:
                buckets[event_slot.get(row[col], 0)].append(row)
            for i, folder in enumerate(folders):
                write(folder / name, header, buckets[i])
            continue
        for i, folder in enumerate(folders):
            write(folder / name, header, rows if i == 0 else [])
    return folders


@pytest.mark.parametrize("cuts", [
    [date(2026, 6, 1)],
    [date(2026, 3, 1), date(2026, 8, 15), date(2026, 10, 20)],
])
def test_slices_add_up_to_a_full_sync(tmp_path: Path, example_weekly: Path,
                                      cuts: list[date]) -> None:
    slices = slice_export(example_weekly, tmp_path / "slices", cuts)
    with SqliteStore(tmp_path / "full.db") as full:
        sync_path(full, example_weekly, config=Config())
        expected = list(full.dump())
    with SqliteStore(tmp_path / "inc.db") as inc:
        first, _ = sync_path(inc, slices[0], config=Config())
        assert first.status == "ok"
        for folder in slices[1:]:
            report, _ = sync_path(inc, folder, incremental=True, config=Config())
            assert report.status == "ok" and report.rejects == []
            assert report.counts["inactivated"] == 0
            assert report.counts["inserted"] + report.counts["updated"] > 0
        assert list(inc.dump()) == expected
        marks = [r.counts["high_water"] for r in reversed(inc.runs())]
    assert marks == sorted(marks) and marks[-1].startswith("2026-")


def test_an_incremental_export_without_known_contacts_is_rejected_row_by_row(
    tmp_path: Path, example_weekly: Path
) -> None:
    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    with SqliteStore(tmp_path / "k.db") as store:
        # Without the earlier full sync the activities name contacts nobody knows.
        report, _ = sync_path(store, slices[1], incremental=True, config=Config())
        assert report.status == "rejected"
        assert {r.type for r in report.rejects} <= {"unknown-contact", "unknown-user"}
        [run] = store.runs()
        assert (run.status, run.mode) == ("rejected", "incremental")


def test_runs_last_prints_the_high_water_mark(tmp_path: Path, example_weekly: Path) -> None:
    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    store = f"sqlite:///{tmp_path / 'k.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(slices[0]), "--store", store]).exit_code == 0
    result = runner.invoke(cli, ["sync", str(slices[1]), "--incremental", "--store", store])
    assert result.exit_code == 0, result.output
    last = runner.invoke(cli, ["runs", "--last", "--store", store]).output
    assert "incremental" in last and "high-water mark 2026-" in last
    data = json.loads(runner.invoke(cli, ["runs", "--last", "--format", "json",
                                          "--store", store]).output)
    assert data[0]["mode"] == "incremental" and data[0]["counts"]["high_water"] >= "2026-06"


def test_an_incremental_export_of_activities_alone_is_recognised_and_merged(
        tmp_path: Path, example_weekly: Path) -> None:
    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    for path in slices[1].iterdir():
        if path.name not in ACTIVITY_FILES and path.name != "EventRelation.csv":
            path.unlink()
    with SqliteStore(tmp_path / "full.db") as full:
        sync_path(full, example_weekly, config=Config())
        expected = list(full.dump())
    with SqliteStore(tmp_path / "inc.db") as inc:
        sync_path(inc, slices[0], config=Config())
        events: list[tuple[str, dict[str, object]]] = []
        report, _ = sync_path(inc, slices[1], incremental=True,
                              on_event=lambda e, **f: events.append((e, f)), config=Config())
        assert report.status == "ok" and report.counts["updated"] > 0
        assert events[0][0] == "format.detected" and events[0][1]["format"] == "salesforce"
        assert list(inc.dump()) == expected
    # A full sync still needs the contacts.
    with SqliteStore(tmp_path / "other.db") as other:
        with pytest.raises(InputError, match="Contact.csv is missing"):
            sync_path(other, slices[1], config=Config())


class Asked(SqliteStore):
    """The embedded store, noting what each incremental sync asked it to look up."""

    asked: list[Mapping[str, Collection[str]] | None]

    def known_ids(self, wanted: Mapping[str, Collection[str]] | None = None) -> KnownIds:
        self.asked.append(wanted)
        return super().known_ids(wanted)


def test_an_incremental_salesforce_export_looks_up_only_the_ids_it_names(
        tmp_path: Path, example_weekly: Path) -> None:
    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    header, tasks = read(slices[1] / "Task.csv")
    # The contacts and owners the tasks name (leads are not looked up: they are skipped).
    named = {row[header.index(column)] for row in tasks for column in ("WhoId", "OwnerId")
             if row[header.index(column)][:3] in ("003", "005")}
    with Asked(tmp_path / "inc.db") as inc:
        inc.asked = []
        sync_path(inc, slices[0], config=Config())
        everyone = inc.known_ids()
        report, _ = sync_path(inc, slices[1], incremental=True, config=Config())
        assert report.status == "ok" and report.rejects == []
    [wanted] = inc.asked[1:]
    assert isinstance(wanted, dict)
    asked = set().union(*wanted.values())
    assert named <= asked
    # Only ids: no task's or event's own id, and far fewer than the store holds.
    assert not any(key[:3] in ("00T", "00U") for key in asked)
    assert len(asked) < len(everyone.contacts) + len(everyone.users)


class Everyone(SqliteStore):
    """The embedded store, answering every lookup with every id it holds."""

    def known_ids(self, wanted: Mapping[str, Collection[str]] | None = None) -> KnownIds:
        return super().known_ids(None)


def split_nightly(whole: Path, full: Path, nightly: Path, activities: int) -> set[str]:
    """Split a HubSpot or Dynamics export: ``nightly`` holds the first ``activities`` rows
    of each activity file (with their parties) and our people, every other file as its
    header alone; ``full`` holds the rest.  Returns the ids of the activities moved."""
    moved: set[str] = set()
    names = sorted(p.name for p in whole.iterdir())
    # activityparty names its activities: read after them.
    for name in sorted(names, key=lambda n: n.startswith("activityparty")):
        with open(whole / name, newline="", encoding="utf-8-sig") as fh:
            header, *rows = list(csv.reader(fh))
        lower = name.lower()
        if lower.startswith(("owners", "systemuser", "my active users")):
            late, early = rows, rows
        elif any(kind in lower for kind in ("meetings", "calls", "emails", "activitypointer")):
            late, early = rows[:activities], rows[activities:]
            moved.update(row[0].lower() for row in late)
        elif lower.startswith("activityparty"):
            late = [row for row in rows if row[0].lower() in moved]
            early = [row for row in rows if row[0].lower() not in moved]
        else:
            late, early = [], rows
        write(full / name, header, early)
        write(nightly / name, header, late)
    return moved


@pytest.mark.parametrize("flavour", ["hubspot labels", "hubspot internal names",
                                     "dynamics tables", "dynamics excel"])
def test_an_incremental_hubspot_or_dynamics_export_looks_up_only_the_ids_it_names(
        tmp_path: Path, flavour: str) -> None:
    # A nightly export's activities name contacts only the store holds.
    w.FLAVOURS[flavour](w.build(), tmp_path / "whole")
    moved = split_nightly(tmp_path / "whole", tmp_path / "full", tmp_path / "nightly", 2)
    assert moved
    config = w.config()
    dumps = []
    with Asked(tmp_path / "asked.db") as asked, Everyone(tmp_path / "everyone.db") as every:
        for store in (asked, every):
            sync_path(store, tmp_path / "full", config=config)
            before = list(store.dump())
            asked.asked = []
            report, _ = sync_path(store, tmp_path / "nightly", config=config, incremental=True)
            assert report.status == "ok" and report.rejects == []
            dumps.append(list(store.dump()))
            assert dumps[-1] != before  # the activities reached the logs
            if store is asked:
                [wanted] = asked.asked
        held = asked.known_ids()
    # The same store as when every id is looked up, from far fewer: no activity's own id,
    # and only the contacts the two activities of each kind name.
    assert dumps[0] == dumps[1]
    assert isinstance(wanted, dict)
    asked_ids = set().union(*wanted.values())
    assert not asked_ids & {m.strip("{}") for m in moved}
    assert not any(i.startswith(("hs-meeting-", "hs-call-", "hs-email-")) for i in asked_ids)
    assert 0 < len(asked_ids & set(held.contacts)) < len(held.contacts)


def test_an_incremental_contact_naming_an_unknown_account_is_rejected(
        tmp_path: Path, example_weekly: Path) -> None:
    """The store is asked only for the accounts the export names; that the store holds
    accounts at all still makes an unknown one an error, as when it listed every id."""
    header, contacts = read(example_weekly / "Contact.csv")
    account = header.index("AccountId")
    stray = [*contacts[0]]
    stray[0], stray[account] = "003Gx00000009ZZIAA", "001aB0000000999QAA"
    write(tmp_path / "inc" / "Contact.csv", header, [stray])
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, example_weekly, config=Config())
        before = list(store.dump())
        report, _ = sync_path(store, tmp_path / "inc", incremental=True, config=Config())
        assert report.status == "rejected"
        [reject] = report.rejects
        assert (reject.type, reject.field) == ("unknown-account", "AccountId")
        assert reject.message.endswith("is not in Account.csv nor in the store")
        assert list(store.dump()) == before


def test_the_store_looks_up_ids_by_kind_as_it_lists_them(tmp_path: Path,
                                                         example_weekly: Path) -> None:
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, example_weekly, config=Config())
        everyone = store.known_ids()
        contact, user = sorted(everyone.contacts)[0], sorted(everyone.users)[0]
        opportunity, account = sorted(everyone.opportunities)[0], sorted(everyone.accounts)[0]
        found = store.known_ids({"person": {contact, user, "003Gx0000000ZZZIAA"},
                                 "opportunity": {opportunity}, "account": {account}})
        assert found.contacts == {contact: everyone.contacts[contact]}
        assert found.users == {user}
        assert found.opportunities == {opportunity: everyone.opportunities[opportunity]}
        assert found.accounts == {account} and found.holds_accounts
        nothing = store.known_ids({"person": set()})
        assert not nothing.accounts and nothing.holds_accounts
    with SqliteStore(tmp_path / "empty.db") as empty:
        assert not empty.known_ids({"account": {account}}).holds_accounts


def _counted(store: SqliteStore) -> tuple[dict[str, tuple[int, int, int]], dict[str, int]]:
    """Each account's people, our people and links, and each of our people's accounts,
    counted over every active record: what a store keeps for readers must equal it."""
    active = [(kind, key, account, json.loads(data)) for kind, key, _, account, data, status,
              _ in store.dump() if status == "active"]
    people: dict[str, set[str]] = defaultdict(set)
    ours: dict[str, set[str]] = defaultdict(set)
    links: dict[str, set[str]] = defaultdict(set)
    serves: dict[str, set[str]] = defaultdict(set)
    for kind, key, account, data in active:
        if kind == "person" and account is not None:
            people[account].add(key)
        elif kind in ("contact_log", "touch", "relationship") and account is not None:
            ours[account].add(data["supplier_id"])
            links[account].add(f"{data['supplier_id']}|{data['customer_id']}")
            serves[data["supplier_id"]].add(account)
        elif kind == "team_member" and account is not None:
            serves[data["person_id"]].add(account)
    counts = {a: (len(people[a]), len(ours[a]), len(links[a]))
              for a in people.keys() | ours.keys()}
    return counts, {person: len(accounts) for person, accounts in serves.items()}


def moves_export(export: Path, tmp_path: Path) -> tuple[list[Path], Path]:
    """The export's slices before and after 2026-06-01 (see :func:`slice_export`), and an
    incremental export that moves a contact of the first account to the second (nothing
    else of the first account changes) and removes a team seat of the third."""
    slices = slice_export(export, tmp_path / "slices", [date(2026, 6, 1)])
    moves = tmp_path / "moves"
    for name in ("Task.csv", "Event.csv", "EventRelation.csv"):
        header, _ = read(slices[1] / name)
        write(moves / name, header, [])
    header, contacts = read(export / "Contact.csv")
    moved = next(row for row in contacts
                 if row[header.index("AccountId")] == "001aB0000000001QAA")
    moved[header.index("AccountId")] = "001aB0000000002QAA"
    write(moves / "Contact.csv", header, [moved])
    header, seats = read(export / "AccountTeamMember.csv")
    seat = next(row for row in seats if row[header.index("AccountId")] == "001aB0000000003QAA")
    seat[header.index("IsDeleted")] = "1"
    write(moves / "AccountTeamMember.csv", header, [seat])
    return slices, moves


def test_an_incremental_run_recounts_the_accounts_it_touched(
        tmp_path: Path, example_weekly: Path) -> None:
    """The counts `kamgraph accounts` shows and our people's loads are recounted, after
    an incremental run, for the accounts it touched alone: the kept summaries equal a
    count over every record after a contact moved to another account (the account it
    left is touched by nothing else), a team seat removed, then new activities."""
    slices, moves = moves_export(example_weekly, tmp_path)
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, slices[0], config=Config())
        before = {a.id: (a.customers, a.our_people, a.links) for a in store.accounts()}
        for folder in (moves, slices[1]):
            report, _ = sync_path(store, folder, incremental=True, config=Config())
            assert report.status == "ok" and report.rejects == []
            counts, loads = _counted(store)
            kept = {a.id: (a.customers, a.our_people, a.links) for a in store.accounts()}
            assert kept == {a: counts.get(a, (0, 0, 0)) for a in kept}
            assert store.supplier_loads() == loads
            if folder == moves:
                # Both accounts' people changed.
                assert kept["001aB0000000001QAA"][0] == before["001aB0000000001QAA"][0] - 1
                assert kept["001aB0000000002QAA"][0] == before["001aB0000000002QAA"][0] + 1
