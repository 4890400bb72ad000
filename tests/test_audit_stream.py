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
from kamgraph.analysis.findings import CoverageGapData, Finding, FindingKind, Severity, Subject
from kamgraph.audit import (
    AccountAudit,
    AuditReport,
    iter_accounts,
    iter_audits,
    portfolio_plan,
    run_audit,
)
from kamgraph.cli import Failure, _emit, cli
from kamgraph.config import Config
from kamgraph.report import FORMATS, render, render_stream
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

AS_OF = date(2026, 11, 1)


def account(n: int) -> AccountAudit:
    finding = Finding(
        kind=FindingKind.COVERAGE_GAP, data=CoverageGapData("person"),
        severity=Severity.HIGH if n % 2 else Severity.LOW, score=0.5,
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


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory, example_weekly: Path) -> Path:
    path = tmp_path_factory.mktemp("stream") / "k.db"
    with SqliteStore(path) as store:
        sync_path(store, example_weekly, config=Config())
    return path


def test_workers_give_the_audits_in_order_and_stop_when_closed(portfolio: Path) -> None:
    with SqliteStore(portfolio) as store:
        alone = run_audit(store, as_of=AS_OF, config=Config()).accounts
        # With the portfolio's plan made, the workers stream the audits.
        plan = portfolio_plan(store, as_of=AS_OF, config=Config())
        audits = iter_audits(store, as_of=AS_OF, jobs=2, config=Config(), plan=plan)
        first = next(audits)
        assert multiprocessing.active_children()
        audits.close()  # type: ignore[attr-defined]
        assert multiprocessing.active_children() == []
        assert first == alone[0]
        assert list(iter_audits(store, as_of=AS_OF, jobs=2, config=Config())) == alone
        assert list(iter_audits(store, as_of=AS_OF, jobs=2, config=Config(), plan=plan)) \
            == alone


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


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_a_killed_audit_leaves_no_worker_and_no_partial_file(tmp_path: Path) -> None:
    import os
    import select
    import signal
    import subprocess
    import sys
    import time

    from kamgraph.generate import generate_export

    generate_export(tmp_path / "export", accounts=80, seed=5, end=AS_OF)
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, tmp_path / "export", config=Config())
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kamgraph", "audit", "--store", f"sqlite:///{tmp_path / 'k.db'}",
         "--as-of", AS_OF.isoformat(), "--format", "json", "--jobs", "2",
         "-o", str(out / "audit.json")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
    assert len(workers) >= 2 and proc.poll() is None, "the audit ended before it was killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Each worker's end, waited for as an event (a process descriptor turns readable).
    alive = []
    for worker in workers:
        try:
            handle = os.pidfd_open(worker)
        except ProcessLookupError:
            continue
        ready, _, _ = select.select([handle], [], [], 30)
        os.close(handle)
        if not ready:
            alive.append(worker)
    assert alive == []
    assert list(out.iterdir()) == []


def test_a_worker_whose_audit_died_while_it_started_ends_at_once() -> None:
    """The audit is killed between starting a worker and the worker's set-up: the worker
    now has another parent, and must not take that one for the audit it serves."""
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    code = ("from kamgraph.audit import _die_with_parent\n"
            f"_die_with_parent({gone})\n"
            "print('still running')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout) == (1, "")
    # Its real parent: it stays.
    code = code.replace(gone, "__import__('os').getppid()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout) == (0, "still running\n")


def test_an_accounts_graph_is_freed_before_the_collector_is_back_on(
        portfolio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's cycle collector is off while an account is audited.  A graph is a cycle
    (networkx keeps its edge views, which point back at it), so only the collector frees
    it: it must be unreachable when the collector comes back on, so that the first pass
    of the youngest generation frees it.  Still reachable then, it is moved to the older
    generations and walked again by each of their passes (a tenth of a portfolio audit,
    measured)."""
    import gc
    import weakref

    import networkx as nx

    graphs: list[weakref.ref[nx.MultiDiGraph]] = []
    alive: list[bool] = []
    enable = gc.enable

    def each(graph: nx.MultiDiGraph, audit: AccountAudit) -> str:
        graphs.append(weakref.ref(graph))
        return audit.id

    def enabled() -> None:
        enable()
        gc.collect(0)  # the pass that follows as soon as anything is allocated
        alive.append(graphs[-1]() is not None)

    monkeypatch.setattr(gc, "enable", enabled)
    with SqliteStore(portfolio) as store:
        ids = list(iter_accounts(store, each, as_of=AS_OF, config=Config()))
    assert len(ids) == 3 and alive == [False, False, False]
