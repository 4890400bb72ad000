"""What every loader shares: the load contract, rejects, and format detection."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamgraph.config import Config
from kamgraph.errors import InputError
from kamgraph.model import Record, Stance, SupplierRole
from kamgraph.records import EventSink, KnownIds, KnownLookup, Loader, LoadResult, Reject

if TYPE_CHECKING:
    from kamgraph.loaders.csvio import Row

__all__ = [
    "PROGRESS_EVERY",
    "EventSink",
    "ExportLoader",
    "KnownIds",
    "KnownLookup",
    "counted_rows",
    "Loader",
    "LoadResult",
    "Reject",
    "FORMATS",
    "detect_format",
    "load",
    "stronger_stance",
    "team_roles",
]

def _no_events(event: str, **fields: Any) -> None:
    return None


PROGRESS_EVERY = 10_000


class ExportLoader:
    """What the CRM loaders share: the export's files, the load result, the ids later
    files (or the earlier syncs an incremental export builds on) let rows refer to, and
    rejecting a row."""

    format = "export"

    def __init__(self, path: Path, *, config: Config, encoding: str | None = None,
                 on_event: EventSink, known: KnownIds | KnownLookup | None = None) -> None:
        from kamgraph.loaders.csvio import ExportSource

        self.config = config
        self.encoding = encoding
        self.on_event = on_event
        self.source = ExportSource(path, config.limits, config.date_order)
        self.result = LoadResult(format=self.format, source=str(path))
        if callable(known):
            try:
                known = known(self.referenced())
            except BaseException:
                self.source.close()
                raise
        # Ids only, to keep memory small.
        known = known or KnownIds()
        self.accounts_held = known.holds_accounts
        self.accounts: set[str] = set(known.accounts)
        self.contacts: dict[str, str] = dict(known.contacts)  # contact -> account
        self.users: set[str] = set(known.users)
        self.opportunities: dict[str, str] = dict(known.opportunities)  # -> account
        #: People met so far: id -> (name, e-mail, line, file), for :meth:`_another_person`.
        self._people: dict[str, tuple[str, str, int, str]] = {}

    def close(self) -> None:
        self.source.close()

    def referenced(self) -> dict[str, set[str]] | None:
        """The keys of earlier syncs' records this export's rows name, by kind
        (``account``, ``person``, ``opportunity``), for an incremental sync to look up
        alone; None (every known id) when the loader cannot tell."""
        return None

    def _unknown_account(self, account: str, listing: str) -> str | None:
        """Why a contact's ``account`` is unknown ("is not in ``listing``", the export's
        accounts file, "nor in the store"), or None.  Accounts are checked when the
        export lists some or the store holds some; otherwise nothing says which exist."""
        if account in self.accounts or not (self.accounts or self.accounts_held):
            return None
        return f"is not in {listing}" + (" nor in the store" if self.accounts_held else "")

    def _reject(self, row: Row, column: str, type_: str, message: str) -> None:
        self.result.reject_row(row, column, type_, message)

    def _another_person(self, row: Row, column: str, person_id: str, name: str | None,
                        email: str | None) -> bool:
        """True, and the row rejected, when ``person_id`` was met before for someone else
        (another name, or another e-mail where both have one): an id a spreadsheet
        rounded, say.  Stored as one, two people would become one."""
        name_key, email_key = (name or "").strip().lower(), (email or "").strip().lower()
        known = self._people.get(person_id)
        if known is None:
            self._people[person_id] = (name or "", email_key, row.line, row.table.display)
            return False
        known_name, known_email, line, file = known
        same_name = not name_key or not known_name or name_key == known_name.lower()
        if same_name and (not email_key or not known_email or email_key == known_email):
            return False
        where = f"line {line}" if file == row.table.display else f"{file}:{line}"
        what = "e-mail" if same_name else "name"
        self._reject(row, column, "duplicate-id",
                     f"{person_id} is {known_name or known_email!r} on {where} and "
                     f"{name or email!r} here (the {what} differs): two people under one id "
                     f"are not merged")
        return True


def stronger_stance(current: Stance | None, new: Stance | None) -> Stance | None:
    """Two recorded stances for one person: a recorded anti-sponsor outweighs the rest,
    otherwise the first recorded stands."""
    if new is Stance.ANTI_SPONSOR or current is None:
        return new or current
    return current


def team_roles(config: Config, labels: Mapping[str, SupplierRole]) -> dict[str, SupplierRole]:
    """Team role labels (lower-cased) with the organisation's own from ``[team_role_map]``."""
    out = dict(labels)
    for label, role in config.team_role_map.items():
        out[label] = SupplierRole(role)
    return out


def counted_rows(
    table: Any, required: tuple[str, ...], result: LoadResult | None, on_event: EventSink
) -> Iterator[Any]:
    """Yield a table's rows, counting them and reporting progress as events.

    Without a ``result`` the read is a scan ahead of the load (the ids an incremental
    export names, looked up first): reported as ``file.scan`` and ``file.scanned``, so
    a long one is not silent, and not counted as read.
    """
    progress, done = ("file.progress", "file.read") if result is not None else (
        "file.scan", "file.scanned")
    count = 0
    for row in table.rows(required):
        count += 1
        if count % PROGRESS_EVERY == 0:
            on_event(progress, file=table.display, rows=count)
        yield row
    if result is not None:
        result.read[table.name] = count
        if table.redecoded:
            result.redecoded[table.name] = list(table.redecoded)
    on_event(done, file=table.display, rows=count)


FORMATS = ("salesforce", "hubspot", "dynamics", "csv")


def detect_format(path: Path, config: Config) -> tuple[str, str]:
    """Tell the export's format by its files' columns: (format, the evidence).  See
    :func:`kamgraph.loaders.detection.detect_format`."""
    from kamgraph.loaders.detection import detect_format as detect

    return detect(path, config)


def load(
    path: Path,
    fmt: str = "auto",
    *,
    config: Config,
    encoding: str | None = None,
    on_event: EventSink = _no_events,
    known: KnownIds | KnownLookup | None = None,
) -> Loader:
    """Open ``path`` with the loader for ``fmt`` (``auto`` detects it).

    ``known`` lets an incremental export reference records of earlier syncs: the ids
    themselves, or the store's lookup, asked for the ones the export names.
    """
    if fmt == "auto":
        fmt, why = detect_format(path, config)
        on_event("format.detected", format=fmt, evidence=why)
        return _open_loader(path, fmt, config, encoding, on_event, known)
    try:
        loader = _open_loader(path, fmt, config, encoding, on_event, known)
    except InputError as exc:
        raise _with_hint(exc, path, fmt, config) from None
    return _Chosen(loader, path, fmt, config)


class _Chosen:
    """A loader for a format the user chose (``--format``): an error reading the export
    says what the export looks like when that is another format."""

    def __init__(self, inner: Loader, path: Path, fmt: str, config: Config) -> None:
        self.inner = inner
        self.format = inner.format
        self.result = inner.result
        self._where = (path, fmt, config)

    def records(self) -> Iterator[Record]:
        try:
            yield from self.inner.records()
        except InputError as exc:
            raise _with_hint(exc, *self._where) from None

    def close(self) -> None:
        self.inner.close()


def _with_hint(exc: InputError, path: Path, fmt: str, config: Config) -> InputError:
    """An explicit --format that does not fit: say which format the export looks like,
    and why.  (What went wrong reading it as the format asked for would mislead: a
    Salesforce folder read as HubSpot "lacks" HubSpot's headers.)"""
    from kamgraph.loaders.detection import FORMAT_LABELS, describe

    found = describe(path, config)
    if found is None or found[0] == fmt:
        return exc
    other, why = found
    return InputError(
        f"this looks like a {FORMAT_LABELS[other]} export, not {FORMAT_LABELS[fmt]}: {why}; "
        f"drop --format (it is detected) or use --format {other}", file=str(path))


def _open_loader(path: Path, fmt: str, config: Config, encoding: str | None,
                 on_event: EventSink, known: KnownIds | KnownLookup | None) -> Loader:
    if fmt == "salesforce":
        from kamgraph.loaders.salesforce import SalesforceLoader

        return SalesforceLoader(path, config=config, encoding=encoding, on_event=on_event,
                                known=known)
    if fmt == "hubspot":
        from kamgraph.loaders.hubspot import HubspotLoader

        return HubspotLoader(path, config=config, encoding=encoding, on_event=on_event,
                             known=known)
    if fmt == "dynamics":
        from kamgraph.loaders.dynamics import DynamicsLoader

        return DynamicsLoader(path, config=config, encoding=encoding, on_event=on_event,
                              known=known)
    if fmt == "csv":
        from kamgraph.loaders.kamcsv import KamgraphCsvLoader

        return KamgraphCsvLoader(path, config=config, encoding=encoding, on_event=on_event)
    raise InputError(f"unknown format {fmt!r}", file=str(path))
