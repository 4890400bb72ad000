"""Map status and red flags on small graphs."""

from __future__ import annotations

from kamgraph.analysis.red_flags import map_status, map_status_findings, red_flags
from kamgraph.config import Config
from kamgraph.model import CustomerRole, Opportunity, OpportunityRole, Stance
from tests.builders import AccountBuilder

R = CustomerRole
C = Config()


def status_of(b: AccountBuilder) -> int:
    graph = b.graph()
    people = [n for n, d in graph.nodes(data=True) if d["side"] == "customer"]
    return map_status(graph, people, {}, C)[0]


def test_map_status_climbs_from_zero_to_three() -> None:
    assert status_of(AccountBuilder()) == 0
    assert status_of(AccountBuilder().theirs("eng", "Engineer")) == 1
    b = AccountBuilder().theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,))
    assert status_of(b) == 2
    b.ours("kam", "KAM").contact("kam", "cfo")
    assert status_of(b) == 2  # covered, but not supportive
    b = (AccountBuilder().theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,),
                                 stance=Stance.SUPPORTER)
         .ours("kam", "KAM").contact("kam", "cfo"))
    assert status_of(b) == 3


def test_minimum_committee_named_and_covered_means_no_finding() -> None:
    b = (AccountBuilder()
         .theirs("ceo", "CEO", roles=(R.EXECUTIVE_SPONSOR,))
         .theirs("cfo", "CFO", roles=(R.DECISION_MAKER,), stance=Stance.CHAMPION)
         .ours("kam", "KAM").contact("kam", "ceo").contact("kam", "cfo"))
    assert map_status_findings(b.graph(), Config()) == []
    b = b.theirs("cio", "CIO")
    b.items = [s for s in b.items if not (s.record.kind == "touch"
                                          and s.record.customer_id == "ceo")]  # type: ignore[attr-defined]
    findings = map_status_findings(b.graph(), Config())
    assert {f.subject.type for f in findings} == {"account", "opportunity"}
    assert all(f.data.missing == ("executive sponsor",) for f in findings)  # type: ignore[union-attr]


def test_red_flags_on_an_open_deal() -> None:
    b = (AccountBuilder()
         .theirs("eb", "CFO").theirs("user", "Engineer")
         .ours("kam", "KAM").contact("kam", "user", times=3))
    b.add(Opportunity(id="O1", account_id="ACC", name="Big deal", amount=450_000))
    b.add(OpportunityRole(id="R1", account_id="ACC", opportunity_id="O1", person_id="eb",
                          roles=(R.ECONOMIC_BUYER,)))
    b.add(OpportunityRole(id="R2", account_id="ACC", opportunity_id="O1", person_id="user",
                          roles=(R.USER,)))
    texts = [" ".join(f.evidence) for f in red_flags(b.graph(), Config())]
    assert "uncovered buying influence on Big deal: Eb (CFO), Economic Buyer, has no active " \
        "relationship with us" in texts
    assert any("no coach or champion on Big deal" in t for t in texts)
    assert any("1 of its people is covered, 4 wanted" in t for t in texts)
    assert any("economic buyer Eb (CFO) not met" in t for t in texts)


def test_a_key_person_gone_quiet() -> None:
    b = (AccountBuilder().theirs("vp", "VP Operations").ours("kam", "KAM")
         .contact("kam", "vp", days_ago=40, times=6, every=10))
    [flag] = red_flags(b.graph(), Config())
    assert "has gone quiet: no two-way contact for 40 days after 6" in flag.evidence[0]
    steady = (AccountBuilder().theirs("vp", "VP Operations").ours("kam", "KAM")
              .contact("kam", "vp", days_ago=3, times=6, every=10))
    assert red_flags(steady.graph(), Config()) == []


def test_a_role_of_other_is_not_repeated_as_a_label() -> None:
    b = AccountBuilder().theirs("x", "Senior Buyer").ours("kam", "KAM")
    b.add(Opportunity(id="O1", account_id="ACC", name="Big deal", amount=50_000))
    b.add(OpportunityRole(id="R1", account_id="ACC", opportunity_id="O1", person_id="x",
                          roles=(R.OTHER,)))
    assert "uncovered buying influence on Big deal: X (Senior Buyer) has no active " \
        "relationship with us" in {f.evidence[0] for f in red_flags(b.graph(), Config())}
