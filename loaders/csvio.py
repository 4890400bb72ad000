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
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from kamgraph.config import Limits
from kamgraph.errors import InputError
from kamgraph.loaders import dates

__all__ = ["FIELD_LIMIT", "ExportSource", "Limits", "Row", "Table", "bom_encoding",
           "check_encoding", "detect_encoding", "detect_text"]

#: The longest field accepted, in characters.  Longer ones are errors, not truncations.
FIELD_LIMIT = 1_000_000
csv.field_size_limit(FIELD_LIMIT)

_CHUNK = 1 << 20
#: Bytes Windows-1252 defines (it leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined).
_CP1252_SAFE = re.compile(rb"[^\x81\x8d\x8f\x90\x9d]*")


def bom_encoding(head: bytes) -> str | None:
    """The codec a byte-order mark at the start of a file names, or None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def detect_encoding(open_binary: IO[bytes]) -> str:
    """Return the codec for a file (see :func:`detect_text`)."""
    return detect_text(open_binary)[0]


def detect_text(open_binary: IO[bytes]) -> tuple[str, bool]:
    """The codec for a file, and whether it is *mixed*: UTF-8 with a few lines that are
    not (one Latin-1 row pasted into a UTF-8 export), to be decoded line by line.

    BOMs first, then strict UTF-8; a file with valid UTF-8 text beside invalid bytes is
    mixed; else Windows-1252, tried before ISO-8859-1 because Salesforce's "ISO-8859-1"
    exports from Windows users carry its curly quotes; bytes it leaves undefined fall
    back to ISO-8859-1, which decodes anything.
    """
    head = open_binary.read(4)
    bom = bom_encoding(head)
    if bom is not None:
        return bom, False
    strict = codecs.getincrementaldecoder("utf-8")()
    lenient = codecs.getincrementaldecoder("utf-8")(errors="replace")
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8_ok = cp1252_ok = True
    utf8_text = 0  # characters beyond ASCII that decoded as UTF-8
    chunk = head
    while chunk:
        if chunk.isascii() and not strict.getstate()[0] and not lenient.getstate()[0]:
            # Plain ASCII, with no character left open before it, reads the same in
            # every codec tried here (most of an export): nothing to learn from it.
            chunk = open_binary.read(_CHUNK)
            continue
        text = lenient.decode(chunk)
        utf8_text += len(text) - len(text.encode("ascii", "ignore")) - text.count("\ufffd")
        if utf8_ok:
            try:
                strict.decode(chunk)
            except UnicodeDecodeError:
                utf8_ok = False
        if cp1252_ok:
            try:
                cp1252.decode(chunk)
            except UnicodeDecodeError:
                cp1252_ok = False
        chunk = open_binary.read(_CHUNK)
    if utf8_ok:
        try:
            strict.decode(b"", final=True)
            return "utf-8", False
        except UnicodeDecodeError:
            pass
    if utf8_text:
        return "utf-8", True
    return ("cp1252" if cp1252_ok else "latin-1"), False


_WORKBOOK = ("this is an Excel workbook, not CSV: save each sheet as CSV (UTF-8) "
             "(File > Save As > CSV UTF-8) and sync those")


def _is_workbook(magic: bytes) -> bool:
    """The first bytes of an .xlsx (a zip) or an .xls (an OLE2 compound file)."""
    return magic.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))


def check_encoding(encoding: str, file: str | None = None) -> None:
    """Refuse a name that is no text encoding: unknown, or a codec that maps bytes to
    bytes or text to text (base64, hex, rot13)."""
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", file=file) from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"{encoding!r} is not a text encoding (try utf-8 or cp1252)",
                         file=file)


class _Guarded(io.RawIOBase):
    """A zip member read within the limits; a damaged member is an input error."""

    def __init__(self, inner: IO[bytes], display: str, info: zipfile.ZipInfo,
                 limits: Limits) -> None:
        super().__init__()
        self.inner = inner
        self.display = display
        self.limit = min(limits.member_bytes,
                         max(int(limits.zip_ratio * max(info.compress_size, 1)), 1 << 20))
        self.why = (f"decompresses beyond the limit of {limits.member_bytes:,} bytes "
                    f"(limits.member_bytes)" if self.limit == limits.member_bytes else
                    f"decompresses to more than {limits.zip_ratio:g} times its compressed "
                    f"size (limits.zip_ratio): a zip bomb?")
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.inner.read(len(buffer))
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError,
                NotImplementedError) as exc:
            raise InputError(f"cannot read: {exc}", file=self.display) from None
        self.count += len(data)
        if self.count > self.limit:
            raise InputError(self.why, file=self.display)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()


class ExportSource:
    """A folder of CSV files or a zip of them; members are found by name, any case."""

    def __init__(self, path: Path, limits: Limits | None = None,
                 date_order: str | None = None) -> None:
        self.limits = limits or Limits()
        #: The order of ambiguous spreadsheet dates (``[dates] order``), if configured.
        self.date_order = date_order
        self._tables: dict[str, Table] = {}
        self.path = path
        if not path.exists():
            raise InputError("no such file or folder", file=str(path))
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, str] = {}
        if path.is_dir():
            inside = path.resolve()
            for child in path.iterdir():
                if child.is_symlink() and inside not in child.resolve().parents:
                    # A link out of the export (to /etc/passwd, say) is never read: not
                    # a byte of it reaches a message.
                    raise InputError("a link to a file outside the export folder; refused",
                                     file=str(child))
                if child.is_file():
                    self._members.setdefault(child.name.lower(), child.name)
        elif zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"not a readable zip: {exc}", file=str(path)) from exc
            members = set(self._zip.namelist())
            if "[Content_Types].xml" in members and any(
                    m.startswith(("xl/", "word/", "ppt/")) for m in members):
                self._zip.close()
                raise InputError(_WORKBOOK, file=str(path))
            for info in self._zip.infolist():
                if not info.is_dir():
                    base = info.filename.rsplit("/", 1)[-1]
                    self._members.setdefault(base.lower(), info.filename)
        elif path.is_file():
            with open(path, "rb") as fh:
                if _is_workbook(fh.read(8)):
                    raise InputError(_WORKBOOK, file=str(path))
            self._members[path.name.lower()] = path.name
            self.path = path.parent
        else:
            raise InputError("not a folder, a zip or a CSV file", file=str(path))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def workbooks(self) -> list[str]:
        """Members saved as Excel workbooks rather than CSV (``contact.xlsx``)."""
        return [self._members[n].rsplit("/", 1)[-1] for n in sorted(self._members)
                if n.endswith((".xlsx", ".xls", ".xlsm"))]

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
        display = self.display(name)
        try:
            if self._zip is not None:
                info = self._zip.getinfo(member)
                limits = self.limits
                if info.file_size > limits.member_bytes:
                    raise InputError(f"would decompress to {info.file_size:,} bytes, beyond "
                                     f"the limit of {limits.member_bytes:,} "
                                     f"(limits.member_bytes)", file=display)
                if info.file_size > max(limits.zip_ratio * max(info.compress_size, 1),
                                        1 << 20):
                    raise InputError(f"would decompress to {info.file_size:,} bytes from "
                                     f"{info.compress_size:,}: more than "
                                     f"{limits.zip_ratio:g} times (limits.zip_ratio); a zip "
                                     f"bomb?", file=display)
                inner = self._zip.open(member)
                return io.BufferedReader(_Guarded(inner, display, info, limits), _CHUNK)
            return open(self.path / member, "rb")
        except RuntimeError as exc:  # an encrypted member
            raise InputError(f"cannot read: {exc} (kamgraph reads unencrypted zips)",
                             file=display) from None
        except NotImplementedError as exc:  # a compression method zipfile lacks
            raise InputError(f"cannot read: {exc}", file=display) from None
        except (OSError, zipfile.BadZipFile, zlib.error) as exc:
            raise InputError(f"cannot read: {exc}", file=display) from exc

    def table(self, name: str, encoding: str | None = None,
              rename: dict[str, str] | None = None,
              relabel: Callable[[list[str]], list[str]] | None = None) -> Table:
        return Table(self, name, encoding, rename, relabel)

    def peek(self, name: str, count: int = 1) -> tuple[list[str], list[list[str]]]:
        """A member's header and first ``count`` records, read in the encoding its BOM
        names, else as UTF-8 (undecodable bytes as U+FFFD), without scanning the file:
        headers are ASCII in every export, and this is a look, not a read."""
        with self.open_binary(name) as fh:
            encoding = bom_encoding(fh.read(4)) or "utf-8"
        return self.table(name, encoding).peek(count)

    def cached_table(self, name: str) -> Table:
        """A member opened once for a look across the export (its dates' order)."""
        if name not in self._tables:
            self._tables[name] = Table(self, name)
        return self._tables[name]


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
        relabel: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self.source = source
        self.name = name
        #: Header names (lower-case) to read as other names: a localised export's labels.
        self.rename = rename or {}
        #: The whole (renamed) header to the names it is read by, by position: a HubSpot
        #: export's associated objects' columns, named after their object.
        self.relabel = relabel
        self.display = source.display(name)
        #: UTF-8 with lines that are not: each line decoded on its own.
        self.mixed = False
        #: Lines (physical, 1-based) of a mixed file read as Windows-1252.
        self.redecoded: list[int] = []
        with source.open_binary(name) as fh:
            try:
                magic = fh.read(8)
            except (OSError, zipfile.BadZipFile, EOFError) as exc:
                raise InputError(f"cannot read: {exc}", file=self.display) from exc
        if _is_workbook(magic):
            raise InputError(_WORKBOOK, file=self.display)
        if encoding is None:
            with source.open_binary(name) as fh:
                try:
                    encoding, self.mixed = detect_text(fh)
                except (OSError, zipfile.BadZipFile, EOFError) as exc:
                    raise InputError(f"cannot read: {exc}", file=self.display) from exc
        else:
            check_encoding(encoding, self.display)
        self.encoding = encoding
        self.header: list[str] = []
        self._index: dict[str, int] = {}
        #: Column names as callers spell them -> index (-1: absent); filled on first use.
        self.exact: dict[str, int] = {}
        self._local_dates: dict[str, dates.ColumnDates] | None = None

    def peek_header(self) -> list[str]:
        """The header row alone (renamed), without reading the rest of the file."""
        return self.peek(0)[0]

    def peek(self, count: int) -> tuple[list[str], list[list[str]]]:
        """The header (renamed) and the first ``count`` records, without reading the rest:
        a look at a file to tell what it holds.  Undecodable bytes read as U+FFFD here."""
        binary = self.source.open_binary(self.name)
        text = io.TextIOWrapper(binary, encoding=self.encoding, errors="replace", newline="")
        records: list[list[str]] = []
        try:
            reader = csv.reader(self._text_lines(text), strict=False)
            first = next(reader, [])
            while len(records) < count:
                values = next(reader, None)
                if values is None:
                    break
                if any(values):
                    records.append(values)
        except csv.Error as exc:
            raise InputError(f"not valid CSV: {exc}", file=self.display, line=1) from exc
        finally:
            text.close()
        self._set_header(first)
        return list(self.header), records

    def _set_header(self, raw: list[str]) -> None:
        header = [h.strip().lstrip("\ufeff").strip() for h in raw]
        self.header = [self.rename.get(h.lower(), h) for h in header]
        if self.relabel is not None:
            self.header = self.relabel(self.header)
        self._index = {}
        self.exact = {}
        for i, name in enumerate(self.header):
            self._index.setdefault(name.lower(), i)

    def local_dates(self) -> dict[str, dates.ColumnDates]:
        """The spreadsheet-form dates of each column (see :mod:`kamgraph.loaders.dates`),
        read on first asking by one more pass over the file."""
        if self._local_dates is None:
            redecoded = list(self.redecoded)
            try:
                self._local_dates = dates.scan(self)
            finally:
                self.redecoded[:] = redecoded
        return self._local_dates

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

    def _too_long(self, number: int) -> InputError:
        limit = self.source.limits.row_chars
        return InputError(f"a line longer than {limit:,} characters (limits.row_chars): "
                          f"not a CSV export?", file=self.display, line=number)

    def _bounded(self, stream: IO[str] | IO[bytes]) -> Iterator[tuple[int, str | bytes]]:
        """Numbered lines of at most ``limits.row_chars``: a file of one endless line is
        refused after reading the limit, in flat memory."""
        limit = self.source.limits.row_chars
        number = 0
        while line := stream.readline(limit + 1):
            number += 1
            if len(line) > limit:
                raise self._too_long(number)
            yield number, line

    def _text_lines(self, text: IO[str]) -> Iterator[str]:
        """The lines of a text stream, each at most ``limits.row_chars`` (as
        :meth:`_bounded`, in one loop: this runs once per line of every export)."""
        limit = self.source.limits.row_chars
        number = 0
        readline = text.readline
        while line := readline(limit + 1):
            number += 1
            if len(line) > limit:
                raise self._too_long(number)
            yield line

    def _lines(self, binary: IO[bytes]) -> Iterator[str]:
        """A mixed file's lines, each decoded as UTF-8, else as Windows-1252 (noted)."""
        for number, raw in self._bounded(binary):
            assert isinstance(raw, bytes)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.redecoded.append(number)
                yield raw.decode("cp1252", errors="strict") if _CP1252_SAFE.fullmatch(raw) \
                    else raw.decode("latin-1")

    def rows(self, required: Sequence[str] = ()) -> Iterator[Row]:
        """Yield rows after checking the header holds ``required`` columns."""
        binary = self.source.open_binary(self.name)
        text = io.TextIOWrapper(binary, encoding=self.encoding, errors="strict", newline="")
        # The csv module's limit is the process's; a sync reads one file at a time.
        csv.field_size_limit(self.source.limits.field_chars)
        reader = csv.reader(self._lines(binary) if self.mixed else self._text_lines(text),
                            strict=False)
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
