"""The same people and activities as a Salesforce, a HubSpot and a Dynamics 365 export
give the same audit, finding by finding."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamgraph.audit import run_audit
from kamgraph.loaders import load
from kamgraph.model import Account, Opportunity, Person
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from tests.loaders import crm_writers as w

AS_OF = date(2026, 11, 1)
FLAVOURS = w.FLAVOURS


def _audit(crm: w.Crm, flavour: str, tmp: Path) -> tuple[dict[str, Any], str]:
    """The audit of one flavour's export, with every id replaced by its record's name."""
    export = tmp / flavour.replace(" ", "-")
    FLAVOURS[flavour](crm, export)
    with SqliteStore(tmp / f"{export.name}.db") as store:
        report, _ = sync_path(store, export, config=w.config(), today=AS_OF)
        assert report.status == "ok", report.rejects[:3]
        audit = run_audit(store, as_of=AS_OF, config=w.config()).to_dict()
    names = {r.id: r.name for r in load(export, config=w.config()).records()
             if isinstance(r, Person | Account | Opportunity) and r.name}
    text = json.dumps(audit, sort_keys=True)
    pattern = re.compile("|".join(re.escape(i) for i in sorted(names, key=len, reverse=True)))
    translated = json.loads(pattern.sub(lambda m: names[m.group(0)], text))
    translated["accounts"].sort(key=lambda a: a["name"])
    for account in translated["accounts"]:
        for action in account["actions"]:
            # An action's id is derived from the CRM's own ids: the same in every export
            # of one CRM, not across CRMs.
            assert action.pop("id").startswith("kg-")
    return translated, report.format


@pytest.fixture(scope="module")
def audits(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], str]]:
    crm = w.build()
    tmp = tmp_path_factory.mktemp("parity")
    return {flavour: _audit(crm, flavour, tmp) for flavour in FLAVOURS}


@pytest.mark.parametrize("flavour", [f for f in FLAVOURS if f != "salesforce"])
def test_every_format_gives_the_salesforce_audit(
        audits: dict[str, tuple[dict[str, Any], str]], flavour: str) -> None:
    expected, _ = audits["salesforce"]
    got, fmt = audits[flavour]
    assert fmt == flavour.split()[0]  # told apart by --format auto
    assert [a["name"] for a in got["accounts"]] == [a["name"] for a in expected["accounts"]]
    for ours, theirs in zip(got["accounts"], expected["accounts"], strict=True):
        assert ours["stage"] == theirs["stage"], ours["name"]
        assert ours["findings"] == theirs["findings"], ours["name"]
    assert got == expected


def test_the_audit_has_findings_that_rest_on_roles_stances_and_outcomes(
        audits: dict[str, tuple[dict[str, Any], str]]) -> None:
    # Parity of empty audits would prove nothing: the data must drive the findings whose
    # inputs differ most between the formats.
    expected, _ = audits["salesforce"]
    kinds = {f["kind"] for a in expected["accounts"] for f in a["findings"]}
    assert "anti_sponsor" in kinds
    evidence = " ".join(e for a in expected["accounts"] for e in a["lines"])
    assert "declined" in evidence and "unanswered" in evidence
