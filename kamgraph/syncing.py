"""One sync: a loader's stream into a store, rejects written beside the store."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from kamgraph import __version__
from kamgraph.config import Config
from kamgraph.errors import ShrinkError
from kamgraph.escape import csv_cell
from kamgraph.files import write_atomic
from kamgraph.loaders.base import EventSink, Loader, LoadResult, Reject, load
from kamgraph.loaders.csvio import ExportSource
from kamgraph.logs import ContactLogs
from kamgraph.model import Record
from kamgraph.stores.base import Store, SyncReport, SyncRun

__all__ = ["rejects_path", "sync_path", "write_rejects"]


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """Write rejects as CSV, each cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "line", "field", "type", "message", "value"])
    for r in rejects:
        writer.writerow([csv_cell(r.file), r.line, csv_cell(r.field), r.type,
                         csv_cell(r.message), csv_cell(r.value)])
    write_atomic(path, buffer.getvalue())


def rejects_path(store: Store) -> Path:
    """Where a store's rejects file goes: where the store says (beside the SQLite file),
    else the working folder."""
    found = getattr(store, "rejects_file", None)
    return found if isinstance(found, Path) else Path("kamgraph.rejects.csv")


def _quiet(event: str, **fields: object) -> None:
    return None


def export_fingerprint(path: Path, fmt: str, config: Config, encoding: str | None) -> str:
    """A digest of every file of the export, the format, the settings and this version.

    Reading the bytes costs a fraction of parsing them; two exports with the same
    fingerprint load to the same records.
    """
    digest = hashlib.blake2b(digest_size=20)
    settings = json.dumps(dataclasses.asdict(config), sort_keys=True, default=str)
    digest.update(f"{__version__}\0{fmt}\0{encoding}\0{settings}\0".encode())
    with ExportSource(path, config.limits) as export:
        for name in export.names():
            digest.update(f"{name}\0".encode())
            with export.open_binary(name) as fh:
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def _last_full_run(store: Store, source: str) -> SyncRun | None:
    """The source's last successful run, when it read a whole export without rejects."""
    for run in store.runs():
        if run.source != source or run.status != "ok":
            continue
        if run.mode in ("full", "unchanged") and not run.counts.get("rejected"):
            return run
        return None
    return None


def _check_files(path: Path, source: str, last: SyncRun | None) -> None:
    """Stop a full sync whose export lacks a file the last full run read rows from."""
    if last is None:
        return
    with ExportSource(path) as export:
        present = set(export.names())
    read = last.counts.get("read", {})
    missing = sorted(name for name, rows in read.items()
                     if rows and name.lower() not in present)
    if missing:
        raise ShrinkError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: the last "
            f"full sync of {source!r} (run {last.id}) read "
            f"{'it' if len(missing) == 1 else 'them'}, and a full sync without "
            f"{'it' if len(missing) == 1 else 'them'} would mark what "
            f"{'it' if len(missing) == 1 else 'they'} held inactive; nothing was written. "
            f"Sync a partial export with --incremental, or pass --allow-shrink if the "
            f"records really went", file=str(path))


class _Watched:
    """The loader a store reads, watched for what the graph will have to repair: people
    reporting to themselves, and reports-to lines that close a cycle."""

    def __init__(self, inner: Loader) -> None:
        self.inner = inner
        self.format = inner.format
        self.result = inner.result
        self.manager: dict[str, str] = {}

    def records(self) -> Iterator[Record]:
        from kamgraph.model import Person

        for record in self.inner.records():
            if isinstance(record, Person) and record.reports_to and not record.deleted:
                self.manager[record.id] = record.reports_to
            yield record
        # Read before the store commits the run, so the run's record keeps them.
        self.result.repairs.update(self.repairs())

    def close(self) -> None:
        self.inner.close()

    def repairs(self) -> dict[str, int]:
        """What the graph builder will repair, counted the way it finds it."""
        from kamgraph.graph import reporting_cycles

        cycles = reporting_cycles(self.manager)
        found = {"people reporting to themselves": sum(len(c) == 1 for c in cycles),
                 "reports-to cycles (broken when the graph is built)":
                     sum(len(c) > 1 for c in cycles)}
        return {what: n for what, n in found.items() if n}


class UnchangedExport:
    """Stands in for a loader when the export is the one the last run synced.

    It yields nothing; the run it records says every record was seen unchanged, with the
    last run's rows read, skips and high-water mark.
    """

    def __init__(self, fmt: str, fingerprint: str, last: SyncRun) -> None:
        self.format = fmt
        counts = last.counts.get("counts", {})
        self.result = LoadResult(format=fmt, source=str(last.counts.get("source", "")),
                                 fingerprint=fingerprint)
        self.result.unchanged = int(counts.get("inserted", 0) + counts.get("updated", 0)
                                    + counts.get("unchanged", 0))
        self.result.read.update(last.counts.get("read", {}))
        self.result.skipped.update(last.counts.get("skipped", {}))
        self.result.high_water = last.counts.get("high_water")
        self.result.repairs.update(last.counts.get("repairs", {}))

    def records(self) -> Iterator[Record]:
        return iter(())

    def close(self) -> None:
        return None


def sync_path(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    config: Config,
    encoding: str | None = None,
    source: str | None = None,
    allow_rejects: bool = False,
    today: date | None = None,
    on_event: EventSink = _quiet,
    incremental: bool = False,
    allow_shrink: bool = False,
) -> tuple[SyncReport, Path | None]:
    """Sync the export at ``path`` into ``store`` as one atomic run.

    Parameters
    ----------
    store : Store
        An open store.
    path : Path
        The export: a folder or a zip (or one CSV file).
    fmt : str
        ``auto`` (detected), ``salesforce``, ``hubspot``, ``dynamics`` or ``csv``.
    config : Config, optional
        Settings (limits, custom fields, header maps).
    incremental : bool
        The export holds only what changed since the last run.
    allow_rejects, allow_shrink : bool
        Commit despite rejected rows; sync a full export that would shrink the store.

    Returns
    -------
    tuple of (SyncReport, Path or None)
        The report and the rejects file written (None when nothing was rejected).
    A run with rejects is rolled back unless ``allow_rejects``.  An ``incremental`` export
    holds only what changed: it may reference records of earlier syncs, and records it
    does not hold are left as they are (never marked inactive).

    A full export that lacks an object file the source's last full run read rows from,
    or that would mark more than ``config.max_inactive_share`` of its active records
    inactive, stops with :class:`~kamgraph.errors.ShrinkError` and nothing written,
    unless ``allow_shrink``.
    """
    # An incremental export may name records of earlier syncs: the loader asks the store
    # for the ones it names (or every id, when it cannot tell which).
    known = store.known_ids if incremental else None
    loader = load(path, fmt, config=config, encoding=encoding, on_event=on_event, known=known)
    name = source or loader.format
    # Activities are stored as one log per relationship; an incremental export's are
    # merged into the logs already there.  The logs are watched, not the activities: a
    # person is all the watch looks at.
    logs = _Watched(ContactLogs(loader, (lambda keys: store.contact_logs(name, keys))
                                if incremental else None))
    fingerprint = None
    if not incremental:
        fingerprint = export_fingerprint(path, loader.format, config, encoding)
        loader.result.fingerprint = fingerprint

    def prepare() -> tuple[Loader, str]:
        """Decided under the store's write lock, from the runs as they are then: a sync
        that waited for another sees that one's run."""
        if incremental:
            return logs, "incremental"
        last = _last_full_run(store, name)
        if last is not None and last.counts.get("fingerprint") == fingerprint:
            # Byte for byte the export last synced, read with the same settings: it
            # would write nothing.  Record the run without reading a row.
            loader.close()
            return UnchangedExport(loader.format, str(fingerprint), last), "unchanged"
        if not allow_shrink:
            _check_files(path, name, last)
        return logs, "full"

    mode = "incremental" if incremental else "full"
    on_event("sync.start", format=loader.format, source=name, mode=mode)
    try:
        report = store.sync(
            logs, source=name, mode=mode, allow_rejects=allow_rejects, today=today,
            prepare=prepare,
            max_inactive_share=None if allow_shrink or incremental else config.max_inactive_share,
        )
    finally:
        loader.close()
    written = None
    target = rejects_path(store)
    if report.rejects:
        write_rejects(target, report.rejects)
        written = target
    elif target.is_file() or target.is_symlink():
        target.unlink()
    on_event("sync.finish", **report.to_dict())
    return report, written
