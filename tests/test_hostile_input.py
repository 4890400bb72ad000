"""Hostile and broken input: a clear error naming file, line and field (exit 2) or a
documented, counted repair — never a traceback, never a half-written store."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.errors import KamgraphError
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path


def edit(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        path.write_bytes(change(path.read_bytes()))
    return apply


def replace_line(name: str, index: int, line: bytes) -> Callable[[Path], None]:
    def change(raw: bytes) -> bytes:
        lines = raw.split(b"\n")
        lines[index] = line
        return b"\n".join(lines)
    return edit(name, change)


CASES = [
    ("truncated file", edit("Task.csv", lambda raw: raw[: len(raw) // 2]),
     r"Task\.csv:\d+: \d+ fields where the header has 13 \(a truncated file\?\)"),
    ("binary garbage", edit("Contact.csv", lambda raw: bytes(range(256)) * 40),
     r"Contact\.csv:1 \[Id\]: required column 'Id' is missing"),
    ("missing header", edit("Account.csv", lambda raw: raw.split(b"\n", 1)[1]),
     r"Account\.csv:1 \[Id\]: required column 'Id' is missing"),
    ("10 MB field", replace_line("Contact.csv", 2, b'"' + b"x" * 10_000_000 + b'"'),
     r"Contact\.csv:3: a line longer than 1,000,000 characters \(limits\.row_chars\)"),
    ("a field of many lines", replace_line(
        "Contact.csv", 2, b'"' + b"x\n" * 600_000 + b'"'),
     r"Contact\.csv:\d+: not valid CSV: field larger than field limit"),
    ("id of the wrong object type",
     replace_line("Opportunity.csv", 1, b'"006aB0000000001QAA","0","003Gx0000000001IAA",'
                  b'"Deal","Prospecting","1","2026-12-01","0","0","005aB0000000001QAA",'
                  b'"2025-01-01 00:00:00"'),
     r"Opportunity\.csv:2 \[AccountId\]: id 003Gx0000000001IAA is a Contact, "
     r"expected an Account"),
    ("impossible date",
     edit("Opportunity.csv", lambda raw: raw.replace(b'"2026-12-31"', b'"2026-02-31"', 1)
          .replace(b'"2026-12-31 00:00:00"', b'"2026-02-31 00:00:00"', 1)),
     r"Opportunity\.csv:\d+ \[CloseDate\]: impossible date"),
    ("not a date at all",
     edit("Task.csv", lambda raw: raw.replace(b'"2026-', b'"31/12/', 1)),
     r"Task\.csv:\d+ \[ActivityDate\]: not a date: '31/12/"),
]


@pytest.mark.parametrize(("name", "damage", "message"), CASES,
                         ids=[c[0] for c in CASES])
def test_broken_exports_fail_with_one_clear_line(
    tmp_path: Path, export: Path, example_weekly: Path, name: str,
    damage: Callable[[Path], None], message: str,
) -> None:
    import re

    store = f"sqlite:///{tmp_path / 'k.db'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["sync", str(example_weekly), "--store", store]).exit_code == 0
    with SqliteStore(tmp_path / "k.db") as s:
        before = list(s.dump())
    damage(export)
    result = runner.invoke(cli, ["sync", str(export), "--store", store])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("Detected format:")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert re.search(message, lines[0]), lines[0]
    assert "Traceback" not in result.output
    with SqliteStore(tmp_path / "k.db") as s:
        assert list(s.dump()) == before


def test_utf16_with_bom_is_read(tmp_path: Path, export: Path) -> None:
    for path in export.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    with SqliteStore(tmp_path / "k.db") as store:
        report, _ = sync_path(store, export, config=Config())
        assert report.status == "ok" and report.counts["inserted"] > 80
        assert sum(report.read.values()) > 1000


def test_latin1_export_is_read(tmp_path: Path, export: Path) -> None:
    for path in export.glob("*.csv"):
        path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", errors="replace"))
    with SqliteStore(tmp_path / "k.db") as store:
        report, _ = sync_path(store, export, config=Config())
        assert report.status == "ok"
        names = {row[4] for row in store.dump() if row[0] == "person"}
    assert any("Núñez" in n for n in names)


def test_wrong_forced_encoding_names_the_file(export: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sync", str(export), "--encoding", "utf-16",
                                      "--store", f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 2
    assert "Account.csv" in result.stderr and "Traceback" not in result.output


def test_duplicate_ids_are_counted_and_the_last_row_wins(tmp_path: Path, export: Path) -> None:
    raw = (export / "Account.csv").read_bytes().rstrip(b"\n").split(b"\n")
    dup = raw[1].replace(b'"Acme Foods"', b'"Acme Foods Renamed"')
    (export / "Account.csv").write_bytes(b"\n".join([*raw, dup]) + b"\n")
    with SqliteStore(tmp_path / "k.db") as store:
        report, _ = sync_path(store, export, config=Config())
        assert report.counts["duplicates"] == 1
        assert "Acme Foods Renamed" in {a.name for a in store.accounts()}


def test_missing_path_and_non_export(tmp_path: Path) -> None:
    runner = CliRunner()
    store = f"sqlite:///{tmp_path / 'k.db'}"
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01\x02")
    for target, message in ((tmp_path / "nope", "no such file or folder"),
                            (tmp_path / "junk.bin", "no CSV files in")):
        result = runner.invoke(cli, ["sync", str(target), "--store", store])
        assert result.exit_code == 2 and message in result.stderr


# -- fuzzing -----------------------------------------------------------------------------

HEADER = b'"Id","AccountId","FirstName","LastName","Title","ReportsToId"\n'


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600) | st.text(max_size=600).map(lambda t: t.encode("utf-8")))
def test_fuzzed_contact_file_never_escapes_as_a_crash(
    tmp_path_factory: pytest.TempPathFactory, body: bytes
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "Account.csv").write_bytes(b'"Id","Name"\n"001000000000001AAA","Acme"\n')
    (folder / "Contact.csv").write_bytes(HEADER + body)
    with SqliteStore(folder / "k.db") as store:
        before = list(store.dump())
        try:
            report, _ = sync_path(store, folder, config=Config())
        except KamgraphError as exc:
            assert str(exc)
            assert list(store.dump()) == before
        else:
            assert report.status in ("ok", "rejected")
            if report.status == "rejected":
                assert list(store.dump()) == before


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=8), max_size=12))
def test_fuzzed_people_csv_is_an_error_or_a_sync(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
) -> None:
    import csv
    import io

    folder = tmp_path_factory.mktemp("fuzzcsv")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "side", "name", "account_id", "roles", "stance", "influence"])
    writer.writerows(rows)
    (folder / "people.csv").write_text(buffer.getvalue(), encoding="utf-8")
    with SqliteStore(folder / "k.db") as store:
        try:
            sync_path(store, folder, config=Config())
        except KamgraphError as exc:
            assert "people.csv" in str(exc)


def test_hostile_names_are_stored_verbatim_in_the_embedded_store(tmp_path: Path,
                                                                 export: Path) -> None:
    import json

    hostile = "x'); DROP TABLE records; -- \"<img src=x onerror=alert(1)>\""
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "people.csv").write_text(
        'id,side,name,account_id\nevil,customer,"' + hostile.replace('"', '""')
        + '",001aB0000000001QAA\n', encoding="utf-8")
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, export, config=Config())
        count = len(list(store.dump()))
        sync_path(store, facts, config=Config())
        rows = list(store.dump())
    assert len(rows) == count + 1
    evil = next(r for r in rows if r[1] == "evil")
    assert json.loads(evil[4])["name"] == hostile


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=30), min_size=0, max_size=12), max_size=10),
       st.sampled_from(["hubspot", "dynamics"]))
def test_fuzzed_hubspot_and_dynamics_files_are_an_error_or_a_sync(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], fmt: str
) -> None:
    import csv
    import io

    folder = tmp_path_factory.mktemp(f"fuzz{fmt}")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if fmt == "hubspot":
        (folder / "owners.csv").write_text("id,firstName,lastName,email\n7,Ana,Abara,a@x\n")
        (folder / "companies.csv").write_text("Record ID,Company name,Company owner\n1,Acme,7\n")
        writer.writerow(["Record ID", "First Name", "Last Name", "Primary Associated Company ID",
                         "Buying Role", "Contact owner"])
        name = "contacts.csv"
    else:
        (folder / "account.csv").write_text(
            "accountid,name\n6f1c2a3e-0000-4000-8000-000000000001,Acme\n")
        writer.writerow(["contactid", "fullname", "parentcustomerid", "statecode",
                         "modifiedon"])
        name = "contact.csv"
    writer.writerows(rows)
    (folder / name).write_text(buffer.getvalue(), encoding="utf-8")
    with SqliteStore(folder / "k.db") as store:
        try:
            report, _ = sync_path(store, folder, fmt=fmt, config=Config())
        except KamgraphError as exc:
            assert str(exc) and list(store.dump()) == []
        else:
            assert report.status in ("ok", "rejected")


def test_repairs_are_shown_in_the_sync_summary_and_in_runs(tmp_path: Path,
                                                          export: Path) -> None:
    import csv

    path = export / "Contact.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    me, boss = header.index("Id"), header.index("ReportsToId")
    rows[1][boss] = rows[1][me]                      # reports to themself
    rows[2][boss], rows[3][boss] = rows[3][me], rows[2][me]   # a cycle of two
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    store = f"sqlite:///{tmp_path / 'k.db'}"
    result = CliRunner().invoke(cli, ["sync", str(export), "--store", store],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert ("repaired: 1 people reporting to themselves, 1 reports-to cycles (broken when "
            "the graph is built)") in result.output
    runs = CliRunner().invoke(cli, ["runs", "--store", store], catch_exceptions=False)
    assert "repaired: 1 people reporting to themselves" in runs.output
