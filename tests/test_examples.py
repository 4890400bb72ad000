"""The bundled example: what `make demo` shows, and that it is what the generator makes."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

from kamgraph.audit import run_audit
from kamgraph.config import Config
from kamgraph.generate import generate_export
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
ALL_KINDS = {
    "lead_left",
    "coverage_gap", "single_threaded", "key_person_risk", "anti_sponsor",
    "mirror_opportunity", "mirror_mismatch", "hidden_influencer", "committee_incomplete",
    "coverage_effort", "portfolio_placement", "relationship_level_gap", "map_status",
    "red_flag", "path_to_power", "hand_over",
}
#: Needs two syncs with people arriving or leaving in between: tests/test_changes.py.
NEEDS_HISTORY = {"buying_centre_changed", "role_vacated", "new_key_person"}


def test_bundled_export_is_the_generators_output(tmp_path: Path) -> None:
    generate_export(tmp_path, accounts=3, storylines=True, end=date(2026, 11, 1))
    names = sorted(p.name for p in (EXAMPLES / "salesforce").iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(EXAMPLES / "salesforce", tmp_path, names,
                                               shallow=False)
    assert (mismatch, errors) == ([], []), "run `make examples` after changing the generator"


def test_example_shows_every_finding_kind_and_the_stories(tmp_path: Path) -> None:
    with SqliteStore(tmp_path / "demo.db") as store:
        for folder in ("salesforce", "facts"):
            report, _ = sync_path(store, EXAMPLES / folder, config=Config())
            assert report.status == "ok"
        audit = run_audit(store, as_of=date(2026, 11, 1), config=Config())
    kinds = {f.kind for a in audit.accounts for f in a.findings}
    assert kinds == ALL_KINDS
    by_name = {a.name: a for a in audit.accounts}
    stages = {name: a.stage.name for name, a in by_name.items() if a.stage}
    assert stages["Acme Foods"] == "early_kam"  # the bow-tie
    assert stages["Borealis Chemicals"] in ("partnership_kam", "synergistic_kam")
    detractors = [f.subject.name for f in by_name["Borealis Chemicals"].findings
                  if f.kind == "anti_sponsor"]
    assert detractors == ["Claire Dubois"]
    cordillera = by_name["Cordillera Mining"].findings
    gm = next(f for f in cordillera if f.kind == "coverage_gap"
              and f.subject.name == "Alejandro Quispe")
    assert any("has left" in e for e in gm.evidence)
