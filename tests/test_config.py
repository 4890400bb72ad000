from __future__ import annotations

import re
from pathlib import Path

import pytest

from kamgraph.config import Config, config_from_dict, load_config
from kamgraph.errors import ConfigError
from kamgraph.model import Level
from kamgraph.titles import parse_level


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kamgraph.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAMGRAPH_CONFIG", raising=False)
    assert load_config() == Config()


def test_settings_are_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """
recency_days = 60
key_level = "vp"
[titles]
default_level = "manager"
rules = [{pattern = "\\\\bwizard\\\\b", level = "c_level"}]
[functions.customer]
purchasing = ["einkaufsleitung"]
[salesforce.fields]
stance = "Stance__c"
influence = "Influence__c"
influence_scale = 100
[salesforce.stance_values]
Detractor = "anti_sponsor"
"""))
    assert config.recency_days == 60 and config.key_level is Level.VP
    assert parse_level("Chief Wizard", config.title_rules) is Level.C_LEVEL
    assert config.default_level is Level.MANAGER
    assert config.customer_functions["purchasing"][0] == "einkaufsleitung"
    assert "procure" in config.customer_functions["purchasing"]
    assert config.salesforce.stance == "Stance__c"
    assert config.salesforce.stance_values["detractor"] == "anti_sponsor"


@pytest.mark.parametrize(("text", "message"), [
    ("recency_dayz = 3", "recency_dayz.*unknown setting"),
    ("recency_days = 'x'", "recency_days.*expected a number"),
    ("key_level = 'boss'", "unknown level 'boss'"),
    ("[salesforce.stance_values]\nx = 'hater'", "unknown stance 'hater'"),
    ("[salesforce.fields]\ncolour = 'x'", "salesforce.fields.colour.*unknown field"),
    ("not toml at all [", "not valid TOML"),
    ("[strength_weights]\nmeeting = 'lots'", "strength_weights.meeting.*expected a number"),
    ("[anti_sponsor_weights]\ngut_feeling = 1", "anti_sponsor_weights.gut_feeling.*unknown"),
])
def test_bad_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def test_the_documented_example_loads(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "config.md").read_text()
    block = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    config = load_config(write(tmp_path, block))
    assert config.anti_sponsor_weights["declined_meetings"] == 0.3
    assert config.mirror_table["purchasing"] == ("field_sales", "senior_management")
    assert config.salesforce.stance_values["detractor"] == "anti_sponsor"


def test_crm_sections_check_their_roles(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"hubspot.team.Owner 2.*unknown supplier role"):
        config_from_dict({"hubspot": {"team": {"Owner 2": "boss"}}}, tmp_path / "k.toml")
    with pytest.raises(ConfigError, match=r"\[dynamics\]"):
        config_from_dict({"dynamics": {"columns": {}}}, tmp_path / "k.toml")
    config = config_from_dict({"hubspot": {"headers": {" Vorname ": "First Name"}}},
                              tmp_path / "k.toml")
    assert config.hubspot.headers == {"vorname": "First Name"}


def test_audit_sync_and_limits_tables(tmp_path: Path) -> None:
    import tomllib

    config = config_from_dict(tomllib.loads(
        "[audit]\nmax_actions = 5\nmax_high_actions = 2\n"
        "[sync]\nmax_inactive_share = 0.5\n"
        "[limits]\nrow_chars = 2000\nzip_ratio = 50\n"), tmp_path / "kamgraph.toml")
    assert (config.max_actions, config.max_high_actions, config.max_actions_per_owner) == (
        5, 2, 3)
    assert config.max_inactive_share == 0.5
    assert (config.limits.row_chars, config.limits.zip_ratio) == (2000, 50.0)
    assert config.limits.member_bytes == 2_000_000_000
    for bad, where in (("[audit]\nmax_actions = 0\n", "audit.max_actions"),
                       ("[audit]\nbudget = 3\n", "audit.budget"),
                       ("[sync]\nmax_inactive_share = 2\n", "sync.max_inactive_share"),
                       ("[limits]\nrows = 3\n", "limits.rows"),
                       ("[limits]\nrow_chars = -1\n", "limits.row_chars")):
        with pytest.raises(ConfigError, match=re.escape(f"[{where}]")):
            config_from_dict(tomllib.loads(bad), tmp_path / "kamgraph.toml")


def test_the_order_of_ambiguous_spreadsheet_dates(tmp_path: Path) -> None:
    assert Config().date_order is None
    config = config_from_dict({"dates": {"order": "day-first"}}, tmp_path / "k.toml")
    assert config.date_order == "day-first"
    with pytest.raises(ConfigError, match=r"k\.toml \[dates\.order\]: expected "
                                          r"\"month-first\" \(02/23/2026\) or \"day-first\""):
        config_from_dict({"dates": {"order": "dmy"}}, tmp_path / "k.toml")
    with pytest.raises(ConfigError, match=r"\[dates\]: expected order"):
        config_from_dict({"dates": {"format": "dmy"}}, tmp_path / "k.toml")
