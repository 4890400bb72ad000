"""People come and go: three syncs of one export, told the same way by every command.

The baseline; a sync where our KAM leaves, the customer's CFO is replaced (her reports
move to the new CFO) and a VP is promoted; then the same export again.  As of the day
after the third sync, every command still tells the second sync's story.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.audit import AccountAudit, run_audit
from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.portfolio import Portfolio
from kamgraph.stores.base import Store
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

BASELINE, CHANGED, RESYNC = date(2026, 11, 10), date(2026, 11, 20), date(2026, 11, 21)
AS_OF = date(2026, 11, 22)
ACME = "001aB0000000001QAA"
OSKAR, PRIYA, HANNAH = "003Gx0000000002IAA", "003Gx0000000003IAA", "003Gx0000000005IAA"
DANIEL = "005aB0000000024QAA"
INES = "003Gx0000000999IAA"


def _rewrite(path: Path, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]
             ) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or ())
        rows = change(list(reader))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fields, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _titled(title: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for row in rows:
            if row["Id"] == HANNAH:
                row["Title"] = title
        return rows
    return change


def _second_export(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The CFO leaves, a new CFO arrives and takes her reports, the VP is promoted."""
    out = []
    for row in rows:
        if row["Id"] == OSKAR:
            new = dict(row, Id=INES, FirstName="Ines", LastName="Novak", Name="Ines Novak",
                       Email="ines.cfo@acme.example")
            out.append(new)
            continue
        if row["ReportsToId"] == OSKAR:
            row["ReportsToId"] = INES
        if row["Id"] == HANNAH:
            row["Title"] = "Chief Quality Officer"
        out.append(row)
    return out


def run_scenario(store: Store, example: Path, work: Path) -> None:
    """Sync the three exports into ``store``."""
    export = work / "export"
    shutil.copytree(example, export)
    _rewrite(export / "Contact.csv", _titled("VP Quality"))
    assert sync_path(store, export, today=BASELINE, config=Config())[0].status == "ok"
    _rewrite(export / "Contact.csv", _second_export)
    _rewrite(export / "User.csv", lambda rows: [
        dict(r, IsActive="0") if r["Id"] == DANIEL else r for r in rows])
    # The CFO's role on the deal goes with her: the export no longer holds it.
    _rewrite(export / "OpportunityContactRole.csv",
             lambda rows: [r for r in rows if r["ContactId"] != OSKAR])
    assert sync_path(store, export, today=CHANGED, config=Config())[0].status == "ok"
    assert sync_path(store, export, today=RESYNC, config=Config())[0].status == "ok"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, example_weekly: Path) -> Path:
    work = tmp_path_factory.mktemp("turnover")
    with SqliteStore(work / "k.db") as store:
        run_scenario(store, example_weekly, work)
    return work / "k.db"


def _acme(store: Store) -> AccountAudit:
    [audit] = run_audit(store, [ACME], as_of=AS_OF, config=Config()).accounts
    return audit


def check_story(audit: AccountAudit, store: Store) -> None:
    """What the audit must say after the three syncs, on any store."""
    changed = next(f for f in audit.findings if f.kind == "buying_centre_changed")
    text = " ".join(changed.evidence)
    assert "2026-11-20: new: Ines Novak" in text
    assert "2026-11-20: left: Oskar Lindqvist" in text
    assert "Hannah Becker: title VP Quality → Chief Quality Officer (promoted)" in text

    graph = Portfolio(store, as_of=AS_OF, config=Config()).account(ACME).graph
    gone = {n for n, d in graph.nodes(data=True) if not d["active"]}
    assert {OSKAR, DANIEL} <= gone
    # No departed person acts, introduces or is the subject of an action.
    assert not set(audit.parts()) & gone

    # Each relationship Daniel held that was active is handed over, to someone still here:
    # on the account, or the best peer from the pool.
    held = [c for _, c, k, e in graph.out_edges(DANIEL, keys=True, data=True)
            if k == "contact" and e["current"] and graph.nodes[c]["active"]]
    assert held
    pool = {e["id"] for e in audit_pool(store)}
    covering = audit.action_of_findings()
    actions = {a.id: a for a in audit.actions}
    for customer in held:
        [i] = [i for i, f in enumerate(audit.findings)
               if f.kind == "hand_over" and f.subject.id == customer]
        action = actions[covering[i]]
        assert action.owner is not None and action.owner.id not in gone
        assert action.owner.id in graph or action.owner.id in pool
        assert "Daniel Weber" in action.problem
        # Daniel led the account: his successor takes his relationships over, and whoever
        # names the successor (his manager) answers for them meanwhile.
        assert action.owner.name == "Grace Liu"
        assert "The successor to Daniel Weber takes over the relationship" in action.action
        assert action.action.endswith("Grace Liu names them.")
    first = audit.actions[0]
    assert first.problem.startswith("Nobody of ours leads the account since Daniel Weber left")
    assert first.owner is not None and first.owner.name == "Grace Liu"
    assert "names a successor to Daniel Weber" in first.action

    by_kind = {k: a for a in audit.actions for k in a.because}
    vacated = by_kind["role_vacated"]
    assert vacated.problem == "Who takes over from Oskar Lindqvist as economic buyer?"
    assert "is it Ines Novak?" in vacated.action and vacated.owner is not None
    meet = audit.action_for(INES)
    assert meet is not None and meet.priority.value == "high"
    assert meet.subject.id == INES and "new_key_person" in meet.because
    # She took his title; the economic buyer's role is not hers on record yet.
    assert meet.problem == ("Ines Novak replaced Oskar Lindqvist as Chief Financial Officer "
                            "on 2026-11-20, not met yet")
    assert meet.owner is not None and "meets Ines Novak this month" in meet.action


def audit_pool(store: Store) -> list[dict[str, object]]:
    from kamgraph.graph import context

    portfolio = Portfolio(store, as_of=AS_OF, config=Config())
    return list(context(portfolio.account(ACME).graph).pool.entries)


def test_the_story_of_three_syncs(scenario: Path) -> None:
    with SqliteStore(scenario, readonly=True) as store:
        check_story(_acme(store), store)


def test_changes_reports_every_change_of_the_window_dated(scenario: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["changes", "Acme", "--store", f"sqlite:///{scenario}",
                              "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["since_run"] == 1 and doc["runs"] == [2, 3] and doc["window_days"] == 30
    found = {(c["kind"], c["name"]): c for c in doc["accounts"][0]["changes"]}
    for key in [("arrived", "Ines Novak"), ("left", "Oskar Lindqvist"),
                ("title", "Hannah Becker"), ("our_person_left", "Daniel Weber"),
                ("reports_to", "Priya Raman")]:
        assert found[key]["run"] == 2 and found[key]["date"] == "2026-11-20", key
    assert "Oskar Lindqvist → Ines Novak" in found[("reports_to", "Priya Raman")]["text"]

    table = runner.invoke(cli, ["changes", "--store", f"sqlite:///{scenario}", "--as-of",
                                AS_OF.isoformat()]).output
    assert "2026-11-20 arrived" in table and "Changes since run 1 (2026-11-10)" in table

    # The last sync alone changed nothing; the window still tells the second one's story.
    last = json.loads(runner.invoke(cli, [
        "changes", "Acme", "--store", f"sqlite:///{scenario}", "--since", "2",
        "--as-of", AS_OF.isoformat(), "--format", "json"]).output)
    assert last["accounts"][0]["changes"] == []


def test_the_change_stays_until_the_window_passes(scenario: Path) -> None:
    with SqliteStore(scenario, readonly=True) as store:
        inside = run_audit(store, [ACME], as_of=date(2026, 12, 19), config=Config()).accounts[0]
        after = run_audit(store, [ACME], as_of=date(2026, 12, 21), config=Config()).accounts[0]
    kinds = {f.kind for f in inside.findings}
    assert {"buying_centre_changed", "role_vacated", "new_key_person"} <= kinds
    assert not {"buying_centre_changed", "new_key_person"} & {f.kind for f in after.findings}


def test_explain_tells_the_story_of_people_who_left(scenario: Path) -> None:
    runner = CliRunner()
    store = f"sqlite:///{scenario}"
    cfo = runner.invoke(cli, ["audit", "--explain", "Oskar Lindqvist", "--store", store,
                              "--as-of", AS_OF.isoformat()])
    assert cfo.exit_code == 0, cfo.output
    assert "left on 2026-11-20" in cfo.output
    assert "economic buyer" in cfo.output.lower() and "Ines Novak" in cfo.output
    kam = runner.invoke(cli, ["audit", "--explain", "Daniel Weber", "--store", store,
                              "--as-of", AS_OF.isoformat()])
    assert kam.exit_code == 0, kam.output
    assert "left on 2026-11-20" in kam.output
    assert "Priya Raman" in kam.output and "takes over" in kam.output


def test_history_speaks_in_words(scenario: Path) -> None:
    runner = CliRunner()
    store = f"sqlite:///{scenario}"
    out = runner.invoke(cli, ["history", "Oskar Lindqvist", "--store", store])
    assert out.exit_code == 0, out.output
    assert "left (gone from the export; last seen in the run of 2026-11-10)" in out.output
    assert "006aB" not in out.output and "Acme" in out.output
    # A person's story starts with them, before the roles the same run gave them.
    lines = out.output.splitlines()
    assert "first seen" in lines[1] and any("economic buyer" in line for line in lines[2:])
    kam = runner.invoke(cli, ["history", "Daniel Weber", "--store", store]).output
    assert "2026-11-20" in kam and "left" in kam and "True" not in kam


def test_the_story_on_the_bolt_server(tmp_path: Path, neo4j_store: Store,
                                      example_weekly: Path, scenario: Path) -> None:
    run_scenario(neo4j_store, example_weekly, tmp_path)
    audit = _acme(neo4j_store)
    check_story(audit, neo4j_store)
    with SqliteStore(scenario, readonly=True) as embedded:
        assert audit.to_dict() == _acme(embedded).to_dict()


def test_path_to_someone_who_left_says_so(scenario: Path) -> None:
    runner = CliRunner()
    store = f"sqlite:///{scenario}"
    gone = runner.invoke(cli, ["path", "Acme", "Oskar Lindqvist", "--store", store,
                               "--as-of", AS_OF.isoformat()])
    assert gone.exit_code == 2
    assert "Oskar Lindqvist left Acme Foods on 2026-11-20" in gone.stderr
    default = runner.invoke(cli, ["path", "Acme", "--store", store, "--as-of",
                                  AS_OF.isoformat()])
    assert default.exit_code == 2 and "Oskar Lindqvist, the last one, left" in default.stderr
