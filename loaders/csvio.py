"""Reading CRM CSV files the way real exports write them.

Handles what both Salesforce flavours throw at a reader: a folder or a zip, a UTF-8 BOM
or none, ISO-8859-1 / Windows-1252 files, CRLF or LF, line breaks inside quoted fields,
header names in any case.  Every problem is an :class:`InputError` naming the file, the
line where the record starts, and the field.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from kamgraph.errors import InputError

__all__ = ["ExportSource", "Row", "Table", "detect_encoding", "FIELD_LIMIT"]

#: The longest field accepted, in characters.  Longer ones are errors, not truncations.
FIELD_LIMIT = 1_000_000
csv.field_size_limit(FIELD_LIMIT)

_CHUNK = 1 << 20


def detect_encoding(open_binary: IO[bytes]) -> str:
    """Return the codec for a file: BOMs first, then strict UTF-8, else Windows-1252.

    Windows-1252 is tried before ISO-8859-1 because Salesforce's "ISO-8859-1" exports
    from Windows users carry its curly quotes; bytes it leaves undefined fall back to
    ISO-8859-1, which decodes anything.
    """
    head = open_binary.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    chunk = head
    while chunk:
        if utf8_ok:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                cp1252_ok = False
        if not utf8_ok and not cp1252_ok:
            break
        chunk = open_binary.read(_CHUNK)
    if utf8_ok:
        try:
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    return "cp1252" if cp1252_ok else "latin-1"


class ExportSource:
    """A folder of CSV files or a zip of them; members are found by name, any case."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            raise InputError("no such file or folder", file=str(path))
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_dir():
            for child in path.iterdir():
                if child.is_file():
                    self._members.setdefault(child.name.lower(), child.name)
        elif zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"not a readable zip: {exc}", file=str(path)) from exc
            for info in self._zip.infolist():
                if not info.is_dir():
                    base = info.filename.rsplit("/", 1)[-1]
                    self._members.setdefault(base.lower(), info.filename)
        elif path.is_file():
            self._members[path.name.lower()] = path.name
            self.path = path.parent
        else:
            raise InputError("not a folder, a zip or a CSV file", file=str(path))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ExportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def names(self) -> list[str]:
        """Lower-case base names of every member."""
        return sorted(self._members)

    def has(self, name: str) -> bool:
        return name.lower() in self._members

    def display(self, name: str) -> str:
        member = self._members[name.lower()]
        if self._zip is not None:
            return f"{self.path.name}!{member}"
        return str(self.path / member)

    def open_binary(self, name: str) -> IO[bytes]:
        member = self._members[name.lower()]
        try:
            if self._zip is not None:
                return self._zip.open(member)
            return open(self.path / member, "rb")
        except (OSError, zipfile.BadZipFile) as exc:
            raise InputError(f"cannot read: {exc}", file=self.display(name)) from exc

    def table(self, name: str, encoding: str | None = None,
              rename: dict[str, str] | None = None) -> Table:
        return Table(self, name, encoding, rename)


class Row:
    """One record of a table: its values, and the line it starts on.

    A plain class, not a frozen dataclass: a sync makes one per CSV row, and a frozen
    dataclass costs several times as much to build.
    """

    __slots__ = ("line", "table", "values")

    def __init__(self, table: Table, line: int, values: Sequence[str]) -> None:
        self.table = table
        self.line = line
        self.values = values

    def get(self, column: str) -> str:
        """The raw value of ``column`` ('' when the table lacks it)."""
        index = self.table.exact.get(column)
        if index is None:
            index = self.table.resolve(column)
        if index < 0 or index >= len(self.values):
            return ""
        return self.values[index]

    def error(self, column: str, message: str) -> InputError:
        return InputError(message, file=self.table.display, line=self.line, field=column)


class Table:
    """One CSV file of an export, with case-insensitive access to its columns."""

    def __init__(
        self,
        source: ExportSource,
        name: str,
        encoding: str | None = None,
        rename: dict[str, str] | None = None,
    ) -> None:
        self.source = source
        self.name = name
        #: Header names (lower-case) to read as other names: a localised export's labels.
        self.rename = rename or {}
        self.display = source.display(name)
        if encoding is None:
            with source.open_binary(name) as fh:
                try:
                    encoding = detect_encoding(fh)
                except (OSError, zipfile.BadZipFile, EOFError) as exc:
                    raise InputError(f"cannot read: {exc}", file=self.display) from exc
        else:
            try:
                codecs.lookup(encoding)
            except LookupError:
                raise InputError(f"unknown encoding {encoding!r}", file=self.display) from None
        self.encoding = encoding
        self.header: list[str] = []
        self._index: dict[str, int] = {}
        #: Column names as callers spell them -> index (-1: absent); filled on first use.
        self.exact: dict[str, int] = {}

    def peek_header(self) -> list[str]:
        """The header row alone (renamed), without reading the rest of the file."""
        binary = self.source.open_binary(self.name)
        text = io.TextIOWrapper(binary, encoding=self.encoding, errors="replace", newline="")
        try:
            first = next(csv.reader(text, strict=False), [])
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", file=self.display, line=1) from exc
        finally:
            text.close()
        self._set_header(first)
        return list(self.header)

    def _set_header(self, raw: list[str]) -> None:
        header = [h.strip().lstrip("\ufeff").strip() for h in raw]
        self.header = [self.rename.get(h.lower(), h) for h in header]
        self._index = {}
        self.exact = {}
        for i, name in enumerate(self.header):
            self._index.setdefault(name.lower(), i)

    def first(self, *columns: str) -> str | None:
        """The first of ``columns`` the header holds (call after the header is read)."""
        for column in columns:
            if column.lower() in self._index:
                return column
        return None

    def picker(self, *columns: str) -> Callable[[Sequence[str]], tuple[str, ...]]:
        """A function from a row's values to the cells of ``columns`` ('' when absent).

        For the hot loops of a loader: one C-level call per row instead of a lookup
        per cell.  Call after the header is read.
        """
        # An absent column reads the empty cell every row carries past its last (-1).
        indexes = [self._index.get(c.lower(), -1) for c in columns]
        getter = operator.itemgetter(*indexes)
        if len(indexes) == 1:
            return lambda values: (getter(values),)
        return getter

    def resolve(self, column: str) -> int:
        """The index of ``column`` in any case, or -1; remembered as spelled."""
        index = self._index.get(column.lower(), -1)
        self.exact[column] = index
        return index

    def has(self, column: str) -> bool:
        return column.lower() in self._index

    def require(self, *columns: str) -> None:
        """Raise unless every column is present (call after the header is read)."""
        for column in columns:
            if column.lower() not in self._index:
                raise InputError(
                    f"required column {column!r} is missing",
                    file=self.display, line=1, field=column,
                )

    def require_one_of(self, *columns: str) -> None:
        if not any(c.lower() in self._index for c in columns):
            raise InputError(
                f"needs one of the columns {', '.join(columns)}",
                file=self.display,
                line=1,
                field=columns[0],
            )

    def rows(self, required: Sequence[str] = ()) -> Iterator[Row]:
        """Yield rows after checking the header holds ``required`` columns."""
        binary = self.source.open_binary(self.name)
        text = io.TextIOWrapper(binary, encoding=self.encoding, errors="strict", newline="")
        reader = csv.reader(text, strict=False)
        line = 1
        try:
            try:
                header = next(reader)
            except StopIteration:
                raise InputError("empty file: no header", file=self.display, line=1) from None
            self._set_header(header)
            if not any(self.header):
                raise InputError("no header row", file=self.display, line=1)
            self.require(*required)
            width = len(self.header)
            line = reader.line_num + 1
            for values in reader:
                if len(values) != width and values and any(values):
                    if len(values) > width and not any(values[width:]):
                        values = values[:width]
                    else:
                        raise InputError(
                            f"{len(values)} fields where the header has {width}"
                            + (" (a truncated file?)" if len(values) < width else ""),
                            file=self.display,
                            line=line,
                        )
                if values and (values[0] or any(values)):
                    # One empty cell past the last: where a picker finds absent columns.
                    values.append("")
                    yield Row(self, line, values)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", file=self.display, line=line) from exc
        except UnicodeError as exc:
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise InputError(
                f"not valid {self.encoding} text ({reason}); try --encoding",
                file=self.display,
                line=line,
            ) from exc
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            raise InputError(f"cannot read: {exc}", file=self.display, line=line) from exc
        finally:
            text.close()
