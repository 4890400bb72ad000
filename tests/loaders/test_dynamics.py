"""The Dynamics 365 loader on Dataverse table exports and Excel exports: connection roles,
activity parties, hidden "(Do Not Modify)" columns, lookups by name."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.loaders import load
from kamgraph.loaders.dynamics import PARTICIPATION, SALES_TEAM_ROLES, STAKEHOLDER_ROLES
from kamgraph.model import (
    Channel,
    CustomerRole,
    Opportunity,
    OpportunityRole,
    Outcome,
    Person,
    Record,
    Stance,
    SupplierRole,
    TeamMember,
    Touch,
)
from tests.loaders.crm_writers import write_csv


def gid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"dyn-test:{name}"))


ACME, ANA, BEN, CARLA, DEV, OPP = (gid(n) for n in ("acme", "ana", "ben", "carla", "dev",
                                                       "opp"))


def write(folder: Path, name: str, header: list[str], rows: list[list[str]],
          bom: bool = False) -> None:
    """Dataverse's CSV: CRLF line ends, a BOM from Excel."""
    write_csv(folder / name, header, rows, bom=bom, crlf=True)


def tables(folder: Path, *, connections: list[list[str]] | None = None,
           activities: list[list[str]] | None = None,
           parties: list[list[str]] | None = None) -> Path:
    write(folder, "systemuser.csv", ["systemuserid", "fullname", "jobtitle",
                                     "internalemailaddress", "isdisabled"],
          [[ANA, "Ana Abara", "Key Account Manager", "ana@supplier.example", "0"],
           [BEN, "Ben Becker", "Service Engineer", "ben@supplier.example", "1"]])
    write(folder, "account.csv", ["accountid", "name", "ownerid", "statecode"],
          [[ACME, "Acme Foods", ANA, "0"]])
    write(folder, "contact.csv", ["contactid", "firstname", "lastname", "jobtitle",
                                  "parentcustomerid", "statecode", "modifiedon"],
          [[CARLA, "Carla", "Castillo", "CFO", ACME, "0", "2026-10-30T08:00:00Z"],
           [DEV, "Dev", "Dubois", "Buyer", ACME, "1", "2026-10-31T08:00:00Z"]])
    write(folder, "opportunity.csv", ["opportunityid", "name", "parentaccountid", "statecode",
                                      "estimatedclosedate", "estimatedvalue"],
          [[OPP, "Renewal", ACME, "0", "2026-12-31", "250000"]])
    roles = sorted(set(STAKEHOLDER_ROLES) | set(SALES_TEAM_ROLES))
    write(folder, "connectionrole.csv", ["connectionroleid", "name", "category"],
          [[gid(f"role:{r}"), r.title(), "Stakeholder"] for r in roles])
    write(folder, "connection.csv", ["connectionid", "record1id", "record2id",
                                     "record1roleid", "record2roleid", "statecode"],
          connections or [])
    write(folder, "activitypointer.csv",
          ["activityid", "activitytypecode", "ownerid", "actualstart", "scheduledstart",
           "actualdurationminutes", "statecode", "leftvoicemail"], activities or [])
    write(folder, "activityparty.csv", ["activityid", "partyid", "participationtypemask",
                                        "partyobjecttypecode"], parties or [])
    return folder


def records(path: Path) -> tuple[list[Record], object]:
    loader = load(path, "auto", config=Config())
    return list(loader.records()), loader.result


def role(name: str) -> str:
    return gid(f"role:{name}")


@pytest.mark.parametrize("name", sorted(STAKEHOLDER_ROLES))
def test_every_stakeholder_role_on_the_account_and_on_an_opportunity(
        tmp_path: Path, name: str) -> None:
    roles, stance = STAKEHOLDER_ROLES[name]
    recs, result = records(tables(tmp_path / "d", connections=[
        # Dataverse writes each connection and its mirror.
        [gid("c1"), CARLA, ACME, role(name), "", "0"],
        [gid("c1r"), ACME, CARLA, "", role(name), "0"],
        [gid("c2"), CARLA, OPP, role(name), "", "0"],
        [gid("c3"), CARLA, OPP, role(name), "", "1"],  # inactive: ignored
    ]))
    carla = next(r for r in recs if isinstance(r, Person) and r.id == CARLA)
    assert carla.roles == (roles or None)
    assert carla.stance == stance
    on_opp = [r for r in recs if isinstance(r, OpportunityRole)]
    assert [(r.person_id, r.roles) for r in on_opp] == ([(CARLA, roles)] if roles else [])
    assert result.skipped["inactive connection"] == 1
    assert result.rejects == []


@pytest.mark.parametrize("name", ["sales professional", "technical sales professional",
                                  "delivery professional", "executive sponsor",
                                  "account manager"])
def test_sales_team_roles_put_users_on_the_account_team(tmp_path: Path, name: str) -> None:
    recs, _ = records(tables(tmp_path / "d", connections=[
        [gid("t1"), BEN, ACME, role(name), "", "0"]]))
    team = {(t.person_id, t.role) for t in recs if isinstance(t, TeamMember)}
    assert team == {(ANA, SupplierRole.KEY_ACCOUNT_MANAGER), (BEN, SALES_TEAM_ROLES[name])}


def test_users_contacts_and_states(tmp_path: Path) -> None:
    recs, result = records(tables(tmp_path / "d"))
    people = {r.id: r for r in recs if isinstance(r, Person)}
    assert people[ANA].active is True and people[BEN].active is False
    assert people[DEV].active is False  # statecode 1: an inactive contact
    assert people[CARLA].account_id == ACME
    [opp] = [r for r in recs if isinstance(r, Opportunity)]
    assert (opp.is_closed, opp.amount, opp.close_date.isoformat()) == (
        False, 250000, "2026-12-31")
    assert result.high_water == "2026-10-31 08:00:00"


def test_activity_parties_outcomes_and_states(tmp_path: Path) -> None:
    a = [gid(f"a{i}") for i in range(7)]
    recs, result = records(tables(
        tmp_path / "d",
        activities=[
            [a[0], "appointment", ANA, "2026-10-01T10:00:00Z", "", "60", "1", ""],
            [a[1], "appointment", ANA, "", "2026-10-02T10:00:00Z", "45", "2", ""],
            [a[2], "phonecall", ANA, "2026-10-03T10:00:00Z", "", "12", "1", "false"],
            [a[3], "phonecall", ANA, "2026-10-04T10:00:00Z", "", "0", "1", "true"],
            [a[4], "phonecall", ANA, "2026-10-05T10:00:00Z", "", "", "0", ""],
            [a[5], "email", ANA, "2026-10-06T10:00:00Z", "", "", "1", ""],
            [a[6], "fax", ANA, "2026-10-06T10:00:00Z", "", "", "1", ""],
        ],
        parties=[
            [a[0], ANA, "7", "8"], [a[0], CARLA, "5", "2"], [a[0], DEV, "6", "2"],
            [a[0], BEN, "5", "8"], [a[0], ACME, "8", "1"],
            [a[1], CARLA, "5", "2"],
            [a[2], ANA, "1", "8"], [a[2], CARLA, "2", "2"],
            [a[3], CARLA, "2", "2"],
            [a[4], CARLA, "2", "2"],
            [a[5], CARLA, "1", "2"], [a[5], ANA, "To Recipient", "8"],
        ]))
    touches = sorted((t.activity_id, t.supplier_id, t.customer_id, t.channel, t.outcome,
                      t.minutes) for t in recs if isinstance(t, Touch))
    assert touches == sorted([
        (a[0], ANA, CARLA, Channel.MEETING, Outcome.HELD, 60),
        (a[0], ANA, DEV, Channel.MEETING, Outcome.HELD, 60),
        (a[0], BEN, CARLA, Channel.MEETING, Outcome.HELD, 60),
        (a[0], BEN, DEV, Channel.MEETING, Outcome.HELD, 60),
        (a[1], ANA, CARLA, Channel.MEETING, Outcome.DECLINED, 0),
        (a[2], ANA, CARLA, Channel.CALL, Outcome.HELD, 12),
        (a[3], ANA, CARLA, Channel.CALL, Outcome.UNANSWERED, 0),
        (a[5], ANA, CARLA, Channel.EMAIL, Outcome.SENT, 0),
    ])
    assert result.skipped["open phonecall"] == 1
    assert result.skipped["activity of type fax"] == 1


def test_participation_types_cover_values_and_labels() -> None:
    assert {PARTICIPATION[str(n)] for n in (1, 2, 5, 6, 7)} == {
        "sender", "to", "required", "optional", "organizer"}
    assert PARTICIPATION["required attendee"] == "required"


def test_an_excel_export_uses_the_hidden_id_and_resolves_names(tmp_path: Path) -> None:
    folder = tables(tmp_path / "d")
    for name in ("systemuser.csv", "account.csv", "contact.csv"):
        (folder / name).unlink()
    dnm = ["(Do Not Modify) Row Checksum", "(Do Not Modify) Modified On"]
    write(folder, "Active Users 11-1-2026 9-00-00 AM.csv",
          ["(Do Not Modify) User", *dnm, "Full Name", "Title", "Primary Email", "Status"],
          [["{" + ANA.upper() + "}", "x1", "11/1/2026 9:00 AM", "Ana Abara",
            "Key Account Manager", "ana@supplier.example", "Enabled"],
           ["{" + BEN.upper() + "}", "x2", "11/1/2026 9:00 AM", "Ben Becker", "Engineer", "",
            "Disabled"]], bom=True)
    write(folder, "My Active Accounts.csv",
          ["(Do Not Modify) Account", *dnm, "Account Name", "Owner", "Status"],
          [["{" + ACME.upper() + "}", "x3", "11/1/2026 9:00 AM", "Acme Foods", "Ana Abara",
            "Active"]], bom=True)
    write(folder, "My Active Contacts.csv",
          ["(Do Not Modify) Contact", *dnm, "Full Name", "Job Title", "Company Name",
           "Modified On"],
          [["{" + CARLA.upper() + "}", "x4", "11/1/2026 9:00 AM", "Carla Castillo", "CFO",
            "Acme Foods", "10/30/2026 8:00 AM"],
           ["{" + DEV.upper() + "}", "x5", "11/1/2026 9:00 AM", "Dev Dubois", "Buyer",
            "Nobody Ltd", "10/30/2026 8:00 PM"]], bom=True)
    recs, result = records(folder)
    people = {r.id: r for r in recs if isinstance(r, Person)}
    assert people[CARLA].account_id == ACME and people[CARLA].name == "Carla Castillo"
    assert people[BEN].active is False
    assert [r.type for r in result.rejects] == ["unknown-account"]
    assert result.rejects[0].field == "Company Name" and result.rejects[0].line == 3
    # Modified On is read (en-US, 12-hour); the hidden "(Do Not Modify) Modified On" is not.
    assert result.high_water == "2026-10-30 20:00:00"


def test_a_name_two_accounts_share_is_rejected_not_guessed(tmp_path: Path) -> None:
    folder = tables(tmp_path / "d")
    write(folder, "account.csv", ["accountid", "name", "ownerid"],
          [[ACME, "Acme", ANA], [gid("acme2"), "Acme", ANA]])
    write(folder, "contact.csv", ["contactid", "fullname", "parentcustomerid"],
          [[CARLA, "Carla Castillo", "Acme"]])
    _, result = records(folder)
    [reject] = result.rejects
    assert "names two records" in reject.message


def test_a_bad_guid_is_exit_2_naming_file_line_and_field(tmp_path: Path) -> None:
    folder = tables(tmp_path / "d")
    write(folder, "contact.csv", ["contactid", "fullname", "parentcustomerid"],
          [[CARLA, "Carla Castillo", ACME], ["not-a-guid", "Dev Dubois", ACME]])
    result = CliRunner().invoke(cli, ["sync", str(folder), "--store",
                                      f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 2
    assert "contact.csv:3 [contactid]: not a GUID: 'not-a-guid'" in result.output
    assert "Traceback" not in result.output
    assert "Detected format: dynamics (" in result.output


def test_connections_between_contacts_and_unknown_records_are_ignored(tmp_path: Path) -> None:
    recs, result = records(tables(tmp_path / "d", connections=[
        [gid("c9"), CARLA, gid("elsewhere"), role("decision maker"), "", "0"]]))
    carla = next(r for r in recs if isinstance(r, Person) and r.id == CARLA)
    assert carla.roles is None and result.rejects == []


def test_blocker_outranks_champion_as_stance(tmp_path: Path) -> None:
    recs, _ = records(tables(tmp_path / "d", connections=[
        [gid("c1"), CARLA, ACME, role("champion"), "", "0"],
        [gid("c2"), CARLA, ACME, role("blocker"), "", "0"]]))
    carla = next(r for r in recs if isinstance(r, Person) and r.id == CARLA)
    assert carla.stance is Stance.ANTI_SPONSOR and carla.roles == (CustomerRole.COACH,)


def test_not_a_dynamics_export(tmp_path: Path) -> None:
    write(tmp_path / "d", "account.csv", ["accountid", "name"], [[ACME, "Acme"]])
    with pytest.raises(InputError, match="no contact table"):
        load(tmp_path / "d", "dynamics", config=Config())


def test_account_columns_named_in_the_settings_join_the_team(tmp_path: Path) -> None:
    import tomllib

    from kamgraph.config import config_from_dict

    folder = tables(tmp_path / "d")
    write(folder, "account.csv", ["accountid", "name", "ownerid", "Technical Account Manager"],
          [[ACME, "Acme Foods", ANA, "Ben Becker"]])
    config = config_from_dict(tomllib.loads(
        '[dynamics.team]\n"Technical Account Manager" = "technical_service"\n'),
        tmp_path / "kamgraph.toml")
    loader = load(folder, "dynamics", config=config)
    team = {(t.person_id, t.role) for t in loader.records() if isinstance(t, TeamMember)}
    assert team == {(ANA, SupplierRole.KEY_ACCOUNT_MANAGER),
                    (BEN, SupplierRole.TECHNICAL_SERVICE)}
