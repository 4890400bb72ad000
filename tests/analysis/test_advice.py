"""Advice a KAM would sign: the stage agrees with the dependence the findings show, and
the committee is an alarm only where a live deal that matters lacks it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from kamgraph.analysis.committee import committee_findings, stale_deals
from kamgraph.analysis.findings import FindingKind, Severity
from kamgraph.analysis.paths import describe_route, paths_to_power
from kamgraph.analysis.red_flags import map_status_findings
from kamgraph.analysis.stage import StageName, classify_stage
from kamgraph.audit import audit_graph
from kamgraph.config import Config
from kamgraph.model import Channel, CustomerRole, Opportunity, Outcome, SupplierRole
from tests.builders import AS_OF, AccountBuilder

R = CustomerRole
KAM = SupplierRole.KEY_ACCOUNT_MANAGER


def broad(b: AccountBuilder, hub: str = "kam") -> AccountBuilder:
    """Four functions of theirs, met by four of ours at director level; the key people
    (the directors) are all met by ``hub`` alone."""
    b.ours("kam", "Key Account Manager", team_role=KAM, department="Sales")
    for n, (title, dept) in enumerate([("Purchasing Director", "Purchasing"),
                                       ("R&D Director", "R&D"),
                                       ("Quality Director", "Quality"),
                                       ("Operations Director", "Operations")]):
        b.theirs(f"d{n}", title, department=dept)
        b.theirs(f"m{n}", title.replace("Director", "Analyst"), department=dept)
        b.ours(f"o{n}", "Specialist", department=dept)
        b.contact(hub, f"d{n}", times=8).contact(f"o{n}", f"m{n}", times=8)
    return b


class TestStageAndDependence:
    def test_many_interfaces_on_one_person_of_ours_are_at_most_mid_kam(self) -> None:
        stage = classify_stage(broad(AccountBuilder()).graph(), Config())
        assert stage.name is StageName.MID_KAM
        assert stage.reasons[0].startswith("more than one interface, short of a partnership")
        assert "if Kam left, 100% of our coverage of key people would go" in stage.reasons[0]

    def test_the_same_interfaces_without_one_point_of_failure_are_a_partnership(self) -> None:
        b = broad(AccountBuilder())
        for n in range(4):
            b.contact(f"o{n}", f"d{n}", times=8)  # a second thread to each director
        stage = classify_stage(b.graph(), Config())
        assert stage.name in (StageName.PARTNERSHIP_KAM, StageName.SYNERGISTIC_KAM)

    def test_mid_kam_says_what_it_lacks_not_that_it_is_centred_on_the_kam(self) -> None:
        b = (AccountBuilder().ours("kam", "Key Account Manager", team_role=KAM)
             .ours("o", "Specialist").theirs("a", "Buyer").theirs("c", "Planner")
             .contact("kam", "a", times=6).contact("o", "c", times=6))
        reason = classify_stage(b.graph(), Config()).reasons[0]
        assert "centred on the KAM" not in reason
        assert "functions of theirs connected" in reason


def deal(b: AccountBuilder, *, amount: float, close: date, oid: str = "D1") -> AccountBuilder:
    b.add(Opportunity(id=oid, account_id=b.account.id, name=f"Deal {oid}", amount=amount,
                      close_date=close))
    return b


class TestCommitteeInProportion:
    def _account(self, amount: float, close: date) -> AccountBuilder:
        b = (AccountBuilder().theirs("buyer", "Buyer")
             .ours("kam", "Key Account Manager", team_role=KAM).contact("kam", "buyer", times=6))
        b.theirs("eb", "CFO", roles=(R.ECONOMIC_BUYER,))  # records a role: committees apply
        return deal(b, amount=amount, close=close)

    def test_a_small_deal_far_off_makes_no_high_committee_action(self) -> None:
        g = self._account(50_000, AS_OF + timedelta(days=200)).graph()
        found = committee_findings(g, Config()) + map_status_findings(g, Config())
        assert found and all(f.severity is not Severity.HIGH for f in found)

    def test_a_large_deal_or_one_closing_soon_may(self) -> None:
        for amount, days in ((900_000, 200), (50_000, 20)):
            g = self._account(amount, AS_OF + timedelta(days=days)).graph()
            deal_scoped = [f for f in committee_findings(g, Config())
                           if f.subject.type == "opportunity" and f.subject.id == "D1"]
            assert deal_scoped and deal_scoped[0].severity is Severity.HIGH

    def test_a_deal_whose_close_date_passed_long_ago_is_one_low_line(self) -> None:
        g = self._account(900_000, AS_OF - timedelta(days=400)).graph()
        assert not [f for f in committee_findings(g, Config()) if f.subject.id == "D1"]
        [stale] = stale_deals(g, Config())
        assert stale.severity is Severity.LOW and "Deal D1" in stale.evidence[0]
        actions = audit_graph(g, Config()).actions
        assert any("Close or re-date" in a.action for a in actions)

    def test_no_roles_recorded_anywhere_is_said_once_not_per_account(
            self, tmp_path: Path, example_weekly: Path) -> None:
        import csv
        import json
        import shutil

        from click.testing import CliRunner

        from kamgraph.cli import cli

        export = tmp_path / "export"
        shutil.copytree(example_weekly, export)
        roles = export / "OpportunityContactRole.csv"
        with roles.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh))
        with roles.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow(header)
        store = f"sqlite:///{tmp_path / 'k.db'}"
        runner = CliRunner()
        assert runner.invoke(cli, ["sync", str(export), "--store", store,
                                   "--no-plan"]).exit_code == 0
        result = runner.invoke(cli, ["audit", "--store", store, "--as-of", "2026-11-01",
                                     "--format", "json"])
        doc = json.loads(result.output)
        assert len(doc["notes"]) == 1 and "no buying roles are recorded" in doc["notes"][0]
        kinds = {f["kind"] for a in doc["accounts"] for f in a["findings"]}
        assert not kinds & {FindingKind.COMMITTEE_INCOMPLETE.value, FindingKind.MAP_STATUS.value}
        table = runner.invoke(cli, ["audit", "--store", store, "--as-of", "2026-11-01"])
        assert table.output.count("no buying roles are recorded") == 1


class TestSuccession:
    def test_a_new_cfo_in_the_old_ones_deal_role_is_one_succession(self) -> None:
        from kamgraph.graph import with_changes
        from kamgraph.records import AccountChange, ChangeKind

        b = (AccountBuilder().theirs("old", "CFO", status="inactive")
             .theirs("new", "CFO", roles=(R.ECONOMIC_BUYER,)).theirs("buyer", "Buyer")
             .ours("kam", "Key Account Manager", team_role=KAM).contact("kam", "buyer", times=6))
        g = b.graph()
        day = AS_OF - timedelta(days=5)
        with_changes(g, [
            AccountChange(ChangeKind.LEFT, "old", "Old", "left: Old (CFO)", True, run=2,
                          day=day, held=(("economic_buyer", "OPP"),)),
            AccountChange(ChangeKind.ARRIVED, "new", "New", "new: New (CFO)", True, run=2,
                          day=day)], "since run 1")
        actions = audit_graph(g, Config()).actions
        about_new = [a for a in actions if "New" in a.problem or a.subject.id == "new"]
        assert len(about_new) == 1
        assert about_new[0].problem.startswith("New replaced Old as CFO and economic buyer")
        assert not any("takes over from" in a.problem or "takes over from" in a.action
                       for a in actions)


class TestLinesThatAgree:
    def test_a_sporadic_strength_beside_monthly_contact_says_it_is_e_mail(self) -> None:
        b = (AccountBuilder().theirs("cfo", "CFO").ours("ceo", "Chief Executive Officer")
             .contact("ceo", "cfo", days_ago=80)
             .contact("ceo", "cfo", times=6, every=14, days_ago=3, channel=Channel.EMAIL,
                      outcome=Outcome.SENT))
        [found] = [f for f in audit_graph(b.graph(), Config()).findings
                   if f.kind is FindingKind.SINGLE_THREADED and f.subject.id == "cfo"]
        [line] = [e for e in found.evidence if "strength" in e]
        assert "(sporadic), monthly" in line
        assert "monthly e-mail, few meetings (1 of 7 contacts in the last 90 days" in line

    def test_weekly_meetings_below_regular_say_the_seniority_gap_costs(self) -> None:
        b = (AccountBuilder().theirs("ceo", "CEO").ours("rep", "Sales Rep")
             .contact("rep", "ceo", times=14, every=6))
        g = b.graph()
        [found] = [f for f in audit_graph(g, Config()).findings
                   if f.kind is FindingKind.SINGLE_THREADED and f.subject.id == "ceo"]
        [line] = [e for e in found.evidence if "strength" in e]
        gap = g.nodes["ceo"]["level_rank"] - g.nodes["rep"]["level_rank"]
        assert f"(occasional), weekly, lowered for the seniority gap of {gap} levels" in line

    def test_bands_and_frequencies_that_agree_are_left_as_they_are(self) -> None:
        b = (AccountBuilder().theirs("cfo", "CFO").ours("ceo", "Chief Executive Officer")
             .contact("ceo", "cfo", times=14, every=6))
        [found] = [f for f in audit_graph(b.graph(), Config()).findings
                   if f.kind is FindingKind.SINGLE_THREADED and f.subject.id == "cfo"]
        [line] = [e for e in found.evidence if "strength" in e]
        assert "(regular), weekly, last contact" in line

    def test_a_recent_e_mail_beside_no_active_relationship_says_it_was_one(self) -> None:
        b = (AccountBuilder().theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,))
             .ours("kam", "Key Account Manager", team_role=KAM)
             .contact("kam", "cfo", days_ago=120)
             .contact("kam", "cfo", days_ago=5, channel=Channel.EMAIL, outcome=Outcome.SENT))
        [gap] = [f for f in audit_graph(b.graph(), Config()).findings
                 if f.kind is FindingKind.COVERAGE_GAP and f.subject.id == "cfo"]
        assert any("no active relationship" in e and "a held meeting or a connected call" in e
                   for e in gap.evidence)
        assert ("Kam (Key Account Manager): last contact an e-mail 2026-10-27, 5 days before "
                "2026-11-01; no meeting or call in 120 days (last 2026-07-04)") in gap.evidence


class TestOverCoverage:
    def over_covered(self) -> AccountBuilder:
        """Their decision maker met weekly for four hours by our KAM alone: about 200 hours
        a year against the 60–80 band, on one thread."""
        return (AccountBuilder()
                .theirs("buyer", "Head of Purchasing", roles=(R.DECISION_MAKER,),
                        department="Purchasing")
                .ours("kam", "Key Account Manager", team_role=KAM, department="Sales")
                .ours("rep", "Purchasing Manager", department="Sales")
                .contact("kam", "buyer", times=50, every=7, minutes=240))

    def test_over_coverage_is_an_action_and_no_action_adds_a_second_thread(self) -> None:
        actions = audit_graph(self.over_covered().graph(), Config()).actions
        [effort] = [a for a in actions if "coverage_effort" in a.because]
        assert effort.action.startswith("Rebalance Acme: 200 hours a year against 60–80")
        assert "part of the time Kam spends with Buyer" in effort.action
        assert not [a for a in actions if "second thread to" in a.action]
        [thread] = [a for a in actions if a.subject.id == "buyer"]
        assert "takes over part of the time Kam spends with Buyer" in thread.action
        assert "no hours added" in thread.action

    def test_a_shared_second_thread_moves_time_too(self) -> None:
        b = (self.over_covered()
             .theirs("qd", "Quality Director", department="Quality")
             .theirs("od", "Operations Director", department="Operations")
             .ours("q", "Quality Manager", department="Quality")
             .ours("o", "Operations Manager", department="Operations")
             .contact("kam", "qd", times=30, every=7).contact("kam", "od", times=30, every=7))
        actions = audit_graph(b.graph(), Config()).actions
        [shared] = [a for a in actions if a.subject.type == "account"
                    and "single_threaded" in a.because and "Od" in a.action]
        assert "O take over part of the time Kam spends with Od" in shared.action
        assert shared.action.endswith(": no hours added.")
        assert not [a for a in actions if "second thread to" in a.action]

    def test_in_a_group_of_first_threads_the_ones_with_a_thread_are_moved(self) -> None:
        b = (self.over_covered()
             .theirs("qd", "Quality Director", department="Quality")
             .theirs("od", "Operations Director", department="Operations")
             .ours("q", "Quality Manager", department="Quality")
             .ours("o", "Operations Manager", department="Operations")
             .contact("kam", "qd", times=30, every=7)
             .contact("kam", "od", times=2, every=40))  # sporadic: no thread yet
        actions = audit_graph(b.graph(), Config()).actions
        assert not [a for a in actions if "second thread to" in a.action]
        assert any("take over part of the time Kam spends with Qd" in a.action
                   or "takes over part of the time Kam spends with Qd" in a.action
                   for a in actions)

    def test_within_the_band_the_second_thread_is_added_as_before(self) -> None:
        b = (AccountBuilder()
             .theirs("buyer", "Head of Purchasing", roles=(R.DECISION_MAKER,),
                     department="Purchasing")
             .ours("kam", "Key Account Manager", team_role=KAM, department="Sales")
             .ours("rep", "Purchasing Manager", department="Sales")
             .contact("kam", "buyer", times=50, every=7, minutes=80))
        actions = audit_graph(b.graph(), Config()).actions
        assert not [a for a in actions if "coverage_effort" in a.because]
        [thread] = [a for a in actions if a.subject.id == "buyer"]
        assert "becomes a second thread to Buyer" in thread.action


class TestPathSaysWhoAlreadyMeets:
    def account(self) -> AccountBuilder:
        """Our KAM meets their CFO now and then; our rep meets the CFO's aide every week."""
        return (AccountBuilder()
                .theirs("eb", "CFO", roles=(R.ECONOMIC_BUYER,))
                .theirs("aide", "Finance Manager", reports_to="eb")
                .ours("kam", "Key Account Manager").ours("rep", "Sales Rep")
                .contact("kam", "eb", times=2, every=40, days_ago=30)
                .contact("rep", "aide", times=12, every=7))

    def test_a_route_to_someone_a_colleague_meets_says_so(self) -> None:
        g = self.account().graph()
        routes = {r.asker: describe_route(g, r) for r in paths_to_power(g, "eb", Config())}
        assert routes["rep"].endswith("; already met by Kam")
        assert "already met" not in routes["kam"]  # the colleague's own route

    def test_nobody_already_meeting_them_is_said_of_nobody(self) -> None:
        g = self.account().graph()
        routes = paths_to_power(g, "aide", Config())
        assert routes and all("already met by" not in describe_route(g, r)
                              for r in routes if r.asker == "rep")

    def test_a_route_round_about_to_someone_the_asker_meets_says_they_meet(self) -> None:
        g = (self.account().contact("rep", "eb", times=2, every=40, days_ago=20)).graph()
        [round_about] = [r for r in paths_to_power(g, "eb", Config())
                         if r.asker == "rep" and len(r.hops) > 1]
        assert describe_route(g, round_about).endswith(
            "; already met by Kam; Rep already meets Eb directly")


class TestEveryLineNamesItsSubject:
    def two_deals(self) -> AccountBuilder:
        b = (AccountBuilder().theirs("buyer", "Buyer", roles=(R.DECISION_MAKER,))
             .theirs("eb", "CFO", roles=(R.ECONOMIC_BUYER,))
             .ours("kam", "Key Account Manager", team_role=KAM).contact("kam", "buyer", times=6))
        deal(b, amount=900_000, close=AS_OF + timedelta(days=30), oid="D2")
        return b

    def test_committee_and_map_status_lines_name_their_deal_or_account(self) -> None:
        g = self.two_deals().graph()
        found = committee_findings(g, Config()) + map_status_findings(g, Config())
        assert {f.subject.type for f in found} >= {"opportunity", "account"}
        for f in found:
            assert all(f.subject.name in line for line in f.evidence), f.evidence

    def test_every_evidence_line_of_the_example_names_whom_or_what_it_is_about(
            self, tmp_path: Path, example_weekly: Path) -> None:
        import json

        from click.testing import CliRunner

        from kamgraph.cli import cli
        from kamgraph.stores import open_store

        uri = f"sqlite:///{tmp_path / 'k.db'}"
        runner = CliRunner()
        runner.invoke(cli, ["sync", str(example_weekly), "--store", uri], catch_exceptions=False)
        result = runner.invoke(cli, ["audit", "--store", uri, "--as-of", AS_OF.isoformat(),
                                     "--format", "json", "--all", "--findings"],
                               catch_exceptions=False)
        with open_store(uri) as store:
            # People, deals and accounts; not a function's or a level's label.
            names = {str(json.loads(row[4]).get("name")) for row in store.dump()} - {"None"}
        unnamed = []
        for account in json.loads(result.stdout)["accounts"]:
            unnamed += [line for line in account["lines"] if not line.startswith("… and ")
                        and not any(name in line for name in names)]
        assert account["lines"]
        assert unnamed == [], "\n".join(unnamed)


class TestTheAccountTeamOnce:
    def test_no_action_without_an_owner_names_the_account_team_twice(self) -> None:
        b = (AccountBuilder()
             .theirs("buyer", "Head of Purchasing", roles=(R.DECISION_MAKER,))
             .theirs("cfo", "CFO", roles=(R.ECONOMIC_BUYER,))
             .ours("gone", "Key Account Manager", active=False, team_role=KAM)
             .contact("gone", "buyer", times=10).contact("gone", "cfo", times=10))
        actions = audit_graph(b.graph(), Config()).actions
        ownerless = [a.action for a in actions if a.owner is None]
        assert any("account team" in text.lower() for text in ownerless)
        for text in ownerless:
            assert text.lower().count("the account team") <= 1, text
            assert "; The account team" not in text
