"""What changed since the last sync: planted arrivals, departures and a reorganisation."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from kamgraph.audit import inline_account
from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.graph import with_changes

AS_OF = "2026-11-01"


def rewrite(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = change(rows)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)


def test_changes_between_two_syncs(tmp_path: Path, example_weekly: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    store = f"sqlite:///{tmp_path / 'k.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(export), "--store", store]).exit_code == 0

    with open(export / "Contact.csv", newline="", encoding="utf-8") as fh:
        contacts = {r["Name"]: r for r in csv.DictReader(fh)}
    acme = contacts["Marta Castillo"]["AccountId"]
    hannah = contacts["Hannah Becker"]["Id"]
    tomas = contacts["Tomás Ortega"]["Id"]
    cfo = contacts["Oskar Lindqvist"]["Id"]
    header: list[str] = []

    def contacts_change(rows: list[list[str]]) -> list[list[str]]:
        header[:] = rows[0]
        col = {name: i for i, name in enumerate(rows[0])}
        out = [rows[0]]
        for row in rows[1:]:
            if row[col["Id"]] == hannah:
                continue  # the quality director leaves
            if row[col["Id"]] == tomas:  # a reorganisation: new title, reports to the CFO
                row[col["Title"]] = "Category Manager"
                row[col["ReportsToId"]] = cfo
            out.append(row)
        new = [""] * len(rows[0])
        new[col["Id"]], new[col["AccountId"]] = "003Gx0000000999IAA", acme
        new[col["FirstName"]], new[col["LastName"]] = "Nadia", "Quality"
        new[col["Name"]], new[col["Title"]] = "Nadia Quality", "VP Quality"
        new[col["IsDeleted"]] = "0"
        out.append(new)
        return out

    rewrite(export / "Contact.csv", contacts_change)
    # Our rep Chloe Martin leaves (IsActive 0) and the KAM stops meeting the plant manager.
    rewrite(export / "User.csv", lambda rows: [
        [*r[:8], "0", *r[9:]] if r[4] == "Chloe Martin" else r for r in rows])
    plant = contacts["Samuel Okafor"]["Id"]
    for name in ("Task.csv", "Event.csv"):
        rewrite(export / name, lambda rows: [r for r in rows if plant not in r])
    # Activities naming the departed director go with her; the rest stay.
    rewrite(export / "OpportunityContactRole.csv",
            lambda rows: [r for r in rows if hannah not in r])
    for name in ("Task.csv", "Event.csv", "EventRelation.csv"):
        rewrite(export / name, lambda rows: [r for r in rows if hannah not in r])
    assert runner.invoke(cli, ["sync", str(export), "--store", store]).exit_code == 0

    result = runner.invoke(cli, ["changes", "Acme", "--store", store, "--as-of", AS_OF,
                                 "--format", "json"], catch_exceptions=False)
    doc = json.loads(result.output)
    assert doc["since_run"] == 1
    found = {(c["kind"], c["name"]) for c in doc["accounts"][0]["changes"]}
    assert ("arrived", "Nadia Quality") in found
    assert ("left", "Hannah Becker") in found
    assert ("title", "Tomás Ortega") in found and ("reports_to", "Tomás Ortega") in found
    assert ("our_person_left", "Chloe Martin") in found
    assert ("went_cold", "Samuel Okafor") in found

    table = runner.invoke(cli, ["changes", "--store", store, "--as-of", AS_OF],
                          catch_exceptions=False).output
    assert "Changes since run 1" in table and "Tomás Ortega: title Senior Buyer → " \
        "Category Manager" in table

    audit = json.loads(runner.invoke(cli, ["audit", "Acme", "--store", store, "--as-of", AS_OF,
                                           "--format", "json"]).output)
    [finding] = [f for f in inline_account(audit["accounts"][0])["findings"]
                 if f["kind"] == "buying_centre_changed"]
    text = " ".join(finding["evidence"])
    assert "Nadia Quality" in text and "Hannah Becker" in text
    assert "reorganisation" in text


def test_no_earlier_run_is_a_clear_message(tmp_path: Path, example_weekly: Path) -> None:
    store = f"sqlite:///{tmp_path / 'k.db'}"
    runner = CliRunner()
    runner.invoke(cli, ["sync", str(example_weekly), "--store", store])
    result = runner.invoke(cli, ["changes", "--store", store])
    assert result.exit_code == 2 and "no earlier successful sync" in result.stderr


def test_an_audit_rebuilds_then_only_accounts_whose_people_changed(
        tmp_path: Path, example_weekly: Path) -> None:
    from datetime import date

    from kamgraph.audit import audit_graph, run_audit
    from kamgraph.changes import change_window, window_changes
    from kamgraph.stores.base import ChangeIndex
    from kamgraph.stores.sqlite import SqliteStore
    from kamgraph.syncing import sync_path

    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    with open(export / "Contact.csv", newline="", encoding="utf-8") as fh:
        contacts = {r["Name"]: r for r in csv.DictReader(fh)}
    marta, samuel = contacts["Marta Castillo"], contacts["Samuel Okafor"]
    acme = marta["AccountId"]
    other = next(r["AccountId"] for r in contacts.values() if r["AccountId"] != acme)
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, export, config=Config())
        # Only activity: calls a minute longer.  Nobody's records but the logs change.
        def longer(rows: list[list[str]]) -> list[list[str]]:
            col = rows[0].index("CallDurationInSeconds")
            return [rows[0]] + [[*r[:col], str(int(r[col] or 0) + 60), *r[col + 1:]]
                                for r in rows[1:]]

        rewrite(export / "Task.csv", longer)
        sync_path(store, export, config=Config())
        first = store.runs()[-1].id
        assert store.changed_accounts(first) == set()

        # The full comparison with the run before finds no arrival or departure either:
        # the audit that skipped it is the audit that made it.
        day, config = date(2026, 11, 1), Config()
        window = change_window(store.runs(), day, config.change_window_days)
        every = frozenset(r.id for r in window.runs)
        full = []
        for summary in store.accounts():
            # Every run of the window replayed for every account, none skipped.
            replay = ChangeIndex({summary.id: every}, {})
            graph, changes = window_changes(store, summary.id, window, day, config,
                                            index=replay)
            with_changes(graph, changes, window.label)
            full.append(audit_graph(graph, config))
        assert run_audit(store, as_of=day, config=config).accounts == full

        # A title changes at Acme and a person moves from Acme to another account: both
        # accounts' people changed.
        def people(rows: list[list[str]]) -> list[list[str]]:
            col = {name: i for i, name in enumerate(rows[0])}
            for r in rows[1:]:
                if r[col["Id"]] == marta["Id"]:
                    r[col["Title"]] = "Chief Procurement Officer"
                if r[col["Id"]] == samuel["Id"]:
                    r[col["AccountId"]] = other
            return rows

        rewrite(export / "Contact.csv", people)
        sync_path(store, export, config=Config())
        assert store.changed_accounts(store.runs()[1].id) == {acme, other}
        assert store.changed_accounts(store.runs()[0].id) == set()
