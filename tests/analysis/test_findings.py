"""Each analysis on small hand-built accounts with known answers, and its invariants."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.analysis.anti_sponsor import anti_sponsor_scores, likely_anti_sponsors
from kamgraph.analysis.committee import committee_findings
from kamgraph.analysis.effort import coverage_effort
from kamgraph.analysis.findings import PlacementData
from kamgraph.analysis.influence import derived_influence, hidden_influencers
from kamgraph.analysis.key_person import key_person_losses, key_person_risks
from kamgraph.analysis.mirror import mirror_assignments, mirror_findings
from kamgraph.analysis.portfolio import portfolio_placement
from kamgraph.analysis.relmap import relationship_map
from kamgraph.analysis.stage import StageName, classify_stage
from kamgraph.analysis.threads import single_threads
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import (
    Account,
    Channel,
    CustomerRole,
    Opportunity,
    OpportunityRole,
    Outcome,
    Relationship,
    Stance,
    SupplierRole,
)
from kamgraph.stores.base import Stored
from tests.builders import AccountBuilder

R = CustomerRole
KAM = SupplierRole.KEY_ACCOUNT_MANAGER


def bowtie() -> AccountBuilder:
    """Our KAM and their buyer carry everything; the CFO decides."""
    return (AccountBuilder()
            .theirs("cfo", "Chief Financial Officer", roles=(R.ECONOMIC_BUYER,))
            .theirs("buyer", "Head of Purchasing", reports_to="cfo",
                    roles=(R.DECISION_MAKER,), department="Purchasing")
            .theirs("qa", "Quality Engineer", department="Quality")
            .ours("kam", "Key Account Manager", team_role=KAM, department="Sales")
            .contact("kam", "buyer", times=12, every=7))


def diamond() -> AccountBuilder:
    """Relationships at every level, each key person reached by two of ours."""
    b = (AccountBuilder()
         .theirs("ceo", "CEO", roles=(R.ECONOMIC_BUYER,))
         .theirs("cto", "CTO", reports_to="ceo", roles=(R.DECISION_MAKER,))
         .theirs("pur", "Purchasing Director", reports_to="ceo", department="Purchasing",
                 roles=(R.TECHNICAL_BUYER,))
         .theirs("qd", "Quality Director", reports_to="ceo", department="Quality")
         .theirs("ops", "Operations Director", reports_to="ceo", department="Operations",
                 stance=Stance.CHAMPION)
         .ours("boss", "Chief Executive Officer", team_role=SupplierRole.EXECUTIVE_SPONSOR)
         .ours("ourcto", "Chief Technology Officer", department="Technical Service")
         .ours("kam", "Key Account Director", team_role=KAM, department="Sales")
         .ours("ts", "Director Technical Service", department="Technical Service")
         .ours("ops_us", "Operations Director", department="Operations"))
    pairs = [("boss", "ceo"), ("kam", "ceo"), ("ourcto", "cto"), ("kam", "cto"),
             ("kam", "pur"), ("boss", "pur"), ("ts", "qd"), ("ourcto", "qd"),
             ("ops_us", "ops"), ("ts", "ops")]
    for ours, theirs in pairs:
        b.contact(ours, theirs, times=4, every=14)
    return b


class TestSingleThreads:
    def test_bowtie_account_and_its_key_person(self) -> None:
        findings = single_threads(bowtie().graph(), Config())
        subjects = {(f.subject.type, f.subject.id) for f in findings}
        assert subjects == {("account", "ACC"), ("person", "buyer")}
        account = next(f for f in findings if f.subject.type == "account")
        assert any("every active link runs through Kam" in e for e in account.evidence)
        assert account.evidence[0] == ("1 active relationship at Acme between 1 of ours and 1 "
                                       "of theirs")

    def test_diamond_has_no_single_threads(self) -> None:
        assert single_threads(diamond().graph(), Config()) == []


class TestKeyPersonRisk:
    def test_cut_vertex_explains_who_is_cut_off(self) -> None:
        b = diamond().theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,)).contact("kam", "cfo")
        b.theirs("rnd", "R&D Director", department="R&D").contact("kam", "rnd")
        [finding] = key_person_risks(b.graph(), Config(key_person_risk_threshold=0.1))
        assert finding.subject.id == "kam"
        assert any("cut off: Cfo (CFO), Rnd (R&D Director)" in e for e in finding.evidence)
        assert "Kam is a cut point of the relationship graph: 2 of the 7 people we reach hang " \
            "on Kam alone" in finding.evidence

    def test_the_one_person_we_reach_is_said_in_the_singular(self) -> None:
        b = (AccountBuilder().theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,))
             .ours("kam", "KAM").contact("kam", "cfo", times=10))
        [finding] = key_person_risks(b.graph(), Config())
        assert finding.evidence[-1] == ("Kam is a cut point of the relationship graph: the "
                                        "one person we reach hangs on Kam alone")

    def test_departed_kam_counts_for_nothing_and_the_rep_carries_the_risk(self) -> None:
        b = (bowtie().ours("rep", "Sales Rep", team_role=SupplierRole.SALES)
             .contact("rep", "cfo"))
        b.items = [s for s in b.items if not (s.record.kind == "person"
                                              and s.record.key() == "kam")]
        b.ours("kam", "Key Account Manager", active=False, team_role=KAM)
        losses = key_person_losses(b.graph(), Config())
        assert [(loss.person, loss.share) for loss in losses] == [("rep", 1.0)]

    def test_diamond_has_no_key_person_risk(self) -> None:
        assert key_person_risks(diamond().graph(), Config()) == []


def detractor_next_to_engaged_senior() -> AccountBuilder:
    b = (AccountBuilder()
         .theirs("qd", "Quality Director", roles=(R.DECISION_MAKER,), department="Quality")
         .theirs("ceo", "CEO", roles=(R.ECONOMIC_BUYER,))
         .ours("kam", "Key Account Manager", team_role=KAM))
    # The quality director: weekly contact until four months ago, then declines and
    # unanswered calls.
    b.contact("kam", "qd", days_ago=120, times=12, every=7)
    b.contact("kam", "qd", days_ago=5, times=4, every=14, outcome=Outcome.DECLINED)
    b.contact("kam", "qd", days_ago=3, times=5, every=10, channel=Channel.CALL,
              outcome=Outcome.UNANSWERED)
    # The CEO: senior, and engaged — accepted meetings and connected calls all along.
    b.contact("kam", "ceo", days_ago=2, times=6, every=14)
    b.contact("kam", "ceo", days_ago=9, times=6, every=14, channel=Channel.CALL)
    return b


class TestAntiSponsor:
    def test_detractor_flagged_and_engaged_senior_not(self) -> None:
        graph = detractor_next_to_engaged_senior().graph()
        flagged = {f.subject.id: f for f in likely_anti_sponsors(graph, Config())}
        assert set(flagged) == {"qd"}
        evidence = " | ".join(flagged["qd"].evidence)
        assert "declined 4 of 13 meeting invitations" in evidence
        assert "5 of 5 calls" in evidence and "contact fell from" in evidence
        scores = {s.person: s for s in anti_sponsor_scores(graph, Config())}
        assert scores["ceo"].engaged and scores["ceo"].score == 0.0

    def test_recorded_anti_sponsor_is_flagged_even_when_engaged(self) -> None:
        b = (AccountBuilder().theirs("cfo", "CFO", stance=Stance.ANTI_SPONSOR)
             .ours("kam", "KAM").contact("kam", "cfo", times=8, every=7))
        [finding] = likely_anti_sponsors(b.graph(), Config())
        assert finding.severity.value == "high"
        assert "recorded as an anti-sponsor" in finding.evidence[1]

    def test_ties_to_a_known_anti_sponsor_and_negative_sentiment_raise_the_score(self) -> None:
        b = (AccountBuilder().theirs("boss", "CFO", stance=Stance.ANTI_SPONSOR)
             .theirs("aide", "Controller", reports_to="boss").ours("kam", "KAM")
             .add(Relationship(account_id="ACC", supplier_id="kam", customer_id="aide",
                               sentiment=-0.9)))
        [aide] = [s for s in anti_sponsor_scores(b.graph(), Config()) if s.person == "aide"]
        assert {name for name, _, _ in aide.signals} == {"ties_to_anti_sponsor",
                                                          "negative_sentiment"}
        assert aide.score > 0.35


    def test_a_decision_role_on_a_lost_deal_counts_it_in_the_singular(self) -> None:
        b = AccountBuilder().theirs("cfo", "CFO").ours("kam", "KAM")
        b.add(Opportunity(id="L1", account_id="ACC", name="Old tender", is_closed=True,
                          is_won=False))
        b.add(OpportunityRole(id="R1", account_id="ACC", opportunity_id="L1",
                              person_id="cfo", roles=(R.DECISION_MAKER,)))
        [cfo] = [s for s in anti_sponsor_scores(b.graph(), Config()) if s.person == "cfo"]
        [lost] = [text for name, _, text in cfo.signals if name == "lost_decisions"]
        assert lost == "a decision role on 1 lost opportunity: Old tender"


class TestMirror:
    def test_evidence_names_our_people_with_one_parenthesis_each(self) -> None:
        b = (AccountBuilder().theirs("ceo", "CEO").ours("rep", "Sales Rep")
             .contact("rep", "ceo", times=8))
        evidence = {e for f in mirror_findings(b.graph(), Config()) for e in f.evidence}
        assert "met today by Rep (Sales Rep; field sales, Individual contributor)" in evidence
        assert "Ceo is only linked through Rep (Sales Rep; Individual contributor)" in evidence

    def test_best_peers_are_assigned_without_double_booking(self) -> None:
        b = (AccountBuilder()
             .theirs("ceo", "CEO", roles=(R.DECISION_MAKER,))
             .theirs("md", "Managing Director", roles=(R.ECONOMIC_BUYER,))
             .ours("kam", "Key Account Manager", team_role=KAM, department="Sales")
             .contact("kam", "ceo").contact("kam", "md")
             .ours("ourceo", "CEO"))  # the only general-management peer available
        graph = b.graph(config=Config())
        for entry in context(graph).pool.entries:
            if entry["id"] == "ourceo":
                entry["capacity"], entry["load"] = 3, 2  # one account left
        assigned = mirror_assignments(graph, Config())
        assert {c: p["id"] for c, (p, _) in assigned.items()} == {"ceo": "ourceo",
                                                                  "md": "ourceo"}
        for entry in context(graph).pool.entries:
            if entry["id"] == "ourceo":
                entry["load"] = 3  # full
        assert mirror_assignments(graph, Config()) == {}
        findings = mirror_findings(graph, Config())
        assert {f.kind for f in findings} == {"mirror_opportunity", "mirror_mismatch"}
        assert all(f.suggested is None for f in findings if f.kind == "mirror_opportunity")

    def test_a_huge_account_matches_only_its_most_influential_key_people(self) -> None:
        b = AccountBuilder().ours("kam", "Key Account Manager", team_role=KAM,
                                  department="Sales")
        for i in range(75):
            b.theirs(f"cfo{i:02d}", "Chief Financial Officer", department="Finance",
                     influence=0.71 + i / 1000)
        for i in range(40):
            b.ours(f"fin{i:02d}", "Chief Financial Officer", department="Finance")
        graph = b.graph(config=Config())
        assigned = mirror_assignments(graph, Config())
        # The matching is cubic: at most 60 people are matched, the most influential;
        # each brings the 6 best candidates, each candidate takes 2 new people.
        assert len(assigned) == 12
        assert set(assigned) <= {f"cfo{i:02d}" for i in range(15, 75)}
        findings = [f for f in mirror_findings(graph, Config()) if f.kind == "mirror_opportunity"]
        assert len(findings) == 75
        assert sum(1 for f in findings if f.suggested is None) == 75 - 12

    def test_a_peer_already_in_contact_means_no_finding(self) -> None:
        kinds = {f.kind for f in mirror_findings(diamond().graph(), Config())}
        assert "mirror_opportunity" not in kinds and "mirror_mismatch" not in kinds


class TestHiddenInfluencer:
    def test_an_engineer_who_sways_three_directors(self) -> None:
        b = (AccountBuilder().theirs("ceo", "CEO")
             .theirs("d1", "Quality Director", reports_to="ceo")
             .theirs("d2", "Purchasing Director", reports_to="ceo")
             .theirs("eng", "Lab Engineer", reports_to="d1")
             .influences("eng", "d1").influences("eng", "d2").influences("eng", "ceo"))
        graph = b.graph()
        derived = derived_influence(graph)
        assert derived["eng"] > derived["d2"]
        assert [f.subject.id for f in hidden_influencers(graph, Config())] == ["eng"]


class TestCommitteeEffortPortfolio:
    def test_committee_names_what_is_missing(self) -> None:
        [finding] = committee_findings(bowtie().graph(), Config())
        text = " | ".join(finding.evidence)
        assert "Economic Buyer at Acme: Cfo, not covered" in text
        assert "Decision Maker at Acme: Buyer, covered" in text
        assert "Coach or Champion at Acme: nobody identified" in text

    def test_complete_committee_has_no_finding(self) -> None:
        b = diamond()
        b.theirs("coach", "Engineer", roles=(R.COACH,)).contact("ts", "coach")
        assert committee_findings(b.graph(), Config()) == []

    def test_effort_against_the_benchmark(self) -> None:
        under = bowtie().graph()  # 12 one-hour meetings
        [finding] = coverage_effort(under, Config())
        assert finding.evidence[0].startswith("12 hours")
        b = bowtie().contact("kam", "cfo", times=50, every=7, minutes=90)
        [over] = coverage_effort(b.graph(), Config())
        assert "beyond the point" in over.action
        quiet = AccountBuilder().theirs("c", "Buyer").ours("s", "KAM").contact(
            "s", "c", channel=Channel.EMAIL, outcome=Outcome.SENT, minutes=0)
        assert coverage_effort(quiet.graph(), Config()) == []

    def test_portfolio_cell(self) -> None:
        b = bowtie()
        b.items[0] = Stored(Account(id="ACC", name="Acme", attractiveness="low",
                                    position="weak"))
        b.account = b.items[0].record  # type: ignore[assignment]
        [finding] = portfolio_placement(b.graph(), Config())
        assert finding.data == PlacementData("withdraw")


class TestStage:
    def test_bowtie_is_early_and_diamond_is_synergistic(self) -> None:
        early = classify_stage(bowtie().graph(), Config())
        assert early.name is StageName.EARLY_KAM
        assert {"1 active relationship between 1 of ours and 1 of theirs",
                "0 links reach director level or above"} <= set(early.reasons)
        stage = classify_stage(diamond().graph(), Config())
        assert stage.name is StageName.SYNERGISTIC_KAM
        assert stage.reasons[0].startswith("a diamond")

    def test_no_links_is_pre_kam_and_lost_links_uncoupling(self) -> None:
        alone = AccountBuilder().theirs("c", "CEO").graph()
        assert classify_stage(alone, Config()).name is StageName.PRE_KAM
        b = AccountBuilder().theirs("c", "CEO").ours("s", "KAM").contact(
            "s", "c", days_ago=100, times=10, every=3)
        assert classify_stage(b.graph(), Config()).name is StageName.UNCOUPLING_KAM


def test_relationship_map_cells() -> None:
    cells = relationship_map(diamond().graph())["cells"]
    # Our CTO is technology (technical service), not senior management: their quality
    # director is met by technical service alone, their CTO by our CTO and the KAD.
    assert cells["quality_control"] == {"technical_service": "monthly"}
    assert cells["r_and_d"] == {"technical_service": "monthly", "field_sales": "monthly"}


# -- invariants --------------------------------------------------------------------------

@st.composite
def random_accounts(draw: st.DrawFn) -> AccountBuilder:
    b = AccountBuilder()
    theirs = [f"c{i}" for i in range(draw(st.integers(1, 7)))]
    ours = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    titles = ["CEO", "CFO", "VP Sales", "Quality Director", "Buyer", "Engineer"]
    for c in theirs:
        b.theirs(c, draw(st.sampled_from(titles)),
                 roles=(R.DECISION_MAKER,) if draw(st.booleans()) else (),
                 influence=draw(st.none() | st.floats(0, 1)))
    for s in ours:
        b.ours(s, draw(st.sampled_from(["KAM", "CEO", "Sales Rep", "Engineer"])),
               active=draw(st.booleans()) or s == "s0")
    for s in ours:
        for c in theirs:
            if draw(st.booleans()):
                b.contact(s, c, days_ago=draw(st.integers(0, 150)),
                          times=draw(st.integers(1, 4)))
    return b


@settings(max_examples=80, deadline=None)
@given(random_accounts())
def test_key_person_shares_lie_in_unit_interval_and_sum_to_at_most_one(b: AccountBuilder) -> None:
    losses = key_person_losses(b.graph(), Config())
    assert all(0.0 <= loss.share <= 1.0 for loss in losses)
    assert sum(loss.share for loss in losses) <= 1.0 + 1e-9
    cut = [c for loss in losses for c in loss.cut_off]
    assert len(cut) == len(set(cut))  # nobody is cut off by two departures


@settings(max_examples=50, deadline=None)
@given(random_accounts(), st.randoms(use_true_random=False))
def test_audit_does_not_depend_on_input_order(b: AccountBuilder, rnd: object) -> None:
    from kamgraph.audit import audit_graph

    first = audit_graph(b.graph(), Config()).to_dict()
    rnd.shuffle(b.items)  # type: ignore[attr-defined]
    assert audit_graph(b.graph(), Config()).to_dict() == first


@settings(max_examples=50, deadline=None)
@given(random_accounts())
def test_anti_sponsor_scores_lie_in_unit_interval(b: AccountBuilder) -> None:
    assert all(0.0 <= s.score <= 1.0 for s in anti_sponsor_scores(b.graph(), Config()))
