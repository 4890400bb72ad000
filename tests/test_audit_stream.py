"""A portfolio audit is written account by account as it runs, never held whole."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.actions import Action
from kamgraph.analysis.findings import Finding, Severity, Subject
from kamgraph.audit import AccountAudit, AuditReport, iter_audits, run_audit
from kamgraph.cli import Failure, _emit, cli
from kamgraph.report import FORMATS, render, render_stream
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.sync import sync_path

AS_OF = date(2026, 11, 1)


def account(n: int) -> AccountAudit:
    finding = Finding(
        kind="coverage_gap", severity=Severity.HIGH if n % 2 else Severity.LOW, score=0.5,
        subject=Subject("person", f"003{n}", f"Person {n}"), evidence=(f"evidence {n}",),
        action=f"Meet Person {n}",
    )
    action = Action(
        id=f"001{n}/1", rank=1, priority=finding.severity, subject=finding.subject,
        problem="Nobody of ours meets a key person", owner=Subject("person", "005", "Kam"),
        with_=(), action=f"Kam meets Person {n} this month.", due=AS_OF,
        because=("coverage_gap",), evidence=finding.evidence, findings=(0,))
    return AccountAudit(f"001{n}", f"Account {n}", None, [finding], [action])


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_account_is_written_before_the_next_is_audited(fmt: str) -> None:
    made = 0

    def audits() -> Iterator[AccountAudit]:
        nonlocal made
        for n in range(4):
            made += 1
            yield account(n)

    pieces = render_stream(AS_OF, audits(), fmt)
    next(pieces)  # the heading, before any account is asked for
    assert made == 0
    for n in range(4):
        assert f"Person {n}" in next(pieces)
        assert made == n + 1
    whole = render(AuditReport(AS_OF, [account(n) for n in range(4)]), fmt)
    assert "".join(render_stream(AS_OF, (account(n) for n in range(4)), fmt)) == whole


def test_streamed_json_is_one_document() -> None:
    for count in (0, 1, 3):
        text = "".join(render_stream(AS_OF, (account(n) for n in range(count)), "json"))
        report = AuditReport(AS_OF, [account(n) for n in range(count)])
        assert json.loads(text) == report.to_dict()
        assert text == json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory, example_weekly: Path) -> Path:
    path = tmp_path_factory.mktemp("stream") / "k.db"
    with SqliteStore(path) as store:
        sync_path(store, example_weekly)
    return path


def test_workers_give_the_audits_in_order_and_stop_when_closed(portfolio: Path) -> None:
    with SqliteStore(portfolio) as store:
        alone = run_audit(store, as_of=AS_OF).accounts
        audits = iter_audits(store, as_of=AS_OF, jobs=2)
        first = next(audits)
        assert multiprocessing.active_children()
        audits.close()  # type: ignore[attr-defined]
        assert multiprocessing.active_children() == []
        assert first == alone[0]
        assert list(iter_audits(store, as_of=AS_OF, jobs=2)) == alone


def test_an_unknown_account_fails_before_anything_is_written(portfolio: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "Nobody", "--store", str(portfolio),
                                      "--format", "json", "--as-of", "2026-11-01"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no account with id or name 'Nobody'" in result.stderr


def test_a_report_that_fails_half_way_leaves_the_last_file(tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    _emit(iter(["{", "}\n"]), out)
    assert out.read_text() == "{}\n"

    def failing() -> Iterator[str]:
        yield "{ half"
        raise Failure("the store went away")

    with pytest.raises(Failure):
        _emit(failing(), out)
    assert out.read_text() == "{}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["audit.json"]
