"""Records survive the trip through a store's JSON unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from kamgraph.model import (
    Account,
    Channel,
    CustomerRole,
    Frequency,
    InfluenceLine,
    Level,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Record,
    Relationship,
    Side,
    Stance,
    SupplierRole,
    TeamMember,
    Touch,
    record_from_dict,
)

RECORDS: list[Record] = [
    Account(id="A", name="Acme", attractiveness="high", position="weak", revenue=1.5e6),
    Person(id="P", side=Side.CUSTOMER, name="Cy", account_id="A", level=Level.VP,
           roles=(CustomerRole.COACH, CustomerRole.USER), stance=Stance.SKEPTIC,
           influence=0.4, capacity=None),
    Person(id="U", side=Side.SUPPLIER, name="Us", active=False, capacity=4),
    TeamMember(account_id="A", person_id="U", role=SupplierRole.KEY_ACCOUNT_MANAGER),
    InfluenceLine(account_id="A", source_id="P", target_id="Q", weight=0.5),
    Opportunity(id="O", account_id="A", name="Deal", close_date=date(2026, 1, 2)),
    OpportunityRole(id="R", account_id="A", opportunity_id="O", person_id="P",
                    roles=(CustomerRole.ECONOMIC_BUYER,), is_primary=None),
    Touch(activity_id="T", account_id="A", supplier_id="U", customer_id="P",
          day=date(2026, 3, 4), channel=Channel.CALL, outcome=Outcome.UNANSWERED),
    Relationship(account_id="A", supplier_id="U", customer_id="P",
                 frequency=Frequency.MONTHLY, level="problem_solver",
                 desired_level="trusted_advisor", last_contact=date(2026, 5, 6)),
]


@pytest.mark.parametrize("record", RECORDS, ids=[r.kind for r in RECORDS])
def test_round_trip(record: Record) -> None:
    assert record_from_dict(record.kind, record.to_dict()) == record
