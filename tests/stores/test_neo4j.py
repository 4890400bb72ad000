"""The Neo4j store against a real Bolt server on loopback, and its parity with SQLite."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kamgraph.audit import run_audit
from kamgraph.config import Config
from kamgraph.errors import StoreBusy, StoreUnavailable
from kamgraph.loaders import load
from kamgraph.model import Record
from kamgraph.queries import names, query, statements
from kamgraph.records import KnownIds
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.servers import BoltServer

DAY1 = date(2026, 10, 1)
DAY2 = date(2026, 10, 2)
AS_OF = date(2026, 11, 1)
HOSTILE = "x'}) DETACH DELETE n //"


def test_schema_set_up_is_idempotent(neo4j_store: Neo4jStore) -> None:
    neo4j_store.init()
    neo4j_store.init()
    assert len(statements("initialize")) >= 5


def test_full_sync_then_resync_changes_nothing(neo4j_store: Neo4jStore,
                                               example_weekly: Path) -> None:
    report, _ = sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    assert report.status == "ok" and report.counts["inserted"] > 80
    before = list(neo4j_store.dump())
    again, _ = sync_path(neo4j_store, example_weekly, today=DAY2, config=Config())
    assert again.counts["inserted"] == again.counts["updated"] == 0
    assert again.counts["unchanged"] == len(before) and again.counts["inactivated"] == 0
    assert list(neo4j_store.dump()) == before
    assert [r.status for r in neo4j_store.runs()] == ["ok", "ok"]


def test_parity_with_the_embedded_store(tmp_path: Path, neo4j_store: Neo4jStore,
                                        example_weekly: Path) -> None:
    facts = Path(__file__).resolve().parent.parent.parent / "examples" / "facts"
    with SqliteStore(tmp_path / "k.db") as sqlite:
        for store in (sqlite, neo4j_store):
            sync_path(store, example_weekly, today=DAY1, config=Config())
            sync_path(store, facts, today=DAY1, config=Config())
        assert list(neo4j_store.dump()) == list(sqlite.dump())
        assert neo4j_store.accounts() == sqlite.accounts()
        assert neo4j_store.accounts(counts=False) == sqlite.accounts(counts=False)
        # The facts file changed records of some accounts after the first run.
        for run in (0, 1):
            ids = (neo4j_store.runs()[run].id, sqlite.runs()[run].id)
            assert neo4j_store.changed_accounts(ids[0]) == sqlite.changed_accounts(ids[1])
        assert sqlite.changed_accounts(sqlite.runs()[1].id)
        assert neo4j_store.supplier_loads() == sqlite.supplier_loads()
        known = neo4j_store.known_ids()
        assert known == sqlite.known_ids()
        assert known.accounts and known.users and known.contacts and known.opportunities
        # Looked up by exact key: people without an account among them (ours, and a
        # contact whose account is not recorded), and a key nobody holds.
        pool = {key for kind, key, _s, account, _d, _st, _since in sqlite.dump()
                if kind == "person" and account is None}
        assert pool - known.users
        wanted = {"person": {*sorted(known.contacts)[:3], *pool, "003Gx0000000ZZZIAA"},
                  "account": set(sorted(known.accounts)[:2]),
                  "opportunity": set(sorted(known.opportunities)[:2])}
        some = neo4j_store.known_ids(wanted)
        assert some == sqlite.known_ids(wanted)
        people = wanted["person"]
        assert some == KnownIds(
            known.accounts & wanted["account"],
            {k: a for k, a in known.contacts.items() if k in people},
            known.users & people,
            {k: a for k, a in known.opportunities.items() if k in wanted["opportunity"]},
            holds_accounts=True)
        assert some.users == known.users
        ours = run_audit(neo4j_store, as_of=AS_OF, config=Config()).to_dict()
        theirs = run_audit(sqlite, as_of=AS_OF, config=Config()).to_dict()
    for a, b in zip(ours["accounts"], theirs["accounts"], strict=True):
        assert a["stage"] == b["stage"]
        for fa, fb in zip(a["findings"], b["findings"], strict=True):
            assert fa == fb
    assert ours == theirs


def test_vanished_records_are_marked_inactive(tmp_path: Path, neo4j_store: Neo4jStore,
                                              example_weekly: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(example_weekly, export)
    sync_path(neo4j_store, export, today=DAY1, config=Config())
    with open(export / "Contact.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    gone = rows[1][0]
    with open(export / "Contact.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(
            [r for r in rows if r[0] != gone])
    for name, column in (("Task.csv", 1), ("Event.csv", 1), ("EventRelation.csv", 1)):
        with open(export / name, newline="", encoding="utf-8") as fh:
            kept = [r for r in csv.reader(fh) if r[column] != gone]
        with open(export / name, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(kept)
    report, _ = sync_path(neo4j_store, export, today=DAY2, config=Config())
    assert report.counts["inactivated"] >= 1
    status = {(k, key): (st, since) for k, key, _s, _a, _d, st, since in neo4j_store.dump()}
    assert status[("person", gone)] == ("inactive", "2026-10-02")
    # An incremental export may still name someone gone from the last full one.
    assert gone in neo4j_store.known_ids().contacts
    history = [e for e in neo4j_store.person_history(gone) if e.kind == "person"]
    assert [e.status for e in history] == ["active", "inactive"]


def test_hostile_name_is_stored_verbatim_and_the_graph_is_intact(
    tmp_path: Path, neo4j_store: Neo4jStore, example_weekly: Path
) -> None:
    sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    count = len(list(neo4j_store.dump()))
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "people.csv").write_text(
        f"id,side,name,account_id,title\nevil,customer,\"{HOSTILE}\",001aB0000000001QAA,"
        f"\"{HOSTILE}\"\n", encoding="utf-8")
    (facts / "accounts.csv").write_text(f"id,name\n{HOSTILE},{HOSTILE}\n", encoding="utf-8")
    sync_path(neo4j_store, facts, today=DAY1, config=Config())
    rows = list(neo4j_store.dump())
    assert len(rows) == count + 2
    evil = next(r for r in rows if r[1] == "evil")
    assert json.loads(evil[4])["name"] == HOSTILE
    assert any(r[1] == HOSTILE for r in rows)
    assert {a.name for a in neo4j_store.accounts()} >= {"Acme Foods", HOSTILE}


LITERALS = {"active", "inactive", "deleted", "staged", "running", "failed", "{}", "account",
            "person", "touch", "contact_log", "relationship", "team_member", "influence",
            "opportunity", "opportunity_role", "|", "",
            "abandoned: the sync stopped before it finished"}


def test_every_statement_takes_data_only_as_parameters() -> None:
    for name in names():
        code = "\n".join(line for line in query(name).splitlines()
                         if not line.strip().startswith("//"))
        literals = set(re.findall(r"'([^']*)'", code))
        assert literals <= LITERALS, (name, literals - LITERALS)
        assert "+ $" not in code and "$" + "{" not in code, name


def test_no_cypher_outside_the_cypher_folder() -> None:
    root = Path(__file__).resolve().parent.parent.parent
    pattern = re.compile(r"\b(MATCH|MERGE|UNWIND|DETACH DELETE)\s*[(\$a-z]")
    for folder in ("kamgraph", "loaders", "viz"):
        for path in (root / folder).rglob("*.py"):
            assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_a_second_sync_waits_then_fails_clearly(bolt_server: BoltServer,
                                                neo4j_store: Neo4jStore,
                                                example_weekly: Path) -> None:
    neo4j_store._write("acquire_lock", name="sync", holder="elsewhere:1:x", now="0",
                       expires="9999")
    other = Neo4jStore(bolt_server.uri, user=bolt_server.user, password=bolt_server.password,
                       database=bolt_server.database, wait=0)
    with other:
        with pytest.raises(StoreBusy, match="another kamgraph sync is writing"):
            sync_path(other, example_weekly, today=DAY1, config=Config())
        neo4j_store._write("release_lock", name="sync", holder="elsewhere:1:x")
        report, _ = sync_path(other, example_weekly, today=DAY1, config=Config())
        assert report.status == "ok"


def test_bad_password_names_no_secret(bolt_server: BoltServer) -> None:
    store = Neo4jStore(bolt_server.uri, user=bolt_server.user, password="Wr0ng-s3cret",
                       database=bolt_server.database)
    with pytest.raises(StoreUnavailable) as info:
        store.open()
    assert "Wr0ng-s3cret" not in str(info.value)
    assert "authentication failed" in str(info.value) or "cannot connect" in str(info.value)


def test_cli_on_the_bolt_store_logs_no_credentials(bolt_server: BoltServer,
                                                   neo4j_store: Neo4jStore,
                                                   example_weekly: Path) -> None:
    env = {**os.environ, **bolt_server.environ(), "NEO4J_URI": bolt_server.uri}
    env.pop("KAMGRAPH_STORE", None)
    exe = Path(sys.executable).parent / "kamgraph"
    done = subprocess.run([str(exe), "init"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0 and done.stdout.startswith(f"Schema ready in {bolt_server.uri}")
    done = subprocess.run([str(exe), "sync", str(example_weekly), "--log-format", "json"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines() + done.stdout.splitlines()
    assert lines and all(bolt_server.password not in line for line in lines)
    for line in done.stderr.splitlines():
        json.loads(line)
    audit = subprocess.run([str(exe), "audit", "Acme", "--as-of", "2026-11-01",
                            "--format", "json"], capture_output=True, text=True, env=env,
                           check=False)
    assert audit.returncode == 0 and bolt_server.password not in audit.stdout + audit.stderr
    assert json.loads(audit.stdout)["accounts"][0]["name"] == "Acme Foods"
    for run in neo4j_store.runs():
        assert bolt_server.password not in json.dumps(run.counts) + str(run.error)


class _StopServerAfter:
    """A real loader whose stream stops the server after ``n`` records."""

    def __init__(self, path: Path, server: BoltServer, n: int) -> None:
        self.inner = load(path, "salesforce", config=Config())
        self.format = self.inner.format
        self.result = self.inner.result
        self.server, self.n = server, n

    def records(self) -> Iterator[Record]:
        for i, record in enumerate(self.inner.records()):
            if i == self.n:
                self.server.kill()
            yield record


def test_server_going_away_mid_sync_fails_cleanly_and_a_rerun_completes(
    tmp_path: Path, bolt_server: BoltServer, neo4j_store: Neo4jStore, example_weekly: Path
) -> None:
    """The test server is killed (SIGKILL) mid-sync and started again on its data: Neo4j
    recovers, and the next sync marks the cut-off run failed and completes."""
    if bolt_server.process is None:
        pytest.skip("needs a server this test can kill: runs against the Neo4j it starts")
    server = bolt_server
    store = Neo4jStore(server.uri, user=server.user, password=server.password,
                       database=server.database, batch_size=200, retry_seconds=2)
    try:
        with store:
            with pytest.raises(StoreUnavailable, match="went away|cannot connect"):
                store.sync(_StopServerAfter(example_weekly, server, 700),  # type: ignore[arg-type]
                           source="salesforce", today=DAY1)
    finally:
        server.restart()
    with Neo4jStore(server.uri, user=server.user, password=server.password,
                    database=server.database) as store:
        report, _ = sync_path(store, example_weekly, today=DAY1, config=Config())
        assert report.status == "ok"
        runs = store.runs()
        assert [r.status for r in runs] == ["ok", "failed"]
        assert "abandoned" in (runs[1].error or "")
        with SqliteStore(tmp_path / "clean.db") as clean:
            sync_path(clean, example_weekly, today=DAY1, config=Config())
            assert list(store.dump()) == list(clean.dump())


def test_person_history_matches_the_embedded_store(tmp_path: Path, neo4j_store: Neo4jStore,
                                                   example_weekly: Path) -> None:
    facts = Path(__file__).resolve().parent.parent.parent / "examples" / "facts"
    with SqliteStore(tmp_path / "k.db") as sqlite:
        for store in (sqlite, neo4j_store):
            sync_path(store, example_weekly, today=DAY1, config=Config())
            sync_path(store, facts, today=DAY1, config=Config())
        for person in ("003Gx0000000014IAA", "003Gx0000000016IAA", "005aB0000000029QAA"):
            ours = neo4j_store.person_history(person)
            assert ours == sqlite.person_history(person)
        assert any(e.kind == "contact_log" for e in ours)


def test_account_snapshot_and_changes_match_the_embedded_store(
    tmp_path: Path, neo4j_store: Neo4jStore, example_weekly: Path
) -> None:
    facts = Path(__file__).resolve().parent.parent.parent / "examples" / "facts"
    with SqliteStore(tmp_path / "k.db") as sqlite:
        for store in (sqlite, neo4j_store):
            sync_path(store, example_weekly, today=DAY1, config=Config())
            sync_path(store, facts, today=DAY2, config=Config())
        account = "001aB0000000001QAA"
        for run in (1, 2):
            ours = neo4j_store.account_snapshot(account, run)
            theirs = sqlite.account_snapshot(account, run)
            assert ours == theirs
        assert ours != neo4j_store.account_snapshot(account, 1)


def test_incremental_slices_on_the_bolt_store(tmp_path: Path, neo4j_store: Neo4jStore,
                                              example_weekly: Path) -> None:
    from tests.test_incremental import slice_export

    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    sync_path(neo4j_store, slices[0], today=DAY1, config=Config())
    report, _ = sync_path(neo4j_store, slices[1], today=DAY1, incremental=True, config=Config())
    assert report.status == "ok" and report.counts["inactivated"] == 0
    with SqliteStore(tmp_path / "full.db") as full:
        sync_path(full, example_weekly, today=DAY1, config=Config())
        assert list(neo4j_store.dump()) == list(full.dump())


@pytest.fixture(scope="module")
def ten_accounts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of ten accounts: a run that touches three of them recounts those alone
    (one that touches most recounts every account)."""
    from kamgraph.generate import generate_export

    folder = tmp_path_factory.mktemp("ten")
    generate_export(folder, accounts=10, seed=3, end=date(2026, 11, 1))
    return folder


def test_an_incremental_run_recounts_the_accounts_it_touched_on_bolt(
        tmp_path: Path, neo4j_store: Neo4jStore, ten_accounts: Path) -> None:
    """As on the embedded store: after incremental runs (a contact moved away from an
    account nothing else touches and a team seat removed, three accounts of ten; then new
    activities on most) the kept counts and loads are a count over every record, and the
    embedded store's."""
    from tests.test_incremental import moves_export

    slices, moves = moves_export(ten_accounts, tmp_path)
    with SqliteStore(tmp_path / "k.db") as sqlite:
        for store in (sqlite, neo4j_store):
            sync_path(store, slices[0], today=DAY1, config=Config())
        for folder in (moves, slices[1]):
            for store in (sqlite, neo4j_store):
                report, _ = sync_path(store, folder, today=DAY1, incremental=True, config=Config())
                assert report.status == "ok" and report.rejects == []
            assert neo4j_store.accounts() == sqlite.accounts()
            assert neo4j_store.supplier_loads() == sqlite.supplier_loads()
            live = neo4j_store._live_counts()
            accounts = neo4j_store.accounts()
            assert [(a.customers, a.our_people, a.links) for a in accounts] == [
                (live["people"].get(a.id, 0), live["ours"].get(a.id, 0),
                 live["links"].get(a.id, 0)) for a in accounts]
            assert neo4j_store.supplier_loads() == neo4j_store._live_loads()


def test_summaries_kept_by_another_version_are_recounted_whole(
        tmp_path: Path, neo4j_store: Neo4jStore, ten_accounts: Path) -> None:
    """Which of our people serve which accounts is trusted only when the run that kept
    the counts kept it too: a version without it may have synced since."""
    from tests.test_incremental import moves_export

    slices, moves = moves_export(ten_accounts, tmp_path)
    sync_path(neo4j_store, slices[0], today=DAY1, config=Config())
    run = neo4j_store.runs()[0].id
    # As an older version leaves it: its own counts kept by a later run, and what this
    # version kept before that no longer true (an account's people gone from it).
    stale = {account: [] for account in neo4j_store._summary("members")}
    neo4j_store._write("write_summary", name="members", data=json.dumps(stale), run=run)
    neo4j_store._write("write_summary", name="counts",
                       data=json.dumps(neo4j_store._live_counts()), run=run + 1)
    report, _ = sync_path(neo4j_store, moves, today=DAY1, incremental=True, config=Config())
    assert report.status == "ok"
    assert neo4j_store.supplier_loads() == neo4j_store._live_loads()
    assert neo4j_store._summary("members") != stale


def test_incremental_slices_merge_into_the_stored_contact_logs(
        tmp_path: Path, neo4j_store: Neo4jStore, example_weekly: Path) -> None:
    from tests.test_incremental import slice_export

    slices = slice_export(example_weekly, tmp_path / "slices", [date(2026, 6, 1)])
    sync_path(neo4j_store, slices[0], today=DAY1, config=Config())
    report, _ = sync_path(neo4j_store, slices[1], today=DAY2, incremental=True, config=Config())
    assert report.status == "ok" and report.counts["updated"] > 0
    with SqliteStore(tmp_path / "full.db") as full:
        sync_path(full, example_weekly, today=DAY1, config=Config())
        expected = {(r[0], r[1]): r[4] for r in full.dump() if r[0] == "contact_log"}
    got = {(r[0], r[1]): r[4] for r in neo4j_store.dump() if r[0] == "contact_log"}
    assert got == expected


def test_the_audit_runs_in_workers_on_bolt_when_credentials_come_from_the_environment(
        neo4j_store: Neo4jStore, bolt_server: BoltServer, example_weekly: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kamgraph.audit import iter_audits

    sync_path(neo4j_store, example_weekly, today=DAY1, config=Config())
    # Given to the object, the credentials stay there: no process opens it by URI.
    assert neo4j_store.reopen_uri() is None
    for name, value in bolt_server.environ().items():
        monkeypatch.setenv(name, value)
    store = Neo4jStore(bolt_server.uri)
    with store:
        uri = store.reopen_uri()
        assert uri == bolt_server.uri and bolt_server.password not in uri
        alone = list(iter_audits(store, as_of=AS_OF, jobs=1, config=Config()))
        both = list(iter_audits(store, as_of=AS_OF, jobs=2, config=Config()))
    assert [a.to_dict() for a in both] == [a.to_dict() for a in alone] and len(alone) == 3


@pytest.fixture(scope="module")
def portfolio_500(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kamgraph.generate import generate_export

    folder = tmp_path_factory.mktemp("portfolio500")
    generate_export(folder, accounts=500, seed=11, end=AS_OF)
    return folder


@pytest.mark.parametrize("portfolio", ["demo", "500 accounts"])
def test_the_audits_are_byte_for_byte_those_of_the_embedded_store(
        tmp_path: Path, bolt_server: BoltServer, neo4j_store: Neo4jStore,
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
        portfolio: str) -> None:
    """``make demo``'s syncs, and a generated 500-account portfolio, into each store; then
    the CLI's audits (workers on Neo4j, each opening the store by URI) and the account
    list: the same bytes from both."""
    from click.testing import CliRunner

    from kamgraph.cli import cli

    examples = Path(__file__).resolve().parent.parent.parent / "examples"
    exports = [examples / "salesforce", examples / "facts"] if portfolio == "demo" else [
        request.getfixturevalue("portfolio_500")]
    for name, value in bolt_server.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KAMGRAPH_STORE", raising=False)
    stores = {"sqlite": f"sqlite:///{tmp_path / 'k.db'}", "neo4j": bolt_server.uri}
    runner = CliRunner()
    outputs: dict[str, list[bytes]] = {}
    for kind, uri in stores.items():
        for export in exports:
            done = runner.invoke(cli, ["sync", str(export), "--store", uri])
            assert done.exit_code == 0, done.output
        outputs[kind] = []
        # Every format of the demo; the JSON (every action) of the large portfolio.
        formats = ("json", "markdown", "csv", "table") if portfolio == "demo" else ("json",)
        for fmt in formats:
            out = tmp_path / f"{kind}.{fmt}"
            done = runner.invoke(cli, ["audit", "--store", uri, "--as-of", AS_OF.isoformat(),
                                       "--format", fmt, "-o", str(out)])
            assert done.exit_code == 0, done.output
            outputs[kind].append(out.read_bytes())
        done = runner.invoke(cli, ["accounts", "--store", uri])
        assert done.exit_code == 0, done.output
        outputs[kind].append(done.stdout.encode())
    assert outputs["neo4j"] == outputs["sqlite"]
    accounts = json.loads(outputs["neo4j"][0])["accounts"]
    assert len(accounts) == (3 if portfolio == "demo" else 500)
    assert sum(len(a["findings"]) for a in accounts) > len(accounts)


def test_a_kept_plan_reads_back_and_old_runs_plans_go(neo4j_store: Neo4jStore) -> None:
    from kamgraph.stores.base import KEPT_PLANS

    neo4j_store.keep_plan("1|2026-11-01|x", 1, '{"a": 1}')
    assert neo4j_store.kept_plan("1|2026-11-01|x") == '{"a": 1}'
    assert neo4j_store.kept_plan("1|2026-11-02|x") is None
    neo4j_store.keep_plan(f"{KEPT_PLANS + 1}|2026-11-01|x", KEPT_PLANS + 1, "{}")
    assert neo4j_store.kept_plan("1|2026-11-01|x") is None
    assert neo4j_store.kept_plan(f"{KEPT_PLANS + 1}|2026-11-01|x") == "{}"
