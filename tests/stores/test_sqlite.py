"""The embedded store: atomic runs, full-export semantics, idempotent re-sync."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kamgraph.config import Config, SalesforceFields
from kamgraph.errors import InputError, StoreBusy, UnknownAccount
from kamgraph.generate import generate_export
from kamgraph.graph import build_account_graph
from kamgraph.model import Account
from kamgraph.stores.sqlite import MIGRATIONS, SCHEMA_VERSION, SqliteStore
from kamgraph.syncing import rejects_path, sync_path
from tests.builders import RecordsLoader

DAY1 = date(2026, 10, 1)
DAY2 = date(2026, 10, 2)


def drop_rows(path: Path, name: str, predicate: object) -> int:
    """Remove the rows of ``path/name`` for which ``predicate(row)`` holds."""
    file = path / name
    with open(file, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    kept = [rows[0]] + [r for r in rows[1:] if not predicate(r)]  # type: ignore[operator]
    with open(file, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(kept)
    return len(rows) - len(kept)


def contact(export: Path, name: str) -> dict[str, str]:
    with open(export / "Contact.csv", newline="", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["Name"] == name)


def test_round_trip_keeps_every_record(store: SqliteStore, example_weekly: Path) -> None:
    report, _ = sync_path(store, example_weekly, today=DAY1, config=Config())
    assert report.status == "ok"
    summaries = store.accounts()
    assert [a.name for a in summaries] == ["Acme Foods", "Borealis Chemicals", "Cordillera Mining"]
    assert all(a.customers and a.our_people and a.links for a in summaries)
    # Without the counts (what an audit asks for): the same accounts, nothing counted.
    assert [(a.id, a.name, a.status, a.customers, a.links)
            for a in store.accounts(counts=False)] == [
        (a.id, a.name, a.status, 0, 0) for a in summaries]
    acme = store.load_account(summaries[0].id)
    kinds = {s.record.kind for s in acme.items}
    assert kinds == {"account", "person", "team_member", "opportunity", "opportunity_role",
                     "contact_log"}
    assert report.counts["inserted"] == len(list(store.dump()))


def test_resync_of_the_same_export_changes_nothing(store: SqliteStore,
                                                   example_weekly: Path) -> None:
    sync_path(store, example_weekly, today=DAY1, config=Config())
    before = list(store.dump())
    report, _ = sync_path(store, example_weekly, today=DAY2, config=Config())
    assert report.counts["inserted"] == report.counts["updated"] == 0
    assert report.counts["inactivated"] == 0
    assert report.counts["unchanged"] == len(before)
    assert list(store.dump()) == before
    assert [r.status for r in store.runs()] == ["ok", "ok"]


def test_records_missing_from_a_full_export_are_marked_inactive_not_deleted(
    tmp_path: Path, store: SqliteStore, example_weekly: Path
) -> None:
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    sync_path(store, export, today=DAY1, config=Config())
    buyer = contact(export, "Tomás Ortega")
    drop_rows(export, "Contact.csv", lambda r: r[0] == buyer["Id"])
    drop_rows(export, "Task.csv", lambda r: r[1] == buyer["Id"])
    drop_rows(export, "Event.csv", lambda r: r[1] == buyer["Id"])
    report, _ = sync_path(store, export, today=DAY2, config=Config())
    assert report.counts["inactivated"] > 1
    rows = {(k, key): (status, since) for k, key, _s, _a, _d, status, since in store.dump()}
    assert rows[("person", buyer["Id"])] == ("inactive", "2026-10-02")
    graph = build_account_graph(store.load_account(buyer["AccountId"]), DAY2, Config())
    assert graph.nodes[buyer["Id"]]["active"] is False

    # It comes back: active again, and the history keeps both changes.
    sync_path(store, example_weekly, today=DAY2, config=Config())
    rows = {(k, key): (status, since) for k, key, _s, _a, _d, status, since in store.dump()}
    assert rows[("person", buyer["Id"])] == ("active", None)
    history = [h.status for h in store.person_history(buyer["Id"]) if h.kind == "person"]
    assert history == ["active", "inactive", "active"]


def test_a_schema_1_store_keeps_every_version_when_upgraded(
        tmp_path: Path, example_weekly: Path) -> None:
    """Schema 1 kept each record's current version in the history too; schema 2 keeps
    it in records alone.  An upgraded store answers every question about the past as
    before."""
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    buyer = contact(export, "Tomás Ortega")
    path = tmp_path / "k.db"
    with SqliteStore(path) as store:
        sync_path(store, export, today=DAY1, config=Config())
        shutil.copytree(export, tmp_path / "whole")
        drop_rows(export, "Contact.csv", lambda r: r[0] == buyer["Id"])
        drop_rows(export, "Task.csv", lambda r: r[1] == buyer["Id"])
        drop_rows(export, "Event.csv", lambda r: r[1] == buyer["Id"])
        sync_path(store, export, today=DAY2, config=Config())  # the buyer leaves
        sync_path(store, tmp_path / "whole", today=DAY2, config=Config())  # and comes back
        runs = sorted(r.id for r in store.runs())

        def answers(opened: SqliteStore) -> tuple[object, ...]:
            return (opened.person_history(buyer["Id"]),
                    [opened.account_snapshot(buyer["AccountId"], run) for run in runs],
                    [opened.changed_accounts(run) for run in runs],
                    list(opened.dump()))

        assert [h.status for h in store.person_history(buyer["Id"]) if h.kind == "person"] \
            == ["active", "inactive", "active"]
        expected = answers(store)
        kept = store.conn.execute("SELECT COUNT(*) FROM record_history").fetchone()[0]
        # Back to schema 1's layout: every current version in the history as well.
        store.conn.execute("INSERT INTO record_history SELECT kind, key, source, "
                           "changed_run, status, data FROM records")
        store.conn.execute("PRAGMA user_version = 1")
    with SqliteStore(path) as upgraded:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert upgraded.conn.execute("SELECT COUNT(*) FROM record_history").fetchone()[0] \
            == kept
        assert answers(upgraded) == expected


def test_a_schema_3_store_keeps_its_loads_and_counts_when_upgraded(
        tmp_path: Path, example_weekly: Path) -> None:
    """Schema 4 keeps which of our people serve which accounts instead of their loads;
    a store of schema 3 is upgraded with the same loads and counts."""
    path = tmp_path / "k.db"
    with SqliteStore(path) as store:
        sync_path(store, example_weekly, config=Config())
        expected = (store.accounts(), store.supplier_loads())
        assert expected[1] and any(a.our_people for a in expected[0])
        # Back to schema 3's layout, its summaries filled as its migration filled them.
        store.conn.execute("DROP TABLE supplier_accounts")
        for statement in MIGRATIONS[2].split(";"):
            if statement.strip():
                store.conn.execute(statement)
        store.conn.execute("PRAGMA user_version = 3")
    with SqliteStore(path) as upgraded:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert (upgraded.accounts(), upgraded.supplier_loads()) == expected
        tables = {name for (name,) in upgraded.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "supplier_loads" not in tables and "supplier_accounts" in tables


def test_a_record_sent_twice_in_different_batches_is_counted_once_and_the_later_kept(
        tmp_path: Path) -> None:
    def accounts(*names: str) -> RecordsLoader:
        return RecordsLoader([Account(id=f"001{i:015d}", name=n)
                              for i, n in enumerate(names, 1)])

    with SqliteStore(tmp_path / "k.db", batch_size=2) as store:
        first = store.sync(accounts("A", "B", "C"), source="salesforce")
        assert first.counts["inserted"] == 3
        # The first account again, renamed, two batches later: one update, the later kept.
        again = accounts("A", "B", "C", "D", "E")
        again.items.append(Account(id="001000000000000001", name="A renamed"))
        second = store.sync(again, source="salesforce")
        assert (second.counts["inserted"], second.counts["updated"],
                second.counts["unchanged"], second.counts["duplicates"]) == (2, 1, 3, 1)
        assert {a.name for a in store.accounts()} == {"A renamed", "B", "C", "D", "E"}
        # The history holds what run 1 wrote; run 2's own first version is not kept.
        history = store.conn.execute(
            "SELECT run_id, data FROM record_history WHERE key = '001000000000000001'"
        ).fetchall()
        assert [(run, json.loads(data)["name"]) for run, data in history] == [(1, "A")]
        runs = [r.id for r in store.runs()]
        assert store.account_snapshot("001000000000000001", min(runs)).items[0].record.name \
            == "A"


def test_a_sources_first_run_counts_records_sent_twice_as_any_run_does(
        tmp_path: Path) -> None:
    # A source's first run looks its keys up in the records it is writing, not in a
    # staged copy: the same counts and rows as a run that stages them.
    def export() -> RecordsLoader:
        loader = RecordsLoader([Account(id=f"001{i:015d}", name=n)
                                for i, n in enumerate("ABCDE", 1)])
        loader.items += [Account(id="001000000000000001", name="A renamed"),
                         Account(id="001000000000000002", name="B"),
                         Account(id="001000000000000003", name="C", deleted=True)]
        return loader

    def stored(store: SqliteStore) -> list[tuple[str, str, str]]:
        return store.conn.execute(
            "SELECT key, data, status FROM records WHERE key != '001999999999999999' "
            "ORDER BY key").fetchall()

    with SqliteStore(tmp_path / "first.db", batch_size=2) as first:
        report = first.sync(export(), source="salesforce")
        assert {k: n for k, n in report.counts.items() if n} == {
            "inserted": 5, "duplicates": 3, "updated": 2, "unchanged": 1, "deleted": 1}
        assert first.conn.execute("SELECT count(*) FROM record_history").fetchone() == (0,)
    with SqliteStore(tmp_path / "staged.db", batch_size=2) as staged:
        staged.sync(RecordsLoader([Account(id="001999999999999999", name="Z")]),
                    source="salesforce")
        again = staged.sync(export(), source="salesforce")
        assert again.counts.pop("inactivated") == 1
        assert {k: n for k, n in again.counts.items() if n} == {
            k: n for k, n in report.counts.items() if n}
        assert stored(staged) == stored(first)


def test_rejected_rows_roll_the_whole_run_back(tmp_path: Path, store: SqliteStore,
                                               example_weekly: Path) -> None:
    sync_path(store, example_weekly, today=DAY1, config=Config())
    before = list(store.dump())
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    with open(export / "Task.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerow(
            ["00T000000009999AAA", "003000000009999AAA", "", "Call", "2026-10-01",
             "Completed", "005aB0000000001QAA", "1", "Call", "Call", "60", "Connected", "0"])
    drop_rows(export, "Contact.csv", lambda r: r[6] == "Marta Castillo")
    report, written = sync_path(store, export, today=DAY2, config=Config())
    assert report.status == "rejected"
    assert written == rejects_path(store) and written.exists()
    lines = written.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file,line,field,type,message,value"
    assert any("unknown-contact" in line for line in lines[1:])
    assert list(store.dump()) == before  # nothing from the rejected run
    assert store.runs()[0].status == "rejected"

    report, _ = sync_path(store, export, today=DAY2, allow_rejects=True, config=Config())
    assert report.status == "ok" and report.counts["inactivated"] >= 1


def test_input_error_mid_sync_leaves_store_untouched(tmp_path: Path, store: SqliteStore,
                                                     example_weekly: Path) -> None:
    sync_path(store, example_weekly, today=DAY1, config=Config())
    before = list(store.dump())
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    with open(export / "Task.csv", "a", encoding="utf-8") as fh:
        fh.write('"00T000000009999AAA","broken row"\n')
    with pytest.raises(InputError, match=r"Task\.csv:\d+: 2 fields where the header has 13"):
        sync_path(store, export, today=DAY2, config=Config())
    assert list(store.dump()) == before
    assert store.runs()[0].status == "failed"


def test_overlay_facts_survive_a_later_crm_sync(tmp_path: Path, store: SqliteStore,
                                                example_weekly: Path) -> None:
    sync_path(store, example_weekly, today=DAY1, config=Config())
    cfo = contact(example_weekly, "Oskar Lindqvist")
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "people.csv").write_text(
        f"id,stance,influence,dos\n{cfo['Id'][:15]},skeptic,0.9,Bring numbers\n",
        encoding="utf-8")
    report, _ = sync_path(store, facts, today=DAY1, config=Config())
    assert report.format == "csv" and report.status == "ok"
    sync_path(store, example_weekly, today=DAY2, config=Config())
    graph = build_account_graph(store.load_account(cfo["AccountId"]), DAY2, Config())
    node = graph.nodes[cfo["Id"]]
    assert (node["stance"], node["influence"], node["dos"]) == ("skeptic", 0.9, "Bring numbers")
    assert node["title"] == "Chief Financial Officer"  # the CRM's fields stay

    # The overlay row removed: the CRM's record stands alone again, still active.
    (facts / "people.csv").write_text("id,stance\n", encoding="utf-8")
    sync_path(store, facts, today=DAY2, allow_shrink=True, config=Config())
    graph = build_account_graph(store.load_account(cfo["AccountId"]), DAY2, Config())
    node = graph.nodes[cfo["Id"]]
    assert (node["stance"], node["influence"], node["active"]) == ("unknown", None, True)


def test_schema_is_versioned_and_a_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    with SqliteStore(path) as s:
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match="newer than this kamgraph understands"):
        SqliteStore(path).init()


def test_unknown_account_is_a_clear_error(store: SqliteStore) -> None:
    with pytest.raises(UnknownAccount):
        store.load_account("001000000000000AAA")


def test_a_second_writer_waits_then_fails_clearly(store: SqliteStore, example_weekly: Path,
                                                  tmp_path: Path) -> None:
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with SqliteStore(store.path, busy_timeout=0.05) as other:
            with pytest.raises(StoreBusy, match="another kamgraph process is writing"):
                sync_path(other, example_weekly, today=DAY1, config=Config())
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_readers_see_a_consistent_snapshot_during_a_sync(store: SqliteStore,
                                                         example_weekly: Path) -> None:
    sync_path(store, example_weekly, today=DAY1, config=Config())
    before = list(store.dump())
    writer = sqlite3.connect(store.path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE records SET status = 'inactive' WHERE kind = 'touch'")
    try:
        with SqliteStore(store.path) as reader:
            assert list(reader.dump()) == before
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.fixture(scope="module")
def large_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large")
    generate_export(folder, accounts=40, seed=3, end=date(2026, 11, 1))
    return folder


@pytest.fixture(scope="module")
def clean_dump(tmp_path_factory: pytest.TempPathFactory, example_weekly: Path,
               large_export: Path) -> list[tuple[object, ...]]:
    """The store a clean run of the example, then the large export, leaves."""
    with SqliteStore(tmp_path_factory.mktemp("clean") / "clean.db") as s:
        sync_path(s, example_weekly, today=DAY1, config=Config())
        # Another portfolio replaces the example: a shrink, on purpose.
        sync_path(s, large_export, today=DAY2, allow_shrink=True, config=Config())
        return list(s.dump())


@pytest.mark.parametrize("kill_after", ["User.csv", "Contact.csv", "Opportunity.csv",
                                        "EventRelation.csv"])
def test_sync_killed_mid_run_leaves_the_store_as_it_was(
    tmp_path: Path, example_weekly: Path, large_export: Path, kill_after: str,
    clean_dump: list[tuple[object, ...]],
) -> None:
    db = tmp_path / "k.db"
    with SqliteStore(db) as s:
        sync_path(s, example_weekly, today=DAY1, config=Config())
        before = list(s.dump())
        runs_before = len(s.runs())
    proc = subprocess.Popen(
        [sys.executable, "-m", "kamgraph", "sync", str(large_export), "--store",
         f"sqlite:///{db}", "--log-format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        event = json.loads(line)
        if event["event"] == "file.read" and event["file"].endswith(kill_after):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL  # killed mid-run, not finished
    with SqliteStore(db) as s:
        assert list(s.dump()) == before
        assert len(s.runs()) == runs_before
        # A re-run after the crash gives the same store as a clean run.
        sync_path(s, large_export, today=DAY2, allow_shrink=True, config=Config())
        assert list(s.dump()) == clean_dump


def test_an_export_unchanged_byte_for_byte_is_not_read_again(
        tmp_path: Path, store: SqliteStore, example_weekly: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    first, _ = sync_path(store, export, today=DAY1, config=Config())
    before = list(store.dump())
    # The same bytes: nothing is parsed, the run says what a real re-read would.
    again, _ = sync_path(store, export, today=DAY2, config=Config())
    assert again.mode == "unchanged" and again.status == "ok"
    assert again.counts["unchanged"] == len(before) == first.counts["inserted"]
    assert again.read == first.read and again.skipped == first.skipped
    assert again.high_water == first.high_water
    assert list(store.dump()) == before
    assert [r.mode for r in store.runs()] == ["unchanged", "full"]
    # One byte changed, or other settings: read in full again.
    with open(export / "Contact.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    third, _ = sync_path(store, export, today=DAY2, config=Config())
    assert third.mode == "full" and third.counts["unchanged"] == len(before)
    fourth, _ = sync_path(store, export, today=DAY2,
                          config=Config(recency_days=30, salesforce=SalesforceFields()))
    assert fourth.mode == "full"
    fifth, _ = sync_path(store, export, today=DAY2,
                         config=Config(recency_days=30, salesforce=SalesforceFields()))
    assert fifth.mode == "unchanged"


def test_loads_and_counts_are_kept_when_a_sync_commits(tmp_path: Path,
                                                        example_weekly: Path) -> None:
    """What every account's assembly and `kamgraph accounts` read is kept by the sync,
    and equals what a scan of every record gives."""
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    with SqliteStore(tmp_path / "k.db") as store:
        for step in range(2):
            if step:  # a colleague leaves every account team
                drop_rows(export, "AccountTeamMember.csv", lambda r: r[2].endswith("24QAA"))
            sync_path(store, export, today=DAY1 if not step else DAY2, allow_shrink=True,
                      config=Config())
            live = dict(store.conn.execute(
                "SELECT person, COUNT(DISTINCT account_id) FROM ("
                " SELECT json_extract(data, '$.person_id') AS person, account_id FROM records"
                " WHERE kind = 'team_member' AND status = 'active' UNION ALL"
                " SELECT json_extract(data, '$.supplier_id'), account_id FROM records"
                " WHERE kind IN ('contact_log', 'touch', 'relationship')"
                " AND status = 'active') WHERE person IS NOT NULL GROUP BY person"))
            assert store.supplier_loads() == live and live
            people = dict(store.conn.execute(
                "SELECT account_id, COUNT(DISTINCT key) FROM records WHERE kind = 'person' "
                "AND account_id IS NOT NULL AND status = 'active' GROUP BY account_id"))
            assert {a.id: a.customers for a in store.accounts()} == {
                a.id: people.get(a.id, 0) for a in store.accounts()}


def test_a_kept_plan_reads_back_and_old_runs_plans_go(store: SqliteStore,
                                                      example_weekly: Path) -> None:
    from kamgraph.stores.base import KEPT_PLANS

    for _ in range(2):
        sync_path(store, example_weekly, config=Config())
    [latest, first] = [r.id for r in store.runs()][:2]
    store.keep_plan(f"{first}|d|x", first, '{"a": 1}')
    assert store.kept_plan(f"{first}|d|x") == '{"a": 1}' and store.kept_plan("9|d|x") is None
    store.conn.executemany("INSERT INTO sync_runs (source, format, mode, started, status) "
                           "VALUES ('s', 'csv', 'full', '2026-11-01T00:00:00', 'ok')",
                           [()] * KEPT_PLANS)
    store.keep_plan(f"{latest}|d|x", latest, "{}")
    assert store.kept_plan(f"{first}|d|x") is None
