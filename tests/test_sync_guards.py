"""A sync decides under the store's lock, and a full export that would empty part of the
store stops before writing anything; on the embedded store and on the Bolt server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.errors import ShrinkError
from kamgraph.generate import generate_export
from kamgraph.stores.base import Store
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.servers import BoltServer

DAY1 = date(2026, 10, 1)
DAY2 = date(2026, 10, 2)


@pytest.fixture(scope="module")
def seed3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed3")
    generate_export(folder, accounts=12, seed=3, end=date(2026, 11, 1))
    return folder


@pytest.fixture(scope="module")
def seed4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed4")
    generate_export(folder, accounts=12, seed=4, end=date(2026, 11, 1))
    return folder


@pytest.fixture(params=["sqlite", "bolt"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, str,
                                                                                dict[str, str]]]:
    """A store, the URI another process opens it by, and that process's environment."""
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "k.db")
        with store:
            yield store, f"sqlite:///{tmp_path / 'k.db'}", {}
        return
    server: BoltServer = request.getfixturevalue("bolt_server")
    neo4j: Neo4jStore = request.getfixturevalue("neo4j_store")
    yield neo4j, server.uri, server.environ()


def names_in(store: Store) -> set[str]:
    return {a.name for a in store.accounts(counts=False) if a.status == "active"}


def start_sync(uri: str, env: dict[str, str], export: Path, *args: str
               ) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kamgraph", "sync", str(export), "--store", uri,
         "--log-format", "json", "--allow-shrink", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"})


def wait_for(proc: subprocess.Popen[str], event: str, file: str | None = None) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        found = json.loads(line)
        if found["event"] == event and (file is None or found["file"].endswith(file)):
            return
    raise AssertionError(f"no {event} event")


def test_a_sync_that_waited_reads_the_last_run_after_the_lock(
        any_store: tuple[Store, str, dict[str, str]], seed3: Path, seed4: Path) -> None:
    store, uri, env = any_store
    sync_path(store, seed3, today=DAY1, config=Config())
    seed3_names = names_in(store)
    # A syncs another export and is stopped while it holds the write lock.
    a = start_sync(uri, env, seed4)
    wait_for(a, "file.read", "Contact.csv")
    a.send_signal(signal.SIGSTOP)
    try:
        # B syncs the export the store held before A: it has read the runs (as of before
        # A) and asked for the lock by the time it says it starts.
        b = start_sync(uri, env, seed3, "--wait", "120")
        wait_for(b, "sync.start")
    finally:
        a.send_signal(signal.SIGCONT)
    a_out, _ = a.communicate(timeout=120)
    b_out, _ = b.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, (a_out, b_out)
    report = json.loads(b_out.strip().splitlines()[-1])
    # B decided after A committed: A's run is the last, so B read its export in full.
    assert report["mode"] == "full" and report["status"] == "ok"
    assert names_in(store) == seed3_names
    again, _ = sync_path(store, seed3, today=DAY2, config=Config())
    assert again.mode == "unchanged"


def test_a_full_export_missing_a_file_stops_with_nothing_written(
        any_store: tuple[Store, str, dict[str, str]], seed3: Path, tmp_path: Path) -> None:
    store, uri, env = any_store
    sync_path(store, seed3, today=DAY1, config=Config())
    before = list(store.dump())
    partial = tmp_path / "partial"
    shutil.copytree(seed3, partial)
    (partial / "Task.csv").unlink()
    with pytest.raises(ShrinkError) as caught:
        sync_path(store, partial, today=DAY2, config=Config())
    message = str(caught.value)
    assert "Task.csv is missing" in message
    assert "--incremental" in message and "--allow-shrink" in message
    assert list(store.dump()) == before
    failed = store.runs()[0]
    assert failed.status == "failed" and not failed.counts.get("counts", {}).get("inserted")
    # As the user meets it: exit 2, one line, naming the file.
    result = CliRunner(env=env).invoke(cli, ["sync", str(partial), "--store", uri])
    assert result.exit_code == 2 and "Task.csv is missing" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    # Contact.csv alone is no full export either.
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(seed3 / "Contact.csv", alone)
    shutil.copy(seed3 / "Account.csv", alone)
    with pytest.raises(ShrinkError):
        sync_path(store, alone, today=DAY2, config=Config())
    assert list(store.dump()) == before
    # When the records really went, the user says so.
    report, _ = sync_path(store, partial, today=DAY2, allow_shrink=True, config=Config())
    assert report.status == "ok" and report.counts["inactivated"] > 0


def test_a_full_export_that_would_inactivate_too_much_stops(
        any_store: tuple[Store, str, dict[str, str]], seed3: Path, tmp_path: Path) -> None:
    store, _, _ = any_store
    sync_path(store, seed3, today=DAY1, config=Config())
    before = list(store.dump())
    thin = tmp_path / "thin"
    shutil.copytree(seed3, thin)
    lines = (seed3 / "Contact.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (thin / "Contact.csv").write_text("".join(lines[:len(lines) // 3]), encoding="utf-8")
    # Its activities name people it lacks; taken as they are, two thirds of the
    # people would be marked gone.
    with pytest.raises(ShrinkError) as caught:
        sync_path(store, thin, today=DAY2, allow_rejects=True, config=Config())
    assert "sync.max_inactive_share" in str(caught.value)
    assert list(store.dump()) == before
    report, _ = sync_path(store, thin, today=DAY2, allow_rejects=True, allow_shrink=True,
                          config=Config())
    assert report.status == "ok" and report.counts["inactivated"] > 0
