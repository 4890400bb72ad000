"""Actions as CRM tasks: the ids written are the export's own, nobody is written blank,
CRM strings cannot run as formulas, and the tasks' status comes back with a later export."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import kamgraph
from kamgraph.stores import open_store
from kamgraph.tasks import (
    COLUMNS,
    MARKER,
    CrmIds,
    ReturnedTask,
    Skipped,
    crm_ids,
    returned_tasks,
    write_tasks,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SALESFORCE = ROOT / "examples" / "salesforce"
HUBSPOT = DATA / "hubspot" / "contacts-with-associations"
DYNAMICS = DATA / "dynamics" / "excel-export"
#: Someone of ours only a kamgraph CSV overlay knows.
OVERLAY_ONLY = "kam-overlay-olga"


def column(path: Path, name: str) -> set[str]:
    """Every value of column ``name`` (any case, as Data Loader's) in a CSV file."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    at = [h.lower() for h in rows[0]].index(name.lower())
    return {row[at] for row in rows[1:]}


def written(fmt: str, entries: list[dict[str, Any]], ids: CrmIds
            ) -> tuple[list[dict[str, str]], list[str], list[Skipped]]:
    out = io.StringIO(newline="")
    skipped = write_tasks(fmt, entries, ids, out)
    reader = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    rows = list(reader)
    return rows, list(reader.fieldnames or []), skipped


def synced(tmp_path: Path, *folders: tuple[Path, str]) -> CrmIds:
    uri = f"sqlite:///{tmp_path / 'k.db'}"
    for folder, fmt in folders:
        assert kamgraph.sync(folder, store=uri, format=fmt).status == "ok"
    with open_store(uri) as store:
        return crm_ids(store)


def ref(ids: CrmIds, kind: str, n: int = 0) -> dict[str, str]:
    """The ``n``-th record of ``kind`` with an id, as an entry names it."""
    keys = sorted(k for k, found in ids.found.items() if found[0].kind == kind)
    return {"id": keys[n], "name": f"{kind} {n}"}


def entry(action_id: str, account: dict[str, str], owner: dict[str, str] | None,
          subject: dict[str, str] | None = None, **more: Any) -> dict[str, Any]:
    """An action as the actions JSON gives it."""
    subject = subject or {"type": "account", **account}
    return {"id": action_id, "account": account, "status": "open", "priority": "high",
            "subject": subject, "owner": owner, "with": [], "problem": "No contact",
            "action": f"Meet {subject['name']}", "given": "2026-11-01", "due": "2026-11-15",
            "evidence": ["Last met 2026-03-02", "Holds the budget"], "steps": [], **more}


def as_person(ref_: dict[str, str]) -> dict[str, str]:
    return {"type": "person", **ref_}


# -- Salesforce ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def salesforce(tmp_path_factory: pytest.TempPathFactory) -> CrmIds:
    """The demo export with the bundled facts, and one of ours only an overlay holds."""
    tmp = tmp_path_factory.mktemp("sf")
    overlay = tmp / "facts"
    shutil.copytree(ROOT / "examples" / "facts", overlay)
    with (overlay / "people.csv").open(encoding="utf-8", newline="") as fh:
        people = list(csv.DictReader(fh))
    people.append({"id": OVERLAY_ONLY, "name": "Olga Overlay", "side": "supplier"})
    with (overlay / "people.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, [*people[0], "name", "side"], restval="")
        writer.writeheader()
        writer.writerows(people)
    return synced(tmp, (SALESFORCE, "salesforce"), (overlay, "csv"))


def salesforce_entries(ids: CrmIds) -> list[dict[str, Any]]:
    account = {"id": "001aB0000000001QAA", "name": "Acme Foods"}
    contacts = [k for k, f in ids.found.items()
                if f[0].kind == "contact" and k.startswith("003Gx00000000")]
    owner, other = ref(ids, "user", 0), ref(ids, "user", 1)
    steps = [{"subject": {"id": contacts[1], "name": "B"}, "owner": owner, "introducer": None},
             {"subject": {"id": contacts[2], "name": "C"}, "owner": other,
              "introducer": {"id": contacts[1], "name": "B"}}]
    return [
        entry("kg-000000a001", account, owner, as_person({"id": contacts[0], "name": "A"})),
        entry("kg-000000a002", account, owner),
        entry("kg-000000a003", account, owner, steps=steps),
        entry("kg-000000a004", account, owner, status="done"),
        entry("kg-000000a005", account, owner, status="dropped"),
        entry("kg-000000a006", account, {"id": OVERLAY_ONLY, "name": "Olga Overlay"}),
    ]


def test_salesforce_tasks_name_only_ids_the_export_holds(salesforce: CrmIds) -> None:
    rows, header, _ = written("salesforce-tasks", salesforce_entries(salesforce), salesforce)
    assert header == ["Subject", "WhoId", "WhatId", "OwnerId", "ActivityDate", "Status",
                      "Priority", "Description"]
    # Open entries only: one task, one task, one per step; done, dropped and the
    # overlay's owner none.
    assert len(rows) == 4
    assert {r["WhoId"] for r in rows} - {""} <= column(SALESFORCE / "Contact.csv", "Id")
    assert {r["WhatId"] for r in rows} <= column(SALESFORCE / "Account.csv", "Id")
    assert {r["OwnerId"] for r in rows} <= column(SALESFORCE / "User.csv", "Id")
    assert all(r["OwnerId"] and r["WhatId"] for r in rows)
    assert {r["Status"] for r in rows} == {"Not Started"}
    assert {r["Priority"] for r in rows} == {"High"}
    assert {r["ActivityDate"] for r in rows} == {"2026-11-15"}


def test_the_description_names_the_action_then_says_it(salesforce: CrmIds) -> None:
    rows, _, _ = written("salesforce-tasks", salesforce_entries(salesforce)[:1], salesforce)
    lines = rows[0]["Description"].split("\n")
    assert lines == [f"{MARKER} kg-000000a001", "Meet A", "- Last met 2026-03-02",
                     "- Holds the budget"]
    assert rows[0]["WhoId"] and rows[0]["Subject"] == "Meet A"


def test_an_account_action_has_no_contact(salesforce: CrmIds) -> None:
    rows, _, _ = written("salesforce-tasks", salesforce_entries(salesforce)[1:2], salesforce)
    assert rows[0]["WhoId"] == "" and rows[0]["WhatId"] == "001aB0000000001QAA"


def test_a_step_entry_makes_one_task_per_step(salesforce: CrmIds) -> None:
    entries = salesforce_entries(salesforce)
    steps = entries[2]["steps"]
    rows, _, _ = written("salesforce-tasks", entries[2:3], salesforce)
    assert [(r["OwnerId"], r["WhoId"]) for r in rows] == [
        (s["owner"]["id"], s["subject"]["id"]) for s in steps]
    assert rows[0]["Subject"].startswith("Step 1 of 2: user 0 meets B")
    assert "introduced by B" in rows[1]["Subject"] and "Meet Acme Foods" in rows[1]["Subject"]
    assert [r["Description"].split("\n")[0] for r in rows] == [
        f"{MARKER} kg-000000a003 (step 1 of 2)", f"{MARKER} kg-000000a003 (step 2 of 2)"]


def test_an_overlay_only_owner_is_skipped_not_blanked(salesforce: CrmIds) -> None:
    rows, _, skipped = written("salesforce-tasks", salesforce_entries(salesforce), salesforce)
    assert [(s.action, s.step) for s in skipped] == [("kg-000000a006", None)]
    assert "Olga Overlay" in skipped[0].reason and "overlay" in skipped[0].reason
    assert not any("Olga" in r["Subject"] or not r["OwnerId"] for r in rows)


def test_a_step_whose_person_has_no_id_is_skipped_alone(salesforce: CrmIds) -> None:
    base = salesforce_entries(salesforce)[2]
    steps = [base["steps"][0], {**base["steps"][1], "subject": {"id": "003nobody", "name": "X"}}]
    rows, _, skipped = written("salesforce-tasks", [{**base, "steps": steps}], salesforce)
    assert len(rows) == 1 and rows[0]["WhoId"] == steps[0]["subject"]["id"]
    assert [(s.action, s.step) for s in skipped] == [("kg-000000a003", 2)]
    assert "person X" in skipped[0].reason


def test_ids_of_another_crm_are_skipped(salesforce: CrmIds) -> None:
    rows, _, skipped = written("hubspot-tasks", salesforce_entries(salesforce)[:2], salesforce)
    assert rows == []
    assert [s.action for s in skipped] == ["kg-000000a001", "kg-000000a002"]
    assert all("comes from salesforce, not hubspot" in s.reason for s in skipped)


def test_crm_strings_cannot_run_as_formulas(salesforce: CrmIds) -> None:
    hostile = salesforce_entries(salesforce)[0]
    hostile["action"] = '=HYPERLINK("http://evil.example","x")'
    hostile["subject"]["name"] = "@SUM(1+1)"
    hostile["steps"] = [{"subject": hostile["subject"], "owner": hostile["owner"],
                         "introducer": None}]
    rows, _, _ = written("salesforce-tasks", [hostile, {**hostile, "steps": []}], salesforce)
    cells = [cell for row in rows for cell in row.values()]
    assert len(rows) == 2 and not any(cell[:1] in ("=", "+", "-", "@") for cell in cells)
    assert rows[1]["Subject"] == "'" + hostile["action"]
    assert "meets @SUM(1+1)" in rows[0]["Subject"]


def test_a_contact_of_a_further_account_is_written_as_the_contact(tmp_path: Path) -> None:
    """An owner known by id only (no User.csv) is in the export: a valid owner; a contact's
    place at a further account (AccountContactRelation) is the contact in Salesforce."""
    folder = DATA / "salesforce" / "dataloader-without-users"
    ids = synced(tmp_path, (folder, "salesforce"))
    owners = column(folder / "Account.csv", "OwnerId") | column(folder / "Task.csv", "OwnerId")
    users = {f[0].id for f in ids.found.values() if f[0].kind == "user"}
    assert users and users <= owners
    contacts = {f[0].id for f in ids.found.values() if f[0].kind == "contact"}
    assert contacts <= column(folder / "Contact.csv", "Id")
    # Each membership (its key an AccountContactRelation id) is written as its contact.
    with (folder / "AccountContactRelation.csv").open(encoding="utf-8-sig", newline="") as fh:
        relations = {row["ID"]: row["CONTACTID"] for row in csv.DictReader(fh)}
    memberships = {k: f[0].id for k, f in ids.found.items() if k in relations}
    assert memberships and all(relations[k] == contact for k, contact in memberships.items())


# -- HubSpot ------------------------------------------------------------------------


def hubspot_entries(ids: CrmIds, owner: dict[str, str]) -> list[dict[str, Any]]:
    company, person = ref(ids, "account"), as_person(ref(ids, "contact"))
    return [entry("kg-00000b0001", company, owner, person),
            entry("kg-00000b0002", company, owner)]


def test_hubspot_owners_known_only_by_name_are_skipped(tmp_path: Path) -> None:
    ids = synced(tmp_path, (HUBSPOT, "hubspot"))
    assert ids.found and all(f[0].kind != "user" for f in ids.found.values())
    owner = {"id": "hs-owner-helena-strand", "name": "Helena Strand"}
    assert "hs-owner-helena-strand" in ids.why
    rows, _, skipped = written("hubspot-tasks", hubspot_entries(ids, owner), ids)
    assert rows == [] and len(skipped) == 2
    assert all("only by name" in s.reason for s in skipped)


def test_hubspot_tasks_name_record_ids_of_the_export(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(HUBSPOT, export)
    (export / "owners.csv").write_text(
        "Owner ID,First Name,Last Name,Email\n"
        "41001,Helena,Strand,helena@supplier.example\n41002,Jonas,Berg,jonas@supplier.example\n"
        "41003,Marco,Bellini,marco@supplier.example\n41004,Ana,Duarte,ana@supplier.example\n",
        encoding="utf-8")
    ids = synced(tmp_path, (export, "hubspot"))
    rows, header, skipped = written("hubspot-tasks", hubspot_entries(ids, ref(ids, "user")),
                                    ids)
    assert skipped == [] and len(rows) == 2
    assert header == ["hs_task_subject", "hs_task_body", "hs_timestamp", "hubspot_owner_id",
                      "hs_task_status", "hs_task_priority", "hs_task_type",
                      "Record ID - Contact", "Record ID - Company"]
    assert {r["hubspot_owner_id"] for r in rows} <= column(export / "owners.csv", "Owner ID")
    assert {r["Record ID - Contact"] for r in rows} - {""} <= column(
        export / "contacts.csv", "Record ID - Contact")
    assert {r["Record ID - Company"] for r in rows} <= column(
        export / "Q3 companies.csv", "Record ID - Company")
    assert [r["Record ID - Contact"] == "" for r in rows] == [False, True]
    assert {(r["hs_task_status"], r["hs_task_priority"]) for r in rows} == {
        ("NOT_STARTED", "HIGH")}


# -- Dynamics -----------------------------------------------------------------------


def guids(path: Path, name: str) -> set[str]:
    return {value.strip("{}").lower() for value in column(path, name)}


def test_dynamics_tasks_name_guids_of_the_export(tmp_path: Path) -> None:
    ids = synced(tmp_path, (DYNAMICS, "dynamics"))
    account, owner = ref(ids, "account"), ref(ids, "user")
    person = as_person(ref(ids, "contact"))
    entries = [entry("kg-00000c0001", account, owner, person, priority="low"),
               entry("kg-00000c0002", account, owner, due=None, priority="medium")]
    rows, header, skipped = written("dynamics-tasks", entries, ids)
    assert skipped == [] and header == list(COLUMNS["dynamics"])
    assert {r["ownerid"] for r in rows} <= guids(DYNAMICS / "Enabled Users.csv",
                                                 "(Do Not Modify) User")
    contact, on_account = rows
    assert contact["regardingobjecttypecode"] == "contact"
    assert contact["regardingobjectid"] in guids(DYNAMICS / "My Active Contacts.csv",
                                                 "(Do Not Modify) Contact")
    assert on_account["regardingobjecttypecode"] == "account"
    assert on_account["regardingobjectid"] in guids(DYNAMICS / "My Active Accounts.csv",
                                                    "(Do Not Modify) Account")
    assert [(r["prioritycode"], r["scheduledend"]) for r in rows] == [
        ("0", "2026-11-15"), ("1", "")]
    assert {(r["statecode"], r["statuscode"], r["owneridtype"]) for r in rows} == {
        ("0", "2", "systemuser")}


# -- read-back ----------------------------------------------------------------------


def test_salesforce_tasks_come_back_done_or_not(salesforce: CrmIds, tmp_path: Path) -> None:
    """The tasks written, imported (given ids), one completed: a later export says so, and
    still syncs as before."""
    rows, _, _ = written("salesforce-tasks", salesforce_entries(salesforce)[:3], salesforce)
    export = tmp_path / "later"
    shutil.copytree(SALESFORCE, export)
    with (export / "Task.csv").open(encoding="utf-8", newline="") as fh:
        old = list(csv.DictReader(fh))
    header = [*old[0], "Description"]
    imported = [{"Id": f"00TGx00000009{i:02d}MAA", "WhoId": r["WhoId"] or "000000000000000AAA",
                 "WhatId": r["WhatId"], "Subject": r["Subject"], "OwnerId": r["OwnerId"],
                 "ActivityDate": "2026-11-12" if i == 0 else r["ActivityDate"],
                 "Status": "Completed" if i == 0 else "Not Started",
                 "IsClosed": "1" if i == 0 else "0", "TaskSubtype": "Task", "Type": "",
                 "CallDurationInSeconds": "", "CallDisposition": "", "IsDeleted": "0",
                 "Description": r["Description"]} for i, r in enumerate(rows)]
    with (export / "Task.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows([{**r, "Description": ""} for r in old] + imported)
    back = list(returned_tasks(export, "salesforce"))
    assert back[0] == ReturnedTask("kg-000000a001", True, date(2026, 11, 12))
    assert [(t.action, t.completed) for t in back[1:]] == [
        ("kg-000000a002", False), ("kg-000000a003", False), ("kg-000000a003", False)]
    assert all(str(t.day) == "2026-11-15" for t in back[1:])
    assert kamgraph.sync(export, store=f"sqlite:///{tmp_path / 'k.db'}").status == "ok"


def test_every_id_given_is_one_the_export_holds(salesforce: CrmIds) -> None:
    files = {"contact": "Contact.csv", "account": "Account.csv", "user": "User.csv"}
    for kind, name in files.items():
        given = {f[0].id for f in salesforce.found.values() if f[0].kind == kind}
        assert given and given <= column(SALESFORCE / name, "Id"), kind
    assert OVERLAY_ONLY not in salesforce.found


def test_a_data_loader_extract_of_tasks_is_read_back(tmp_path: Path) -> None:
    (tmp_path / "extract.csv").write_text(
        "ID,SUBJECT,STATUS,ISCLOSED,ACTIVITYDATE,DESCRIPTION\n"
        f'00T5g0000000001EAA,Call,Completed,true,2026-11-03,"{MARKER} kg-3f9c2e1a7b"\n',
        encoding="utf-8")
    assert [t.action for t in returned_tasks(tmp_path, "salesforce")] == ["kg-3f9c2e1a7b"]


def test_a_completed_status_without_is_closed_is_done(tmp_path: Path) -> None:
    (tmp_path / "Task.csv").write_text(
        "Id,Subject,Status,ActivityDate,Description\n"
        f'00T000000000001,Call,Completed,2026-11-03,"{MARKER} kg-3f9c2e1a7b\nMeet A"\n'
        "00T000000000002,Call,Completed,2026-11-04,not ours\n", encoding="utf-8")
    assert list(returned_tasks(tmp_path / "Task.csv", "salesforce")) == [
        ReturnedTask("kg-3f9c2e1a7b", True, date(2026, 11, 3))]


def test_hubspot_and_dynamics_tasks_come_back(tmp_path: Path) -> None:
    hubspot, dynamics = tmp_path / "hubspot", tmp_path / "dynamics"
    hubspot.mkdir()
    dynamics.mkdir()
    (hubspot / "my tasks.csv").write_text(
        "Record ID,hs_task_subject,hs_task_body,hs_task_status,hs_timestamp\n"
        f'1,Meet,"{MARKER} kg-00000b0001\nMeet A",COMPLETED,2026-11-05T10:00:00Z\n'
        f'2,Meet,"{MARKER} kg-00000b0002",NOT_STARTED,2026-11-20T00:00:00Z\n',
        encoding="utf-8")
    (dynamics / "task.csv").write_text(
        "activityid,subject,description,statecode,scheduledend,actualend\n"
        f'3f2504e0-4f89-41d3-9a0c-0305e82c3301,Meet,"{MARKER} kg-00000c0001",1,'
        "2026-11-15,2026-11-09\n", encoding="utf-8")
    assert [(t.action, t.completed, str(t.day)) for t in returned_tasks(hubspot, "hubspot")] == [
        ("kg-00000b0001", True, "2026-11-05"), ("kg-00000b0002", False, "2026-11-20")]
    assert [(t.action, t.completed, str(t.day)) for t in returned_tasks(dynamics, "dynamics")
            ] == [("kg-00000c0001", True, "2026-11-09")]
