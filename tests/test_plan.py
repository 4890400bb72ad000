"""The account development plan: a document a KAM reads, at any account size."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kamgraph.audit import audit_graph
from kamgraph.config import Config
from kamgraph.generate import account_of_size
from kamgraph.graph import build_account_graph
from kamgraph.model import Account, Opportunity, SupplierRole
from kamgraph.plan import AccountView, account_plan
from kamgraph.portfolio import Portfolio
from kamgraph.records import Stored
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.builders import AccountBuilder

AS_OF = date(2026, 11, 1)


def test_a_big_accounts_plan_lists_its_decision_making_unit_not_everyone() -> None:
    graph = build_account_graph(account_of_size(500), AS_OF, Config())
    audit = audit_graph(graph, Config())
    plan = account_plan(AccountView(graph, audit), Config())
    dmu = plan.split("## Decision-making unit (theirs)")[1].split("## ")[0]
    rows = [line for line in dmu.splitlines() if line.startswith("| ")][1:]
    theirs = [n for n, d in graph.nodes(data=True) if d["side"] == "customer" and d["active"]]
    [rest] = re.findall(r"… and ([\d,]+) more people of theirs", dmu)
    # Everyone is accounted for, and the table is a small part of them.
    assert len(rows) + int(rest.replace(",", "")) == len(theirs)
    assert len(rows) < len(theirs) / 3
    # Whoever an action names, or who is key, is in it.
    listed = {row.split(" | ")[0].removeprefix("| ") for row in rows}
    for person in audit.parts():
        if person in theirs:
            assert graph.nodes[person]["name"] in listed
    for action in audit.actions:
        if action.subject.type == "person" and action.subject.id in theirs:
            assert action.subject.name in listed


# --- What the plan opens with ---------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HOSTILE = "<script>alert(1)</script> | *x*"


def section(plan: str, title: str) -> str:
    """The text of one ``## title`` section."""
    return plan.split(f"## {title}\n")[1].split("\n## ")[0]


def table(text: str) -> list[list[str]]:
    """A Markdown table's body rows, as cells."""
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    return [[c.strip() for c in row.strip("|").split(" | ")] for row in rows]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo's plans (``make demo``): the Salesforce example, then the facts overlay."""
    path = tmp_path_factory.mktemp("demo") / "kamgraph.db"
    with SqliteStore(path) as store:
        sync_path(store, EXAMPLES / "salesforce", config=Config())
        sync_path(store, EXAMPLES / "facts", fmt="csv", config=Config())
        portfolio = Portfolio(store, as_of=AS_OF, config=Config())
        return {name: portfolio.account(name).plan() for name in ("Acme Foods", "Cordillera")}


def test_the_demo_plan_opens_with_objectives_competitors_and_needs(
        demo: dict[str, str]) -> None:
    plan = demo["Acme Foods"]
    heads = [line for line in plan.splitlines() if line.startswith("## ")]
    assert heads[:6] == ["## Objectives", "## Since the last plan", "## Competitors",
                         "## Business needs", "## Open deals", "## Where we stand"]
    # The demo syncs once: nothing was asked before, and the plan says when it will be.
    assert section(plan, "Since the last plan").strip().startswith(
        "No plan was kept before this one")
    objectives = section(plan, "Objectives")
    assert "**Revenue target:** 2,400,000 a year" in objectives
    assert "**Share of wallet target:** 35%" in objectives
    assert "**Stage:** Early KAM now, target Partnership KAM" in objectives
    assert "**Review date:** 2027-03-31 (in 150 days)" in objectives
    assert "not recorded" not in plan.split("## Open deals")[0].lower()
    assert section(plan, "Competitors").split() == [
        "-", "Nordic", "Process", "Systems", "-", "Vantage", "Automation"]
    assert "- R&D support for the plant-based range" in section(plan, "Business needs")


def test_the_demo_plan_lists_open_deals_with_amounts_close_dates_and_roles(
        demo: dict[str, str]) -> None:
    [deal] = table(section(demo["Acme Foods"], "Open deals"))
    assert deal[:4] == ["Acme 2027 supply agreement", "673,000", "Negotiation/Review",
                        "2026-12-31"]
    assert deal[4] == "Decision Maker: Priya Raman"
    assert "Economic Buyer: Oskar Lindqvist" in deal[5]
    assert "Coach or Champion: nobody named" in deal[5]


def test_the_target_map_holds_every_pair_an_action_asks_for_at_its_cadence(
        demo: dict[str, str]) -> None:
    plan = demo["Acme Foods"]
    pairs = {(r[0], r[1]): r for r in table(section(plan, "Target relationship map"))}
    assert pairs[("Helen Park", "Oskar Lindqvist")][2:] == [
        "C-level", "none", "quarterly", "1", "1"]
    assert pairs[("Omar Haddad", "Hannah Becker")][4] == "monthly"
    # Each action's expected result names its people, and a meeting it expects is mapped.
    for action in table(section(plan, "Action list")):
        result = action[-1]
        assert result, action
        for ours, theirs, cadence in re.findall(
                r"(?:^|; )([^;:,]+?) meets (.+?) at least (\w+)", result):
            assert pairs[(ours, theirs)][4] == cadence
    budget = section(plan, "Effort budget")
    assert "at least 60 h a year" in budget
    assert "4 new relationships" in budget


def test_the_demo_account_without_objectives_says_so_once_each(demo: dict[str, str]) -> None:
    plan = demo["Cordillera"]
    for title, columns in (("Objectives", "`revenue_target`, `share_of_wallet_target`, "
                                          "`target_stage`, `review_date`"),
                           ("Competitors", "`competitors`"),
                           ("Business needs", "`business_needs`")):
        text = section(plan, title)
        assert text.lower().count("not recorded") == 1, text
        assert f"`accounts.csv`, column{'s' if ',' in columns else ''} {columns}" in text


def bare_account(name: str = "Bare Co", **objectives: object) -> AccountBuilder:
    """An account with one person of theirs and one of ours, and nothing else recorded:
    no objectives, no deal, no durations, no portfolio cell."""
    builder = AccountBuilder(name=name)
    builder.account = Account(id="ACC", name=name, **objectives)  # type: ignore[arg-type]
    builder.items[0] = Stored(builder.account)
    return (builder.theirs("ceo", "CEO").ours("kam", "Key Account Manager",
                                               team_role=SupplierRole.KEY_ACCOUNT_MANAGER)
            .contact("kam", "ceo", minutes=0))


def plan_of(builder: AccountBuilder) -> str:
    graph = builder.graph()
    return account_plan(AccountView(graph, audit_graph(graph, Config())), Config())


def test_an_account_with_nothing_recorded_says_not_recorded_once_per_source() -> None:
    plan = plan_of(bare_account())
    said = {title: section(plan, title).lower().count("not recorded")
            for title in ("Objectives", "Competitors", "Business needs", "Open deals",
                          "Effort budget")}
    # The effort budget misses two sources: durations of activities, the portfolio cell.
    assert said == {"Objectives": 1, "Competitors": 1, "Business needs": 1,
                    "Open deals": 1, "Effort budget": 2}
    assert plan.lower().count("not recorded") == sum(said.values())
    assert "/" not in section(plan, "Objectives")  # the overlay's file, not a machine path


def test_objectives_partly_recorded_name_only_what_is_missing() -> None:
    plan = plan_of(bare_account(revenue_target=500_000.0, review_date=date(2026, 10, 1)))
    objectives = section(plan, "Objectives")
    assert "**Revenue target:** 500,000 a year" in objectives
    assert "**Review date:** 2026-10-01 (passed 31 days ago)" in objectives
    assert ("- Not recorded: share of wallet target, target stage (the kamgraph CSV "
            "overlay's `accounts.csv`, columns `share_of_wallet_target`, `target_stage`)."
            in objectives)
    assert objectives.lower().count("not recorded") == 1


def test_crm_strings_in_the_opening_are_escaped() -> None:
    builder = bare_account(HOSTILE, competitors=(HOSTILE,), business_needs=("R&D & more",))
    builder.add(Opportunity(id="O1", account_id="ACC", name=HOSTILE, stage="<b>Open</b>",
                            amount=1000.0, close_date=date(2026, 12, 1)))
    plan = plan_of(builder)
    assert "<script" not in plan and "<b>" not in plan
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*" in section(plan, "Competitors")
    assert "- R&D & more" in section(plan, "Business needs")
    [deal] = table(section(plan, "Open deals"))
    assert deal[:3] == ["&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\*", "1,000",
                        "&lt;b&gt;Open&lt;/b&gt;"]
