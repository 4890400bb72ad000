"""The kamgraph CSV format on its own: a team without a CRM export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kamgraph.audit import run_audit
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.loaders import load
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path


def folder(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text.strip() + "\n", encoding="utf-8")
    return tmp_path


STANDALONE = dict(
    accounts="id,name,tier,attractiveness,position\nA1,Zenith Labs,1,high,average",
    people=(
        "id,side,name,account_id,title,roles,stance,influence\n"
        "z-ceo,customer,Zara King,A1,CEO,economic_buyer;decision_maker,neutral,0.9\n"
        "z-qa,customer,Quinn Ames,A1,QA Manager,technical_buyer,anti_sponsor,0.75\n"
        "z-ops,customer,Otto Park,A1,Operations Director,,supporter,\n"
        "us-kam,supplier,Kim Ames,,Key Account Manager,,,\n"
    ),
    team="account_id,person_id,role\nA1,us-kam,key_account_manager",
    relationships=(
        "supplier_id,customer_id,frequency,last_contact,sentiment\n"
        "us-kam,z-ops,weekly,2026-10-28,0.5\n"
        "us-kam,z-qa,monthly,2026-03-01,-0.8\n"
    ),
    influence="source_id,target_id,weight\nz-qa,z-ceo,0.7",
)


def test_standalone_folder_audits_like_a_crm_export(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    source = folder(tmp_path / "facts", **STANDALONE)
    with SqliteStore(tmp_path / "k.db") as store:
        report, _ = sync_path(store, source, config=Config())
        assert report.format == "csv" and report.status == "ok"
        audit = run_audit(store, ["Zenith"], as_of=date(2026, 11, 1), config=Config())
    [account] = audit.accounts
    gaps = {f.subject.name for f in account.findings
            if f.kind == "coverage_gap" and f.subject.type == "person"}
    # The CEO was never met; QA (influence 0.75) was last met in March; Ops is covered.
    assert gaps == {"Zara King", "Quinn Ames"}


@pytest.mark.parametrize(("files", "message"), [
    ({"people": "id,side,stance\nx,customer,hater"}, r"people\.csv:2 \[stance\]: 'hater'"),
    ({"people": "id,influence\nx,7"}, r"people\.csv:2 \[influence\]: 7\.0 is outside 0\.\.1"),
    ({"people": "id,roles\nx,boss"}, r"people\.csv:2 \[roles\]: 'boss' is not one of"),
    ({"relationships": "supplier_id,customer_id\ns,c"}, r"relationships\.csv:2 \[account_id\]"),
    ({"accounts": "id,attractiveness\nA,huge"}, r"accounts\.csv:2 \[attractiveness\]"),
    ({"people": "name\nx"}, r"people\.csv:1 \[id\]: required column 'id' is missing"),
])
def test_bad_cells_name_file_line_and_field(tmp_path: Path, files: dict[str, str],
                                            message: str) -> None:
    loader = load(folder(tmp_path, **files), "csv", config=Config())
    with pytest.raises(InputError, match=message):
        list(loader.records())


def test_auto_detects_the_format(tmp_path: Path) -> None:
    assert load(folder(tmp_path, **STANDALONE), "auto", config=Config()).format == "csv"


def test_a_folder_of_something_else_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("id\n1\n")
    with pytest.raises(InputError, match="cannot tell the format"):
        load(tmp_path, "auto", config=Config())
