"""Shared fixtures: generated exports, stores, and the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.generate import generate_export
from kamgraph.stores.sqlite import SqliteStore

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
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    with SqliteStore(tmp_path / "kamgraph.db") as s:
        yield s


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
