"""Messages that say what to do: each wrong turn a new user takes gets one line that
names the way out."""

from __future__ import annotations

import socket
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamgraph.cli import cli
from tests.loaders.crm_writers import build, write_dynamics, write_hubspot

AS_OF = "2026-11-01"


def error_of(*args: str, code: int = 2) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def workbook(path: Path) -> Path:
    """The smallest file Excel would recognise as a workbook (an .xlsx is a zip)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


def test_a_workbook_saved_as_contact_csv(export: Path, tmp_path: Path) -> None:
    workbook(tmp_path / "book.xlsx").replace(export / "Contact.csv")
    message = error_of("sync", str(export), "--store", f"sqlite:///{tmp_path / 'k.db'}")
    assert "Contact.csv" in message and "Excel workbook" in message
    assert "save each sheet as CSV (UTF-8)" in message


def test_a_workbook_given_as_the_path(tmp_path: Path) -> None:
    book = workbook(tmp_path / "contacts.xlsx")
    message = error_of("sync", str(book), "--store", f"sqlite:///{tmp_path / 'k.db'}")
    assert "Excel workbook" in message and "CSV (UTF-8)" in message


def test_contact_xlsx_in_a_salesforce_folder(export: Path, tmp_path: Path) -> None:
    (export / "Contact.csv").unlink()
    workbook(export / "Contact.xlsx")
    message = error_of("sync", str(export), "--store", f"sqlite:///{tmp_path / 'k.db'}")
    assert "Contact.csv is missing, and Contact.xlsx is there: save it as CSV" in message


@pytest.mark.parametrize(("writer", "wrong", "right", "label"), [
    (write_hubspot, "salesforce", "hubspot", "HubSpot"),
    (write_dynamics, "hubspot", "dynamics", "Dynamics 365"),
    (write_hubspot, "dynamics", "hubspot", "HubSpot"),
])
def test_the_wrong_format_names_the_right_one(tmp_path: Path, writer: object, wrong: str,
                                              right: str, label: str) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    writer(build(), folder)  # type: ignore[operator]
    message = error_of("sync", str(folder), "--format", wrong, "--store",
                       f"sqlite:///{tmp_path / 'k.db'}")
    assert f"this looks like a {label} export" in message
    assert f"drop --format (it is detected) or use --format {right}" in message
    assert "kamgraph.toml" not in message


def test_an_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    message = error_of("sync", str(tmp_path / "empty"), "--store",
                       f"sqlite:///{tmp_path / 'k.db'}")
    assert f"no CSV files in {tmp_path / 'empty'}" in message


def test_serve_on_a_port_in_use_is_a_usage_error(tmp_path: Path,
                                                 example_weekly: Path) -> None:
    store = f"sqlite:///{tmp_path / 'k.db'}"
    assert CliRunner().invoke(cli, ["sync", str(example_weekly), "--store", store]).exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        message = error_of("serve", "--port", str(port), "--store", store, "--as-of", AS_OF)
    assert f"cannot listen on 127.0.0.1:{port}" in message and "--port" in message


@pytest.fixture
def synced(tmp_path: Path, example_weekly: Path) -> str:
    store = f"sqlite:///{tmp_path / 'k.db'}"
    assert CliRunner().invoke(cli, ["sync", str(example_weekly), "--store", store]).exit_code == 0
    return store


def test_explain_suggests_the_name_meant(synced: str) -> None:
    message = error_of("audit", "--explain", "Claire Dubios", "--store", synced, "--as-of", AS_OF)
    assert "did you mean 'Claire Dubois'?" in message


def test_explain_takes_a_first_name_when_only_one_person_has_it(synced: str) -> None:
    result = CliRunner().invoke(cli, ["audit", "--explain", "Claire", "--store", synced,
                                      "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 0 and result.output.startswith("Claire Dubois (")


def test_an_ambiguous_name_lists_account_and_title(synced: str) -> None:
    message = error_of("audit", "--explain", "Dubois", "--store", synced, "--as-of", AS_OF)
    assert "names 4 people" in message
    assert "(Claire Dubois; Directrice Qualité; Borealis Chemicals)" in message
