from __future__ import annotations

from pathlib import Path

import pytest

from kamgraph.functions import customer_function, supplier_function
from kamgraph.model import Level
from kamgraph.titles import TitleRule, parse_level

L = Level


@pytest.mark.parametrize(("title", "level"), [
    ("CEO", L.C_LEVEL), ("cfo", L.C_LEVEL), ("Chief Technology Officer", L.C_LEVEL),
    ("CISO", L.C_LEVEL), ("Founder & President", L.C_LEVEL), ("Managing Director", L.C_LEVEL),
    ("General Manager", L.C_LEVEL), ("Gerente General", L.C_LEVEL),
    ("Directeur Général", L.C_LEVEL), ("PDG", L.C_LEVEL), ("Geschäftsführer", L.C_LEVEL),
    ("Mitglied des Vorstands", L.C_LEVEL), ("Director General", L.C_LEVEL),
    ("SVP, Global Procurement", L.VP), ("EVP Operations", L.VP), ("VP Sales", L.VP),
    ("Vice President, R&D", L.VP), ("Vice-President Marketing", L.VP),
    ("Vicepresidente de Finanzas", L.VP),
    ("Director of Engineering", L.DIRECTOR), ("Dir. Quality Assurance", L.DIRECTOR),
    ("Directeur Achats", L.DIRECTOR), ("Directora de Operaciones", L.DIRECTOR),
    ("Direktor Produktion", L.DIRECTOR), ("Bereichsleiter Vertrieb", L.DIRECTOR),
    ("Head of Purchasing", L.HEAD), ("Jefe de Compras", L.HEAD), ("Jefa de Planta", L.HEAD),
    ("Leiter Einkauf", L.HEAD), ("Abteilungsleiterin Qualität", L.HEAD),
    ("Responsable Qualité", L.HEAD), ("Chef de service achats", L.HEAD),
    ("Purchasing Manager", L.MANAGER), ("Mgr, Procurement", L.MANAGER),
    ("Gerente de Compras", L.MANAGER), ("Teamleiter Logistik", L.MANAGER),
    ("Production Supervisor", L.MANAGER),
    ("Buyer", L.INDIVIDUAL), ("Sr. Process Engineer", L.INDIVIDUAL),
    ("Executive Assistant to the CEO", L.INDIVIDUAL), ("Assistant de direction", L.INDIVIDUAL),
    ("Intern, Marketing", L.INDIVIDUAL),
])
def test_title_levels(title: str, level: Level) -> None:
    assert parse_level(title) is level


@pytest.mark.parametrize("title", [None, "", "   ", "???", "Chief Happiness Whatever" * 50,
                                   "\x00\x1b[31m", "🦄"])
def test_unplaceable_titles_get_the_default_never_an_error(title: str | None) -> None:
    assert isinstance(parse_level(title), Level)
    if title in (None, "", "   ", "???", "🦄"):
        assert parse_level(title) is Level.INDIVIDUAL
        assert parse_level(title, default=Level.MANAGER) is Level.MANAGER


def test_extra_rules_come_first() -> None:
    rule = TitleRule(r"\bwizard\b", Level.VP)
    assert parse_level("Chief Wizard", [rule]) is Level.VP
    assert parse_level("Chief Wizard") is Level.C_LEVEL


@pytest.mark.parametrize(("department", "title", "expected"), [
    ("Einkauf", "Leiter Einkauf", "purchasing"),
    (None, "Quality Engineer", "quality_control"),
    ("R&D", "Scientist", "r_and_d"),
    ("Compras", "Analista", "purchasing"),
    (None, "Demand Planner", "planning"),
    ("Plant 3", "Supervisor", "operations"),
    (None, "Janitor", "other"),
])
def test_customer_functions(department: str | None, title: str, expected: str) -> None:
    assert customer_function(department, title) == expected


@pytest.mark.parametrize(("department", "title", "expected"), [
    ("R&D", "CFO", "finance"),
    ("Finance", "Chief Technology Officer", "r_and_d"),
    ("IT", "CIO", "r_and_d"),
    ("Sales", "COO", "operations"),
    (None, "Chief Procurement Officer", "purchasing"),
    ("Finance", "CMO", "marketing"),
    ("R&D", "CEO", "senior_management"),
    ("Operations", "Managing Director", "senior_management"),
    ("Quality", "President", "senior_management"),
])
def test_c_level_function_is_the_domain_the_title_names(
        department: str | None, title: str, expected: str) -> None:
    assert customer_function(department, title, Level.C_LEVEL) == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Chief Technology Officer", "technical_service"), ("CFO", "finance"),
    ("Chief Executive Officer", "senior_management"), ("Chief Revenue Officer", "field_sales"),
])
def test_our_c_level_function_is_the_domain_the_title_names(title: str, expected: str) -> None:
    assert supplier_function(None, title, Level.C_LEVEL) == expected


@pytest.mark.parametrize(("department", "title", "expected"), [
    ("Sales", "Key Account Manager", "field_sales"),
    ("Inside Sales", "Representative", "inside_sales"),
    (None, "Field Application Engineer", "technical_service"),
    ("Logistics", "Distribution Manager", "distribution"),
])
def test_supplier_functions(department: str | None, title: str, expected: str) -> None:
    assert supplier_function(department, title) == expected


def test_c_level_domains_are_configurable(tmp_path: Path) -> None:
    import tomllib

    from kamgraph.config import config_from_dict

    config = config_from_dict(tomllib.loads(
        '[[functions.c_level]]\npattern = "\\\\bchief people\\\\b"\ncustomer = "outside_agencies"\n'
        'supplier = "operations"\n'), tmp_path / "kamgraph.toml")
    assert customer_function(None, "Chief People Officer", Level.C_LEVEL,
                             config.customer_functions, config.c_level_functions) \
        == "outside_agencies"
    assert customer_function(None, "CFO", Level.C_LEVEL, config.customer_functions,
                             config.c_level_functions) == "finance"  # the built-in rules stay
