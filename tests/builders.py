"""Small hand-built accounts for analysis tests, through the real graph builder."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import networkx as nx

from kamgraph.config import Config
from kamgraph.graph import build_account_graph
from kamgraph.model import (
    Account,
    Channel,
    CustomerRole,
    InfluenceLine,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Record,
    Side,
    Stance,
    SupplierRole,
    TeamMember,
    Touch,
)
from kamgraph.stores.base import AccountData, Stored

AS_OF = date(2026, 11, 1)
_ids = count(1)


class AccountBuilder:
    """Build an account record by record; ``graph()`` runs the real graph builder."""

    def __init__(self, account_id: str = "ACC", name: str = "Acme") -> None:
        self.account = Account(id=account_id, name=name)
        self.items: list[Stored] = [Stored(self.account)]
        self.opportunity: str | None = None

    def add(self, record: Record, status: str = "active") -> AccountBuilder:
        self.items.append(Stored(record, status=status))
        return self

    def theirs(
        self, pid: str, title: str, *, roles: tuple[CustomerRole, ...] = (),
        reports_to: str | None = None, stance: Stance | None = None,
        influence: float | None = None, department: str | None = None, status: str = "active",
    ) -> AccountBuilder:
        self.add(Person(id=pid, side=Side.CUSTOMER, name=pid.title(), account_id=self.account.id,
                        title=title, department=department, reports_to=reports_to,
                        stance=stance, influence=influence), status)
        if roles:
            if self.opportunity is None:
                self.opportunity = "OPP"
                self.add(Opportunity(id="OPP", account_id=self.account.id, name="Deal"))
            self.add(OpportunityRole(id=f"R{next(_ids)}", account_id=self.account.id,
                                     opportunity_id=self.opportunity, person_id=pid, roles=roles))
        return self

    def ours(
        self, pid: str, title: str, *, active: bool = True,
        team_role: SupplierRole | None = None, department: str | None = None,
        manager: str | None = None, capacity_hours: float | None = None,
    ) -> AccountBuilder:
        self.add(Person(id=pid, side=Side.SUPPLIER, name=pid.title(), title=title,
                        department=department, active=active, reports_to=manager,
                        capacity_hours=capacity_hours))
        if team_role is not None:
            self.add(TeamMember(account_id=self.account.id, person_id=pid, role=team_role))
        return self

    def contact(
        self, ours: str, theirs: str, *, days_ago: int = 7, times: int = 1, every: int = 7,
        channel: Channel = Channel.MEETING, outcome: Outcome = Outcome.HELD, minutes: int = 60,
    ) -> AccountBuilder:
        """``times`` contacts, the latest ``days_ago`` days before AS_OF, ``every`` days apart."""
        for i in range(times):
            self.add(Touch(
                activity_id=f"A{next(_ids)}", account_id=self.account.id, supplier_id=ours,
                customer_id=theirs, day=AS_OF - timedelta(days=days_ago + i * every),
                channel=channel, outcome=outcome, minutes=minutes))
        return self

    def influences(self, source: str, target: str, weight: float = 1.0) -> AccountBuilder:
        return self.add(InfluenceLine(account_id=self.account.id, source_id=source,
                                      target_id=target, weight=weight))

    def data(self) -> AccountData:
        return AccountData(account=self.account, items=tuple(self.items))

    def graph(self, as_of: date = AS_OF, config: Config | None = None) -> nx.MultiDiGraph:
        return build_account_graph(self.data(), as_of, config or Config())


class RecordsLoader:
    """A loader of records already built: for what sits between a loader and a store
    (contact-log aggregation), and for seeding a store as an older kamgraph left it."""

    def __init__(self, records: list[Record], fmt: str = "salesforce") -> None:
        from kamgraph.loaders.base import LoadResult

        self.format = fmt
        self.items = records
        self.result = LoadResult(fmt, "records")

    def records(self) -> list[Record]:
        return list(self.items)

    def close(self) -> None:
        pass
