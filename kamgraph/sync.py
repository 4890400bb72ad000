"""One sync: a loader's stream into a store, rejects written beside the store."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from kamgraph.config import Config
from kamgraph.loaders.base import EventSink, Reject, load
from kamgraph.logs import ContactLogs
from kamgraph.report import csv_cell
from kamgraph.stores.base import Store, SyncReport
from kamgraph.stores.sqlite import SqliteStore

__all__ = ["rejects_path", "sync_path", "write_rejects"]


def write_rejects(path: Path, rejects: list[Reject]) -> None:
    """Write rejects as CSV, each cell neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file", "line", "field", "type", "message", "value"])
    for r in rejects:
        writer.writerow([csv_cell(r.file), r.line, csv_cell(r.field), r.type,
                         csv_cell(r.message), csv_cell(r.value)])
    path.write_text(buffer.getvalue(), encoding="utf-8")


def rejects_path(store: Store) -> Path:
    """Where a store's rejects file goes: beside the SQLite file, else the working folder."""
    if isinstance(store, SqliteStore):
        return store.path.with_name(store.path.stem + ".rejects.csv")
    return Path("kamgraph.rejects.csv")


def _quiet(event: str, **fields: object) -> None:
    return None


def sync_path(
    store: Store,
    path: Path,
    *,
    fmt: str = "auto",
    config: Config | None = None,
    encoding: str | None = None,
    source: str | None = None,
    allow_rejects: bool = False,
    today: date | None = None,
    on_event: EventSink = _quiet,
    incremental: bool = False,
) -> tuple[SyncReport, Path | None]:
    """Sync the export at ``path`` into ``store`` as one atomic run.

    Returns the report and the rejects file written (None when nothing was rejected).
    A run with rejects is rolled back unless ``allow_rejects``.  An ``incremental`` export
    holds only what changed: it may reference records of earlier syncs, and records it
    does not hold are left as they are (never marked inactive).
    """
    config = config or Config()
    known = store.known_ids() if incremental else None
    loader = load(path, fmt, config=config, encoding=encoding, on_event=on_event, known=known)
    mode = "incremental" if incremental else "full"
    name = source or loader.format
    on_event("sync.start", format=loader.format, source=name, mode=mode)
    # Activities are stored as one log per relationship; an incremental export's are
    # merged into the logs already there.
    logs = ContactLogs(loader, (lambda keys: store.contact_logs(name, keys))
                       if incremental else None)
    report = store.sync(
        logs, source=name, mode=mode, allow_rejects=allow_rejects, today=today,
    )
    written = None
    target = rejects_path(store)
    if report.rejects:
        write_rejects(target, report.rejects)
        written = target
    elif target.exists():
        target.unlink()
    on_event("sync.finish", **report.to_dict())
    return report, written
