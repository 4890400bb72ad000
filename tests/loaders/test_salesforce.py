"""The Salesforce loader on exports in both real flavours, quirks included."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from kamgraph.config import Config, SalesforceFields
from kamgraph.errors import InputError
from kamgraph.loaders import load
from kamgraph.model import Channel, Outcome, Person, Stance, Touch
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

ACC = "001000000000001"
USER = "005000000000001"
GONE = "005000000000002"
C1 = "003000000000001"
C2 = "003000000000002"


def write(folder: Path, name: str, header: list[str], rows: list[list[str]], *,
          encoding: str = "utf-8", quote_all: bool = True, crlf: bool = False) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                            lineterminator="\r\n" if crlf else "\n")
        writer.writerow(header)
        writer.writerows(rows)


def minimal(folder: Path, *, contacts: list[list[str]] | None = None,
            tasks: list[list[str]] | None = None, encoding: str = "utf-8") -> Path:
    """A tiny weekly-style export: one account, two users (one gone), two contacts."""
    write(folder, "Account.csv", ["Id", "Name", "IsDeleted"], [[ACC, "Acme", "0"]],
          encoding=encoding)
    write(folder, "User.csv", ["Id", "Name", "Title", "IsActive"],
          [[USER, "Ann Ours", "Key Account Manager", "1"],
           [GONE, "Gus Gone", "Sales Rep", "0"]], encoding=encoding)
    write(folder, "Contact.csv",
          ["Id", "AccountId", "FirstName", "LastName", "Title", "ReportsToId", "IsDeleted",
           "MasterRecordId"],
          contacts if contacts is not None else [
              [C1, ACC, "Cy", "Chief", "CFO", "000000000000000AAA", "0", ""],
              [C2, ACC, "Bo", "Buyer", "Buyer", C1, "0", ""],
          ], encoding=encoding)
    write(folder, "Task.csv",
          ["Id", "WhoId", "OwnerId", "ActivityDate", "Status", "TaskSubtype",
           "CallDisposition", "IsClosed"],
          tasks if tasks is not None else [
              ["00T000000000001", C2, USER, "2026-10-20", "Completed", "Call", "Connected", "1"],
          ], encoding=encoding)
    return folder


def records(path: Path, **kwargs: object) -> tuple[list[object], object]:
    loader = load(path, "salesforce", **{"config": Config(), **kwargs})  # type: ignore[arg-type]
    return list(loader.records()), loader.result


def test_both_flavours_load_to_the_same_store(
    tmp_path: Path, example_weekly: Path, example_dataloader: Path
) -> None:
    dumps = []
    for name, folder in (("weekly", example_weekly), ("dataloader", example_dataloader)):
        with SqliteStore(tmp_path / f"{name}.db") as store:
            report, rejects = sync_path(store, folder, config=Config())
            assert report.status == "ok" and rejects is None
            dumps.append(list(store.dump()))
    assert dumps[0] == dumps[1]
    # Activities are kept as one log per relationship: count what the logs hold.
    activities = sum(len(json.loads(row[4])["entries"]) for row in dumps[0]
                     if row[0] == "contact_log")
    assert len(dumps[0]) > 80 and activities > 1000


def test_dataloader_flavour_really_differs_on_disk(example_dataloader: Path) -> None:
    raw = (example_dataloader / "Contact.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM
    assert b"\r\n" in raw
    header = raw.split(b"\r\n", 1)[0].decode("utf-8-sig")
    assert header.startswith("ID,")  # header case differs
    task = (example_dataloader / "Task.csv").read_text(encoding="utf-8-sig")
    assert "true" in task and "T00:00:00.000+0000" not in task.splitlines()[0]
    event = (example_dataloader / "Event.csv").read_text(encoding="utf-8-sig")
    assert "T10:00:00.000+0000" in event


def test_ids_are_normalised_to_eighteen_characters(tmp_path: Path) -> None:
    recs, _ = records(minimal(tmp_path))
    people = [r for r in recs if isinstance(r, Person)]
    assert {p.id for p in people} >= {"003000000000001AAA", "005000000000001AAA"}
    bo = next(p for p in people if p.name == "Bo Buyer")
    assert bo.reports_to == "003000000000001AAA"
    cy = next(p for p in people if p.name == "Cy Chief")
    assert cy.reports_to is None  # the null id is an empty lookup


def test_leads_open_tasks_and_task_rows_in_event_relation_are_skipped_not_rejected(
    tmp_path: Path,
) -> None:
    minimal(tmp_path, tasks=[
        ["00T000000000001", "00Q000000000001", USER, "2026-10-20", "Completed", "Call", "", "1"],
        ["00T000000000002", C1, USER, "", "Not Started", "", "", "0"],
        ["00T000000000003", C1, USER, "2026-12-01", "Not Started", "", "", "0"],
        ["00T000000000004", "", USER, "2026-10-01", "Completed", "Email", "", "1"],
    ])
    write(tmp_path, "Event.csv", ["Id", "WhoId", "OwnerId", "ActivityDateTime",
                                  "DurationInMinutes"],
          [["00U000000000001", C1, USER, "2026-10-02 10:00:00", "60"]])
    write(tmp_path, "EventRelation.csv", ["EventId", "RelationId", "Status"],
          [["00T000000000001", C1, ""], ["00U000000000001", "00T000000000003", ""],
           ["00U000000000001", C1, "Accepted"]])
    recs, result = records(tmp_path)
    touches = [r for r in recs if isinstance(r, Touch)]
    assert [(t.activity_id[:3], t.outcome) for t in touches] == [("00U", Outcome.HELD)]
    assert result.rejects == []
    assert result.skipped["task with a lead"] == 1
    assert result.skipped["open task without a date"] == 1
    assert result.skipped["open task"] == 1
    assert result.skipped["task without a contact"] == 1
    assert result.skipped["event relation not naming an event invitee"] == 2


def test_declined_invitations_and_unanswered_calls_are_kept_as_signals(tmp_path: Path) -> None:
    minimal(tmp_path, tasks=[
        ["00T000000000001", C1, USER, "2026-10-20", "Completed", "Call", "Left Voicemail", "1"],
        ["00T000000000002", C1, USER, "2026-10-21", "Completed", "Call", "No Answer", "1"],
    ])
    write(tmp_path, "Event.csv", ["Id", "WhoId", "OwnerId", "ActivityDateTime",
                                  "DurationInMinutes"],
          [["00U000000000001", C1, USER, "2026-10-02 10:00:00", "60"]])
    write(tmp_path, "EventRelation.csv", ["EventId", "RelationId", "Status"],
          [["00U000000000001", C1, "Declined"], ["00U000000000001", C2, "Accepted"]])
    recs, _ = records(tmp_path)
    touches = sorted((t.customer_id[:15], t.channel, t.outcome, t.minutes)
                     for t in recs if isinstance(t, Touch))
    assert touches == [
        (C1, Channel.CALL, Outcome.UNANSWERED, 0),
        (C1, Channel.CALL, Outcome.UNANSWERED, 0),
        (C1, Channel.MEETING, Outcome.DECLINED, 0),
        (C2, Channel.MEETING, Outcome.HELD, 60),
    ]


def test_a_task_naming_an_unknown_contact_is_rejected_with_file_line_and_field(
    tmp_path: Path,
) -> None:
    minimal(tmp_path, tasks=[
        ["00T000000000001", C2, USER, "2026-10-20", "Completed", "Call", "", "1"],
        ["00T000000000002", "003000000000999", USER, "2026-10-20", "Completed", "Call", "", "1"],
    ])
    _, result = records(tmp_path)
    [reject] = result.rejects  # type: ignore[attr-defined]
    assert reject.file.endswith("Task.csv") and reject.line == 3
    assert reject.field == "WhoId" and reject.type == "unknown-contact"


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    minimal(tmp_path)
    write(tmp_path, "Contact.csv", ["Id", "Name"], [[C1, "Cy"]])
    with pytest.raises(InputError) as info:
        records(tmp_path)
    message = str(info.value)
    assert "Contact.csv:1 [AccountId]" in message and "missing" in message


def test_impossible_date_names_the_cell(tmp_path: Path) -> None:
    minimal(tmp_path, tasks=[
        ["00T000000000001", C2, USER, "2026-02-30", "Completed", "Call", "", "1"]])
    with pytest.raises(InputError, match=r"Task\.csv:2 \[ActivityDate\]: impossible date"):
        records(tmp_path)


def test_windows_1252_export_is_detected(tmp_path: Path) -> None:
    minimal(tmp_path, contacts=[
        [C1, ACC, "José", "Núñez", "Gerente General", "", "0", ""],
        [C2, ACC, "Zoë", "Lefèvre – “QA”", "Responsable Qualité", "", "0", ""],
    ], encoding="cp1252")
    recs, _ = records(tmp_path)
    names = {p.name for p in recs if isinstance(p, Person)}
    assert {"José Núñez", "Zoë Lefèvre – “QA”"} <= names


def test_forced_encoding_is_used(tmp_path: Path) -> None:
    minimal(tmp_path, contacts=[[C1, ACC, "José", "Núñez", "CFO", "", "0", ""]],
            encoding="latin-1")
    recs, _ = records(tmp_path, encoding="latin-1")
    assert "José Núñez" in {p.name for p in recs if isinstance(p, Person)}


def test_line_breaks_inside_quoted_fields_keep_line_numbers_right(tmp_path: Path) -> None:
    minimal(tmp_path, contacts=[
        [C1, ACC, "Cy", "Multi\nLine\nName", "CFO", "", "0", ""],
        [C2, ACC, "Bo", "Buyer", "Buyer", "not-an-id", "0", ""],
    ])
    with pytest.raises(InputError, match=r"Contact\.csv:5 \[ReportsToId\]: not a Salesforce id"):
        records(tmp_path)


def test_deleted_and_merged_contacts_are_marked(tmp_path: Path) -> None:
    minimal(tmp_path, contacts=[
        [C1, ACC, "Cy", "Chief", "CFO", "", "0", ""],
        [C2, ACC, "Bo", "Buyer", "Buyer", "", "true", C1],
    ])
    recs, _ = records(tmp_path)
    bo = next(p for p in recs if isinstance(p, Person) and p.name == "Bo Buyer")
    assert bo.deleted and bo.merged_into == "003000000000001AAA"


def test_zip_of_the_weekly_export_loads_like_the_folder(tmp_path: Path,
                                                        example_weekly: Path) -> None:
    archive = tmp_path / "WE_00D000000000001_1.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(example_weekly.iterdir()):
            zf.write(path, path.name)
        zf.writestr("ContentVersion/0680000000001.bin", b"\x00\x01binary")
    from_zip = [r.to_dict() for r in load(archive, "salesforce", config=Config()).records()]
    from_dir = [r.to_dict() for r in load(example_weekly, "salesforce", config=Config()).records()]
    assert from_zip == from_dir


def test_custom_stance_and_influence_fields_are_mapped(tmp_path: Path) -> None:
    minimal(tmp_path)
    write(tmp_path, "Contact.csv",
          ["Id", "AccountId", "FirstName", "LastName", "Title", "Stance__c", "Influence__c"],
          [[C1, ACC, "Cy", "Chief", "CFO", "Detractor", "80"],
           [C2, ACC, "Bo", "Buyer", "Buyer", "champion", ""]])
    config = Config(salesforce=SalesforceFields(
        stance="stance__c", influence="Influence__c", influence_scale=100,
        stance_values={"detractor": "anti_sponsor"}))
    recs, _ = records(tmp_path, config=config)
    people = {p.name: p for p in recs if isinstance(p, Person)}
    assert people["Cy Chief"].stance is Stance.ANTI_SPONSOR
    assert people["Cy Chief"].influence == pytest.approx(0.8)
    assert people["Bo Buyer"].stance is Stance.CHAMPION


def test_not_an_export_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="Contact.csv is missing"):
        load(tmp_path, "salesforce", config=Config())


def test_unused_objects_are_ignored(tmp_path: Path, example_weekly: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(example_weekly, folder)
    (folder / "Solution.csv").write_bytes(b"\xff\xfe\x00garbage that is not csv\x00")
    loader = load(folder, "salesforce", config=Config())
    assert sum(1 for _ in loader.records()) > 100
