"""Output read by a program that stops early (``| head``): the command ends quietly with
the exit code of a process a closed pipe ended, never 1 (which --fail-on owns)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kamgraph.config import Config
from kamgraph.generate import generate_export
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

KAMGRAPH = [sys.executable, "-c", "from kamgraph.cli import main; main()"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("pipes")
    generate_export(folder / "export", accounts=3, seed=3)
    with SqliteStore(folder / "k.db") as s:
        sync_path(s, folder / "export", config=Config())
    return f"sqlite:///{folder / 'k.db'}"


@pytest.mark.parametrize("args", [
    ["audit", "--all", "--as-of", "2026-11-01"],  # written as it goes: echo flushes
    ["accounts"],
    ["runs"],  # small: held in the buffer until the flush at exit
])
def test_a_reader_that_has_left_ends_the_command_quietly(store: str, tmp_path: Path,
                                                         args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has gone before the first line, as `head -0` would
    try:
        done = subprocess.run([*KAMGRAPH, *args, "--store", store], stdout=write,
                              stderr=subprocess.PIPE, timeout=120, check=False)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (141, "")


def test_a_reader_that_stops_part_way_ends_it_quietly_too(store: str) -> None:
    with subprocess.Popen([*KAMGRAPH, "audit", "--all", "--as-of", "2026-11-01", "--store",
                           store], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        errors = process.stderr.read().decode()
        code = process.wait(timeout=120)
    assert first.startswith(b"kamgraph audit as of")
    # All of it may have fitted in the pipe before the reader left: then it is done.
    assert (code, errors) in ((141, ""), (0, ""))
