"""The plan that lives: the actions one sync gave, followed up from the next.

A sync and its follow-up; a second export in which the owner of one action met its
subject and the subject of another left, a month on; the second follow-up says which
was done, which dropped, and which are overdue, under the ids they had.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.audit import keep_plan, kept_followup, run_audit
from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.followup import Entry, Followup, Status
from kamgraph.stores.base import Store
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

ROOT = Path(__file__).resolve().parents[1]
DAY1 = date(2026, 11, 1)
DAY2 = DAY1 + timedelta(days=31)
Rows = list[dict[str, str]]


def _rewrite(path: Path, change: Callable[[Rows], Rows]) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = change(list(reader))
    # A column the change brings (an export with the task's description) is added.
    fields += [k for k in dict.fromkeys(k for r in rows for k in r) if k not in fields]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _met(a: Entry, day: date) -> Callable[[Rows], Rows]:
    """A held meeting of the action's owner with its subject on ``day``."""
    assert a.action.owner is not None

    def change(rows: Rows) -> Rows:
        return [*rows, dict(rows[0], Id="00UaB0000000999UAA", WhoId=a.action.subject.id,
                            WhatId=a.account_id, AccountId=a.account_id,
                            OwnerId=a.action.owner.id, ActivityDateTime=f"{day} 10:00:00",
                            ActivityDate=f"{day} 00:00:00")]
    return change


def _leaves(export: Path, person: str) -> None:
    """The person's contact record, roles and activities go from the export."""
    _rewrite(export / "Contact.csv", lambda rows: [r for r in rows if r["Id"] != person])
    _rewrite(export / "OpportunityContactRole.csv",
             lambda rows: [r for r in rows if r["ContactId"] != person])
    _rewrite(export / "Task.csv", lambda rows: [r for r in rows if r["WhoId"] != person])
    with open(export / "Event.csv", newline="", encoding="utf-8") as fh:
        events = {r["Id"] for r in csv.DictReader(fh) if r["WhoId"] == person}
    _rewrite(export / "Event.csv", lambda rows: [r for r in rows if r["WhoId"] != person])
    _rewrite(export / "EventRelation.csv", lambda rows: [
        r for r in rows if r["RelationId"] != person and r["EventId"] not in events])


def follow(store: Store, export: Path) -> tuple[Followup, Followup]:
    """Sync the example into ``store`` and keep its follow-up; a month on, sync it again
    with the owner of a "meet" action having met its person and the subject of an "anti"
    action gone, and keep that day's: both follow-ups."""
    shutil.copytree(ROOT / "examples" / "salesforce", export)
    assert sync_path(store, export, today=DAY1, config=Config())[0].status == "ok"
    keep_plan(store, as_of=DAY1, config=Config())
    first = kept_followup(store)
    assert first is not None
    a = next(e for e in first.entries if e.action.need == "meet")
    b = next(e for e in first.entries if e.action.need == "anti")
    _rewrite(export / "Event.csv", _met(a, DAY2 - timedelta(days=5)))
    _leaves(export, b.action.subject.id)
    assert sync_path(store, export, today=DAY2, config=Config())[0].status == "ok"
    keep_plan(store, as_of=DAY2, config=Config())
    second = kept_followup(store)
    assert second is not None
    return first, second


@pytest.fixture(scope="module")
def followed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Followup, Followup]:
    work = tmp_path_factory.mktemp("followup")
    with SqliteStore(work / "k.db") as store:
        first, second = follow(store, work / "export")
    return work / "k.db", first, second


def _by_id(followup: Followup) -> dict[str, Entry]:
    return {e.id: e for e in followup.entries}


def test_the_next_sync_says_what_became_of_each_action(
        followed: tuple[Path, Followup, Followup]) -> None:
    _, first, second = followed
    assert all(e.status is Status.OPEN and e.given == DAY1 for e in first.entries)
    assert len({e.id for e in first.entries}) == len(first.entries)
    a = next(e for e in first.entries if e.action.need == "meet")
    b = next(e for e in first.entries if e.action.need == "anti")
    now = _by_id(second)
    assert a.action.owner is not None
    assert now[a.id].status is Status.DONE
    assert now[a.id].why == (f"{a.action.owner.name} met {a.action.subject.name} on "
                             f"{DAY2 - timedelta(days=5)}")
    assert now[b.id].status is Status.DROPPED
    assert now[b.id].why is not None and now[b.id].why.startswith(
        f"{b.action.subject.name} left")
    # Every other action of the first follow-up is still there, under its id: open or
    # overdue by the due date it was given, or gone with the reason.
    still = 0
    for e in first.entries:
        if e.id in (a.id, b.id):
            continue
        later = now[e.id]
        assert later.given == DAY1
        if later.status.resolved:
            assert later.why and later.why.startswith("no longer found")
            continue
        still += 1
        assert later.action.due == e.action.due
        assert e.action.due is not None
        expected = Status.OVERDUE if DAY2 > e.action.due else Status.OPEN
        assert later.status is expected, (e.action.action, later.status)
    assert still >= len(first.entries) // 2
    assert any(e.status is Status.OVERDUE for e in second.entries)
    # What is raised today and was not a month ago is new.
    new = [e for e in second.entries if e.label(second.since) == "new"]
    assert new and all(e.given == DAY2 and e.id not in _by_id(first) for e in new)
    assert second.since == DAY1


def test_an_action_id_outlives_its_rank(followed: tuple[Path, Followup, Followup]) -> None:
    """The audit of the day gives the same ids as the follow-up, whatever the ranks."""
    path, _, second = followed
    with SqliteStore(path, readonly=True) as store:
        report = run_audit(store, as_of=DAY2, config=Config())
    given = {e.id: e.action.rank for e in second.entries if not e.status.resolved}
    audited = {a.id: a.rank for acc in report.accounts for a in acc.actions}
    assert audited.keys() == given.keys()


def test_actions_lists_filters_and_closes_by_hand(
        followed: tuple[Path, Followup, Followup], tmp_path: Path) -> None:
    path, _, second = followed
    copy = tmp_path / "k.db"
    shutil.copy(path, copy)
    store = f"sqlite:///{copy}"
    runner = CliRunner()
    base = ["actions", "--store", store, "--as-of", DAY2.isoformat()]
    shown = runner.invoke(cli, [*base, "--format", "json"], catch_exceptions=False)
    assert shown.exit_code == 0
    data = json.loads(shown.stdout)
    assert data["since"] == DAY1.isoformat()
    assert data["counts"]["done"] == 1 and data["counts"]["dropped"] >= 1
    overdue = runner.invoke(cli, [*base, "--status", "overdue", "--format", "json"])
    rows = json.loads(overdue.stdout)["actions"]
    assert rows and {r["status"] for r in rows} == {"overdue"}
    owner = rows[0]["owner"]["name"]
    mine = json.loads(runner.invoke(cli, [*base, "--owner", owner.split()[0],
                                          "--format", "json"]).stdout)["actions"]
    assert mine and all(owner.split()[0] in r["owner"]["name"] for r in mine)
    table = runner.invoke(cli, base).stdout
    assert table.startswith("Since 2026-11-01: 1 done,")
    # Closed by hand: said once, kept, and not raised again by the next audit.
    target = next(e for e in second.entries if e.status is Status.OVERDUE)
    closed = runner.invoke(cli, ["actions", "close", target.id, "--store", store,
                                 "--reason", "not applicable: the plant is sold",
                                 "--as-of", DAY2.isoformat()])
    assert closed.exit_code == 0, closed.output
    assert closed.stdout.startswith(f"Closed {target.id} (")
    listed = json.loads(runner.invoke(cli, [*base, "--status", "closed",
                                            "--format", "json"]).stdout)["actions"]
    assert [r["id"] for r in listed] == [target.id]
    assert listed[0]["why"] == "closed by hand: not applicable: the plant is sold"
    with SqliteStore(copy, readonly=True) as opened:
        report = run_audit(opened, as_of=DAY2 + timedelta(days=1), config=Config())
    assert target.id not in {a.id for acc in report.accounts for a in acc.actions}
    unknown = runner.invoke(cli, ["actions", "close", "kg-0000000000", "--store", store,
                                  "--reason", "x"])
    assert unknown.exit_code == 2 and "no action of that id" in unknown.output
    reopened = runner.invoke(cli, ["actions", "reopen", target.id, "--store", store])
    assert reopened.exit_code == 0
    with SqliteStore(copy, readonly=True) as opened:
        report = run_audit(opened, as_of=DAY2 + timedelta(days=1), config=Config())
    assert target.id in {a.id for acc in report.accounts for a in acc.actions}


def test_tasks_go_to_the_crm_and_come_back_done(
        followed: tuple[Path, Followup, Followup], tmp_path: Path) -> None:
    """The open actions as Data Loader's Task file; one comes back completed in the next
    export, and the sync after it counts the action done."""
    path, _, second = followed
    copy = tmp_path / "k.db"
    shutil.copy(path, copy)
    store = f"sqlite:///{copy}"
    runner = CliRunner()
    written = runner.invoke(cli, ["actions", "--store", store, "--as-of", DAY2.isoformat(),
                                  "--format", "salesforce-tasks"])
    assert written.exit_code == 0, written.output
    tasks = list(csv.DictReader(written.stdout.splitlines(keepends=True)))
    open_ids = {e.id for e in second.entries if not e.status.resolved}
    marked = {_marked(t) for t in tasks}
    assert marked and marked <= open_ids
    # A group action is one task per step, each naming the step.
    steps = [t for t in tasks if "(step " in t["Description"].splitlines()[0]]
    assert len(steps) == len({t["WhoId"] for t in steps}) >= 2
    export = tmp_path / "export"
    shutil.copytree(ROOT / "examples" / "salesforce", export)
    with open(export / "Contact.csv", newline="", encoding="utf-8") as fh:
        contacts = {r["Id"] for r in csv.DictReader(fh)}
    assert {t["WhoId"] for t in tasks if t["WhoId"]} <= contacts
    # The CRM holds the task; its owner marks it completed; the next export carries it.
    task = next(t for t in tasks if "(step " not in t["Description"])
    action = _marked(task)

    def returned(rows: Rows) -> Rows:
        return [*rows, dict(rows[0], Id="00TGx0000000999MAA", WhoId=task["WhoId"],
                            WhatId=task["WhatId"], OwnerId=task["OwnerId"],
                            Subject=task["Subject"], ActivityDate=task["ActivityDate"],
                            Status="Completed", IsClosed="1", TaskSubtype="Task",
                            Type="Other", Description=task["Description"])]

    _rewrite(export / "Task.csv", returned)
    synced = runner.invoke(cli, ["sync", str(export), "--store", store, "--allow-shrink"])
    assert synced.exit_code == 0, synced.output
    done = json.loads(runner.invoke(cli, ["actions", "--store", store, "--status", "done",
                                          "--format", "json"]).stdout)["actions"]
    assert action in {d["id"] for d in done}
    why = next(d["why"] for d in done if d["id"] == action)
    assert why.startswith("its task was completed in salesforce")


def _marked(task: dict[str, str]) -> str:
    """The action id a task's description carries."""
    return task["Description"].splitlines()[0].removeprefix("kamgraph action ").split()[0]


def test_the_plan_the_audit_and_the_page_show_the_follow_up(
        followed: tuple[Path, Followup, Followup], tmp_path: Path) -> None:
    """After the second sync: the plan's "since the last plan", the audit's numbers over
    time (valid against the schema), and the portfolio page's follow-up column."""
    import jsonschema

    from kamgraph.audit import inline_account
    from kamgraph.portfolio import Portfolio

    path, first, _ = followed
    a = next(e for e in first.entries if e.action.need == "meet")
    with SqliteStore(path, readonly=True) as store:
        portfolio = Portfolio(store, as_of=DAY2, config=Config())
        plan = portfolio.account(a.account_id).plan()
        report = run_audit(store, [a.account_id], as_of=DAY2, config=Config())
        index = portfolio.write_site(tmp_path / "site")[0]
    since = plan.split("## Since the last plan\n")[1].split("\n## ")[0]
    assert since.strip().startswith("Since 2026-11-01: 1 done,")
    assert f"| done | {a.action.headline} |" in since
    assert a.action.owner is not None and f"{a.action.owner.name} met" in since
    assert "| Audit | Stage | Key people covered |" in since
    grid = since.split("| Audit | Stage | Key people covered |")[1].strip().splitlines()[1:]
    assert [row.split(" | ")[0] for row in grid] == ["| 2026-11-01", "| 2026-12-02"]
    assert all(row.endswith(" of 4 |") for row in grid)
    doc = report.to_dict()
    schema = json.loads((ROOT / "kamgraph" / "schemas" / "audit.schema.json").read_text())
    jsonschema.validate(doc, schema)
    followup = inline_account(doc["accounts"][0])["followup"]
    assert followup["since"] == "2026-11-01" and followup["done"] == 1
    assert [p["as_of"] for p in followup["progress"]] == ["2026-11-01", "2026-12-02"]
    assert a.id in {r["id"] for r in followup["resolved"]}
    page = index.read_text(encoding="utf-8")
    assert "<button type=\"button\">Follow-up</button>" in page
    assert "1 done" in page and '<svg class="spark"' in page


def test_any_follow_up_kept_can_be_read_again(
        followed: tuple[Path, Followup, Followup]) -> None:
    """The first month's follow-up is still there after the second sync, as it was."""
    path, first, second = followed
    runner = CliRunner()
    for day, kept in ((DAY1, first), (DAY2, second)):
        shown = runner.invoke(cli, ["actions", "--store", f"sqlite:///{path}", "--as-of",
                                    day.isoformat(), "--format", "json"])
        assert shown.exit_code == 0, shown.output
        listed = {a["id"]: a["status"] for a in json.loads(shown.stdout)["actions"]}
        open_now = {e.id for e in kept.entries if not e.status.resolved}
        assert open_now <= listed.keys()
    assert {e.id for e in first.entries} <= {e.id for e in second.entries}
