"""Business functions from departments and titles: the rows and columns of slide 27.

Customer functions are the rows of the relationship map, ours are its columns.  Each
table maps a function to keywords matched as whole words (or word starts) against the
normalised department, then the title; the first function with a hit wins.  A C-level
person's function is the domain their title names (a CTO or CIO is technology, a CFO
finance, a COO operations, a CPO purchasing, a CMO marketing), whatever their
department; a CEO, managing director or general manager, and any C-level title that
names no domain, is senior (general) management.  Tables can be extended in
``kamgraph.toml`` (``[functions.customer]`` and ``[functions.supplier]``).

>>> customer_function("Einkauf", "Leiter Einkauf")
'purchasing'
>>> supplier_function(None, "Field Application Engineer")
'technical_service'
>>> customer_function("R&D", "CFO", Level.C_LEVEL), customer_function("R&D", "CTO", Level.C_LEVEL)
('finance', 'r_and_d')
>>> supplier_function(None, "Chief Technology Officer", Level.C_LEVEL)
'technical_service'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from kamgraph.model import Level
from kamgraph.titles import normalise_title

__all__ = [
    "C_LEVEL_DOMAINS",
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


#: C-level titles that name a domain, and the function that domain is on each side
#: (customer, ours).  Tried in order; a C-level title that matches none is senior
#: management.
C_LEVEL_DOMAINS: tuple[tuple[str, str, str], ...] = (
    (r"\bc(t|i|is|d|dao)o\b|\bchief (technology|technical|information|digital|data"
     r"|science|scientific|research|engineering|innovation)\b", "r_and_d", "technical_service"),
    (r"\bcfo\b|\bchief financ|\bfinance director\b|\bfinanzvorstand",
     "finance", "finance"),
    (r"\bcoo\b|\bchief operat|\bchief manufactur|\bchief supply", "operations",
     "operations"),
    (r"\bcpo\b|\bchief (procurement|purchasing|sourcing)", "purchasing", "operations"),
    (r"\bcmo\b|\bchief (marketing|brand)", "marketing", "marketing"),
    (r"\bc(r|co)o\b|\bchief (revenue|sales|commercial|customer)", "marketing",
     "field_sales"),
    (r"\bc(q)o\b|\bchief quality", "quality_control", "technical_service"),
)


@lru_cache(maxsize=4096)
def c_level_domain(title: str | None, supplier: bool,
                   rules: tuple[tuple[str, str, str], ...] = C_LEVEL_DOMAINS) -> str | None:
    """The function a C-level title names (``None`` when it names none: general
    management), by the first of ``rules`` (pattern, customer function, our function)
    whose pattern the normalised title matches."""
    if not title:
        return None
    norm = normalise_title(title)
    for pattern, customer, ours in rules:
        if re.search(pattern, norm):
            return ours if supplier else customer
    return None


@lru_cache(maxsize=64)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})")


def classify(
    department: str | None,
    title: str | None,
    table: Mapping[str, Sequence[str]],
    level: Level | None = None,
    supplier: bool = False,
    c_level: tuple[tuple[str, str, str], ...] = C_LEVEL_DOMAINS,
) -> str:
    """Return the function a department and title belong to, or ``"other"``.

    A C-level person's function is the domain their title names, when ``table`` has
    that function; otherwise senior management.
    """
    if level is Level.C_LEVEL:
        domain = c_level_domain(title, supplier, c_level)
        return domain if domain is not None and domain in table else SENIOR_MANAGEMENT
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
    c_level: tuple[tuple[str, str, str], ...] = C_LEVEL_DOMAINS,
) -> str:
    """The customer function (row of the relationship map) of a person."""
    return classify(department, title, table, level, c_level=c_level)


def supplier_function(
    department: str | None,
    title: str | None,
    level: Level | None = None,
    table: Mapping[str, Sequence[str]] = SUPPLIER_FUNCTIONS,
    c_level: tuple[tuple[str, str, str], ...] = C_LEVEL_DOMAINS,
) -> str:
    """Our function (column of the relationship map) of one of our people."""
    return classify(department, title, table, level, supplier=True, c_level=c_level)
