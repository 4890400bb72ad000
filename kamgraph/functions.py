"""Business functions from departments and titles: the rows and columns of slide 27.

Customer functions are the rows of the relationship map, ours are its columns.  Each
table maps a function to keywords matched as whole words (or word starts) against the
normalised department, then the title; the first function with a hit wins.  C-level
people belong to senior management whatever their department.  Tables can be extended
in ``kamgraph.toml`` (``[functions.customer]`` and ``[functions.supplier]``).

>>> customer_function("Einkauf", "Leiter Einkauf")
'purchasing'
>>> supplier_function(None, "Field Application Engineer")
'technical_service'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from kamgraph.model import Level
from kamgraph.titles import normalise_title

__all__ = [
    "CUSTOMER_FUNCTIONS",
    "OTHER",
    "SENIOR_MANAGEMENT",
    "SUPPLIER_FUNCTIONS",
    "classify",
    "customer_function",
    "supplier_function",
]

SENIOR_MANAGEMENT = "senior_management"
OTHER = "other"

CUSTOMER_FUNCTIONS: Mapping[str, Sequence[str]] = {
    SENIOR_MANAGEMENT: (
        "executive", "board", "general management", "direccion general",
        "direction generale", "geschaftsfuhrung", "vorstand", "office of the ceo",
    ),
    "purchasing": (
        "purchas", "procure", "buyer", "buying", "sourcing", "compras", "achat",
        "approvisionnement", "einkauf", "beschaffung", "category manag",
    ),
    "quality_control": (
        "quality", "qa", "qc", "qualit", "calidad", "regulatory", "compliance", "hse",
        "safety", "qhse",
    ),
    "r_and_d": (
        "r&d", "r d", "research", "development", "engineering", "innovation", "laborator",
        "lab", "technology", "technical", "investigacion", "desarrollo", "recherche",
        "forschung", "entwicklung", "ingenier",
    ),
    "planning": (
        "planning", "planner", "logistic", "supply chain", "forecast", "demand",
        "planificacion", "planification", "planung", "logistik", "logistica",
    ),
    "operations": (
        "operation", "production", "manufactur", "plant", "maintenance", "warehouse",
        "it", "information technology", "operaciones", "produccion", "produktion",
        "fertigung", "usine", "betrieb",
    ),
    "marketing": (
        "marketing", "brand", "sales", "commercial", "business development", "ventas",
        "vertrieb", "communication", "category",
    ),
    "finance": (
        "finance", "financial", "accounting", "controlling", "controller", "treasury",
        "finanzas", "finances", "finanz", "buchhaltung",
    ),
    "outside_agencies": (
        "consultant", "consulting", "agency", "advisor", "adviser", "external",
        "contractor", "auditor", "berater",
    ),
}

SUPPLIER_FUNCTIONS: Mapping[str, Sequence[str]] = {
    SENIOR_MANAGEMENT: ("executive", "board", "general management", "leadership"),
    "inside_sales": (
        "inside sales", "sales support", "customer service", "sales operations",
        "order management", "back office",
    ),
    "field_sales": (
        "sales", "account manag", "account director", "account executive", "key account",
        "business development", "commercial", "vertrieb", "ventas", "kam",
    ),
    "technical_service": (
        "technical", "engineer", "application", "support", "service", "quality",
        "pre-sales", "presales", "solution", "consultant",
    ),
    "marketing": ("marketing", "brand", "communication", "product manag"),
    "distribution": ("distribution", "logistic", "supply chain", "shipping", "warehouse"),
    "operations": ("operation", "production", "manufactur", "delivery", "plant", "it"),
    "finance": ("finance", "accounting", "controlling", "credit"),
}


@lru_cache(maxsize=64)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})")


def classify(
    department: str | None,
    title: str | None,
    table: Mapping[str, Sequence[str]],
    level: Level | None = None,
) -> str:
    """Return the function a department and title belong to, or ``"other"``."""
    if level is Level.C_LEVEL:
        return SENIOR_MANAGEMENT
    for text in (department, title):
        if not text:
            continue
        norm = normalise_title(text)
        for function, keywords in table.items():
            if _pattern(tuple(keywords)).search(norm):
                return function
    return OTHER


def customer_function(
    department: str | None,
    title: str | None,
    level: Level | None = None,
    table: Mapping[str, Sequence[str]] = CUSTOMER_FUNCTIONS,
) -> str:
    """The customer function (row of the relationship map) of a person."""
    return classify(department, title, table, level)


def supplier_function(
    department: str | None,
    title: str | None,
    level: Level | None = None,
    table: Mapping[str, Sequence[str]] = SUPPLIER_FUNCTIONS,
) -> str:
    """Our function (column of the relationship map) of one of our people."""
    return classify(department, title, table, level)
