"""Format detection on exports laid out like real ones, and account-level buying roles."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.generate import generate_export
from kamgraph.graph import build_account_graph, context
from kamgraph.loaders.base import detect_format
from kamgraph.loaders.csvio import detect_text
from kamgraph.stores import open_store

AS_OF = date(2026, 11, 1)
OBJECTS = Path(__file__).resolve().parent.parent / "data" / "salesforce" / \
    "weekly-export-objects.txt"
ROLE_HEADER = ["Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate",
               "LastModifiedById", "SystemModstamp", "AccountId", "ContactId", "Role",
               "IsPrimary"]


def object_names() -> list[str]:
    lines = OBJECTS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def weekly_export(folder: Path) -> Path:
    """The bundled example inside every object file of a real weekly export: the files
    kamgraph does not read hold a header and a row, as they would."""
    generate_export(folder, accounts=3, storylines=True, flavour="weekly", end=AS_OF)
    for name in object_names():
        path = folder / f"{name}.csv"
        if path.exists():
            continue
        header = ROLE_HEADER if name == "AccountContactRole" else [
            "Id", "IsDeleted", "Name", "CreatedDate", "ContactId", "AccountId"]
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(header)
    return folder


def contact_named(folder: Path, name: str) -> tuple[str, str]:
    with open(folder / "Contact.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if f"{row['FirstName']} {row['LastName']}" == name:
                return row["Id"], row["AccountId"]
    raise AssertionError(name)


def synced_graph(folder: Path, tmp_path: Path, account: str) -> nx.MultiDiGraph:
    """Sync ``folder`` as a user does (no --format) and build one account's graph."""
    uri = f"sqlite:///{tmp_path / 'k.db'}"
    result = CliRunner().invoke(cli, ["sync", str(folder), "--store", uri],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open_store(uri) as store:
        return build_account_graph(store.load_account(account), AS_OF, Config())


def test_the_object_list_is_a_real_exports() -> None:
    names = object_names()
    assert len(names) > 300
    assert {"AccountContactRole", "Contact", "Account", "Campaign", "Task"} <= set(names)


def test_a_real_weekly_export_is_salesforce(tmp_path: Path) -> None:
    folder = weekly_export(tmp_path / "export")
    fmt, why = detect_format(folder, Config())
    assert fmt == "salesforce", why


def test_anchor_objects_win_without_contacts(tmp_path: Path) -> None:
    """An incremental export without Contact.csv is still told by its other objects."""
    folder = weekly_export(tmp_path / "export")
    (folder / "Contact.csv").unlink()
    fmt, why = detect_format(folder, Config())
    assert fmt == "salesforce" and why.startswith("Account.csv has Salesforce Account columns")
    assert "also AccountContactRole.csv" in why


def test_a_salesforce_file_name_alone_never_makes_dynamics(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "AccountContactRole.csv").write_text(",".join(ROLE_HEADER) + "\n")
    (folder / "Opportunity.csv").write_text("Id,AccountId,Name\n")
    assert detect_format(folder, Config())[0] == "salesforce"


def test_sync_without_format_reads_account_roles(tmp_path: Path) -> None:
    folder = weekly_export(tmp_path / "export")
    tomas, account = contact_named(folder, "Tomás Ortega")
    hannah, _ = contact_named(folder, "Hannah Becker")  # technical buyer on the deal
    with open(folder / "AccountContactRole.csv", "a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        for i, (contact, role, deleted) in enumerate([
                (tomas, "Economic Decision Maker", "0"),
                (tomas, "Executive Sponsor", "1"),  # deleted: not read
                (hannah, "Influencer", "0")], 1):
            writer.writerow([f"02ZaB00000000{i}AAA", deleted, "2026-01-05 10:00:00", "", "",
                             "", "", account, contact, role, "0"])
    graph = synced_graph(folder, tmp_path, account)
    assert set(graph.nodes[tomas]["roles"]) == {"economic_buyer", "decision_maker"}
    assert "influencer" in graph.nodes[hannah]["roles"]
    open_deals = [o for o in context(graph).opportunities if not o["is_closed"]]
    assert open_deals
    for opp in open_deals:
        held = {r["person"]: set(r["roles"]) for r in opp["roles"]}
        # Where he has no role of his own, his role on the account counts on the deal;
        # where she has one, hers stands.
        assert held[tomas] == {"economic_buyer", "decision_maker"}
        assert held[hannah] == {"technical_buyer"}


@pytest.mark.parametrize("roles", ["Decision Maker;Influencer", "Decision Maker"])
def test_account_contact_relation_roles(tmp_path: Path, roles: str) -> None:
    folder = weekly_export(tmp_path / "export")
    tomas, account = contact_named(folder, "Tomás Ortega")
    with open(folder / "AccountContactRelation.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["Id", "AccountId", "ContactId", "Roles", "IsDirect", "IsActive",
                         "IsDeleted"])
        writer.writerow(["07kaB0000000001AAA", account, tomas, roles, "1", "1", "0"])
    graph = synced_graph(folder, tmp_path, account)
    expected = {"decision_maker"} | ({"influencer"} if "Influencer" in roles else set())
    assert set(graph.nodes[tomas]["roles"]) >= expected


def test_an_inactive_direct_relation_means_the_contact_left(tmp_path: Path) -> None:
    folder = weekly_export(tmp_path / "export")
    tomas, account = contact_named(folder, "Tomás Ortega")
    hannah, _ = contact_named(folder, "Hannah Becker")
    with open(folder / "AccountContactRelation.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["Id", "AccountId", "ContactId", "Roles", "IsDirect", "IsActive",
                         "IsDeleted", "EndDate"])
        writer.writerow(["07kaB0000000001AAA", account, tomas, "", "1", "0", "0",
                         "2026-10-15"])
        # An indirect relation ending says nothing about their own account.
        writer.writerow(["07kaB0000000002AAA", "001aB0000000002QAA", hannah, "", "0", "0",
                         "0", ""])
    graph = synced_graph(folder, tmp_path, account)
    assert graph.nodes[tomas]["active"] is False and graph.nodes[tomas]["status"] == "departed"
    assert graph.nodes[hannah]["active"] is True


_CHUNK = 1 << 20  # what detection reads at a time, after the first four bytes


@pytest.mark.parametrize(("tail", "expected"), [
    # A character split across two reads: UTF-8 all the same.
    ("é".encode() + b"b" * _CHUNK, ("utf-8", False)),
    # A UTF-8 lead byte, a read of plain ASCII, then the byte that would complete the
    # character: not UTF-8, though the bytes on either side of the ASCII would be.
    (b"\xc3" + b"b" * _CHUNK + b"\xa9", ("cp1252", False)),
])
def test_plain_ascii_reads_are_skipped_only_with_no_character_left_open(
        tail: bytes, expected: tuple[str, bool]) -> None:
    data = b"a" * (4 + _CHUNK - 1) + tail + b"c" * 10
    assert detect_text(io.BytesIO(data)) == expected


def write_rows(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


class TestDetectionByContent:
    def test_a_dynamics_excel_export_saved_as_contact_csv_is_dynamics(
            self, tmp_path: Path) -> None:
        """Named like Salesforce's objects, told by its hidden columns."""
        folder = tmp_path / "export"
        hidden = ["(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On"]
        write_rows(folder / "Contact.csv", [
            ["(Do Not Modify) Contact", *hidden, "Full Name", "Company Name"],
            ["{0F8FAD5B-D9CB-469F-A165-70867728950E}", "x", "11/1/2026 9:00 AM",
             "Ana Abara", "Acme"]])
        write_rows(folder / "Account.csv", [
            ["(Do Not Modify) Account", *hidden, "Account Name"],
            ["{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", "x", "11/1/2026 9:00 AM", "Acme"]])
        fmt, why = detect_format(folder, Config())
        assert fmt == "dynamics" and "(Do Not Modify)" in why

    def test_a_hubspot_contacts_file_is_told_whatever_its_name(self, tmp_path: Path) -> None:
        write_rows(tmp_path / "export" / "Q3 export.csv", [
            ["Record ID - Contact", "First Name", "Last Name", "Record ID - Company",
             "Company name"], ["51", "Ana", "Abara", "7", "Acme"]])
        fmt, why = detect_format(tmp_path / "export", Config())
        assert fmt == "hubspot" and why.startswith("Q3 export.csv has HubSpot contacts")

    def test_a_salesforce_extract_of_a_few_fields_is_told_by_its_ids(
            self, tmp_path: Path) -> None:
        write_rows(tmp_path / "export" / "Contact.csv", [
            ["ID", "ACCOUNTID", "EMAIL"], ["003aB0000000001AAA", "001aB0000000001AAA", ""]])
        fmt, why = detect_format(tmp_path / "export", Config())
        assert fmt == "salesforce" and "Contact (by its ids)" in why

    def test_kamgraph_csv_is_told_by_its_columns(self, tmp_path: Path) -> None:
        write_rows(tmp_path / "facts" / "stances.csv", [
            ["id", "stance"], ["003aB0000000002", "skeptic"]])
        assert detect_format(tmp_path / "facts", Config())[0] == "csv"

    @pytest.mark.parametrize(("header", "closest", "lacks"), [
        (["First Name", "Last Name", "Email"], "HubSpot contacts file",
         "'record id' or 'hs_object_id'"),
        (["Id", "AccountId", "Email"], "Salesforce Contact file", "'lastname' or 'firstname'"),
    ])
    def test_an_unknown_folder_names_the_closest_format_and_what_it_lacks(
            self, tmp_path: Path, header: list[str], closest: str, lacks: str) -> None:
        write_rows(tmp_path / "export" / "people.csv", [header, ["a", "b", "c"]])
        with pytest.raises(InputError) as caught:
            detect_format(tmp_path / "export", Config())
        message = str(caught.value)
        assert "cannot tell the format: people.csv comes closest to a " + closest in message
        assert "lacks the column " + lacks in message

    def test_a_wrong_format_says_what_the_folder_looks_like(self, tmp_path: Path) -> None:
        folder = weekly_export(tmp_path / "export")
        result = CliRunner().invoke(cli, ["sync", str(folder), "--format", "dynamics",
                                          "--store", f"sqlite:///{tmp_path / 'k.db'}"])
        assert result.exit_code == 2
        [line] = result.stderr.strip().splitlines()
        assert "this looks like a Salesforce export, not Dynamics 365: Contact.csv has " \
               "Salesforce Contact columns" in line
        assert "use --format salesforce" in line
        with open_store(f"sqlite:///{tmp_path / 'k.db'}") as store:
            assert list(store.dump()) == []
