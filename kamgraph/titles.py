"""Seniority from job titles: one ordered table of rules, first match wins.

The rules cover English titles and abbreviations (CEO, SVP, "Dir.", "Head of") and the
common Spanish, French and German forms.  A title no rule places gets
``DEFAULT_LEVEL`` (individual contributor): an unknown title is never an error.
Extra rules from ``kamgraph.toml`` (``[titles] rules``) are tried before these.

>>> parse_level("SVP, Global Procurement")
<Level.VP: 'vp'>
>>> parse_level("Gerente General").label
'C-level'
>>> parse_level("Chief Widget Whisperer's assistant")
<Level.INDIVIDUAL: 'individual_contributor'>
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from kamgraph.model import Level

__all__ = ["DEFAULT_LEVEL", "LEVEL_RULES", "TitleRule", "normalise_title", "parse_level"]

DEFAULT_LEVEL = Level.INDIVIDUAL


@dataclass(frozen=True)
class TitleRule:
    """A regular expression over the normalised title (lower case, no accents)."""

    pattern: str
    level: Level

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.pattern)


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


# Order matters: assistants before the chiefs they assist, "vice president" before
# "president", "managing director" and "director general" before "director",
# compound German "-leiter" titles before the plain "Leiter".
LEVEL_RULES: tuple[TitleRule, ...] = (
    TitleRule(
        r"\b(executive|personal|administrative|office) assistant\b|\bassistant to\b"
        r"|\bassistant(e)? (de|du|of)\b|\bintern\b|\btrainee\b|\bpraktikant|\bbecari[oa]\b"
        r"|\bstagiaire\b|\bassistente\b|'s assistant\b",
        Level.INDIVIDUAL,
    ),
    TitleRule(
        r"\b(s|e|a)?vp\b|\bvice[- ]?pres|\bvicepresident|\bvice-presid|\bvizeprasident"
        r"|\bvice president",
        Level.VP,
    ),
    TitleRule(
        r"\bc(e|f|t|o|i|m|r|p|d|h|s|x|hr|is|co|dao)o\b|\bchief\b|\bpresident\b"
        r"|\bpresidente\b|\bfounder\b|\bco-?founder\b|\bowner\b|\bchair(man|woman|person)?\b"
        r"|\bmanaging director\b|\bgeneral manager\b|\bgerente general\b|\bdirector general\b"
        r"|\bdirectora general\b|\bdirecteur general\b|\bdirectrice generale\b|\bpdg\b"
        r"|\bdg\b|\bgeschaftsfuhrer|\bvorstand|\bconsejero delegado\b|\bamministratore delegato\b"
        r"|\bpresident-directeur\b|\bpartner\b|\bboard member\b",
        Level.C_LEVEL,
    ),
    TitleRule(r"\bbereichsleiter|\bhauptabteilungsleiter", Level.DIRECTOR),
    TitleRule(
        r"\bteamleiter|\bgruppenleiter|\bteam lead|\bteam leader|\bchef d'equipe\b",
        Level.MANAGER,
    ),
    TitleRule(
        r"\bdirector\b|\bdirectora\b|\bdir\b\.?|\bdirecteur\b|\bdirectrice\b|\bdirektor"
        r"|\bdirigente\b|\bdirettore\b",
        Level.DIRECTOR,
    ),
    TitleRule(
        r"\bhead\b|\bjefe\b|\bjefa\b|\bchef de\b|\bchef du\b|\bresponsable\b"
        r"|leiter(in)?\b|\bleitung\b|\bsubdirector",
        Level.HEAD,
    ),
    TitleRule(
        r"\bmanager\b|\bmanagerin\b|\bmgr\b|\bgerente\b|\bsupervisor\b|\bsupervisora\b"
        r"|\bgestionnaire\b|\bencargad[oa]\b|\bcoordinador|\bforeman\b|\blead\b",
        Level.MANAGER,
    ),
)


def normalise_title(title: str) -> str:
    """Lower-case, strip accents and fold separators so rules stay simple."""
    decomposed = unicodedata.normalize("NFKD", title)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("ß", "ss").lower()
    plain = re.sub(r"[,/&|;:()\[\]]+", " ", plain)
    return re.sub(r"\s+", " ", plain).strip()


def parse_level(
    title: str | None,
    extra_rules: Sequence[TitleRule] = (),
    default: Level = DEFAULT_LEVEL,
) -> Level:
    """Return the seniority level a job title implies.

    Parameters
    ----------
    title : str or None
        The job title as the CRM holds it, in any case, with or without accents.
    extra_rules : sequence of TitleRule
        Rules tried before the built-in table (from ``kamgraph.toml``).
    default : Level
        The level of a title that no rule places, and of an empty title.

    Examples
    --------
    >>> parse_level("Dir. Quality Assurance")
    <Level.DIRECTOR: 'director'>
    >>> parse_level("Leiter Einkauf")
    <Level.HEAD: 'head'>
    >>> parse_level("")
    <Level.INDIVIDUAL: 'individual_contributor'>
    """
    if not title or not title.strip():
        return default
    text = normalise_title(title)
    for rule in (*extra_rules, *LEVEL_RULES):
        if rule.regex.search(text):
            return rule.level
    return default
