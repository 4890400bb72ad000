"""The CLI through click's runner and through the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from kamgraph import __version__
from kamgraph.cli import cli

AS_OF = "2026-11-01"


@pytest.fixture
def synced(tmp_path: Path, runner: CliRunner, example_weekly: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'k.db'}"
    result = runner.invoke(cli, ["sync", str(example_weekly), "--store", uri],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return uri


@pytest.fixture(scope="session")
def audit_schema() -> dict[str, object]:
    text = resources.files("kamgraph").joinpath("schemas/audit.schema.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"kamgraph {command}" in result.output


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"], catch_exceptions=False)
    assert result.output.strip() == f"kamgraph, version {__version__}"


def test_sync_then_audit_json_matches_the_schema(
    runner: CliRunner, synced: str, audit_schema: dict[str, object]
) -> None:
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF,
                                 "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, audit_schema)
    assert doc["schema"] == "kamgraph.audit/3" and doc["as_of"] == AS_OF
    acme = next(a for a in doc["accounts"] if a["name"] == "Acme Foods")
    assert len(acme["id"]) == 18
    # Every string once: names and evidence lines are said once per account, and every
    # reference to them resolves.
    for account in doc["accounts"]:
        assert len(set(account["lines"])) == len(account["lines"])
        refs = [i for item in account["actions"] + account["findings"]
                for i in item["evidence"]]
        assert set(refs) == set(range(len(account["lines"])))
        assert {f["subject"]["id"] for f in account["findings"]} == set(account["names"])
    cfo = next(i for i, n in acme["names"].items() if n == "Oskar Lindqvist")
    cfo_gap = next(f for f in acme["findings"]
                   if f["subject"]["id"] == cfo and f["kind"] == "coverage_gap")
    assert cfo_gap["severity"] == "high" and "suggestion" not in cfo_gap
    action = acme["actions"][cfo_gap["action"] - 1]
    assert action["rank"] == cfo_gap["action"] and action["subject"]["id"] == cfo
    assert acme["lines"][cfo_gap["evidence"][0]].startswith("Oskar Lindqvist (Chief Financial")


def test_audit_one_account_by_name_or_id(runner: CliRunner, synced: str) -> None:
    by_name = runner.invoke(cli, ["audit", "cordillera", "--store", synced, "--as-of", AS_OF,
                                  "--format", "json"], catch_exceptions=False)
    [account] = json.loads(by_name.stdout)["accounts"]
    assert account["name"] == "Cordillera Mining"
    by_id = runner.invoke(cli, ["audit", account["id"][:15], "--store", synced, "--as-of",
                                AS_OF, "--format", "json"], catch_exceptions=False)
    assert json.loads(by_id.stdout)["accounts"][0]["id"] == account["id"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_an_action_names_its_subject_once(runner: CliRunner, synced: str, fmt: str) -> None:
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF,
                                 "--format", fmt], catch_exceptions=False)
    # A problem that names its subject is not led by the name as well.
    assert "Claire Dubois is a likely anti-sponsor" in result.output
    assert "Claire Dubois: Claire Dubois" not in result.output
    assert "Only one thread of ours holds the relationship with Jonas Fischer" in result.output
    assert "Jonas Fischer: Only" not in result.output
    # One that does not is.
    assert "Cordillera Mining: The account hangs on one relationship" in result.output


def test_a_likely_anti_sponsors_stance_is_confirmed_with_a_coach(
        runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["audit", "borealis", "--store", synced, "--as-of", AS_OF,
                                 "--format", "json"], catch_exceptions=False)
    [account] = json.loads(result.stdout)["accounts"]
    [anti] = [a for a in account["actions"] if "anti_sponsor" in a["because"]]
    assert anti["action"] == (
        "Amara Nwosu confirms the stance of Claire Dubois with a coach, answers their "
        "objections in writing and builds support around them; no introduction goes "
        "through them.")


@pytest.mark.parametrize(("fail_on", "code"), [("high", 1), ("low", 1)])
def test_fail_on_gates_a_script(runner: CliRunner, synced: str, fail_on: str, code: int) -> None:
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF,
                                 "--fail-on", fail_on])
    assert result.exit_code == code
    assert "actions at or above" in result.stderr


def test_fail_on_passes_when_nothing_reaches_it(runner: CliRunner, synced: str,
                                                tmp_path: Path) -> None:
    config = tmp_path / "kamgraph.toml"
    config.write_text("severity_high = 1.01\nanti_sponsor_threshold = 0.99\n")
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF, "--config",
                                 str(config), "--format", "json", "--fail-on", "high"])
    assert result.exit_code == 0, result.output
    severities = {f["severity"] for a in json.loads(result.stdout)["accounts"]
                  for f in a["findings"]}
    assert "high" not in severities and "medium" in severities


@pytest.mark.parametrize("fmt", ["markdown", "csv", "table"])
def test_report_formats_to_a_file(runner: CliRunner, synced: str, tmp_path: Path,
                                  fmt: str) -> None:
    out = tmp_path / f"audit.{fmt}"
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF,
                                 "--format", fmt, "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Oskar Lindqvist" in out.read_text(encoding="utf-8")


def test_accounts_table(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["accounts", "--store", synced], catch_exceptions=False)
    lines = result.output.splitlines()
    assert lines[0].split() == ["ID", "NAME", "STATUS", "THEIRS", "OURS", "LINKS"]
    assert any("Borealis Chemicals" in line for line in lines)


def test_runs_history(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["runs", "--store", synced, "--last", "--format", "json"],
                           catch_exceptions=False)
    [run] = json.loads(result.output)
    assert run["status"] == "ok" and run["source"] == "salesforce"


@pytest.mark.parametrize(("args", "message"), [
    (["sync", "/no/such/export"], "/no/such/export: no such file or folder"),
    (["audit", "--as-of", "yesterday"], "'yesterday' is not a date"),
    (["audit", "--store", "mysql://x"], "unknown store scheme 'mysql'"),
    (["sync", ".", "--format", "xml"], "'xml' is not one of"),
])
def test_bad_input_is_one_line_and_exit_2(runner: CliRunner, tmp_path: Path,
                                          args: list[str], message: str) -> None:
    if "--store" not in args:
        args = [*args, "--store", f"sqlite:///{tmp_path / 'k.db'}"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_an_unknown_account_is_exit_2(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["audit", "Nobody Inc", "--as-of", AS_OF, "--store", synced])
    assert result.exit_code == 2
    assert "no account with id or name 'Nobody Inc'" in result.stderr


def test_neo4j_uri_fails_without_leaking_credentials(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["accounts", "--store", "bolt://admin@localhost:1"])
    assert result.exit_code == 3
    assert "admin" not in result.output


def test_a_password_in_the_uri_is_refused_and_never_shown(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["accounts", "--store", "bolt://admin:s3cret@localhost:7687"])
    assert result.exit_code == 2
    assert "NEO4J_PASSWORD" in result.stderr
    assert "s3cret" not in result.output and "admin" not in result.output


@pytest.mark.parametrize("uri", ["bolt://localhost:99999", "bolt://[::1", "neo4j://",
                                 "bolt://h:-1", "bolt://[::1]:70000"])
def test_a_malformed_server_address_is_exit_2(runner: CliRunner, uri: str) -> None:
    result = runner.invoke(cli, ["accounts", "--store", uri])
    assert result.exit_code == 2, result.output
    assert "--store" in result.stderr and "Traceback" not in result.output


def test_sync_with_rejects_exits_2_and_keeps_the_store(
    runner: CliRunner, synced: str, tmp_path: Path, example_weekly: Path
) -> None:
    import shutil

    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    with open(export / "Task.csv", "a", encoding="utf-8") as fh:
        fh.write('"00T000000009999AAA","003000000009999AAA","","Call","2026-10-01","Completed",'
                 '"005aB0000000001QAA","1","Call","Call","60","Connected","0"\n')
    result = runner.invoke(cli, ["sync", str(export), "--store", synced])
    assert result.exit_code == 2
    assert "1 row rejected, nothing stored" in result.stderr
    assert "[WhoId]" in result.stderr
    result = runner.invoke(cli, ["sync", str(export), "--store", synced, "--allow-rejects"])
    assert result.exit_code == 0
    assert "1 rejected" in result.output


def test_json_log_lines(runner: CliRunner, tmp_path: Path, example_weekly: Path) -> None:
    result = runner.invoke(cli, ["sync", str(example_weekly), "--log-format", "json",
                                 "--store", f"sqlite:///{tmp_path / 'k.db'}"],
                           catch_exceptions=False)
    events = [json.loads(line)["event"] for line in result.stderr.splitlines()]
    assert events[0] == "format.detected" and events[-1] == "sync.finish"
    assert "file.read" in events
    assert json.loads(result.stdout)["status"] == "ok"


def test_an_incremental_sync_reports_the_ids_it_looks_up_first(
        runner: CliRunner, tmp_path: Path, example_weekly: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An incremental export is read once for the ids it names before it is loaded: that
    read reports progress too (a large export would otherwise sit silent), and is not
    counted as rows read."""
    store = f"sqlite:///{tmp_path / 'k.db'}"
    runner.invoke(cli, ["sync", str(example_weekly), "--store", store], catch_exceptions=False)
    monkeypatch.setattr("kamgraph.loaders.base.PROGRESS_EVERY", 2)
    result = runner.invoke(cli, ["sync", str(example_weekly), "--incremental", "--store", store,
                                 "--log-format", "json"], catch_exceptions=False)
    events = [json.loads(line) for line in result.stderr.splitlines()]
    names = [e["event"] for e in events]
    scanned = {e["file"]: e["rows"] for e in events if e["event"] == "file.scanned"}
    read = {e["file"]: e["rows"] for e in events if e["event"] == "file.read"}
    assert "file.scan" in names
    assert max(i for i, n in enumerate(names) if n.startswith("file.scan")) < \
        names.index("file.read")
    assert any(name.endswith("Task.csv") for name in scanned)
    assert all(read[name] == rows for name, rows in scanned.items())
    finish = events[-1]
    assert finish["event"] == "sync.finish"
    assert sum(finish["read"].values()) == sum(read.values())


def test_installed_entry_point(tmp_path: Path, example_weekly: Path) -> None:
    exe = Path(sys.executable).parent / "kamgraph"
    store = f"sqlite:///{tmp_path / 'k.db'}"
    done = subprocess.run([str(exe), "sync", str(example_weekly), "--store", store],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([str(exe), "audit", "--store", store, "--as-of", AS_OF,
                           "--fail-on", "high"], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Oskar Lindqvist" in done.stdout
    done = subprocess.run([str(exe), "audit", "--store", store, "--as-of", "2026-13-45"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3


def test_plan_has_the_four_parts(runner: CliRunner, synced: str, tmp_path: Path) -> None:
    out = tmp_path / "plan.md"
    result = runner.invoke(cli, ["plan", "Acme", "--store", synced, "--as-of", AS_OF,
                                 "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## Decision-making unit (theirs)", "## Our people serving the account",
                    "## Relationship map", "## Action list"):
        assert heading in text
    assert "| Oskar Lindqvist | Chief Financial Officer |" in text
    assert "| purchasing | twice weekly |" in text
    assert "**Stage:** Early KAM. A bow-tie: the relationship runs through one pair;" in text


def test_plan_escapes_hostile_names(runner: CliRunner, tmp_path: Path) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "accounts.csv").write_text("id,name\nA1,Evil | Corp\n", encoding="utf-8")
    (facts / "people.csv").write_text(
        "id,side,name,account_id,title,influence\n"
        "p1,customer,<img src=x onerror=alert(1)>,A1,=cmd|' /C calc'!A0,0.9\n",
        encoding="utf-8")
    store = f"sqlite:///{tmp_path / 'k.db'}"
    assert runner.invoke(cli, ["sync", str(facts), "--store", store]).exit_code == 0
    result = runner.invoke(cli, ["plan", "A1", "--store", store, "--as-of", AS_OF],
                           catch_exceptions=False)
    assert "<img" not in result.output and "&lt;img src=x onerror=alert(1)&gt;" in result.output
    assert "# Account development plan: Evil \\| Corp" in result.output


def test_explain_a_person(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF,
                                 "--explain", "Claire Dubois"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.startswith("Claire Dubois (")
    assert "Anti-sponsor score:" in result.output
    assert "anti_sponsor (about them" in result.output
    assert "single_threaded (about them" in result.output


def test_explain_an_unknown_person(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["audit", "--store", synced, "--explain", "Nobody"])
    assert result.exit_code == 2 and "no person with id or name 'Nobody'" in result.stderr


def test_history_shows_a_title_change_across_runs(runner: CliRunner, tmp_path: Path,
                                                  example_weekly: Path) -> None:
    import shutil

    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    store = f"sqlite:///{tmp_path / 'h.db'}"
    assert runner.invoke(cli, ["sync", str(export), "--store", store]).exit_code == 0
    contact = export / "Contact.csv"
    contact.write_text(contact.read_text(encoding="utf-8").replace(
        '"Directrice Qualité"', '"Directrice Qualité et HSE"'), encoding="utf-8")
    assert runner.invoke(cli, ["sync", str(export), "--store", store]).exit_code == 0
    result = runner.invoke(cli, ["history", "Claire Dubois", "--store", store],
                           catch_exceptions=False)
    lines = result.output.splitlines()
    assert lines[0].startswith("Claire Dubois (003")
    assert any("run 1" in line and "first seen: title Directrice Qualité" in line
               for line in lines)
    assert any("run 2" in line and "title: Directrice Qualité → Directrice Qualité et HSE"
               in line for line in lines)
    assert any("new activities:" in line and "Amara Nwosu" in line for line in lines)
    missing = runner.invoke(cli, ["history", "Nobody", "--store", store])
    assert missing.exit_code == 2 and "no person with id or name 'Nobody'" in missing.stderr


def test_parallel_audit_gives_the_same_report(runner: CliRunner, synced: str) -> None:
    outputs = []
    for jobs in ("1", "2"):
        result = runner.invoke(cli, ["audit", "--store", synced, "--as-of", AS_OF, "--format",
                                     "json", "--jobs", jobs], catch_exceptions=False)
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] and len(outputs[0]["accounts"]) == 3


def test_path_command_names_who_asks_whom(runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["path", "Acme", "--store", synced, "--as-of", AS_OF],
                           catch_exceptions=False)
    lines = result.output.splitlines()
    # The action first, with the owner and introducer the audit and the plan give.
    assert lines[0].startswith("Action 1 (high): Helen Park meets Oskar Lindqvist")
    assert "introduced by Daniel Weber" in lines[0]
    assert lines[1] == "Routes to Oskar Lindqvist:"
    assert lines[2].startswith("  1. Daniel Weber —knows")
    assert "ask: Daniel Weber asks Priya Raman for the introduction" in result.output
    missing = runner.invoke(cli, ["path", "Acme", "Nobody", "--store", synced])
    assert missing.exit_code == 2 and "no person 'Nobody'" in missing.stderr


def test_path_asks_no_introduction_to_someone_the_asker_already_meets(
        runner: CliRunner, synced: str) -> None:
    result = runner.invoke(cli, ["path", "Borealis", "Jonas Fischer", "--store", synced,
                                 "--as-of", AS_OF], catch_exceptions=False)
    lines = result.output.splitlines()
    routes = [i for i, line in enumerate(lines) if line.startswith("  ") and ". " in line[:6]]
    direct = [i for i in routes if "already meets Jonas Fischer directly" in lines[i]]
    assert direct  # Amara Nwosu's route through Dmitri Petrov
    for i in routes:
        asker = lines[i].split(". ", 1)[1].split(" —", 1)[0]
        if f"{asker} already meets Jonas Fischer directly" in lines[i]:
            assert not (i + 1 < len(lines) and lines[i + 1].startswith(f"     ask: {asker}"))
    # A route from a colleague to him says who already meets him.
    assert any("already met by Amara Nwosu" in lines[i] for i in routes)
