"""Spilling to disk: a sync whose activities outgrow memory writes what one that kept
them in memory writes, full or incremental."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from kamgraph import scratch
from kamgraph.config import Config
from kamgraph.loaders.base import load
from kamgraph.logs import ContactLogs
from kamgraph.model import Channel, ContactLog, Outcome, Record, Touch
from kamgraph.scratch import MultiMap, SortedRuns, chunks
from kamgraph.stores.base import record_json
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.builders import RecordsLoader
from tests.test_incremental import slice_export


def test_chunks_cover_every_item_once_in_order() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks([], 3)) == []


@pytest.mark.parametrize("limit", [1, 4, 1000])
def test_a_multimap_answers_the_same_in_memory_and_on_disk(limit: int) -> None:
    rng = random.Random(limit)
    added: dict[str, list[tuple[str, str]]] = {}
    values = MultiMap(2, limit)
    for i in range(300):
        key = f"k{rng.randrange(40)}"
        value = (f"r{i}", rng.choice(["accepted", "declined", ""]))
        values.add(key, value)
        added.setdefault(key, []).append(value)
    values.seal()
    assert values.spilled == (limit < 300)
    asked = ["k3", "k3", "missing", *sorted(added)[:25]]
    found = values.lookup(asked)
    assert found == {k: added[k] for k in asked if k in added}
    values.close()


@pytest.mark.parametrize("runs", [1, 3, 40])
def test_sorted_runs_merge_each_key_once_in_order_with_its_values_in_written_order(
        runs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scratch, "_BLOCK", 3)  # several blocks a run
    rng = random.Random(runs)
    expected: dict[tuple[str, str], list[list[object]]] = {}
    spilled = SortedRuns()
    for run in range(runs):
        held: dict[tuple[str, str], list[list[object]]] = {}
        for i in range(rng.randrange(0, 60)):  # some runs empty
            key = (f"u{rng.randrange(5)}", f"c{rng.randrange(9)}")
            held.setdefault(key, []).append([run, i, "é\u2028", rng.random()])
        for key, values in held.items():
            expected.setdefault(key, []).extend(values)
        spilled.write(sorted(held.items()))
    merged = list(spilled.merged())
    assert [key for key, _ in merged] == sorted(expected)
    assert dict(merged) == expected
    assert len(spilled.runs) == runs
    spilled.close()
    assert spilled.file is None and list(spilled.merged()) == []


def _touches(seed: int, prefix: str = "a") -> list[Touch]:
    rng = random.Random(seed)
    out = []
    for _ in range(400):
        activity = f"{prefix}{rng.randrange(150)}"  # many repeat: a later row replaces an earlier
        out.append(Touch(
            activity_id=activity, account_id=rng.choice(["acc1", "acc2"]),
            supplier_id=f"u{rng.randrange(2)}", customer_id=f"c{rng.randrange(4)}",
            day=date(2026, 1, 1 + rng.randrange(28)),
            channel=rng.choice(list(Channel)), outcome=rng.choice(list(Outcome)),
            minutes=rng.randrange(90), deleted=rng.random() < 0.05))
    return out


def _logs(touches: list[Touch], previous: list[ContactLog] | None = None
          ) -> tuple[list[Record], ContactLogs]:
    def stored(pairs: Iterable[str]) -> list[tuple[str, str]]:
        wanted = set(pairs)
        return [(log.key(), record_json(log)) for log in previous or ()
                if f"{log.supplier_id}|{log.customer_id}" in wanted]

    logs = ContactLogs(RecordsLoader(list(touches)), stored)  # type: ignore[arg-type]
    return list(logs.records()), logs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_logs_gathered_on_disk_equal_logs_gathered_in_memory(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    touches = _touches(seed)
    stored = [log for log in _logs(_touches(seed + 100, "s"))[0]
              if isinstance(log, ContactLog)]
    expected, held = _logs(touches, stored)
    # The stored activities are merged in.
    assert any(e[4].startswith("s") for log in expected if isinstance(log, ContactLog)
               for e in log.entries)
    monkeypatch.setattr(scratch, "SPILL_AT", 7)
    spilled, on_disk = _logs(touches, stored)
    assert not held.spilled and on_disk.spilled
    assert spilled == expected
    assert on_disk.result.skipped == held.result.skipped
    assert on_disk.result.unchanged == held.result.unchanged
    assert any(isinstance(r, ContactLog) and r.entries for r in spilled)


@pytest.fixture(scope="module")
def synced_in_memory(tmp_path_factory: pytest.TempPathFactory,
                     example_weekly: Path) -> list[tuple[object, ...]]:
    """The store a full sync of the example writes with every touch held in memory."""
    with SqliteStore(tmp_path_factory.mktemp("memory") / "k.db") as store:
        sync_path(store, example_weekly, config=Config())
        return list(store.dump())


def test_a_sync_that_spills_writes_what_one_in_memory_writes(
        tmp_path: Path, example_weekly: Path, synced_in_memory: list[tuple[object, ...]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = synced_in_memory
    monkeypatch.setattr(scratch, "SPILL_AT", 5)
    logs = ContactLogs(load(example_weekly, config=Config()))
    assert any(isinstance(r, ContactLog) for r in logs.records())
    assert logs.spilled
    with SqliteStore(tmp_path / "disk.db") as store:
        report, _ = sync_path(store, example_weekly, config=Config())
        assert report.status == "ok"
        assert list(store.dump()) == expected


def test_incremental_slices_merged_on_disk_add_up_to_a_full_sync(
        tmp_path: Path, example_weekly: Path, synced_in_memory: list[tuple[object, ...]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    expected = synced_in_memory
    monkeypatch.setattr(scratch, "SPILL_AT", 5)
    slices = slice_export(example_weekly, tmp_path / "slices",
                          [date(2026, 3, 1), date(2026, 8, 15)])
    with SqliteStore(tmp_path / "inc.db") as inc:
        sync_path(inc, slices[0], config=Config())
        for folder in slices[1:]:
            report, _ = sync_path(inc, folder, incremental=True, config=Config())
            assert report.status == "ok" and report.rejects == []
        assert list(inc.dump()) == expected
