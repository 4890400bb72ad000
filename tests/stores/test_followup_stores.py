"""The follow-up and the closures on both stores: the same statuses under the same ids,
closures kept and withdrawn, old follow-ups going as new ones come."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from kamgraph.audit import kept_followup
from kamgraph.followup import Closure, Followup
from kamgraph.stores.base import KEPT_FOLLOWUPS
from kamgraph.stores.neo4j import Neo4jStore
from kamgraph.stores.sqlite import SqliteStore
from tests.test_followup import DAY2, follow


def _statuses(followup: Followup) -> list[tuple[str, str, str, str | None]]:
    return sorted((e.id, e.status.value, e.given.isoformat(), e.why)
                  for e in followup.entries)


def test_neo4j_follows_up_as_the_embedded_store_does(neo4j_store: Neo4jStore,
                                                      tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "k.db") as embedded:
        expected = follow(embedded, tmp_path / "embedded")
    got = follow(neo4j_store, tmp_path / "bolt")
    assert [_statuses(f) for f in got] == [_statuses(f) for f in expected]
    assert {e.status.value for e in got[1].entries} >= {"done", "dropped", "overdue"}
    # A closure is kept, read back, applied to the follow-up, and withdrawn.
    target = next(e for e in got[1].entries if not e.status.resolved)
    neo4j_store.close_action(target.id, Closure("sold", DAY2, DAY2 + timedelta(days=30)).to_json())
    assert Closure.from_json(neo4j_store.closures()[target.id]).reason == "sold"
    closed = kept_followup(neo4j_store)
    assert closed is not None
    assert {e.id: e.status.value for e in closed.entries}[target.id] == "closed"
    assert neo4j_store.reopen_action(target.id) and not neo4j_store.reopen_action(target.id)
    assert neo4j_store.closures() == {}


def test_follow_ups_of_old_runs_go(neo4j_store: Neo4jStore, tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "k.db") as embedded:
        for store in (embedded, neo4j_store):
            store.keep_followup(1, "2026-11-01", "{}", "{}")
            store.keep_followup(KEPT_FOLLOWUPS, "2026-11-02", "{}", '{"a": 1}')
            assert [r for r, _ in store.kept_followups()][-1] == 1
            store.keep_followup(KEPT_FOLLOWUPS + 1, "2026-11-03", "{}", "{}")
            assert store.kept_followup(1) is None
            assert store.kept_progress(1) == [(KEPT_FOLLOWUPS + 1, "2026-11-03", "{}")]
            assert store.kept_followup(KEPT_FOLLOWUPS) == "{}"
    assert date.fromisoformat(neo4j_store.kept_followups()[0][1]) == date(2026, 11, 3)
