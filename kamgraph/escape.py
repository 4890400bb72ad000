"""Escaping CRM strings for where they are shown.

CRM strings are hostile until proven otherwise: control characters are stripped from
terminal output (no escape sequences), Markdown escapes its syntax and HTML, and CSV
cells that a spreadsheet would run as a formula are neutralised; no text format carries
control or bidi characters.  Kept apart from the
report renderer so that commands which only write a CSV of rejects (a sync) do not load
the analyses.
"""

from __future__ import annotations

import re

__all__ = ["csv_cell", "md_escape", "terminal_safe"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
#: An ``&`` that would start a character reference (``&amp;``, ``&#65;``, ``&#x41;``):
#: only those need escaping; a lone ``&`` (``R&D``) is shown as itself.
_MD_ENTITY = re.compile(r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
#: What would open a block at the start of a line: a heading or a list item (a quote's
#: ``>`` is already ``&gt;``).
_MD_LEADING = re.compile(r"^([#+\-])")
#: An ordered item's marker: digits, then a period or parenthesis before a space.  Its
#: punctuation is escaped: a backslash before a digit is shown, not read.
_MD_ORDERED = re.compile(r"^(\d+)([.)])(?=\s|$)")


def terminal_safe(value: object) -> str:
    """Drop control characters (escape sequences, bidi overrides) and fold line breaks."""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub("", text)


def md_escape(value: object) -> str:
    """Escape Markdown syntax and HTML so a CRM string renders as text, and no more:
    ``R&D`` stays ``R&D``, ``&amp;`` in a CRM string becomes ``&amp;amp;``.

    >>> md_escape("<img src=x onerror=alert(1)> | *x*")
    '&lt;img src=x onerror=alert(1)&gt; \\\\| \\\\*x\\\\*'
    >>> md_escape("# not a heading"), md_escape("1. not a list"), md_escape("0.57 derived")
    ('\\\\# not a heading', '1\\\\. not a list', '0.57 derived')
    >>> md_escape("R&D"), md_escape("&amp; &#65;")
    ('R&D', '&amp;amp; &amp;#65;')
    """
    # Edge spaces show nothing, but four leading ones make a code block, two trailing a
    # line break.
    text = terminal_safe(value).strip()
    text = _MD_ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_ORDERED.sub(r"\1\\\2", text)
    return _MD_LEADING.sub(r"\\\1", text)


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula, without control characters
    (escape sequences, bidi overrides) that would reach a terminal showing it.

    >>> csv_cell("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> csv_cell("-5 days")
    "'-5 days"
    """
    text = "" if value is None else _CONTROL.sub("", str(value))
    if text and text[0] in "=+-@\t\r|%":
        return "'" + text
    return text
