"""The kamgraph CSV format on its own: a team without a CRM export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kamgraph.analysis.stage import STAGES
from kamgraph.audit import run_audit
from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.graph import build_account_graph, context
from kamgraph.loaders import load
from kamgraph.model import KAM_STAGES, Account
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
    ({"accounts": "id,review_date\nA,next spring"},
     r"accounts\.csv:2 \[review_date\]: not a date: 'next spring'"),
    ({"accounts": "id,revenue_target\nA,lots"},
     r"accounts\.csv:2 \[revenue_target\]: .*'lots'"),
    ({"accounts": "id,revenue_target\nA,-5"}, r"accounts\.csv:2 \[revenue_target\]: -5\.0 is not"),
    # A magnitude in letters is refused, not read as a currency code (it read 2).
    ({"accounts": "id,revenue_target\nA,€2.4m"},
     r"accounts\.csv:2 \[revenue_target\]: an abbreviated number: '€2\.4m'"),
    ({"accounts": "id,share_of_wallet_target\nA,140%"},
     r"accounts\.csv:2 \[share_of_wallet_target\]: 140\.0 is outside 0\.\.100"),
    ({"accounts": "id,share_of_wallet_target\nA,a third"},
     r"accounts\.csv:2 \[share_of_wallet_target\]: not a percentage"),
    ({"accounts": "id,target_stage\nA,best friends"},
     r"accounts\.csv:2 \[target_stage\]: 'best_friends' is not one of pre_kam, early_kam"),
    ({"people": "name\nx"}, r"people\.csv:1 \[id\]: required column 'id' is missing"),
])
def test_bad_cells_name_file_line_and_field(tmp_path: Path, files: dict[str, str],
                                            message: str) -> None:
    loader = load(folder(tmp_path, **files), "csv", config=Config())
    with pytest.raises(InputError, match=message):
        list(loader.records())


def test_account_objectives_are_read_with_their_lists_split(tmp_path: Path) -> None:
    header = ("id,revenue_target,share_of_wallet_target,target_stage,review_date,competitors,"
              "business_needs\n")
    loader = load(folder(tmp_path, accounts=header + (
        "A,\"$2,400,000\",35%,Partnership KAM,2027-03-31,Rival One; Rival Two;,"
        "Shorter changeovers;R&D support\nB,,,mid,,,")), "csv", config=Config())
    first, second = list(loader.records())
    assert isinstance(first, Account) and isinstance(second, Account)
    assert first.revenue_target == 2_400_000 and first.share_of_wallet_target == 35
    assert first.target_stage == "partnership_kam" and first.review_date == date(2027, 3, 31)
    assert first.competitors == ("Rival One", "Rival Two")
    assert first.business_needs == ("Shorter changeovers", "R&D support")
    assert second.target_stage == "mid_kam"
    assert (second.revenue_target, second.review_date, second.competitors,
            second.business_needs) == (None, None, None, None)


def test_target_stages_are_the_stages_the_analysis_names() -> None:
    assert KAM_STAGES == STAGES


def test_an_account_without_objectives_keeps_its_stored_bytes() -> None:
    """Records stored before objectives existed hash the same: no field is added."""
    assert set(Account(id="A", name="Acme").to_dict()) == {
        "id", "name", "industry", "tier", "revenue", "attractiveness", "position",
        "owner_id"}


def test_objectives_survive_a_store_round_trip(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    source = folder(tmp_path / "facts", accounts=(
        "id,name,tier,review_date,competitors\nA1,Zenith Labs,1,2027-03-31,Rival One;Rival Two"))
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, source, config=Config())
        graph = build_account_graph(store.load_account("A1"), date(2026, 11, 1), Config())
    account = context(graph).account
    assert account["review_date"] == date(2027, 3, 31)
    assert account["competitors"] == ("Rival One", "Rival Two")
    assert account["business_needs"] == () and account["revenue_target"] is None


def test_auto_detects_the_format(tmp_path: Path) -> None:
    assert load(folder(tmp_path, **STANDALONE), "auto", config=Config()).format == "csv"


def test_a_folder_of_something_else_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text("id\n1\n")
    with pytest.raises(InputError, match="cannot tell the format"):
        load(tmp_path, "auto", config=Config())


def test_an_accounts_file_of_objectives_alone_is_told_as_kamgraph_csv(tmp_path: Path) -> None:
    """Objectives keyed by Salesforce ids are the overlay's, not a Data Loader extract of
    accounts (it was refused as "a Salesforce export")."""
    from kamgraph.loaders.detection import detect_format

    path = folder(tmp_path, accounts="id,revenue_target,review_date\n"
                                      "001aB0000000001QAA,2400000,2027-03-31")
    assert detect_format(path, Config())[0] == "csv"
    [account] = list(load(path, "csv", config=Config()).records())
    assert account.revenue_target == 2_400_000
