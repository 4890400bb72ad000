"""The HubSpot loader on exports in HubSpot's layouts: English labels and internal names,
multi-id association cells, every buying role, call and meeting outcomes."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config, config_from_dict
from kamgraph.errors import InputError
from kamgraph.loaders import load
from kamgraph.loaders.hubspot import BUYING_ROLES, CALL_OUTCOMES
from kamgraph.model import (
    Account,
    Channel,
    CustomerRole,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Record,
    Side,
    Stance,
    TeamMember,
    Touch,
)
from tests.loaders.crm_writers import write_csv

CONTACTS = ["Record ID", "First Name", "Last Name", "Email", "Job Title", "Contact owner",
            "Primary Associated Company ID", "Associated Company IDs", "Buying Role"]
ACTIVITY = ["Record ID", "Activity date", "Activity assigned to", "Associated Contact",
            "Associated Contact IDs", "Associated Company IDs"]


def write(folder: Path, name: str, header: list[str], rows: list[list[str]],
          bom: bool = True) -> None:
    """HubSpot's CSV: a BOM by default, LF line ends."""
    write_csv(folder / name, header, rows, bom=bom)


def export(folder: Path, *, contacts: list[list[str]] | None = None,
           calls: list[list[str]] | None = None, meetings: list[list[str]] | None = None,
           emails: list[list[str]] | None = None) -> Path:
    """A small labels export: one company, two owners, three contacts."""
    write(folder, "owners.csv", ["id", "email", "firstName", "lastName", "userId", "teams",
                                 "jobTitle", "archived"],
          [["101", "ana@supplier.example", "Ana", "Abara", "9001", "Sales",
            "Key Account Manager", "false"],
           ["102", "ben@supplier.example", "Ben", "Becker", "9002", "Technical Service",
            "Service Engineer", "true"]])
    write(folder, "hubspot-crm-exports-all-companies-2026-11-01.csv",
          ["Record ID", "Company name", "Industry", "Annual Revenue", "Company owner"],
          [["7", "Acme Foods", "Food & Beverage", "120000000", "Ana Abara"]])
    write(folder, "hubspot-crm-exports-all-contacts-2026-11-01.csv", CONTACTS, contacts or [
        ["101", "Carla", "Castillo", "carla@acme.example", "CFO", "Ana Abara", "7", "7",
         "BUDGET_HOLDER;DECISION_MAKER"],
        ["102", "Dev", "Dubois", "dev@acme.example", "Buyer", "Ana Abara", "", "7;8",
         "BLOCKER"],
        ["103", "Elif", "Eriksen", "elif@acme.example", "Plant Manager", "Ana Abara", "7",
         "7", ""],
    ])
    write(folder, "hubspot-crm-exports-all-deals-2026-11-01.csv",
          ["Record ID", "Deal Name", "Deal Stage", "Amount", "Close Date", "Deal owner",
           "Associated Company IDs", "Associated Contact IDs"],
          [["55", "Renewal", "Contract Sent", "250000", "2026-12-31", "Ana Abara", "7",
            "101;103"],
           ["56", "Pilot", "Closed Lost", "", "2026-05-01", "Ana Abara", "7", "102"]])
    write(folder, "hubspot-crm-exports-calls-2026-11-01.csv",
          [*ACTIVITY, "Call outcome", "Call status", "Call duration"], calls or [])
    write(folder, "hubspot-crm-exports-meetings-2026-11-01.csv",
          [*ACTIVITY, "Meeting start time", "Meeting end time", "Meeting outcome"],
          meetings or [])
    write(folder, "hubspot-crm-exports-emails-2026-11-01.csv",
          [*ACTIVITY, "Email send status"], emails or [])
    return folder


def read_rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def records(path: Path, config: Config | None = None) -> tuple[list[Record], object]:
    loader = load(path, "auto", config=config or Config())
    return list(loader.records()), loader.result


def test_a_labels_export_loads_people_companies_deals_and_owners(tmp_path: Path) -> None:
    recs, result = records(export(tmp_path / "hs"))
    people = {r.id: r for r in recs if isinstance(r, Person)}
    carla = people["hs-contact-101"]
    assert carla.name == "Carla Castillo" and carla.account_id == "hs-company-7"
    assert carla.roles == (CustomerRole.ECONOMIC_BUYER, CustomerRole.DECISION_MAKER)
    # A contact numbered like an owner stays a different person.
    assert people["hs-owner-101"].name == "Ana Abara"
    assert people["hs-owner-101"].department == "Sales"
    assert people["hs-owner-102"].active is False
    # No primary company: the first of the associated ones.
    assert people["hs-contact-102"].account_id == "hs-company-7"
    assert people["hs-contact-102"].stance is Stance.ANTI_SPONSOR
    account = next(r for r in recs if isinstance(r, Account))
    assert (account.name, account.revenue, account.owner_id) == (
        "Acme Foods", 120_000_000, "hs-owner-101")
    team = [r for r in recs if isinstance(r, TeamMember)]
    assert [(t.person_id, t.role.value) for t in team] == [
        ("hs-owner-101", "key_account_manager")]
    deals = {r.id: r for r in recs if isinstance(r, Opportunity)}
    assert deals["hs-deal-56"].is_closed and not deals["hs-deal-56"].is_won
    assert not deals["hs-deal-55"].is_closed
    roles = {(r.opportunity_id, r.person_id): r.roles for r in recs
             if isinstance(r, OpportunityRole)}
    assert roles == {
        ("hs-deal-55", "hs-contact-101"): (CustomerRole.ECONOMIC_BUYER,
                                           CustomerRole.DECISION_MAKER),
        ("hs-deal-55", "hs-contact-103"): (CustomerRole.OTHER,),
        ("hs-deal-56", "hs-contact-102"): (CustomerRole.OTHER,),
    }
    assert result.rejects == []


@pytest.mark.parametrize("value", sorted(BUYING_ROLES))
def test_every_buying_role_value_maps(tmp_path: Path, value: str) -> None:
    roles, stance = BUYING_ROLES[value]
    recs, result = records(export(tmp_path / "hs", contacts=[
        ["101", "Carla", "Castillo", "", "CFO", "Ana Abara", "7", "7", value.upper()]]))
    carla = next(r for r in recs if isinstance(r, Person) and r.id == "hs-contact-101")
    assert carla.roles == (roles or None)
    assert carla.stance == stance
    assert result.rejects == []


def test_the_issue_s_role_mapping(tmp_path: Path) -> None:
    assert BUYING_ROLES["blocker"] == ((), Stance.ANTI_SPONSOR)
    assert BUYING_ROLES["champion"][1] is Stance.CHAMPION
    assert BUYING_ROLES["budget_holder"][0] == (CustomerRole.ECONOMIC_BUYER,)


def test_an_unknown_buying_role_is_rejected_with_where_and_how(tmp_path: Path) -> None:
    _, result = records(export(tmp_path / "hs", contacts=[
        ["101", "Carla", "Castillo", "", "CFO", "Ana Abara", "7", "7", "PROCUREMENT"]]))
    [reject] = result.rejects
    assert (reject.line, reject.field, reject.type) == (2, "Buying Role", "unknown-role")
    assert "contact_role_map" in reject.message


def test_multi_id_cells_make_one_touch_per_contact(tmp_path: Path) -> None:
    recs, _ = records(export(tmp_path / "hs", meetings=[
        ["9001", "2026-10-01 10:00", "Ana Abara", "Carla Castillo; Elif Eriksen",
         "101;103", "7", "2026-10-01 10:00", "2026-10-01 11:30", "Completed"]]))
    touches = sorted((t.customer_id, t.channel, t.outcome, t.minutes) for t in recs
                     if isinstance(t, Touch))
    assert touches == [
        ("hs-contact-101", Channel.MEETING, Outcome.HELD, 90),
        ("hs-contact-103", Channel.MEETING, Outcome.HELD, 90),
    ]


@pytest.mark.parametrize("disposition", sorted(CALL_OUTCOMES))
def test_call_outcomes_by_label_and_by_guid(tmp_path: Path, disposition: str) -> None:
    recs, _ = records(export(tmp_path / "hs", calls=[
        ["9002", "2026-10-02 09:00", "Ana Abara", "", "101", "7",
         disposition.capitalize() if "-" not in disposition else disposition, "COMPLETED",
         "600000"]]))
    [touch] = [t for t in recs if isinstance(t, Touch)]
    if CALL_OUTCOMES[disposition]:
        assert (touch.outcome, touch.minutes) == (Outcome.UNANSWERED, 0)
    else:
        assert (touch.outcome, touch.minutes) == (Outcome.HELD, 10)


@pytest.mark.parametrize(("outcome", "expected"), [
    ("Completed", Outcome.HELD), ("Scheduled", Outcome.HELD), ("Rescheduled", Outcome.HELD),
    ("No show", Outcome.DECLINED), ("NO_SHOW", Outcome.DECLINED),
    ("Canceled", Outcome.DECLINED), ("CANCELED", Outcome.DECLINED),
])
def test_meeting_outcomes(tmp_path: Path, outcome: str, expected: Outcome) -> None:
    recs, _ = records(export(tmp_path / "hs", meetings=[
        ["9003", "2026-10-03 10:00", "Ana Abara", "", "101", "7", "", "", outcome]]))
    [touch] = [t for t in recs if isinstance(t, Touch)]
    assert touch.outcome is expected


def test_call_status_and_email_status(tmp_path: Path) -> None:
    recs, result = records(export(
        tmp_path / "hs",
        calls=[["1", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "", "NO_ANSWER", ""],
               ["2", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "", "CANCELED", ""]],
        emails=[["3", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "SENT"],
                ["4", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "BOUNCED"]]))
    touches = sorted((t.activity_id, t.outcome) for t in recs if isinstance(t, Touch))
    assert touches == [("hs-call-1", Outcome.UNANSWERED), ("hs-email-3", Outcome.SENT)]
    assert result.skipped["call not made (status)"] == 1
    assert result.skipped["e-mail not delivered"] == 1


def test_internal_names_epoch_milliseconds_and_owner_ids(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    write(folder, "hubspot-crm-exports-calls-2026-11-01.csv",
          ["hs_object_id", "hs_timestamp", "hubspot_owner_id", "Associated Contact IDs",
           "hs_call_disposition", "hs_call_duration", "hs_lastmodifieddate"],
          [["77", "1790000000000", "102", "101;102", "f240bbac-87c9-4f6e-bf70-924b57d47db7",
            "90000", "1790000500000"]], bom=False)
    recs, result = records(folder)
    touches = sorted((t.customer_id, t.supplier_id, t.day.isoformat(), t.minutes)
                     for t in recs if isinstance(t, Touch))
    assert touches == [("hs-contact-101", "hs-owner-102", "2026-09-21", 2),
                       ("hs-contact-102", "hs-owner-102", "2026-09-21", 2)]
    # 1790000500000 ms after 1970 is 14:21:40 UTC on that day.
    assert result.high_water == "2026-09-21 14:21:40"


def test_an_association_naming_an_unknown_contact_is_rejected(tmp_path: Path) -> None:
    _, result = records(export(tmp_path / "hs", emails=[
        ["3", "2026-10-02 09:00", "Ana Abara", "", "101;999", "7", "SENT"]]))
    [reject] = result.rejects
    assert reject.file.endswith("emails-2026-11-01.csv")
    assert (reject.line, reject.field, reject.type) == (
        2, "Associated Contact IDs", "unknown-contact")


def test_an_owner_named_twice_is_ambiguous_and_rejected(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs", calls=[
        ["1", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "Connected", "", ""]])
    with open(folder / "owners.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write("103,ana2@supplier.example,Ana,Abara,9003,Sales,Buyer,false\n")
    _, result = records(folder)
    assert [r.type for r in result.rejects] == ["unknown-user"]
    assert "two owners" in result.rejects[0].message


def test_without_an_owners_file_owners_are_our_people_by_name(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs", calls=[
        ["1", "2026-10-02 09:00", "Ben Becker", "", "101", "7", "Connected", "", "60000"]])
    (folder / "owners.csv").unlink()
    recs, result = records(folder)
    ours = {r.id: r.name for r in recs if isinstance(r, Person) and r.side is Side.SUPPLIER}
    assert ours == {"hs-owner-ana-abara": "Ana Abara", "hs-owner-ben-becker": "Ben Becker"}
    team = {(t.person_id, t.role.value, t.role_label) for t in recs
            if isinstance(t, TeamMember)}
    assert team == {("hs-owner-ana-abara", "key_account_manager", "Company owner")}
    [touch] = [t for t in recs if isinstance(t, Touch)]
    assert touch.supplier_id == "hs-owner-ben-becker"
    assert result.warnings == [
        "no owners file: 2 owners known only by name or id (in 'Activity assigned to', "
        "'Company owner') added as our people; add the owners file (Settings › Users & "
        "Teams › Export, or the owners API: id, firstName, lastName, email) for their "
        "e-mails and titles"]
    assert result.rejects == []


def test_owners_of_a_company_s_contacts_and_deals_join_its_team(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    path = next(folder.glob("*all-deals*"))
    rows = read_rows(path)
    rows[1][rows[0].index("Deal owner")] = "Ben Becker"
    write(folder, path.name, rows[0], rows[1:])
    recs, _ = records(folder)
    team = {(t.person_id, t.role.value, t.role_label) for t in recs
            if isinstance(t, TeamMember)}
    assert team == {("hs-owner-101", "key_account_manager", "Company owner"),
                    ("hs-owner-102", "sales", "Deal owner")}


def test_a_localised_export_names_the_headers_and_the_way_to_map_them(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    german = ["Datensatz-ID", "Vorname", "Nachname", "E-Mail", "Jobbezeichnung",
              "Kontaktinhaber", "ID des primär zugeordneten Unternehmens",
              "Zugeordnete Unternehmens-IDs", "Einkaufsrolle"]
    contacts = folder / "hubspot-crm-exports-all-contacts-2026-11-01.csv"
    with contacts.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    write(folder, contacts.name, german, rows)
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", str(folder), "--format", "hubspot", "--store",
                                 f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 2
    message = result.output.strip().splitlines()[-1]
    assert "contacts-2026-11-01.csv:1" in message and "'Datensatz-ID'" in message
    assert "[hubspot.headers]" in message and "Traceback" not in result.output
    # Mapped in kamgraph.toml, the same export loads.
    mapping = dict(zip(german, CONTACTS, strict=True))
    toml = "[hubspot.headers]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in mapping.items())
    config = config_from_dict(tomllib.loads(toml), tmp_path / "kamgraph.toml")
    recs, result2 = records(folder, config)
    assert any(isinstance(r, Person) and r.name == "Carla Castillo" for r in recs)


def test_auto_detection_says_it_chose_hubspot(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    result = CliRunner().invoke(cli, ["sync", str(folder), "--store",
                                      f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 0, result.output
    assert "Detected format: hubspot (" in result.output
    assert "hubspot sync of" in result.output


def test_a_bad_date_names_file_line_and_column(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs", meetings=[
        ["9003", "next Tuesday", "Ana Abara", "", "101", "7", "", "", "Completed"]])
    with pytest.raises(InputError) as caught:
        records(folder)
    assert "meetings-2026-11-01.csv:2 [Activity date]: not a date" in str(caught.value)


def test_a_dotted_date_is_day_first(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs", meetings=[
        ["9003", "03.10.2026", "Ana Abara", "", "101", "7", "", "", "Completed"]])
    [touch] = [t for t in records(folder)[0] if isinstance(t, Touch)]
    assert touch.day.isoformat() == "2026-10-03"


def test_a_spreadsheet_export_is_told_to_use_csv(tmp_path: Path) -> None:
    folder = tmp_path / "hs"
    folder.mkdir()
    (folder / "hubspot-crm-exports-all-contacts-2026-11-01.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"is a spreadsheet: export as CSV"):
        load(folder, "hubspot", config=Config())


def test_a_team_property_names_owners_by_name_even_with_a_comma(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    with open(folder / "owners.csv", "a", encoding="utf-8", newline="") as fh:
        fh.write('103,cara@supplier.example,"Cara, Jr.",Castro,9003,Delivery,CSM,false\n')
    write(folder, "hubspot-crm-exports-all-companies-2026-11-01.csv",
          ["Record ID", "Company name", "Company owner", "Customer success manager"],
          [["7", "Acme Foods", "Ana Abara", "Cara, Jr. Castro; Ben Becker"]])
    config = config_from_dict(tomllib.loads(
        '[hubspot.team]\n"Customer success manager" = "delivery"\n'), tmp_path / "k.toml")
    recs, result = records(folder, config)
    team = sorted((t.person_id, t.role.value) for t in recs if isinstance(t, TeamMember))
    assert team == [("hs-owner-101", "key_account_manager"), ("hs-owner-102", "delivery"),
                    ("hs-owner-103", "delivery")]
    assert result.rejects == []


def test_reports_to_from_a_custom_contact_property(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs")
    path = next(folder.glob("*all-contacts*"))
    rows = read_rows(path)
    rows[0].append("Reports To (Record ID)")
    for row, boss in zip(rows[1:], ["", "101", "101"], strict=True):
        row.append(boss)
    write(folder, path.name, rows[0], rows[1:])
    config = config_from_dict(tomllib.loads(
        '[hubspot]\nreports_to = "Reports To (Record ID)"\n'), tmp_path / "kamgraph.toml")
    people = {r.id: r for r in load(folder, "hubspot", config=config).records()
              if isinstance(r, Person)}
    assert people["hs-contact-102"].reports_to == "hs-contact-101"
    assert people["hs-contact-101"].reports_to is None
    # Without the setting the property is not read; naming a property the export lacks
    # is an error that says so.
    plain = {r.id: r for r in load(folder, "hubspot", config=Config()).records()
             if isinstance(r, Person)}
    assert plain["hs-contact-102"].reports_to is None
    wrong = config_from_dict(tomllib.loads('[hubspot]\nreports_to = "Manager"\n'),
                             tmp_path / "kamgraph.toml")
    with pytest.raises(InputError, match="'Manager' of \\[hubspot\\] reports_to"):
        list(load(folder, "hubspot", config=wrong).records())


def test_reports_to_by_full_name_within_the_contact_s_company(tmp_path: Path) -> None:
    folder = export(tmp_path / "hs", contacts=[
        ["101", "Carla", "Castillo", "", "CFO", "Ana Abara", "7", "7", ""],
        ["102", "Dev", "Dubois", "", "Buyer", "Ana Abara", "7", "7", ""],
        ["103", "Elif", "Eriksen", "", "Plant Manager", "Ana Abara", "7", "7", ""],
        ["104", "Elif", "Eriksen", "elif2@acme.example", "Planner", "Ana Abara", "7", "7", ""],
        ["105", "Finn", "Falk", "", "Operator", "Ana Abara", "7", "7", ""],
    ])
    path = next(folder.glob("*all-contacts*"))
    rows = read_rows(path)
    rows[0].append("Manager")
    for row, boss in zip(rows[1:], ["", "carla castillo", "101", "Nobody Here",
                                    "Elif Eriksen"], strict=True):
        row.append(boss)
    write(folder, path.name, rows[0], rows[1:])
    config = config_from_dict(tomllib.loads('[hubspot]\nreports_to = "Manager"\n'),
                              tmp_path / "kamgraph.toml")
    recs, result = records(folder, config)
    managers = {r.id: r.reports_to for r in recs if isinstance(r, Person)
                and r.id.startswith("hs-contact-")}
    assert managers == {"hs-contact-101": None, "hs-contact-102": "hs-contact-101",
                        "hs-contact-103": "hs-contact-101", "hs-contact-104": None,
                        "hs-contact-105": None}
    assert result.skipped["reports-to names none of the company's contacts"] == 1
    assert result.skipped["reports-to names two of the company's contacts"] == 1
    assert result.rejects == []


def test_an_incremental_export_without_owners_never_makes_an_owner_twice(
        tmp_path: Path) -> None:
    """By name alone, an owner an owners file numbered cannot be told: refused, not
    added again; one an earlier sync knew by name is the same person."""
    from kamgraph.stores.sqlite import SqliteStore
    from kamgraph.syncing import sync_path

    call = [["1", "2026-10-02 09:00", "Ana Abara", "", "101", "7", "Connected", "", ""]]
    for with_owners, expected in ((True, "rejected"), (False, "ok")):
        full = export(tmp_path / f"full-{with_owners}")
        if not with_owners:
            (full / "owners.csv").unlink()
        part = export(tmp_path / f"part-{with_owners}", calls=call)
        for path in part.iterdir():
            if "calls" not in path.name and "contacts" not in path.name:
                path.unlink()
        with SqliteStore(tmp_path / f"k-{with_owners}.db") as store:
            assert sync_path(store, full, config=Config())[0].status == "ok"
            report, _ = sync_path(store, part, incremental=True, config=Config())
            assert report.status == expected
            owners = {row[1] for row in store.dump()
                      if row[0] == "person" and row[1].startswith("hs-owner-")}
        if with_owners:
            assert [r.message for r in report.rejects] == [
                "owner 'Ana Abara' is no owner of an earlier sync (add the owners file)"]
            assert owners == {"hs-owner-101", "hs-owner-102"}
        else:
            assert owners == {"hs-owner-ana-abara"}
