"""Hand-overs, roles left empty and newcomers, from two hand-built states of an account."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import networkx as nx

from kamgraph.analysis.findings import RoleVacatedData, Severity
from kamgraph.audit import audit_graph
from kamgraph.changes import account_changes, change_window
from kamgraph.config import Config
from kamgraph.graph import with_changes
from kamgraph.model import CustomerRole as R
from kamgraph.model import OpportunityRole, SupplierRole
from kamgraph.stores.base import SyncRun
from tests.builders import AS_OF, AccountBuilder

LEFT = date(2026, 10, 20)
KAM = SupplierRole.KEY_ACCOUNT_MANAGER


def base() -> AccountBuilder:
    return (AccountBuilder()
            .theirs("ceo", "CEO")
            .theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,), reports_to="ceo")
            .theirs("buyer", "Head of Purchasing", reports_to="cfo", department="Purchasing",
                    roles=(R.DECISION_MAKER,))
            .ours("lead", "Sales Director", team_role=SupplierRole.EXECUTIVE_SPONSOR,
                  department="Sales")
            .ours("ourcfo", "Chief Financial Officer")
            .ours("buyerpeer", "Key Account Director", department="Sales")
            .contact("lead", "ceo", times=6, every=10))


def story(then: nx.MultiDiGraph, now: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``now`` with what changed since ``then``, dated as if a run of LEFT saw it."""
    changes = [replace(c, run=2, day=LEFT) for c in account_changes(then, now, Config())]
    with_changes(now, changes, "since run 1")
    return now


def test_a_kam_who_left_the_team_hands_over_and_acts_no_more() -> None:
    before = base().ours("kam", "Key Account Manager", team_role=KAM, department="Sales") \
        .contact("kam", "buyer", times=12, every=7, days_ago=14)
    after = base().ours("kam", "Key Account Manager", department="Sales") \
        .contact("kam", "buyer", times=12, every=7, days_ago=14)
    g = story(before.graph(), after.graph())
    assert [c.kind for c in context_changes(g)] == ["left_team"]
    audit = audit_graph(g, Config())
    [hand_over] = [f for f in audit.findings if f.kind == "hand_over"]
    assert hand_over.subject.id == "buyer" and hand_over.data.left == "kam"  # type: ignore[union-attr]
    assert hand_over.evidence[1] == ("Kam with Buyer: strength 0.85 (regular), monthly, last "
                                     "two-way contact 2026-10-18")
    assert "kam" not in set(audit.parts())
    action = audit.action_for("buyer")
    assert action is not None and action.subject.id == "buyer"
    assert "takes over Kam's relationship with Buyer" in action.action


def context_changes(g: nx.MultiDiGraph) -> list[object]:
    from kamgraph.graph import context

    return list(context(g).changes)


def test_a_hand_over_ends_once_someone_still_here_has_met_them_since() -> None:
    before = base().ours("kam", "Key Account Manager", team_role=KAM) \
        .contact("kam", "buyer", times=12, every=7, days_ago=14)
    after = base().ours("kam", "Key Account Manager", team_role=KAM, active=False) \
        .contact("kam", "buyer", times=12, every=7, days_ago=14)
    pending = story(before.graph(), after.graph())
    assert any(f.kind == "hand_over" for f in audit_graph(pending, Config()).findings)
    met = story(before.graph(), after.contact("buyerpeer", "buyer", days_ago=3).graph())
    assert not any(f.kind == "hand_over" for f in audit_graph(met, Config()).findings)


def test_the_economic_buyers_role_is_vacant_until_someone_holds_it() -> None:
    before = base()
    gone = (AccountBuilder().theirs("ceo", "CEO")
            .theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,), reports_to="ceo",
                    status="inactive")
            .theirs("buyer", "Head of Purchasing", reports_to="ceo", department="Purchasing",
                    roles=(R.DECISION_MAKER,))
            .theirs("newcfo", "Chief Financial Officer", reports_to="ceo")
            .ours("lead", "Sales Director", team_role=SupplierRole.EXECUTIVE_SPONSOR)
            .contact("lead", "ceo", times=6, every=10))
    g = story(before.graph(), gone.graph())
    audit = audit_graph(g, Config())
    [vacant] = [f for f in audit.findings if f.kind == "role_vacated"]
    assert isinstance(vacant.data, RoleVacatedData)
    assert vacant.data.person == "cfo" and vacant.data.roles == ("economic_buyer",)
    assert vacant.data.likely == ("newcfo",) and "is it Newcfo?" in vacant.action
    [new] = [f for f in audit.findings if f.kind == "new_key_person"]
    assert new.subject.id == "newcfo" and new.severity is Severity.HIGH
    assert "cfo" not in set(audit.parts())

    # The newcomer is recorded as economic buyer on the deal: nothing is vacant.
    held = gone.add(OpportunityRole(
        id="R-new", account_id="ACC", opportunity_id="OPP", person_id="newcfo",
        roles=(R.ECONOMIC_BUYER,)))
    filled = story(before.graph(), held.graph())
    assert not any(f.kind == "role_vacated" for f in audit_graph(filled, Config()).findings)


def test_a_newcomer_someone_already_meets_needs_no_action_of_their_own() -> None:
    before = base()
    after = base().theirs("coo", "Chief Operating Officer", reports_to="ceo") \
        .contact("lead", "coo", times=3, every=7)
    g = story(before.graph(), after.graph())
    assert not any(f.kind == "new_key_person" for f in audit_graph(g, Config()).findings)


def _run(i: int, day: date) -> SyncRun:
    return SyncRun(id=i, source="crm", format="salesforce", mode="full",
                   started=datetime.combine(day, datetime.min.time()), finished=None,
                   status="ok", counts={}, error=None)


def test_the_window_starts_at_the_last_run_before_it() -> None:
    runs = [_run(1, date(2026, 9, 1)), _run(2, date(2026, 10, 1)), _run(3, date(2026, 10, 20)),
            _run(4, date(2026, 10, 30))]
    window = change_window(runs, AS_OF, 30)
    assert window.baseline is not None and window.baseline.id == 2
    assert [r.id for r in window.runs] == [3, 4] and window.day_of(3) == date(2026, 10, 20)
    # Every run inside the window: the first (of the one source) is the baseline.
    assert change_window(runs[2:], AS_OF, 30).baseline.id == 3  # type: ignore[union-attr]
    # The window passed: nothing after the baseline.
    late = change_window(runs, date(2026, 12, 31), 30)
    assert late.baseline.id == 4 and late.runs == ()  # type: ignore[union-attr]
    # --since names the baseline.
    assert change_window(runs, AS_OF, 30, since="1").baseline.id == 1  # type: ignore[union-attr]
    assert change_window(runs, AS_OF, 30, since="2026-10-25").baseline.id == 3  # type: ignore[union-attr]


def test_with_every_run_in_the_window_each_sources_first_load_is_the_start() -> None:
    runs = [_run(1, date(2026, 10, 20)), replace(_run(2, date(2026, 10, 20)), source="facts"),
            _run(3, date(2026, 10, 25))]
    window = change_window(runs, AS_OF, 30)
    assert window.baseline is not None and window.baseline.id == 2
    assert [r.id for r in window.runs] == [3]
