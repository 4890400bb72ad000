"""The contracts between the layers: finding kinds are a type, every kind has a drafter,
no decision reads a kind as a string, and every surface honours the user's settings."""

from __future__ import annotations

import ast
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.actions.drafters import DRAFTERS
from kamgraph.analysis.findings import DATA_OF, FindingKind
from kamgraph.cli import cli
from kamgraph.config import load_config
from kamgraph.portfolio import Portfolio
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from kamgraph.viz.maps import map_data
from kamgraph.viz.site import index_row
from tests.viz.test_maps import _get, _serve, _stop

ROOT = Path(__file__).resolve().parent.parent
KINDS = {k.value for k in FindingKind}
AS_OF = "2026-11-01"


def test_every_kind_has_a_drafter_and_a_data_type() -> None:
    assert set(DRAFTERS) == set(FindingKind) == set(DATA_OF)
    assert all(d.kind is kind for kind, d in DRAFTERS.items())


def _typed_tree(tmp_path: Path) -> Path:
    """The package as a wheel lays it out, for the type checker."""
    tree = tmp_path / "typed"
    shutil.copytree(ROOT / "kamgraph", tree / "kamgraph")
    shutil.copytree(ROOT / "loaders", tree / "kamgraph" / "loaders")
    shutil.copytree(ROOT / "viz", tree / "kamgraph" / "viz")
    return tree


def test_a_misspelled_kind_fails_the_type_check(tmp_path: Path) -> None:
    tree = _typed_tree(tmp_path)
    check = tree / "check.py"
    command = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
               "--cache-dir", str(tmp_path / "cache"), str(check)]
    right = ("from kamgraph.analysis.findings import Finding, FindingKind\n"
             "def gaps(findings: list[Finding]) -> list[Finding]:\n"
             "    return [f for f in findings if f.kind is FindingKind.COVERAGE_GAP]\n")
    check.write_text(right)
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    check.write_text(right.replace("COVERAGE_GAP", "COVERGE_GAP"))
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    assert done.returncode == 1 and 'has no attribute "COVERGE_GAP"' in done.stdout


def _sources() -> list[Path]:
    return [p for folder in ("kamgraph", "loaders", "viz") for p in (ROOT / folder).rglob("*.py")
            if p.name != "findings.py"]


def _strings(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return {e.value for e in node.elts if isinstance(e, ast.Constant)
                and isinstance(e.value, str)}
    return set()


def test_no_finding_kind_is_compared_or_keyed_as_a_string() -> None:
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            said: set[str] = set()
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    said |= _strings(side)
            elif isinstance(node, ast.Dict):
                for key in node.keys:
                    if key is not None:
                        said |= _strings(key)
            if said & KINDS:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {sorted(said & KINDS)}")
    assert found == []


def test_no_class_of_the_actions_is_over_two_hundred_lines() -> None:
    for path in (ROOT / "kamgraph" / "actions").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                assert length <= 200, f"{path.name}: {node.name} is {length} lines"


# -- the user's settings, on every surface ------------------------------------------------

SETTINGS = 'key_level = "c_level"\nkey_influence = 0.99\n'
ACCOUNT = "Borealis Chemicals"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("settings")
    config = folder / "kamgraph.toml"
    config.write_text(SETTINGS)
    with SqliteStore(folder / "k.db") as store:
        sync_path(store, ROOT / "examples" / "salesforce", config=load_config(config))
        sync_path(store, ROOT / "examples" / "facts", fmt="csv", config=load_config(config))
        uri = store.uri
    return uri, config


def _risk(uri: str, config: Path | None) -> str:
    """The person of ours the audit names as the account's key-person risk."""
    settings = load_config(config)
    with SqliteStore(uri.removeprefix("sqlite:///"), readonly=True) as store:
        account = Portfolio(store, as_of=AS_OF, config=settings).account(ACCOUNT)
        risks = [f for f in account.findings if f.kind is FindingKind.KEY_PERSON_RISK]
        return max(risks, key=lambda f: f.score).subject.name


def test_every_surface_names_the_same_key_person_risk_under_the_users_settings(
        demo: tuple[str, Path], tmp_path: Path) -> None:
    uri, config = demo
    risk = _risk(uri, config)
    assert risk != _risk(uri, None), "the settings must change the answer to test anything"
    runner = CliRunner()
    common = ["--store", uri, "--config", str(config), "--as-of", AS_OF]

    def run(*args: str) -> str:
        done = runner.invoke(cli, [*args, *common], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return done.output

    doc = json.loads(run("audit", ACCOUNT, "--format", "json"))
    [account] = doc["accounts"]
    said = {f["subject"]["id"]: account["names"][f["subject"]["id"]]
            for f in account["findings"] if f["kind"] == FindingKind.KEY_PERSON_RISK.value}
    assert risk in said.values()
    covered_by = next(f["action"] for f in account["findings"]
                      if f["kind"] == FindingKind.KEY_PERSON_RISK.value
                      and account["names"][f["subject"]["id"]] == risk)
    risk_action = next(a for a in account["actions"] if a["rank"] == covered_by)
    # The plan lists the same action, and explain the same finding.
    assert risk_action["action"] in run("plan", ACCOUNT).replace("\n", " ")
    assert FindingKind.KEY_PERSON_RISK.value in run("audit", "--explain", risk)
    # path says the audit's action about the person it routes to.
    subject = risk_action["subject"]["name"] if risk_action["subject"]["type"] == "person" \
        else next(a["subject"]["name"] for a in account["actions"]
                  if a["subject"]["type"] == "person")
    about = next(a for a in account["actions"] if a["subject"]["name"] == subject)
    assert about["action"] in run("path", ACCOUNT, subject).replace("\n", " ")
    # changes lists what the library finds with the same settings.
    with SqliteStore(uri.removeprefix("sqlite:///"), readonly=True) as store:
        portfolio = Portfolio(store, as_of=AS_OF, config=load_config(config))
        try:
            expected = json.dumps(portfolio.changes().to_dict(), indent=2)
        except Exception as exc:  # noqa: BLE001 - the CLI must say the same
            expected = str(exc)
    done = runner.invoke(cli, ["changes", "--format", "json", *common])
    assert expected in done.output
    # The map marks them; the portfolio page, written or served, names them.
    with SqliteStore(uri.removeprefix("sqlite:///"), readonly=True) as store:
        chosen = Portfolio(store, as_of=AS_OF, config=load_config(config)).account(ACCOUNT)
        nodes = {n["id"]: n for n in map_data(chosen.graph, chosen.audit, None,
                                              load_config(config))["nodes"]}
        row = index_row(chosen.graph, chosen.audit, load_config(config))
    [node] = [n for n in nodes.values() if n.get("label", "").startswith(risk)]
    assert FindingKind.KEY_PERSON_RISK.value in node.get("kinds", [])
    assert row.risk_name == risk
    run("map", "--all", "-o", str(tmp_path / "site"))
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert f"{risk} " in page and "Amara Nwosu 41%" not in page
    proc, port = _serve(uri, "--config", str(config), "--as-of", AS_OF)
    try:
        status, _, body = _get(port, "/")
        assert status == 200 and risk.encode() in body
    finally:
        _stop(proc)


def test_serve_binds_loopback_only(demo: tuple[str, Path]) -> None:
    """Bound to 127.0.0.1 alone: another loopback address of this machine, which a server
    bound to every interface would answer on, is refused."""
    uri, config = demo
    proc, port = _serve(uri, "--config", str(config), "--as-of", AS_OF)
    try:
        listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[3] == "0A"]  # LISTEN
        assert f"0100007F:{port:04X}" in listening
        assert f"00000000:{port:04X}" not in listening
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.2", port), timeout=5)
        assert _get(port, "/")[0] == 200
    finally:
        _stop(proc)


def test_every_test_the_docs_cite_exists() -> None:
    """A doc that names a test as its evidence names one that runs."""
    import re

    known: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        known.add(path.stem)
        known |= set(re.findall(r"def (test_\w+)", path.read_text(encoding="utf-8")))
    cited = {(doc.name, name)
             for doc in [*(ROOT / "docs").glob("*.md"), ROOT / "README.md",
                         ROOT / "benchmarks" / "README.md"]
             for name in re.findall(r"\b(test_\w+)", doc.read_text(encoding="utf-8"))}
    assert sorted((doc, name) for doc, name in cited if name not in known) == []
