"""Contact logs kept per relationship and month: what an incremental export rewrites."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.config import Config
from kamgraph.logs import ContactLogs, by_month
from kamgraph.model import Channel, ContactLog, Outcome, Touch, record_from_dict
from kamgraph.stores.base import record_json
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.builders import RecordsLoader
from tests.test_incremental import read, write


def _contact_logs(store: SqliteStore) -> dict[str, ContactLog]:
    out = {}
    for kind, key, _source, _account, data, status, _since in store.dump():
        if kind == "contact_log" and status == "active":
            log = record_from_dict(kind, json.loads(data))
            assert isinstance(log, ContactLog)
            out[key] = log
    return out


def test_logs_are_split_by_calendar_month(tmp_path: Path, example_weekly: Path) -> None:
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, example_weekly, config=Config())
        logs = _contact_logs(store)
    assert logs
    per_pair = Counter((log.supplier_id, log.customer_id) for log in logs.values())
    assert max(per_pair.values()) > 1  # a relationship over several months
    for key, log in logs.items():
        assert key == f"{log.supplier_id}|{log.customer_id}|{log.month}"
        assert log.entries and {f"{e[0]:%Y-%m}" for e in log.entries} == {log.month}
        assert list(log.entries) == sorted(log.entries, key=lambda e: (e[0], e[4]))


def test_by_month_keeps_each_month_sorted() -> None:
    entries = ((date(2026, 1, 31), "call", "held", 5, "b"), (date(2026, 2, 1), "email", "sent",
               0, "a"), (date(2026, 2, 1), "call", "held", 3, "c"))
    assert by_month(entries) == {"2026-01": entries[:1], "2026-02": entries[1:]}


def test_an_activity_moved_to_another_month_leaves_the_old_months_log(
        tmp_path: Path, example_weekly: Path) -> None:
    """An incremental export re-dating a task: the stored result equals a full sync of the
    changed export, and only the two months' logs were written."""
    header, rows = read(example_weekly / "Task.csv")
    day, who = (header.index(c) for c in ("ActivityDate", "WhoId"))
    row = next(r for r in rows if r[day][:7] == "2026-03" and r[who].startswith("003"))
    moved = [*row]
    moved[day] = "2026-07-15"
    changed = tmp_path / "changed"
    changed.mkdir()
    for path in example_weekly.iterdir():
        (changed / path.name).write_bytes(path.read_bytes())
    write(changed / "Task.csv", header, [moved if r is row else r for r in rows])
    incremental = tmp_path / "incremental"
    write(incremental / "Task.csv", [*header, "LastModifiedDate"],
          [[*moved, "2026-11-02 06:00:00"]])

    with SqliteStore(tmp_path / "full.db") as full:
        sync_path(full, changed, config=Config())
        expected = list(full.dump())
    with SqliteStore(tmp_path / "inc.db") as inc:
        sync_path(inc, example_weekly, config=Config())
        before = _contact_logs(inc)
        report, _ = sync_path(inc, incremental, incremental=True, config=Config())
        assert report.status == "ok" and report.rejects == []
        after = _contact_logs(inc)
        assert list(inc.dump()) == expected
    rewritten = {k for k in after.keys() | before.keys()
                 if after.get(k) != before.get(k)}
    assert {k.rsplit("|", 1)[1] for k in rewritten} == {"2026-03", "2026-07"}
    assert len({k.rsplit("|", 1)[0] for k in rewritten}) == 1  # the task's pair alone
    assert report.counts["inserted"] + report.counts["updated"] == len(rewritten)


def test_a_whole_relationship_log_from_before_months_is_replaced(tmp_path: Path,
                                                                 example_weekly: Path) -> None:
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, example_weekly, config=Config())
        logs = _contact_logs(store)
        some = next(iter(logs.values()))
        pair = (some.supplier_id, some.customer_id)
        months = [log for log in logs.values() if (log.supplier_id, log.customer_id) == pair]
        whole = ContactLog(account_id=some.account_id, supplier_id=pair[0],
                           customer_id=pair[1],
                           entries=tuple(e for log in months for e in log.entries))
        # The store as an older version left it: the pair's history in one log.
        store.sync(RecordsLoader([whole, *(ContactLog(account_id=log.account_id,
                                               supplier_id=log.supplier_id,
                                               customer_id=log.customer_id, entries=(),
                                               month=log.month) for log in months)]),
                   source="salesforce", mode="incremental")
        # One new activity for the pair arrives incrementally.
        new = Touch(activity_id="00TNEW000000001AAA", account_id=some.account_id,
                    supplier_id=pair[0], customer_id=pair[1], day=date(2026, 10, 30),
                    channel=Channel.CALL, outcome=Outcome.HELD, minutes=12)
        logs_in = ContactLogs(RecordsLoader([new]),  # type: ignore[arg-type]
                              lambda pairs: store.contact_logs("salesforce", pairs))
        out = [r for r in logs_in.records() if isinstance(r, ContactLog)]
        by_key = {log.key(): log for log in out}
        assert by_key[f"{pair[0]}|{pair[1]}"].entries == ()  # the whole log, emptied
        written = [e for log in out for e in log.entries]
        assert sorted(written) == sorted([*whole.entries, (new.day, "call", "held", 12,
                                                            new.activity_id)])
        assert all(log.month for log in out if log.entries)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(ids=st.tuples(_TEXT, _TEXT, _TEXT), month=st.one_of(st.just(""), st.just("2026-03"), _TEXT),
       entries=st.lists(st.tuples(
           st.dates(), st.sampled_from([*Channel, "call", 'e"x\\']),
           st.sampled_from([*Outcome, "held", "\u00e9"]),
           st.one_of(st.integers(-10**20, 10**20), st.booleans(), st.floats(allow_nan=False)),
           _TEXT), max_size=6))
def test_a_log_is_stored_as_the_general_encoder_writes_it(
        ids: tuple[str, str, str], month: str,
        entries: list[tuple[date, str, str, int, str]]) -> None:
    """Contact logs are written by a direct writer, for speed: the bytes, and so the
    stored hashes, must be those of the dict every other record goes through."""
    log = ContactLog(account_id=ids[0], supplier_id=ids[1], customer_id=ids[2],
                     entries=tuple(entries), month=month)
    general = json.dumps(log.to_dict(), sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"))
    assert record_json(log) == general
