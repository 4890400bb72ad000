"""Columns known by several names: display labels, internal names, old and new labels."""

from __future__ import annotations

from collections.abc import Mapping

from kamgraph.loaders.csvio import Table

__all__ = ["Columns"]


class Columns:
    """The columns of one table, each found by the first of its names the header holds.

    ``cols["title"]`` is the header's own name for the field, or the field's first known
    name when the table lacks it (a value read from it is then empty), so parsers and
    error messages always have a column to name.
    """

    def __init__(self, table: Table, spec: Mapping[str, tuple[str, ...]]) -> None:
        self.table = table
        self._found = {name: table.first(*aliases) for name, aliases in spec.items()}
        self._spec = spec

    def __getitem__(self, name: str) -> str:
        return self._found[name] or self._spec[name][0]

    def has(self, name: str) -> bool:
        """True when the table holds the field (False for a field this table never has)."""
        return self._found.get(name) is not None

    def require(self, *names: str) -> None:
        """Fail, naming the file and every accepted header, unless each field is present."""
        from kamgraph.errors import InputError

        for name in names:
            if self._found[name] is None:
                accepted = " or ".join(repr(a) for a in self._spec[name])
                raise InputError(
                    f"required column {accepted} is missing",
                    file=self.table.display, line=1, field=self._spec[name][0],
                )
