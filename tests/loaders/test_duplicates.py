"""One id in two rows: the same record repeated is kept once and counted; two different
people under one id are refused, never merged."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kamgraph.cli import cli
from kamgraph.stores import open_store


def sync(folder: Path, store: Path) -> Result:
    return CliRunner().invoke(cli, ["sync", str(folder), "--store", f"sqlite:///{store}"])


def add_row(path: Path, change: dict[str, str], line: int = 2) -> None:
    """Append a copy of the record on ``line``, with ``change`` made to it."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, copy = rows[0], list(rows[line - 1])
    for column, value in change.items():
        copy[header.index(column)] = value
    with open(path, "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(copy)


def test_a_repeated_record_is_kept_once_and_the_summary_says_so(
        tmp_path: Path, export: Path) -> None:
    add_row(export / "Account.csv", {"Name": "Acme Foods Renamed"})
    result = sync(export, tmp_path / "k.db")
    assert result.exit_code == 0, result.output
    assert ", 1 repeated (one record in two rows: the later kept)" in result.stdout


def test_the_same_person_twice_is_one_person(tmp_path: Path, export: Path) -> None:
    add_row(export / "Contact.csv", {"Title": "Chief Executive"})
    result = sync(export, tmp_path / "k.db")
    assert result.exit_code == 0, result.output
    assert "1 repeated" in result.stdout


@pytest.mark.parametrize(("change", "differs"), [
    ({"FirstName": "Somebody", "LastName": "Else", "Name": "Somebody Else"}, "name"),
    ({"Email": "someone.else@example.com"}, "e-mail"),
])
def test_two_people_under_one_id_are_refused(tmp_path: Path, export: Path,
                                             change: dict[str, str], differs: str) -> None:
    # The line the appended record starts on (quoted fields hold line breaks).
    last = (export / "Contact.csv").read_bytes().count(b"\n") + 1
    add_row(export / "Contact.csv", change)
    store = tmp_path / "k.db"
    result = sync(export, store)
    assert result.exit_code == 2
    message = result.stderr.strip().splitlines()[-1]
    assert "1 row rejected, nothing stored (first: " in message
    assert f"Contact.csv:{last} [Id]: " in message
    assert "on line 2 and " in message and f"(the {differs} differs): two people under " \
        "one id are not merged" in message
    with open_store(f"sqlite:///{store}") as s:
        assert list(s.dump()) == []
