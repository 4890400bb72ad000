"""Coverage gaps on small hand-built accounts, and the invariants they must keep."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.analysis.coverage import coverage_gaps, suggest_owner
from kamgraph.config import Config
from kamgraph.graph import context
from kamgraph.model import CustomerRole, Level, SupplierRole
from tests.builders import AccountBuilder

EB = (CustomerRole.ECONOMIC_BUYER,)


def gap_subjects(builder: AccountBuilder, config: Config | None = None) -> set[str]:
    return {f.subject.id for f in coverage_gaps(builder.graph(), config or Config())}


class TestPersonGaps:
    def test_departed_kam_leaves_decision_makers_uncovered(self) -> None:
        b = (AccountBuilder()
             .theirs("ceo", "CEO", roles=EB)
             .theirs("buyer", "Buyer", reports_to="ceo")
             .ours("kam", "Key Account Manager", active=False,
                   team_role=SupplierRole.KEY_ACCOUNT_MANAGER)  # has left
             .ours("rep", "Sales Rep", team_role=SupplierRole.SALES)
             .contact("kam", "ceo", days_ago=3)  # recent, but by someone who left
             .contact("rep", "buyer"))
        [gap] = [f for f in coverage_gaps(b.graph(), Config()) if f.subject.type == "person"]
        assert gap.subject.id == "ceo" and gap.severity.value == "high"
        assert any("has left" in e for e in gap.evidence)
        assert gap.suggested is not None and gap.suggested.id == "rep"
        assert gap.action.startswith("Hand the relationship with Ceo over to Rep")

    def test_stale_contact_is_a_gap_and_recent_contact_is_not(self) -> None:
        b = (AccountBuilder()
             .theirs("cfo", "Chief Financial Officer")
             .theirs("vp", "VP Operations")
             .ours("kam", "KAM")
             .contact("kam", "cfo", days_ago=91)  # just outside the 90-day window
             .contact("kam", "vp", days_ago=90))  # just inside
        assert "cfo" in gap_subjects(b) and "vp" not in gap_subjects(b)
        [gap] = [f for f in coverage_gaps(b.graph(), Config()) if f.subject.id == "cfo"]
        assert any("91 days before 2026-11-01" in e for e in gap.evidence)
        assert gap.suggested is not None and gap.suggested.id == "kam"

    def test_people_who_do_not_matter_are_not_gaps(self) -> None:
        b = AccountBuilder().theirs("eng", "Process Engineer").theirs("mgr", "Plant Manager")
        assert gap_subjects(b, Config(gap_functions=())) == set()

    def test_influence_makes_a_junior_person_key(self) -> None:
        b = AccountBuilder().theirs("eng", "Process Engineer", influence=0.8)
        assert gap_subjects(b, Config(gap_functions=())) == {"eng"}

    def test_only_unanswered_attempts_are_no_relationship(self) -> None:
        from kamgraph.model import Channel, Outcome

        b = (AccountBuilder().theirs("cto", "CTO").ours("kam", "KAM")
             .contact("kam", "cto", times=5, channel=Channel.CALL, outcome=Outcome.UNANSWERED))
        [gap] = [f for f in coverage_gaps(b.graph(), Config()) if f.subject.id == "cto"]
        assert any("5 calls unanswered" in e for e in gap.evidence)

    def test_key_level_is_configurable(self) -> None:
        b = AccountBuilder().theirs("mgr", "Purchasing Manager")
        assert gap_subjects(b, Config(gap_functions=())) == set()
        assert gap_subjects(b, Config(gap_functions=(), key_level=Level.MANAGER)) == {"mgr"}


class TestFunctionGaps:
    def test_function_nobody_reaches_is_a_gap(self) -> None:
        b = (AccountBuilder()
             .theirs("qe", "Quality Engineer", department="Quality")
             .theirs("buyer", "Buyer", department="Purchasing")
             .ours("kam", "KAM").contact("kam", "buyer"))
        findings = [f for f in coverage_gaps(b.graph(), Config()) if f.subject.type == "function"]
        assert [f.subject.name for f in findings] == ["quality control"]
        assert findings[0].severity.value == "low"  # nobody key in it

    def test_reached_function_is_not_a_gap(self) -> None:
        b = (AccountBuilder().theirs("qe", "Quality Engineer", department="Quality")
             .theirs("qd", "Quality Director", department="Quality")
             .ours("ts", "Application Engineer").contact("ts", "qe"))
        assert not [f for f in coverage_gaps(b.graph(), Config()) if f.subject.type == "function"]


class TestSuggestOwner:
    def test_prefers_the_team_lead_closest_in_level(self) -> None:
        b = (AccountBuilder().theirs("ceo", "CEO")
             .ours("rep", "Sales Rep", team_role=SupplierRole.SALES)
             .ours("kad", "Key Account Director", team_role=SupplierRole.KEY_ACCOUNT_DIRECTOR)
             .ours("boss", "CEO", team_role=SupplierRole.EXECUTIVE_SPONSOR))
        assert suggest_owner(b.graph(), "ceo") == "boss"

    def test_no_team_no_suggestion(self) -> None:
        assert suggest_owner(AccountBuilder().theirs("ceo", "CEO").graph(), "ceo") is None


# -- invariants --------------------------------------------------------------------------

TITLES = ["CEO", "CFO", "VP Sales", "Quality Director", "Head of Purchasing", "Buyer",
          "Plant Manager", "Process Engineer"]


@st.composite
def accounts(draw: st.DrawFn) -> tuple[AccountBuilder, list[str], list[str]]:
    n_theirs = draw(st.integers(1, 6))
    n_ours = draw(st.integers(1, 3))
    b = AccountBuilder()
    theirs = [f"c{i}" for i in range(n_theirs)]
    ours = [f"s{i}" for i in range(n_ours)]
    for pid in theirs:
        b.theirs(pid, draw(st.sampled_from(TITLES)),
                 roles=EB if draw(st.booleans()) else ())
    for pid in ours:
        b.ours(pid, "Key Account Manager", active=draw(st.booleans()))
    for s in ours:
        for c in theirs:
            if draw(st.booleans()):
                b.contact(s, c, days_ago=draw(st.integers(0, 200)))
    return b, theirs, ours


@settings(max_examples=60, deadline=None)
@given(accounts(), st.data())
def test_adding_an_active_relationship_never_adds_a_gap(
    account: tuple, data: st.DataObject  # type: ignore[type-arg]
) -> None:
    b, theirs, ours = account
    before = gap_subjects(b)
    b.ours("new", "Key Account Manager")
    b.contact("new", data.draw(st.sampled_from(theirs)), days_ago=1)
    assert gap_subjects(b) <= before


@settings(max_examples=60, deadline=None)
@given(accounts())
def test_removing_the_only_link_to_a_key_person_yields_a_gap(account: tuple) -> None:
    b, theirs, _ = account
    b.theirs("vip", "Chief Executive Officer", roles=EB)
    b.ours("only", "KAM").contact("only", "vip", days_ago=1)
    assert "vip" not in gap_subjects(b)
    b.items = [s for s in b.items
               if not (s.record.kind == "touch" and s.record.customer_id == "vip")]  # type: ignore[attr-defined]
    assert "vip" in gap_subjects(b)


@settings(max_examples=40, deadline=None)
@given(accounts(), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(account: tuple, rnd: object) -> None:
    b, _, _ = account
    first = [f.to_dict() for f in coverage_gaps(b.graph(), Config())]
    rnd.shuffle(b.items)  # type: ignore[attr-defined]
    assert [f.to_dict() for f in coverage_gaps(b.graph(), Config())] == first


def test_an_overlay_row_about_someone_elsewhere_is_not_one_of_ours() -> None:
    from kamgraph.model import Person

    b = AccountBuilder().theirs("c", "CEO").ours("kam", "KAM").contact("kam", "c")
    # A facts file that adds a stance to a contact of another account: no side, no account.
    b.add(Person(id="elsewhere", side=None, name=None, stance=None, influence=0.9))
    graph = b.graph()
    assert "elsewhere" not in graph
    assert "elsewhere" not in {p["id"] for p in context(graph).pool.entries}


def test_a_level_gap_names_the_level_as_people_say_it() -> None:
    b = AccountBuilder().theirs("vp", "VP Operations").theirs("ceo", "CEO").ours("kam", "KAM")
    said = {f.evidence[0] for f in coverage_gaps(b.graph(), Config()) if f.subject.type == "level"}
    assert said == {"nobody of ours has an active relationship with anyone at C-level at Acme",
                    "nobody of ours has an active relationship with anyone at VP level at Acme"}


def test_a_contact_on_the_as_of_date_is_said_so() -> None:
    b = (AccountBuilder().theirs("cfo", "CFO", roles=(CustomerRole.ECONOMIC_BUYER,))
         .ours("kam", "KAM", active=False).contact("kam", "cfo", days_ago=0))
    [gap] = [f for f in coverage_gaps(b.graph(), Config()) if f.subject.id == "cfo"]
    assert any(e.endswith("last contact 2026-11-01, the as-of date") for e in gap.evidence)
