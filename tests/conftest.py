"""Shared fixtures: generated exports, stores, and the CLI runner."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.generate import generate_export
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from tests.servers import (
    PAGE_CACHE_MB,
    BoltServer,
    ServerUnavailable,
    clear_graph,
    start_neo4j,
)

AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="session")
def example_weekly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example's three storyline accounts, weekly-export flavour."""
    folder = tmp_path_factory.mktemp("weekly")
    generate_export(folder, accounts=3, storylines=True, flavour="weekly", end=AS_OF)
    return folder


@pytest.fixture(scope="session")
def example_dataloader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same people and activities, written as Data Loader would."""
    folder = tmp_path_factory.mktemp("dataloader")
    generate_export(folder, accounts=3, storylines=True, flavour="dataloader", end=AS_OF)
    return folder


@pytest.fixture
def export(tmp_path: Path, example_weekly: Path) -> Path:
    """A copy of the example weekly export that a test may change."""
    folder = tmp_path / "export"
    shutil.copytree(example_weekly, folder)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "kamgraph.db") as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """Neo4j Community Edition on loopback, started once per session (see
    :mod:`tests.servers`); its logs are printed when a test fails.

    ``KAMGRAPH_TEST_NEO4J_URI`` (with ``KAMGRAPH_TEST_NEO4J_USER``, ``…_PASSWORD`` and
    ``…_DATABASE``) points the tests at another Neo4j instead (a cluster, Aura) — whose
    database they empty.
    """
    uri = os.environ.get("KAMGRAPH_TEST_NEO4J_URI")
    if uri:
        yield BoltServer(uri=uri, user=os.environ.get("KAMGRAPH_TEST_NEO4J_USER", "neo4j"),
                         password=os.environ.get("KAMGRAPH_TEST_NEO4J_PASSWORD", ""),
                         database=os.environ.get("KAMGRAPH_TEST_NEO4J_DATABASE"))
        return
    try:
        server = start_neo4j(tmp_path_factory.mktemp("neo4j"), tls=True)
    except ServerUnavailable as exc:
        why = str(exc)
    else:
        why = ""
    if why:  # failed outside the handler: the reason alone, no chained traceback
        pytest.fail(f"cannot start Neo4j for the store tests: {why}", pytrace=False)
    _SERVERS.append(server)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def neo4j_store(bolt_server: BoltServer) -> Iterator[Neo4jStore]:
    """A Neo4j store on the test server, emptied first."""
    store = Neo4jStore(bolt_server.uri, user=bolt_server.user, password=bolt_server.password,
                       database=bolt_server.database, batch_size=500)
    with store:
        clear_graph(store)
        store.init()
        yield store


_SERVERS: list[BoltServer] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SERVERS:
        for server in _SERVERS:
            report.sections.append((f"Neo4j logs ({server.root})", server.logs()))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Name the Neo4j the store tests ran against, and how long it took to start."""
    for server in _SERVERS:
        terminalreporter.write_line(
            f"Neo4j {server.version} (embedded, {server.uri}, page cache "
            f"{PAGE_CACHE_MB} MiB): ready in {server.started_s:.1f}s")
