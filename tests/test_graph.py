"""The networkx view: attributes every analysis reads, computed as of a date."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kamgraph.graph import CONTACT, INFLUENCES, REPORTS_TO, context, frequency_class
from kamgraph.model import (
    Channel,
    CustomerRole,
    Frequency,
    Outcome,
    Person,
    Relationship,
    Side,
    SupplierRole,
)
from tests.builders import AS_OF, AccountBuilder


@pytest.mark.parametrize(("contacts", "expected"), [
    (0, Frequency.NONE), (1, Frequency.OCCASIONALLY), (2, Frequency.OCCASIONALLY),
    (3, Frequency.MONTHLY), (12, Frequency.MONTHLY), (13, Frequency.WEEKLY),
    (25, Frequency.WEEKLY), (26, Frequency.TWICE_WEEKLY),
])
def test_frequency_classes_over_ninety_days(contacts: int, expected: Frequency) -> None:
    assert frequency_class(contacts, 90) is expected


def test_contact_edge_aggregates_by_channel_and_window() -> None:
    b = (AccountBuilder().theirs("c", "Buyer").ours("s", "KAM")
         .contact("s", "c", days_ago=1, times=13, every=7)  # weekly for a quarter
         .contact("s", "c", days_ago=100, times=2, channel=Channel.CALL, minutes=20)
         .contact("s", "c", days_ago=3, channel=Channel.MEETING, outcome=Outcome.DECLINED)
         .contact("s", "c", days_ago=4, channel=Channel.CALL, outcome=Outcome.UNANSWERED))
    edge = b.graph().edges["s", "c", CONTACT]
    assert (edge["meetings"], edge["calls"], edge["emails"]) == (13, 2, 0)
    assert (edge["recent"], edge["previous"]) == (13, 2)
    assert edge["frequency"] == "weekly"
    assert (edge["declined"], edge["unanswered"]) == (1, 1)
    assert edge["last_contact"] == AS_OF - timedelta(days=1)
    assert edge["minutes_12m"] == 13 * 60 + 2 * 20
    assert edge["active"] and edge["source"] == "derived"


def test_activity_after_as_of_is_ignored() -> None:
    b = AccountBuilder().theirs("c", "Buyer").ours("s", "KAM").contact("s", "c", days_ago=1)
    earlier = b.graph(as_of=AS_OF - timedelta(days=30))
    assert not earlier.has_edge("s", "c", CONTACT)


def test_relationships_held_by_people_who_left_are_not_active() -> None:
    b = (AccountBuilder().theirs("c", "Buyer").ours("s", "KAM", active=False)
         .contact("s", "c", days_ago=1))
    graph = b.graph()
    assert graph.nodes["s"]["status"] == "departed"
    edge = graph.edges["s", "c", CONTACT]
    assert edge["current"] and not edge["active"]


def test_recorded_relationship_is_layered_over_activity() -> None:
    b = (AccountBuilder().theirs("c", "Buyer").ours("s", "KAM")
         .contact("s", "c", days_ago=200)
         .add(Relationship(account_id="ACC", supplier_id="s", customer_id="c",
                           frequency=Frequency.MONTHLY, sentiment=-0.5)))
    edge = b.graph().edges["s", "c", CONTACT]
    assert edge["source"] == "recorded+derived"
    assert edge["frequency"] == "monthly" and edge["sentiment"] == -0.5
    # The activity is stale; the recorded frequency has no date, so the dated fact wins.
    assert not edge["active"]


def test_roles_from_opportunities_and_levels_from_titles() -> None:
    b = AccountBuilder().theirs("c", "Gerente General", roles=(CustomerRole.ECONOMIC_BUYER,))
    node = b.graph().nodes["c"]
    assert node["roles"] == ("economic_buyer",)
    assert (node["level"], node["level_rank"]) == ("c_level", 6)
    assert node["function"] == "senior_management"


def test_reports_to_and_influence_lines_with_repairs_counted() -> None:
    b = (AccountBuilder().theirs("boss", "CEO").theirs("a", "Buyer", reports_to="boss")
         .theirs("b", "Buyer", reports_to="b")  # reports to themselves
         .theirs("x", "Buyer", reports_to="someone-at-another-account")
         .influences("a", "boss").influences("a", "nobody")
         .ours("s", "KAM", team_role=SupplierRole.KEY_ACCOUNT_MANAGER))
    graph = b.graph()
    assert graph.has_edge("a", "boss", REPORTS_TO)
    assert graph.has_edge("a", "boss", INFLUENCES)
    assert graph.nodes["s"]["team_roles"] == ("key_account_manager",)
    assert context(graph).repairs == {
        "people reporting to themselves": 1,
        "reports-to naming someone outside the account": 1,
        "influence lines naming someone outside the account": 1,
    }


def test_people_of_other_accounts_and_deleted_people_stay_out() -> None:
    b = AccountBuilder().theirs("c", "Buyer")
    b.add(Person(id="other", side=Side.CUSTOMER, name="O", account_id="ELSEWHERE"))
    b.add(Person(id="gone", side=Side.CUSTOMER, name="G", account_id="ACC"), status="deleted")
    assert set(b.graph().nodes) == {"c"}


def test_reports_to_cycles_are_broken_and_counted() -> None:
    b = (AccountBuilder().theirs("a", "CEO", reports_to="c").theirs("b", "CFO", reports_to="a")
         .theirs("c", "Controller", reports_to="b").theirs("d", "Buyer", reports_to="c"))
    graph = b.graph()
    chart = [(u, v) for u, v, k in graph.edges(keys=True) if k == REPORTS_TO]
    assert sorted(chart) == [("b", "a"), ("c", "b"), ("d", "c")]
    assert context(graph).repairs["reports-to cycles broken"] == 1
