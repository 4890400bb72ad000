"""Columns known by several names: display labels, internal names, old and new labels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from kamgraph.loaders import values as v
from kamgraph.loaders.base import EventSink, LoadResult, counted_rows
from kamgraph.loaders.csvio import Row, Table

__all__ = ["Columns", "rows_with_columns"]


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


def rows_with_columns(
    tables: Iterable[Table], spec: Mapping[str, tuple[str, ...]], result: LoadResult | None,
    on_event: EventSink, *, epoch_ms: bool = False,
) -> Iterator[tuple[Row, Columns]]:
    """The rows of one object's files, each with its columns found by any of their names.

    Every file must have the ``id`` field; a ``modified`` one feeds the run's high-water
    mark (read in the forms ``epoch_ms`` allows, as :func:`values.moment`).
    Without a ``result`` the read is a scan ahead of the load (see :func:`counted_rows`).
    """
    for table in tables:
        cols: Columns | None = None
        for row in counted_rows(table, (), result, on_event):
            if cols is None:
                cols = Columns(table, spec)
                cols.require("id")
            if result is not None and cols.has("modified"):
                moment = v.moment(row, cols["modified"], epoch_ms=epoch_ms)
                if moment is not None:
                    result.saw_modified(moment.isoformat(sep=" "))
            yield row, cols
