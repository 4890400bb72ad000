"""Exports in the shapes users hand the tool, synced as a new user would: no --format, no
reshaping.  The fixtures in tests/data/<source>/ are small and hand-made; each folder's
README names the quirks it carries."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kamgraph.cli import cli
from kamgraph.stores import open_store

DATA = Path(__file__).resolve().parent.parent / "data"
AS_OF = "2026-11-01"


def sync(folder: Path, store: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["sync", str(folder), "--store", f"sqlite:///{store}",
                                    *args], catch_exceptions=False)


def audit_text(store: Path) -> str:
    result = CliRunner().invoke(cli, ["audit", "--store", f"sqlite:///{store}", "--as-of",
                                      AS_OF, "--all"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def stored(store: Path, kind: str) -> list[dict[str, object]]:
    """The records of one kind as stored (their JSON), active or not."""
    with open_store(f"sqlite:///{store}") as s:
        return [json.loads(row[4]) for row in s.dump() if row[0] == kind]


def accounts(store: Path) -> dict[str, tuple[int, int]]:
    """Account name -> (their people, our people) as `kamgraph accounts` counts them."""
    result = CliRunner().invoke(cli, ["accounts", "--store", f"sqlite:///{store}",
                                      "--format", "json"], catch_exceptions=False)
    return {a["name"]: (a["customers"], a["our_people"]) for a in json.loads(result.stdout)}


def the_audit_is_specific(text: str) -> None:
    assert "The account team and the account team" not in text
    assert "nobody of theirs is recorded" not in text
    assert "Nobody of theirs is recorded" not in text


class Shape:
    """One fixture folder, synced as a new user would into a fresh store."""

    FOLDER: Path

    @pytest.fixture
    def synced(self, tmp_path: Path) -> tuple[Path, Result]:
        store = tmp_path / "k.db"
        result = sync(self.FOLDER, store)
        assert result.exit_code == 0, result.output
        return store, result


class TestSalesforceDataLoaderWithoutUsers(Shape):
    FOLDER = DATA / "salesforce" / "dataloader-without-users"
    OWNER = "0055g0000000011AAA"

    def test_syncs_with_one_warning_naming_how_many(self, synced: tuple[Path, Result]) -> None:
        _, result = synced
        assert "Detected format: salesforce" in result.stderr
        warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
        assert warnings == [
            "Warning: no User.csv: 3 of our people (account owners, team members, activity "
            "owners) are known only by their id and were added as 'user 005…'; sync an "
            "export with User.csv to give them names and titles"]

    def test_owners_known_by_id_are_our_people_and_the_account_team(
            self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        ours = {p["id"]: p["name"] for p in stored(store, "person") if p["side"] == "supplier"}
        assert ours == {f"0055g00000000{n}AAA": f"user 0055g00000000{n}AAA"
                        for n in (11, 12, 13)}
        team = {(t["account_id"], t["person_id"], t["role"], t["role_label"])
                for t in stored(store, "team_member")}
        assert ("0015g0000000001AAA", self.OWNER, "key_account_manager",
                "Account Owner") in team
        assert {name: ours > 0 for name, (_, ours) in accounts(store).items()} == {
            "Halvorsen Freight": True, "Ostrava Steelworks": True, "Nordkapp Holdings": True}

    def test_activities_of_owners_known_by_id_are_kept(self, synced: tuple[Path, Result]
                                                       ) -> None:
        store, _ = synced
        logs = {(log["supplier_id"], log["customer_id"]): log["entries"]
                for log in stored(store, "contact_log")}
        # The completed call, 1,260 seconds: 21 minutes.
        [call] = logs[(self.OWNER, "0035g0000000002AAA")]
        assert call[:4] == ["2026-10-14", "call", "held", 21]
        assert len(logs) == 4  # four completed tasks; the open ones are not contacts

    def test_related_accounts_count_their_people(self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        assert accounts(store)["Nordkapp Holdings"][0] == 2
        people = {p["id"]: p for p in stored(store, "person") if p["side"] == "customer"}
        # Nordkapp's people are recorded only as related contacts: each stands there under
        # the relation's id, with the relation's roles.
        board = {p["name"]: p for p in people.values()
                 if p["account_id"] == "0015g0000000003AAA"}
        assert set(board) == {"Ingrid Halvorsen", "Petra Nováková"}
        assert board["Petra Nováková"]["roles"] == ["economic_buyer"]
        assert board["Ingrid Halvorsen"]["roles"] is None
        # An e-mail about Nordkapp's deal counts there, not at her own account.
        logs = {log["customer_id"]: log["account_id"] for log in stored(store, "contact_log")}
        assert logs[board["Ingrid Halvorsen"]["id"]] == "0015g0000000003AAA"
        # An ended relation: he left that account, and stays at his own.
        tomas = [p for p in people.values() if p["name"] == "Tomáš Dvořák"]
        assert sorted((p["account_id"], p["active"]) for p in tomas) == [
            ("0015g0000000001AAA", False), ("0015g0000000002AAA", None)]

    def test_the_audit_names_the_owner(self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        text = audit_text(store)
        the_audit_is_specific(text)
        assert f"user {self.OWNER} meets Ingrid Halvorsen" in text
        # The line names its deal or account ("Economic Buyer at Halvorsen Freight: …").
        assert re.search(r"Economic Buyer (?:at|on) [^:]+:\s+Petra\s+Nováková", text)

    def test_a_later_user_csv_fills_the_names_in(self, tmp_path: Path,
                                                 synced: tuple[Path, Result]) -> None:
        store, _ = synced
        folder = tmp_path / "with-users"
        shutil.copytree(self.FOLDER, folder)
        with open(folder / "User.csv", "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(["ID", "USERNAME", "FIRSTNAME", "LASTNAME", "TITLE", "ISACTIVE"])
            for n, (first, last) in zip((11, 12, 13), (("Kari", "Nordmann"), (
                    "Eva", "Svoboda"), ("Ola", "Lund")), strict=True):
                writer.writerow([f"0055g00000000{n}AAA", f"{first.lower()}@supplier.example",
                                 first, last, "Key Account Manager", "true"])
        result = sync(folder, store)
        assert result.exit_code == 0, result.output
        assert "Warning" not in result.stderr
        ours = {p["id"]: p["name"] for p in stored(store, "person") if p["side"] == "supplier"}
        assert ours[self.OWNER] == "Kari Nordmann"
        assert "Kari Nordmann meets Ingrid Halvorsen" in audit_text(store)

    def test_files_named_as_data_loader_saves_them_are_told_by_their_ids(
            self, tmp_path: Path, synced: tuple[Path, Result]) -> None:
        """Data Loader names every extract extract.csv unless told otherwise."""
        store, _ = synced
        folder = tmp_path / "extracts"
        folder.mkdir()
        for n, path in enumerate(sorted(self.FOLDER.glob("*.csv"))):
            shutil.copy(path, folder / (f"extract ({n}).csv" if n else "extract.csv"))
        again = tmp_path / "again.db"
        result = sync(folder, again)
        assert result.exit_code == 0, result.output
        assert accounts(again) == accounts(store)
        assert sorted(stored(again, "contact_log"), key=str) == sorted(
            stored(store, "contact_log"), key=str)

    def test_two_files_of_one_object_are_refused(self, tmp_path: Path) -> None:
        folder = tmp_path / "extracts"
        shutil.copytree(self.FOLDER, folder)
        shutil.copy(folder / "Task.csv", folder / "extract.csv")
        shutil.copy(folder / "Task.csv", folder / "extract (1).csv")
        (folder / "Task.csv").unlink()
        line = single_error(sync_refused(folder, tmp_path / "k.db"))
        assert "extract (1).csv and " in line and "extract.csv both hold Salesforce Task " \
               "records: keep one, or name it Task.csv" in line

    def test_a_user_csv_that_lacks_an_owner_still_rejects_the_activity(
            self, tmp_path: Path) -> None:
        folder = tmp_path / "some-users"
        shutil.copytree(self.FOLDER, folder)
        (folder / "User.csv").write_text('"Id","Name"\n"0055g0000000012AAA","Eva Svoboda"\n')
        result = CliRunner().invoke(cli, ["sync", str(folder), "--store",
                                          f"sqlite:///{tmp_path / 'k.db'}"])
        assert result.exit_code == 2
        assert "Task.csv:2 [OwnerId]: owner 0055g0000000011AAA is not a user in User.csv" \
            in result.stderr


def single_error(result: Result) -> str:
    """The one line a refused sync writes, after the detection note."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines()
             if not line.startswith(("Detected", "Warning"))]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def nothing_stored(store: Path) -> None:
    with open_store(f"sqlite:///{store}") as s:
        assert list(s.dump()) == []


class TestSalesforceResavedByExcel:
    FOLDER = DATA / "salesforce" / "excel-resave"

    def test_syncs_reading_each_column_in_its_order(self, tmp_path: Path) -> None:
        store = tmp_path / "k.db"
        result = sync(self.FOLDER, store)
        assert result.exit_code == 0, result.output
        days = sorted((e[0], e[1], e[2]) for log in stored(store, "contact_log")
                      for e in log["entries"])
        assert days == [("2026-09-28", "email", "sent"), ("2026-10-06", "call", "held"),
                        ("2026-10-14", "meeting", "held"), ("2026-10-20", "meeting", "held"),
                        ("2026-10-22", "call", "unanswered")]
        [run] = json.loads(CliRunner().invoke(cli, [
            "runs", "--store", f"sqlite:///{store}", "--format", "json"]).stdout)
        # 10/22/26 04:10 PM is later than 10/22/26 11:49 AM, though not as text.
        assert run["counts"]["high_water"] == "2026-10-22 16:10:00"
        the_audit_is_specific(audit_text(store))

    @pytest.fixture
    def ambiguous(self, tmp_path: Path) -> Path:
        """The same export with every day of every month at most 12."""
        folder = tmp_path / "ambiguous"
        shutil.copytree(self.FOLDER, folder)
        for path in folder.glob("*.csv"):
            text = path.read_bytes().decode("cp1252")
            text = re.sub(r"\b(\d{1,2})/(\d{1,2})/(\d{2,4})\b",
                          lambda m: f"{m[1]}/{(int(m[2]) - 1) % 12 + 1}/{m[3]}", text)
            path.write_bytes(text.encode("cp1252"))
        return folder

    def test_an_ambiguous_export_is_refused_naming_both_readings(
            self, tmp_path: Path, ambiguous: Path) -> None:
        store = tmp_path / "k.db"
        line = single_error(sync_refused(ambiguous, store))
        assert "Account.csv:2 [LastModifiedDate]: '2/11/2026 20:55' reads as 11 February " \
               "2026 (month first) or 2 November 2026 (day first)" in line
        assert '[dates] order = "month-first" or "day-first" in kamgraph.toml' in line
        nothing_stored(store)

    def test_the_setting_chooses_the_reading(self, tmp_path: Path, ambiguous: Path) -> None:
        config = tmp_path / "kamgraph.toml"
        config.write_text('[dates]\norder = "month-first"\n')
        store = tmp_path / "k.db"
        result = sync(ambiguous, store, "--config", str(config))
        assert result.exit_code == 0, result.output
        days = {e[0] for log in stored(store, "contact_log") for e in log["entries"]}
        assert "2026-10-06" in days  # 10/6/2026, read month first

    def test_an_id_mangled_into_scientific_notation_is_refused(self, tmp_path: Path) -> None:
        folder = tmp_path / "mangled"
        shutil.copytree(self.FOLDER, folder)
        path = folder / "Contact.csv"
        lines = path.read_bytes().decode("cp1252").split("\r\n")
        lines[2] = lines[2].replace("0017q0000000001AAA", "1.70001E+15", 1)
        path.write_bytes("\r\n".join(lines).encode("cp1252"))
        store = tmp_path / "k.db"
        line = single_error(sync_refused(folder, store))
        assert "Contact.csv:3 [AccountId]: '1.70001E+15' is an id a spreadsheet wrote in " \
               "scientific notation" in line
        nothing_stored(store)


def sync_refused(folder: Path, store: Path) -> Result:
    return CliRunner().invoke(cli, ["sync", str(folder), "--store", f"sqlite:///{store}"])


class TestHubspotWithAssociations(Shape):
    FOLDER = DATA / "hubspot" / "contacts-with-associations"

    def test_files_are_told_by_their_columns_whatever_their_names(
            self, synced: tuple[Path, Result]) -> None:
        _, result = synced
        assert "Detected format: hubspot (contacts.csv has HubSpot contacts columns " \
               "(Record ID - Contact, First Name, Last Name); also Q3 companies.csv, " \
               "calls.csv, deals export.csv)" in result.stderr
        assert ("3 skipped (1 contact row repeated for another associated record; 1 contact "
                "whose company is not in the companies file; 1 contact without company)"
                ) in result.stdout

    def test_the_first_of_a_repeated_header_is_the_contacts_own(
            self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        people = {p["id"]: p for p in stored(store, "person") if p["side"] == "customer"}
        assert set(people) == {"hs-contact-101", "hs-contact-102", "hs-contact-103",
                               "hs-contact-201", "hs-contact-202"}
        assert people["hs-contact-102"]["account_id"] == "hs-company-5821340001"
        # The companies' phone numbers and dates come after theirs: not read as theirs.
        assert {a["name"] for a in stored(store, "account")} == {
            "Lindqvist Packaging AB", "Fonseca Alimentos S.A."}
        roles = {(r["opportunity_id"], r["person_id"]) for r in stored(store,
                                                                     "opportunity_role")}
        # A contact repeated once per deal is on both; a deal repeated once per contact
        # has each.
        assert roles == {("hs-deal-7710020001", "hs-contact-101"),
                         ("hs-deal-7710020001", "hs-contact-102"),
                         ("hs-deal-7710020002", "hs-contact-201"),
                         ("hs-deal-7710020002", "hs-contact-202"),
                         ("hs-deal-7710020003", "hs-contact-202")}

    def test_owner_names_without_an_owners_file_are_our_people(
            self, synced: tuple[Path, Result]) -> None:
        store, result = synced
        assert "Warning: no owners file: 4 owners known only by name or id" in result.stderr
        ours = {p["id"]: p["name"] for p in stored(store, "person") if p["side"] == "supplier"}
        assert ours == {"hs-owner-helena-strand": "Helena Strand",
                        "hs-owner-jonas-berg": "Jonas Berg",
                        "hs-owner-marco-bellini": "Marco Bellini",
                        "hs-owner-ana-duarte": "Ana Duarte"}
        team = {(t["account_id"], t["person_id"], t["role"]) for t in stored(
            store, "team_member")}
        assert team == {
            ("hs-company-5821340001", "hs-owner-helena-strand", "key_account_manager"),
            ("hs-company-5821340001", "hs-owner-jonas-berg", "sales"),  # contact owner
            ("hs-company-5821340002", "hs-owner-marco-bellini", "key_account_manager")}
        text = audit_text(store)
        the_audit_is_specific(text)
        assert "Helena Strand meets Astrid Lindqvist" in text

    def test_without_a_companies_file_the_contacts_file_describes_them(
            self, tmp_path: Path) -> None:
        folder = tmp_path / "export"
        shutil.copytree(self.FOLDER, folder)
        (folder / "Q3 companies.csv").unlink()
        store = tmp_path / "k.db"
        result = sync(folder, store)
        assert result.exit_code == 0, result.output
        assert {a["name"]: a["owner_id"] for a in stored(store, "account")} == {
            "Lindqvist Packaging AB": "hs-owner-helena-strand",
            "Fonseca Alimentos S.A.": "hs-owner-marco-bellini",
            "Okafor Beverages Ltd": "hs-owner-marco-bellini"}

    def edited(self, tmp_path: Path, old: str, new: str) -> Path:
        """A copy of the export whose contacts file has ``old`` (once) made ``new``."""
        folder = tmp_path / "export"
        shutil.copytree(self.FOLDER, folder)
        path = folder / "contacts.csv"
        text = path.read_bytes().decode("utf-8-sig").replace(old, new, 1)
        path.write_bytes(text.encode("utf-8-sig"))
        return folder

    def test_an_id_excel_rounded_is_refused(self, tmp_path: Path) -> None:
        folder = self.edited(tmp_path, "\n102,", "\n1.02E+2,")
        store = tmp_path / "k.db"
        line = single_error(sync_refused(folder, store))
        assert "contacts.csv:3 [Record ID - Contact]: '1.02E+2' is an id a spreadsheet " \
               "wrote in scientific notation" in line
        nothing_stored(store)

    def test_two_people_under_one_id_are_refused_not_merged(self, tmp_path: Path) -> None:
        folder = self.edited(tmp_path, "\n103,", "\n102,")
        store = tmp_path / "k.db"
        line = single_error(sync_refused(folder, store))
        # The second row is refused, and so is the call with her, whom nothing holds now.
        assert "2 rows rejected, nothing stored (first: " in line
        assert "contacts.csv:4 [Record ID - Contact]: hs-contact-102 is 'Nils Ek' on line 3 " \
               "and 'Sara Holm' here" in line
        nothing_stored(store)


def guid(key: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kamgraph-fixture:{key}"))


class TestDynamicsExcelExport(Shape):
    FOLDER = DATA / "dynamics" / "excel-export"

    def test_activity_files_are_told_by_their_hidden_columns(
            self, synced: tuple[Path, Result]) -> None:
        _, result = synced
        assert "Detected format: dynamics (My Active Contacts.csv has Dynamics 365 Excel " \
               "export (contact) columns ((Do Not Modify) Contact); also Appointments.csv, " \
               "Emails.csv, Enabled Users.csv, …)" in result.stderr
        # What cannot be resolved is counted: an attendee who is nobody's name.
        assert "1 appointment participant not found among the regarding account's contacts " \
               "or the users" in result.stdout

    def test_participants_named_by_display_name_are_resolved(
            self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        touches = sorted(
            (e[4], log["supplier_id"], log["customer_id"], e[1], e[2], e[3])
            for log in stored(store, "contact_log") for e in log["entries"])
        marta, daniel, priya = guid("u-marta"), guid("u-daniel"), guid("u-priya")
        assert touches == sorted([
            # The organizer and an attending user meet both attendees, for two hours.
            (guid("ap1"), marta, guid("c-ilze"), "meeting", "held", 120),
            (guid("ap1"), marta, guid("c-juris"), "meeting", "held", 120),
            (guid("ap1"), daniel, guid("c-ilze"), "meeting", "held", 120),
            (guid("ap1"), daniel, guid("c-juris"), "meeting", "held", 120),
            (guid("ap2"), daniel, guid("c-edgars"), "meeting", "declined", 0),  # canceled
            # Two Maria Santos: the one of the account the meeting is regarding.
            (guid("ap3"), daniel, guid("c-rui"), "meeting", "held", 90),
            (guid("ap3"), daniel, guid("c-maria-a"), "meeting", "held", 90),
            (guid("em1"), marta, guid("c-anna"), "email", "sent", 0),
            (guid("em1"), marta, guid("c-juris"), "email", "sent", 0),
            (guid("em2"), daniel, guid("c-rui"), "email", "sent", 0),  # from them
            (guid("em3"), daniel, guid("c-maria-a"), "email", "sent", 0),  # by address
            (guid("pc1"), priya, guid("c-sofia"), "call", "held", 25),
            (guid("pc2"), daniel, guid("c-edgars"), "call", "unanswered", 0),
        ])

    def test_decision_influence_and_the_opportunity_contact_are_roles(
            self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        people = {p["name"] + "@" + p["account_id"][:4]: p for p in stored(store, "person")
                  if p["side"] == "customer"}
        tagged = {name.split("@")[0]: (p["roles"], p["stance"]) for name, p in people.items()
                  if p["roles"] or p["stance"]}
        assert tagged == {"Ilze Berzina": (["decision_maker"], None),
                          "Anna Kalnina": (["decision_maker"], None),
                          "Juris Ozols": (["influencer"], None),
                          "Edgars Liepa": (None, "anti_sponsor"),
                          "Rui Almada": (["decision_maker"], None)}
        on_deals = {(r["opportunity_id"], r["person_id"], r["role_label"]) for r in stored(
            store, "opportunity_role")}
        assert (guid("o-baltic"), guid("c-juris"), "Contact") in on_deals
        assert (guid("o-baltic"), guid("c-ilze"), "decision influence: Decision maker") \
            in on_deals
        text = audit_text(store)
        the_audit_is_specific(text)
        assert re.search(r"Decision Maker (?:at|on) [^:]+:\s+Ilze\s+Berzina,\s+covered", text)
        assert not re.search(r"Decision Maker (?:at|on) [^:]+:\s+nobody\s+identified", text)

    def test_the_accounts_table_is_sized_to_guids(self, synced: tuple[Path, Result]) -> None:
        store, _ = synced
        result = CliRunner().invoke(cli, ["accounts", "--store", f"sqlite:///{store}"],
                                    catch_exceptions=False)
        header, *lines = result.stdout.splitlines()
        assert len(lines) == 2
        for line, name in zip(lines, ("Almada Vinhos Lda", "Baltic Cold Chain SIA"),
                              strict=True):
            assert line.index(name) == header.index("NAME") == 36 + 2
            assert line.index("active") == header.index("STATUS")

    def test_a_name_is_looked_up_within_the_regarding_account_only(
            self, tmp_path: Path) -> None:
        folder = tmp_path / "export"
        shutil.copytree(self.FOLDER, folder)
        path = folder / "Appointments.csv"
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        regarding, attendees = rows[0].index("Regarding"), rows[0].index("Required Attendees")
        # Regarding Almada, a Baltic contact's name names nobody there; regarding nothing,
        # a name one contact of the export has is theirs.
        rows[3][attendees] = "Rui Almada; Ilze Berzina"
        rows[1][regarding], rows[1][attendees] = "", "Juris Ozols; Maria Santos"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
        store = tmp_path / "k.db"
        result = sync(folder, store)
        assert result.exit_code == 0, result.output
        met = {(e[4], log["customer_id"]) for log in stored(store, "contact_log")
               for e in log["entries"] if e[4] in (guid("ap1"), guid("ap3"))}
        assert met == {(guid("ap1"), guid("c-juris")), (guid("ap3"), guid("c-rui"))}
        # Facilities Desk and Ilze Berzina named nobody; Maria Santos two people.
        assert "2 appointment participant not found among the regarding account's " \
               "contacts or the users" in result.stdout
        assert "1 appointment participant whose name two people share" in result.stdout
