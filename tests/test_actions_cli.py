"""One voice per account, as a user meets it: the audit's actions in every format and
option, the same owners in plan, map and path, and unmapped accounts said once."""

from __future__ import annotations

import csv
import io
import json
import shutil
import statistics
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kamgraph.audit import inline_account
from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.generate import generate_export
from kamgraph.portfolio import Portfolio
from kamgraph.stores import open_store
from kamgraph.viz.maps import page_data

AS_OF = "2026-11-01"
AS_OF_DAY = date(2026, 11, 1)
#: Accounts with nobody of theirs recorded, as most of a real export's accounts are.
EMPTY = [("001aB0000000091QAA", "Nimbus Freight"), ("001aB0000000092QAA", "Orchid Labs")]

def audit_json(runner: CliRunner, store: str, *args: str) -> dict[str, Any]:
    result = runner.invoke(cli, ["audit", "--store", store, "--as-of", AS_OF, "--format",
                                 "json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]

@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The three storyline accounts, two accounts nobody of theirs is recorded in, and
    the hand-kept facts."""
    folder = tmp_path_factory.mktemp("export")
    generate_export(folder, accounts=3, storylines=True, flavour="weekly", end=AS_OF_DAY)
    with open(folder / "Account.csv", "a", encoding="utf-8", newline="") as fh:
        for account_id, name in EMPTY:
            fh.write(f'"{account_id}","0","000000000000000AAA","{name}","Customer",'
                     f'"000000000000000AAA","Logistics","1000000","005aB0000000024QAA",'
                     f'"2025-09-27 09:00:00"\n')
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'k.db'}"
    runner = CliRunner()
    root = Path(__file__).resolve().parent.parent
    for args in ([str(folder)], [str(root / "examples" / "facts"), "--format", "csv"]):
        result = runner.invoke(cli, ["sync", *args, "--store", uri], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return uri

@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("portfolio")
    generate_export(folder, accounts=20, seed=1, flavour="weekly", end=AS_OF_DAY)
    uri = f"sqlite:///{tmp_path_factory.mktemp('store') / 'p.db'}"
    result = CliRunner().invoke(cli, ["sync", str(folder), "--store", uri],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    shutil.rmtree(folder)
    return uri

@pytest.mark.parametrize("which", ["store", "portfolio"])
def test_a_short_consistent_list_per_account(runner: CliRunner, which: str,
                                             request: pytest.FixtureRequest) -> None:
    doc = audit_json(runner, request.getfixturevalue(which))
    mapped = [a for a in doc["accounts"] if not a["unmapped"]]
    counts = [len(a["actions"]) for a in mapped]
    assert statistics.median(counts) <= 7
    assert statistics.median(sum(x["priority"] == "high" for x in a["actions"])
                             for a in mapped) <= 3
    for account in doc["accounts"]:
        subjects = Counter(x["subject"]["id"] for x in account["actions"]
                           if x["subject"]["type"] == "person")
        assert not subjects or max(subjects.values()) == 1, account["name"]
        ranks = {x["rank"] for x in account["actions"]}
        for finding in account["findings"]:
            if finding["severity"] != "low":
                assert finding["action"] in ranks, (account["name"], finding["kind"])
        assert [x["rank"] for x in account["actions"]] == list(
            range(1, len(account["actions"]) + 1))

def test_unmapped_accounts_are_said_once(runner: CliRunner, store: str) -> None:
    doc = audit_json(runner, store)
    empty = [a for a in doc["accounts"] if a["unmapped"]]
    assert sorted(a["name"] for a in empty) == sorted(n for _, n in EMPTY)
    for account in empty:
        assert [x["priority"] for x in account["actions"]] == ["low"]
        assert account["actions"][0]["because"] == ["unmapped"]
        assert all(f["severity"] == "low" for f in account["findings"])
    table = runner.invoke(cli, ["audit", "--store", store, "--as-of", AS_OF],
                          catch_exceptions=False).output
    assert "2 accounts unmapped (nobody of theirs recorded); `--unmapped` lists them." in table
    assert "Nimbus Freight" not in table
    listed = runner.invoke(cli, ["audit", "--store", store, "--as-of", AS_OF, "--unmapped"],
                           catch_exceptions=False).output
    assert "Nimbus Freight" in listed and "unmapped: nobody of theirs is recorded" in listed
    named = runner.invoke(cli, ["audit", "Orchid", "--store", store, "--as-of", AS_OF],
                          catch_exceptions=False).output
    assert "Orchid Labs" in named and "maps Orchid Labs" in named

def test_the_table_keeps_to_the_budget_and_says_what_it_left(runner: CliRunner,
                                                           portfolio: str) -> None:
    doc = audit_json(runner, portfolio)
    biggest = max(doc["accounts"], key=lambda a: len(a["actions"]))
    total = len(biggest["actions"])
    assert total > 7
    shown = runner.invoke(cli, ["audit", biggest["id"], "--store", portfolio, "--as-of",
                                AS_OF], catch_exceptions=False).output
    assert f"… and {total - 7} more (--all)" in shown
    assert "   7. " in shown and "   8. " not in shown
    every = runner.invoke(cli, ["audit", biggest["id"], "--store", portfolio, "--as-of",
                                AS_OF, "--all"], catch_exceptions=False).output
    assert f"  {total:>2}. " in every and "more (--all)" not in every
    top = runner.invoke(cli, ["audit", biggest["id"], "--store", portfolio, "--as-of",
                              AS_OF, "--top", "2"], catch_exceptions=False).output
    assert "   2. " in top and "   3. " not in top and f"and {total - 2} more" in top
    assert max(len(line) for line in every.splitlines()) <= 100

def test_reports_list_the_most_severe_findings_of_each_kind_and_count_the_rest(
        runner: CliRunner, portfolio: str, tmp_path: Path) -> None:
    # A cap below the default, so that accounts of twenty generated ones pass it.
    per_kind = 5
    assert per_kind < Config().findings_per_kind
    settings = tmp_path / "kamgraph.toml"
    settings.write_text(f"[audit]\nfindings_per_kind = {per_kind}\n", encoding="utf-8")
    capped = audit_json(runner, portfolio, "--config", str(settings))["accounts"]
    every = audit_json(runner, portfolio, "--config", str(settings), "--all")["accounts"]
    held = Counter[str]()
    for short, whole in zip(capped, every, strict=True):
        # The actions are made from every finding, whatever the report lists.
        assert short["actions"] == whole["actions"], short["name"]
        assert whole["held_back"] == {}
        listed: Counter[str] = Counter()
        expected = []
        for f in inline_account(whole)["findings"]:
            listed[f["kind"]] += 1
            if listed[f["kind"]] <= per_kind:
                expected.append(f)
        assert inline_account(short)["findings"] == expected, short["name"]
        assert short["held_back"] == {k: n - per_kind for k, n in sorted(listed.items())
                                      if n > per_kind}
        held.update(short["held_back"])
    assert held["coverage_gap"] > 0  # the generated portfolio has accounts past the cap
    biggest = max(capped, key=lambda a: sum(a["held_back"].values()))
    gaps = biggest["held_back"]["coverage_gap"]
    raw = runner.invoke(cli, ["audit", biggest["id"], "--store", portfolio, "--as-of",
                              AS_OF, "--config", str(settings), "--findings"],
                        catch_exceptions=False).output
    raw = " ".join(raw.split())  # as read, not as wrapped
    assert f"{gaps} coverage gap" in raw and "--all lists every finding" in raw
    assert " KAM | findings:" in raw and "_kam" not in raw  # the stage as people write it
    assert raw.count(" coverage_gap ") == per_kind

def test_filters_choose_actions_by_priority_and_kind(runner: CliRunner, store: str) -> None:
    high = runner.invoke(cli, ["audit", "Acme", "--store", store, "--as-of", AS_OF,
                               "--min-priority", "high", "--format", "csv"],
                         catch_exceptions=False)
    rows = list(csv.DictReader(io.StringIO(high.stdout)))
    assert rows and {r["priority"] for r in rows} == {"high"}
    anti = runner.invoke(cli, ["audit", "--store", store, "--as-of", AS_OF, "--format",
                               "csv", "--kind", "anti_sponsor"], catch_exceptions=False)
    rows = list(csv.DictReader(io.StringIO(anti.stdout)))
    assert [r["subject_name"] for r in rows] == ["Claire Dubois"]
    raw = runner.invoke(cli, ["audit", "Acme", "--store", store, "--as-of", AS_OF,
                              "--findings"], catch_exceptions=False).output
    assert "-- high (" in raw and "coverage_gap" in raw

def test_fail_on_counts_actions(runner: CliRunner, store: str) -> None:
    doc = audit_json(runner, store)
    high = sum(x["priority"] == "high" for a in doc["accounts"] for x in a["actions"])
    result = runner.invoke(cli, ["audit", "--store", store, "--as-of", AS_OF,
                                 "--fail-on", "high", "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{high} actions at or above high"

def test_one_owner_everywhere(runner: CliRunner, store: str) -> None:
    """The audit, the plan, the map and path give each action the same owner."""
    doc = audit_json(runner, store)
    config = Config()
    with open_store(store) as opened:
        for account in doc["accounts"]:
            if account["unmapped"]:
                continue
            actions = account["actions"]
            plan = runner.invoke(cli, ["plan", account["id"], "--store", store, "--as-of",
                                       AS_OF], catch_exceptions=False).output
            rows = [line for line in plan.splitlines() if line.startswith("| ")
                    and line.split(" | ")[0].strip("| ").isdigit()]
            assert len(rows) == len(actions)
            for row, action in zip(rows, actions, strict=True):
                cells = [c.strip() for c in row.strip("|").split(" | ")]
                owner = action["owner"]["name"] if action["owner"] else "the account team"
                assert cells[0] == str(action["rank"]) and cells[5] == owner

            view = Portfolio(opened, as_of=AS_OF, config=config).account(account["id"]).view
            data = page_data(view.graph, view.audit, None, Config())
            # Each person's panel points at their action, held once for the page.
            by_node = {n["id"]: n["tip"].get("action") for n in data["nodes"]}
            held = data["account"]["actions"]
            for action in actions:
                if action["subject"]["type"] == "person":
                    shown = held[by_node[action["subject"]["id"]]["rank"] - 1]
                    assert shown["action"] == action["action"]
                    assert shown["owner"] == (action["owner"] or {}).get("name")
            for action in actions[:3]:
                if action["subject"]["type"] != "person":
                    continue
                path = runner.invoke(cli, ["path", account["id"], action["subject"]["name"],
                                           "--store", store, "--as-of", AS_OF],
                                     catch_exceptions=False).output
                assert path.splitlines()[0] == (f"Action {action['rank']} "
                                                f"({action['priority']}): {action['action']}")

def test_nobody_who_left_has_a_part(runner: CliRunner, store: str) -> None:
    doc = audit_json(runner, store)
    with open_store(store) as opened:
        gone = {s.record.id for s in opened.our_people() if s.status != "active"
                or getattr(s.record, "active", True) is False}
    assert gone  # the storyline's departed KAM
    for account in doc["accounts"]:
        for action in account["actions"]:
            people = {action["subject"]["id"], *(w["id"] for w in action["with"])}
            if action["owner"]:
                people.add(action["owner"]["id"])
            assert not people & gone, action["action"]
