"""One way in: the public API gives what the CLI gives, and every command assembles an
account the same way (a change between two syncs shows in audit, plan, map and path)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import kamgraph
from kamgraph.audit import inline_account
from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.generate import generate_export
from kamgraph.viz.maps import map_data

AS_OF = "2026-11-01"


def cli_audit(store: str, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["audit", "--store", store, "--as-of", AS_OF,
                                      "--format", "json", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = Path(__file__).resolve().parent.parent
    store = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'k.db'}"
    assert kamgraph.sync(root / "examples" / "salesforce", store=store).status == "ok"
    assert kamgraph.sync(root / "examples" / "facts", store=store, format="csv").status == "ok"
    return store


@pytest.fixture(scope="module")
def fifty(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("fifty")
    generate_export(folder / "export", accounts=50, seed=2, end=date(2026, 11, 1))
    store = f"sqlite:///{folder / 'k.db'}"
    assert kamgraph.sync(folder / "export", store=store).status == "ok"
    return store


@pytest.mark.parametrize("which", ["demo", "fifty"])
def test_the_api_gives_what_the_audit_prints(which: str,
                                             request: pytest.FixtureRequest) -> None:
    store = request.getfixturevalue(which)
    printed = {a["id"]: a for a in cli_audit(store)["accounts"]}  # type: ignore[index]
    with kamgraph.open(store, as_of=AS_OF) as kg:
        accounts = list(kg.accounts())
        assert [a.id for a in accounts] == list(printed)
        for account in accounts:
            mine = account.audit.to_dict(Config().findings_per_kind)
            assert mine["findings"] == printed[account.id]["findings"], account.name
            assert mine["actions"] == printed[account.id]["actions"], account.name


def test_the_json_says_each_string_once_and_loses_nothing(fifty: str) -> None:
    """``kamgraph.audit/3`` with every finding listed, its strings put back in place, is
    each finding as the analyses made it: kind, severity, score, subject, evidence, and
    the action that covers it (or the analysis's own suggestion where none does)."""
    printed = {a["id"]: a for a in cli_audit(fifty, "--all")["accounts"]}  # type: ignore[index]
    checked = 0
    with kamgraph.open(fifty, as_of=AS_OF) as kg:
        for account in kg.accounts():
            audit = account.audit
            doc = printed[account.id]
            assert doc["held_back"] == {}
            whole = inline_account(doc)
            assert [a["evidence"] for a in whole["actions"]] == [
                list(a.evidence) for a in audit.actions]
            covering = audit.action_of_findings()
            expected = []
            for i, f in enumerate(audit.findings):
                entry = {k: v for k, v in f.to_dict().items()
                         if k not in ("action", "suggested")}
                if i not in covering:
                    entry["suggestion"] = f.action
                entry["action_id"] = covering.get(i)
                expected.append(entry)
            assert whole["findings"] == expected, account.name
            checked += len(expected)
            # Each string once: no line twice, and the findings' lines take no more room
            # than the findings said in full (lines only actions say, "deferred to …",
            # are not the findings'; lines naming their deal are no longer shared by deals).
            assert len(doc["lines"]) == len(set(doc["lines"]))
            theirs = {e for f in audit.findings for e in f.evidence}
            said_once = len(json.dumps([line for line in doc["lines"] if line in theirs],
                                       ensure_ascii=False))
            in_full = sum(len(json.dumps(list(f.evidence), ensure_ascii=False))
                          for f in audit.findings)
            assert said_once <= in_full
    assert checked > 1000


def test_open_refuses_a_store_that_does_not_exist(tmp_path: Path) -> None:
    from kamgraph.errors import StoreError

    with pytest.raises(StoreError, match="no store at"):
        kamgraph.open(f"sqlite:///{tmp_path / 'none.db'}")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory, example_weekly: Path) -> str:
    """Two syncs: in the second, Acme's CEO (a key person) has gone from the export."""
    folder = tmp_path_factory.mktemp("changed")
    store = f"sqlite:///{folder / 'k.db'}"
    first = CliRunner().invoke(cli, ["sync", str(example_weekly), "--store", store])
    assert first.exit_code == 0
    later = folder / "later"
    shutil.copytree(example_weekly, later)
    path = later / "Contact.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = [r for r in rows if "Marta Castillo" not in r]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    second = CliRunner().invoke(cli, ["sync", str(later), "--store", store])
    assert second.exit_code == 0, second.output
    return store


def test_a_change_between_syncs_shows_in_every_command(changed: str, tmp_path: Path) -> None:
    doc = cli_audit(changed, "Acme")
    [acme] = [inline_account(a) for a in doc["accounts"]]  # type: ignore[index]
    [finding] = [f for f in acme["findings"] if f["kind"] == "buying_centre_changed"]
    action = next(a for a in acme["actions"] if a["id"] == finding["action_id"])
    runner = CliRunner()
    plan = runner.invoke(cli, ["plan", "Acme", "--store", changed, "--as-of", AS_OF],
                         catch_exceptions=False).output
    from kamgraph.escape import md_escape

    assert md_escape(action["action"]) in plan  # the same action, in the plan's list
    out = tmp_path / "acme.html"
    assert runner.invoke(cli, ["map", "Acme", "-o", str(out), "--store", changed, "--as-of",
                               AS_OF], catch_exceptions=False).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "buying_centre_changed" in page or "buying centre changed" in page
    path = runner.invoke(cli, ["path", "Acme", "--store", changed, "--as-of", AS_OF],
                         catch_exceptions=False).output
    assert path.startswith("Note: the buying centre changed")
    # serve renders the same map.
    import re
    import subprocess
    import sys
    import urllib.request

    exe = Path(sys.executable).parent / "kamgraph"
    proc = subprocess.Popen([str(exe), "serve", "--port", "0", "--store", changed,
                             "--as-of", AS_OF], stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        port = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stderr.readline())
        assert port, "serve did not start"
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port.group(1)}/{acme['id']}.html") as response:
            served = response.read().decode("utf-8")
        assert "buying_centre_changed" in served or "buying centre changed" in served
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
    with kamgraph.open(changed, as_of=AS_OF) as kg:
        account = kg.account("Acme")
        assert any(c.kind == "left" for c in account.changes())
        data = map_data(account.graph, account.audit, None, Config())
        assert data  # the map is made from the same audit
        assert any(f.kind == "buying_centre_changed" for f in account.findings)
