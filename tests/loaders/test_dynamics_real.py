"""Dynamics 365 exports as their users have them, beyond the tables kamgraph's own
writer lays out: the org chart's manager field, the typed activity tables, a status
reason for a call nobody answered, and connection roles an org added."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.loaders import load
from kamgraph.model import Outcome, Person, Touch
from tests.loaders.crm_writers import build, write_dynamics


def read(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])


def records(folder: Path) -> list[object]:
    loader = load(folder, "auto", config=Config())
    out = list(loader.records())
    records.result = loader.result  # type: ignore[attr-defined]
    return out


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "dynamics"
    write_dynamics(build(), folder)
    return folder


def test_parentcontactid_is_the_manager(export: Path) -> None:
    header, rows = read(export / "contact.csv")
    me, boss = rows[1][0], rows[0][0]
    header.append("parentcontactid")
    for row in rows:
        row.append(boss if row[0] == me else "")
    write(export / "contact.csv", header, rows)
    people = {r.id: r for r in records(export) if isinstance(r, Person)}
    assert people[me].reports_to == boss


def test_typed_activity_tables_are_read_without_activitypointer(export: Path) -> None:
    before = Counter((t.channel, t.outcome) for t in records(export) if isinstance(t, Touch))
    header, rows = read(export / "activitypointer.csv")
    (export / "activitypointer.csv").unlink()
    kind = header.index("activitytypecode")
    for typed in ("appointment", "phonecall", "email"):
        write(export / f"{typed}.csv", header, [r for r in rows if r[kind] == typed])
    after = Counter((t.channel, t.outcome) for t in records(export) if isinstance(t, Touch))
    assert after == before and sum(after.values()) > 50


def test_activities_expected_but_none_read_is_a_warning(export: Path, tmp_path: Path) -> None:
    (export / "activitypointer.csv").unlink()
    result = CliRunner().invoke(cli, ["sync", str(export), "--store",
                                      f"sqlite:///{tmp_path / 'k.db'}"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert "Warning: activityparty names" in result.stderr
    assert "activitypointer.csv" in result.stderr


def test_a_no_answer_status_reason_is_an_unanswered_call(export: Path) -> None:
    header, rows = read(export / "activitypointer.csv")
    kind, voicemail = header.index("activitytypecode"), header.index("leftvoicemail")
    header.append("statuscodename")
    calls = [r for r in rows if r[kind] == "phonecall" and r[voicemail] == "false"]
    target = calls[0][0]
    for row in rows:
        row.append("No Answer" if row[0] == target else "Made")
    write(export / "activitypointer.csv", header, rows)
    touches = [t for t in records(export) if isinstance(t, Touch) and t.activity_id == target]
    assert touches and {t.outcome for t in touches} == {Outcome.UNANSWERED}


def test_connection_roles_an_org_added_are_mapped_or_counted(export: Path) -> None:
    header, rows = read(export / "connectionrole.csv")
    name = header.index("name")
    renamed = {"Technical Buyer": "Evaluator", "Influencer": "Mystery Role"}
    for row in rows:
        row[name] = renamed.get(row[name], row[name])
    write(export / "connectionrole.csv", header, rows)
    out = records(export)
    result = records.result  # type: ignore[attr-defined]
    roles = {r.id: set(r.roles or ()) for r in out if isinstance(r, Person)}
    assert any("technical_buyer" in {x.value for x in held} for held in roles.values()) or \
        any(getattr(r, "roles", None) and "technical_buyer" in {x.value for x in r.roles}
            for r in out if type(r).__name__ == "OpportunityRole")
    assert any("'mystery role' not known" in why for why in result.skipped)
