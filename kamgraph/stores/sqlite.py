"""The embedded store: one SQLite file, WAL mode, one transaction per sync.

Records live in one table keyed by (kind, key, source) with their JSON payload, a hash
to tell a change from a re-sync, a status and the run that wrote them; the version a run
replaces moves to ``record_history`` under the run that wrote it, so nothing a run
overwrote is lost.  A record's versions are its history's and its current one.
``BEGIN IMMEDIATE`` takes the write lock for the whole sync: a killed sync leaves the
file as it was, and a second sync waits for the first (up to ``busy_timeout``) or fails
with :class:`StoreBusy`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from kamgraph.errors import KamgraphError, StoreBusy, StoreError, StoreUnavailable
from kamgraph.records import KnownIds, Loader
from kamgraph.stores.base import (
    ACTIVITY_KINDS,
    KEPT_FOLLOWUPS,
    KEPT_PLANS,
    AccountData,
    AccountSummary,
    ChangeIndex,
    HistoryEntry,
    Prepare,
    Stored,
    SyncReport,
    SyncRun,
    account_data,
    account_summaries,
    check_shrink,
    known_from_rows,
    merge_rows,
    pair_of,
    record_hash,
    record_json,
    run_started,
)
from kamgraph.wording import counted

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SqliteStore"]

#: What schema 3 kept for readers (loads and counts), as it first filled them.
_SUMMARIES_V3: tuple[str, ...] = (
    "DELETE FROM supplier_loads",
    "INSERT INTO supplier_loads (person, accounts) "
    "SELECT person, COUNT(DISTINCT account_id) FROM ("
    " SELECT json_extract(data, '$.person_id') AS person, account_id FROM records"
    " WHERE kind = 'team_member' AND status = 'active'"
    " UNION ALL"
    " SELECT json_extract(data, '$.supplier_id'), account_id FROM records"
    " WHERE kind IN ('contact_log', 'touch', 'relationship') AND status = 'active'"
    ") WHERE person IS NOT NULL GROUP BY person",
    "DELETE FROM account_counts",
    "INSERT INTO account_counts (account_id, customers) "
    "SELECT account_id, COUNT(DISTINCT key) FROM records WHERE kind = 'person' "
    "AND account_id IS NOT NULL AND status = 'active' GROUP BY account_id",
    "INSERT INTO account_counts (account_id, ours, links) "
    "SELECT account_id, COUNT(DISTINCT json_extract(data, '$.supplier_id')), "
    "COUNT(DISTINCT json_extract(data, '$.supplier_id') || '|' || "
    "json_extract(data, '$.customer_id')) FROM records "
    "WHERE kind IN ('contact_log', 'touch', 'relationship') AND status = 'active' "
    "AND account_id IS NOT NULL GROUP BY account_id "
    "ON CONFLICT (account_id) DO UPDATE SET ours = excluded.ours, links = excluded.links",
)


def _summaries(touched: bool) -> tuple[str, ...]:
    """Recount what a sync keeps for readers, in the sync's transaction: which of our
    people serve which accounts (their loads are counted from it), and each account's
    people, our people and links.  Every account, or (``touched``) only the accounts in
    ``temp.touched``: those whose records the run wrote, before and after.  An account's
    rows depend on its own records alone, so the rest stand as they were."""
    among = "account_id IN (SELECT account_id FROM temp.touched)"
    scope, only = (" AND " + among, " WHERE " + among) if touched else ("", "")
    return (
        "DELETE FROM supplier_accounts" + only,
        "INSERT OR IGNORE INTO supplier_accounts (person, account_id) "
        "SELECT person, account_id FROM ("
        " SELECT json_extract(data, '$.person_id') AS person, account_id FROM records"
        " WHERE kind = 'team_member' AND status = 'active'" + scope +
        " UNION ALL"
        " SELECT json_extract(data, '$.supplier_id'), account_id FROM records"
        " WHERE kind IN ('contact_log', 'touch', 'relationship') AND status = 'active'"
        + scope + ") WHERE person IS NOT NULL AND account_id IS NOT NULL",
        "DELETE FROM account_counts" + only,
        "INSERT INTO account_counts (account_id, customers) "
        "SELECT account_id, COUNT(DISTINCT key) FROM records WHERE kind = 'person' "
        "AND account_id IS NOT NULL AND status = 'active'" + scope + " GROUP BY account_id",
        "INSERT INTO account_counts (account_id, ours, links) "
        "SELECT account_id, COUNT(DISTINCT json_extract(data, '$.supplier_id')), "
        "COUNT(DISTINCT json_extract(data, '$.supplier_id') || '|' || "
        "json_extract(data, '$.customer_id')) FROM records "
        "WHERE kind IN ('contact_log', 'touch', 'relationship') AND status = 'active' "
        "AND account_id IS NOT NULL" + scope + " GROUP BY account_id "
        "ON CONFLICT (account_id) DO UPDATE SET ours = excluded.ours, links = excluded.links",
    )


#: A batch's keys, bound as one JSON array of ``[kind, key]``: the stored version of each
#: (CROSS JOIN keeps the batch outside: one primary-key lookup per key), and the keys
#: added to those the run has seen.
_STORED = (
    "SELECT r.kind, r.key, r.hash, r.status, r.changed_run, r.account_id "
    "FROM json_each(?1) b CROSS JOIN records r ON r.kind = json_extract(b.value, '$[0]') "
    "AND r.key = json_extract(b.value, '$[1]') AND r.source = ?2")
_SEEN = ("INSERT OR IGNORE INTO temp.seen (kind, key) "
         "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)")

#: Keys bound to one ``IN (…)`` lookup: well under SQLite's limit on bound values.
_KEYS_A_QUERY = 500

MIGRATIONS: tuple[str, ...] = (
    # 1: records, their history, sync runs, sources.
    """
    CREATE TABLE records (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        source TEXT NOT NULL,
        account_id TEXT,
        data TEXT NOT NULL,
        hash TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'deleted')),
        status_since TEXT,
        first_run INTEGER NOT NULL,
        changed_run INTEGER NOT NULL,
        PRIMARY KEY (kind, key, source)
    ) WITHOUT ROWID;
    CREATE INDEX records_by_account ON records (account_id, kind);
    CREATE TABLE record_history (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        source TEXT NOT NULL,
        run_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (kind, key, source, run_id)
    ) WITHOUT ROWID;
    CREATE TABLE sync_runs (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        format TEXT NOT NULL,
        mode TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}',
        error TEXT
    );
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        format TEXT NOT NULL
    );
    """,
    # 2: the history keeps replaced versions only; the current one is in records (a first
    # sync writes each record once, not twice).
    """
    DELETE FROM record_history WHERE (kind, key, source, run_id) IN
        (SELECT kind, key, source, changed_run FROM records);
    """,
    # 3: what every account's assembly and `kamgraph accounts` read, kept when a sync
    # commits: the accounts each of our people serves, and each account's counts.
    """
    CREATE TABLE IF NOT EXISTS supplier_loads (
        person TEXT PRIMARY KEY,
        accounts INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS account_counts (
        account_id TEXT PRIMARY KEY,
        customers INTEGER NOT NULL DEFAULT 0,
        ours INTEGER NOT NULL DEFAULT 0,
        links INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    """ + "; ".join(_SUMMARIES_V3) + ";",
    # 4: which of our people serve which accounts, kept instead of their loads: an
    # incremental run recounts only the accounts it touched, and a load is a count of
    # this table's rows.
    """
    CREATE TABLE IF NOT EXISTS supplier_accounts (
        person TEXT NOT NULL,
        account_id TEXT NOT NULL,
        PRIMARY KEY (person, account_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS supplier_accounts_by_account
        ON supplier_accounts (account_id);
    DROP TABLE IF EXISTS supplier_loads;
    """ + "; ".join(_summaries(touched=False)) + ";",
    # 5: the portfolio's assignment, kept by a sync for the day it ran: one account's
    # audit reads it instead of weighing every account again.
    """
    CREATE TABLE IF NOT EXISTS plans (
        key TEXT PRIMARY KEY,
        run_id INTEGER NOT NULL,
        made TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS plans_by_run ON plans (run_id);
    """,
    # 6: the follow-up of each run's actions, and the actions closed by hand.
    """
    CREATE TABLE IF NOT EXISTS followups (
        run_id INTEGER PRIMARY KEY,
        as_of TEXT NOT NULL,
        made TEXT NOT NULL,
        payload TEXT NOT NULL,
        progress TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS closures (
        action_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL
    )
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


#: The people of ours (and overlays on theirs) an account's records name: ?1 is its id.
#: People of ours an account names.  The index is named: left to choose, SQLite reads
#: every team seat of every account by the primary key's kind (measured: 2.3 ms an
#: account at 1,000 accounts, 0.9 ms by the index, and the gap grows with the portfolio).
_NAMED_PEOPLE = (
    "SELECT json_extract(data, '$.person_id') FROM records INDEXED BY records_by_account "
    "WHERE account_id = ?1 AND kind = 'team_member' "
    "UNION SELECT json_extract(data, '$.supplier_id') FROM records "
    "WHERE account_id = ?1 AND kind IN ('contact_log', 'touch', 'relationship') "
    "UNION SELECT key FROM records WHERE account_id = ?1 AND kind = 'person'"
)


#: A record's stored version, kept in the history under the run that wrote it, before a
#: run replaces it: (kind, key, source).
_KEEP_REPLACED = (
    "INSERT OR REPLACE INTO record_history (kind, key, source, run_id, status, data) "
    "SELECT kind, key, source, changed_run, status, data FROM records "
    "WHERE kind = ? AND key = ? AND source = ?"
)


#: ``PRAGMA application_id`` of a kamgraph store ("KAMG"): the file is ours.
APPLICATION_ID = 0x4B414D47


class SqliteStore:
    """The embedded store.  ``SqliteStore("kamgraph.db")`` opens the file, creating it
    when missing unless ``create=False``; ``readonly=True`` opens it to read only (a
    read-only file or folder is fine, and nothing is ever written: no migration either).
    A SQLite database that is not a kamgraph store is refused, never extended."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0,
                 batch_size: int = 2000, create: bool = True, readonly: bool = False) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.uri = f"sqlite:///{self.path}"
        self.busy_timeout = busy_timeout
        self.create = create and not readonly
        self.readonly = readonly
        self._conn: sqlite3.Connection | None = None

    @property
    def rejects_file(self) -> Path:
        """Where a sync's rejected rows go: beside the store file."""
        return self.path.with_name(self.path.stem + ".rejects.csv")

    # -- connection -------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        if self.path.parent and not self.path.parent.exists():
            raise StoreUnavailable(f"{self.path}: folder {self.path.parent} does not exist")
        if self.path.is_dir():
            raise StoreUnavailable(f"{self.path}: a folder, not a store file")
        if not self.path.exists() and not self.create:
            raise StoreUnavailable(f"no store at {self.path}: run `kamgraph sync` first")
        if not self.readonly and self.path.exists() and not (
                os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            raise StoreUnavailable(f"{self.path}: the store is read-only; a sync needs to "
                                   f"write it and its folder (check permissions and the "
                                   f"mount); reading it works")
        try:
            conn = self._open()
        except sqlite3.DatabaseError as exc:
            raise self._unopenable(exc) from exc
        self._conn = conn
        try:
            # Whose file it is, before anything (even the journal mode) is written to it.
            self._check_marker(conn)
            if not self.readonly:
                self._configure(conn)
                self.init()
            elif conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                raise StoreError(f"{self.path}: the store needs an upgrade this command "
                                 f"will not write; run `kamgraph init` or a sync first")
        except sqlite3.DatabaseError as exc:
            self.close()
            raise self._unopenable(exc) from exc
        except BaseException:
            self.close()
            raise
        return conn

    def _open(self) -> sqlite3.Connection:
        if not self.readonly:
            return sqlite3.connect(self.path, timeout=self.busy_timeout,
                                   isolation_level=None, check_same_thread=False)
        target = self.path.resolve().as_uri() + "?mode=ro"
        try:
            conn = sqlite3.connect(target, uri=True, timeout=self.busy_timeout,
                                   isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA user_version").fetchone()
        except sqlite3.OperationalError:
            if os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK):
                raise
            # A read-only file or folder: nobody can be writing it, so it is read as it
            # is, without the shared-memory file WAL readers otherwise create.
            conn = sqlite3.connect(target + "&immutable=1", uri=True,
                                   isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only=ON")
        return conn

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # The staging tables of a sync (every key it has seen) go to a temporary file
        # and the page cache is SQLite's default size: a larger cache or staging in
        # memory made a 1,000-account sync no faster and 85 MB larger
        # (benchmarks/README.md).
        conn.execute("PRAGMA temp_store=FILE")
        conn.execute("PRAGMA cache_size=-8192")

    def _unopenable(self, exc: sqlite3.DatabaseError) -> StoreError:
        text = str(exc)
        if "not a database" in text or "encrypted" in text:
            return StoreUnavailable(f"{self.path}: not a kamgraph store (not a SQLite "
                                    f"database)")
        if "readonly" in text or "read-only" in text:
            return StoreUnavailable(f"{self.path}: the store is read-only; a sync needs to "
                                    f"write it (check the file's and folder's permissions)")
        if "full" in text or "disk I/O" in text:
            return StoreUnavailable(f"{self.path}: cannot open the store ({text}): is the "
                                    f"disk full?")
        return StoreUnavailable(f"{self.path}: cannot open the store ({text})")

    def _check_marker(self, conn: sqlite3.Connection) -> None:
        """Refuse a database that is not a kamgraph store, before anything is written."""
        application, = conn.execute("PRAGMA application_id").fetchone()
        version, = conn.execute("PRAGMA user_version").fetchone()
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if application == APPLICATION_ID:
            return
        ours = application == 0 and version > 0 and "sync_runs" in tables
        empty = application == 0 and version == 0 and not tables
        if not (ours or empty):
            raise StoreUnavailable(
                f"{self.path}: not a kamgraph store (a SQLite database of something else: "
                f"{len(tables)} tables, none of them kamgraph's); give another --store")

    def __enter__(self) -> SqliteStore:
        _ = self.conn
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def init(self) -> None:
        """Apply pending migrations, each in its own transaction."""
        conn = self._conn if self._conn is not None else self.conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this kamgraph "
                f"understands ({SCHEMA_VERSION}); upgrade kamgraph"
            )
        if version == SCHEMA_VERSION and conn.execute(
                "PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # an older store
        for number in range(version, SCHEMA_VERSION):
            try:
                conn.execute("BEGIN IMMEDIATE")
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                if current == number:
                    for statement in MIGRATIONS[number].split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number + 1}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise self._operational(exc) from exc

    def _operational(self, exc: sqlite3.DatabaseError) -> StoreError:
        """What a database error means for the user: a full disk, a busy store, or a
        damaged file."""
        if "full" in str(exc):
            return StoreError(f"{self.path}: the disk is full ({exc}); nothing of this run "
                              f"was stored")
        if "locked" in str(exc) or "busy" in str(exc):
            return StoreBusy(
                f"{self.path}: another kamgraph process is writing to this store "
                f"(waited {self.busy_timeout:g}s); try again when it has finished"
            )
        if not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc):
            return StoreError(f"{self.path}: the store is damaged or unreadable ({exc}); "
                              f"restore it from a backup or sync into a new one")
        return StoreError(f"{self.path}: {exc}")

    # -- writing ----------------------------------------------------------------------

    def sync(
        self,
        loader: Loader,
        *,
        source: str,
        mode: str = "full",
        allow_rejects: bool = False,
        today: date | None = None,
        prepare: Prepare | None = None,
        max_inactive_share: float | None = None,
    ) -> SyncReport:
        conn = self.conn
        day = (today or datetime.now(UTC).date()).isoformat()
        report = SyncReport(run_id=None, source=source, format=loader.format, status="running",
                            mode=mode)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._operational(exc) from exc
        try:
            if prepare is not None:
                # Under the write lock: what it reads cannot change before this run ends.
                loader, mode = prepare()
                report.mode = mode
            cur = conn.execute(
                "INSERT INTO sync_runs (source, format, mode, started, status) "
                "VALUES (?, ?, ?, ?, 'running')",
                (source, loader.format, mode, run_started(today)),
            )
            run_id = int(cur.lastrowid or 0)
            report.run_id = run_id
            conn.execute(
                "INSERT INTO sources (name, format) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET format = excluded.format",
                (source, loader.format),
            )
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen (kind TEXT, key TEXT, "
                         "PRIMARY KEY (kind, key)) WITHOUT ROWID")
            conn.execute("DELETE FROM temp.seen")
            counts = report.counts
            #: Nothing of this source is stored yet (its first sync): every record this run
            #: writes is the source's, so the records themselves say what it has seen.
            first = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM records WHERE source = ?)",
                                 (source,)).fetchone()[0] == 1
            #: The accounts of the records this run writes, as they were and as they are.
            touched: set[str] = set()
            batch: dict[tuple[str, str], tuple[Any, ...]] = {}
            for record in loader.records():
                payload = record_json(record)
                status = "deleted" if record.deleted else "active"
                ident = (record.kind, record.key())
                if ident in batch:
                    counts["duplicates"] += 1
                batch[ident] = (*ident, record.account_key(), payload,
                                record_hash(payload, status), status,
                                day if status != "active" else None)
                if len(batch) >= self.batch_size:
                    self._flush(batch, source, run_id, counts, touched, first)
                    batch = {}
            if batch:
                self._flush(batch, source, run_id, counts, touched, first)
            report.take(loader.result)
            if report.rejects and not allow_rejects:
                conn.execute("ROLLBACK")
                report.nothing_written()
                report.status = "rejected"
                report.run_id = None
                self._record_failure(report, f"{counted(len(report.rejects), 'row')} rejected")
                return report
            if mode == "full" and not first:
                self._mark_absent(source, run_id, day, counts, max_inactive_share)
            if mode != "unchanged":
                self._recount(None if mode == "full" else touched)
            report.status = "ok"
            conn.execute(
                "UPDATE sync_runs SET finished = ?, status = 'ok', counts = ? WHERE id = ?",
                (_now(), json.dumps(report.to_dict()), run_id),
            )
            conn.execute("COMMIT")
            return report
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            report.status = "failed"
            report.run_id = None
            report.nothing_written()
            report.error = str(exc) if isinstance(exc, KamgraphError) else type(exc).__name__
            if isinstance(exc, Exception):
                self._record_failure(report, report.error)
            if isinstance(exc, sqlite3.DatabaseError):
                raise self._operational(exc) from exc
            raise

    def _record_failure(self, report: SyncReport, error: str) -> None:
        """A failed or rejected run leaves data untouched but is still on record."""
        try:
            with_tx = self.conn
            with_tx.execute("BEGIN IMMEDIATE")
            cur = with_tx.execute(
                "INSERT INTO sync_runs (source, format, mode, started, finished, status, "
                "counts, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (report.source, report.format, report.mode, _now(), _now(), report.status,
                 json.dumps(report.to_dict()), error),
            )
            report.run_id = int(cur.lastrowid or 0)
            with_tx.execute("COMMIT")
        except sqlite3.Error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def _recount(self, touched: Collection[str] | None) -> None:
        """Recount the summaries readers use: of every account (``None``: a full run,
        which may also have marked records inactive), or of the accounts touched."""
        conn = self.conn
        if touched is not None:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (account_id TEXT "
                         "PRIMARY KEY) WITHOUT ROWID")
            conn.execute("DELETE FROM temp.touched")
            conn.executemany("INSERT INTO temp.touched (account_id) VALUES (?)",
                             ((account,) for account in touched))
        for statement in _summaries(touched is not None):
            conn.execute(statement)

    def _flush(self, batch: dict[tuple[str, str], tuple[Any, ...]], source: str,
               run_id: int, counts: Counter[str], touched: set[str], first: bool) -> None:
        """Write a batch of records: each inserted, or updated when its content changed.

        The batch's keys (not their payloads), as one JSON parameter, read the stored
        hashes in one join; identical records are then left alone.  A version an update
        replaces moves to ``record_history`` (unless this run wrote it: a record sent
        twice keeps the later).  The keys are added to those the run has seen, which a
        full run marks the rest absent by; in a source's first run what is stored of it
        is what the run has seen, so nothing is added and what is found was sent twice.
        """
        conn = self.conn
        keys = json.dumps(list(batch))
        if not first:
            before = conn.total_changes
            conn.execute(_SEEN, (keys,))
            counts["duplicates"] += len(batch) - (conn.total_changes - before)
        stored = {(kind, key): found
                  for kind, key, *found in conn.execute(_STORED, (keys, source))}
        if first:
            counts["duplicates"] += len(stored)
        writes: list[tuple[Any, ...]] = []
        replaced: list[tuple[str, str, str]] = []
        new = changed = deleted = 0
        for ident, (kind, key, account, payload, digest, status, since) in batch.items():
            found = stored.get(ident)
            if found is None:
                new += 1
            elif found[0] == digest:
                continue
            else:
                changed += 1
                deleted += status == "deleted" and found[1] != "deleted"
                if found[2] != run_id:
                    replaced.append((kind, key, source))
                if found[3] is not None:
                    touched.add(found[3])
            if account is not None:
                touched.add(account)
            writes.append((kind, key, source, account, payload, digest, status, since, run_id))
        counts["inserted"] += new
        counts["updated"] += changed
        counts["deleted"] += deleted
        counts["unchanged"] += len(batch) - new - changed
        if replaced:
            conn.executemany(_KEEP_REPLACED, replaced)
        if writes:
            conn.executemany(
                "INSERT INTO records (kind, key, source, account_id, data, hash, status, "
                "status_since, first_run, changed_run) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
                "ON CONFLICT (kind, key, source) DO UPDATE SET "
                "account_id = excluded.account_id, data = excluded.data, "
                "hash = excluded.hash, status = excluded.status, "
                "status_since = CASE WHEN excluded.status = 'active' THEN NULL "
                "  WHEN records.status = excluded.status THEN records.status_since "
                "  ELSE excluded.status_since END, changed_run = excluded.changed_run",
                writes)

    def _mark_absent(self, source: str, run_id: int, day: str, counts: Counter[str],
                     max_share: float | None = None) -> None:
        conn = self.conn
        gone = conn.execute(
            "SELECT kind, key, data FROM records r WHERE source = ? AND status = 'active' "
            "AND NOT EXISTS (SELECT 1 FROM temp.seen s WHERE s.kind = r.kind AND s.key = r.key)",
            (source,),
        ).fetchall()
        if max_share is not None and gone:
            # Active before this run: active now, less what this run added.
            [(active,)] = conn.execute(
                "SELECT count(*) FROM records WHERE source = ? AND status = 'active'",
                (source,)).fetchall()
            check_shrink(source, len(gone), int(active) - counts["inserted"], max_share)
        conn.executemany(_KEEP_REPLACED, [(kind, key, source) for kind, key, _ in gone])
        for kind, key, data in gone:
            conn.execute(
                "UPDATE records SET status = 'inactive', status_since = ?, changed_run = ?, "
                "hash = ? WHERE kind = ? AND key = ? AND source = ?",
                (day, run_id, record_hash(data, "inactive"), kind, key, source),
            )
        counts["inactivated"] += len(gone)

    # -- reading ----------------------------------------------------------------------

    def _formats(self) -> dict[str, str]:
        return dict(self._read("SELECT name, format FROM sources"))

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._operational(exc) from exc

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Everything read inside sees one committed state (a read transaction)."""
        conn = self.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            self._read("SELECT 1 FROM sync_runs LIMIT 1")  # starts the read
            yield
        except BaseException:
            # Whatever went wrong is what the caller hears of; ending a read loses nothing.
            if conn.in_transaction:
                with suppress(sqlite3.DatabaseError):
                    conn.execute("ROLLBACK")
            raise
        if conn.in_transaction:
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise self._operational(exc) from exc

    def latest_run(self) -> int | None:
        [(found,)] = self._read("SELECT MAX(id) FROM sync_runs")
        return int(found) if found is not None else None

    def accounts(self, *, counts: bool = True) -> list[AccountSummary]:
        """Every account with its people and link counts, in one snapshot."""
        with self.reading():
            return self._accounts(counts)

    def _accounts(self, counts: bool) -> list[AccountSummary]:
        merged = merge_rows(
            self._read(
                "SELECT kind, key, source, data, status, status_since FROM records "
                "WHERE kind = 'account'"
            ),
            self._formats(),
        )
        people: dict[str, int] = {}
        ours: dict[str, int] = {}
        links: dict[str, int] = {}
        if counts:
            # Kept by each sync (account_counts): no scan of every relationship here.
            for account_id, customers, mine, linked in self._read(
                    "SELECT account_id, customers, ours, links FROM account_counts"):
                people[account_id], ours[account_id], links[account_id] = (
                    int(customers), int(mine), int(linked))
        return account_summaries(merged, people, ours, links)

    def find_account(self, account_id: str) -> AccountSummary | None:
        rows = self._read("SELECT kind, key, source, data, status, status_since FROM records "
                          "WHERE kind = 'account' AND key = ?", (account_id,))
        found = account_summaries(merge_rows(rows, self._formats()), {}, {}, {})
        return found[0] if found else None

    def load_account(self, account_id: str, *, everyone: bool = True) -> AccountData:
        """One account's records and our people (all, or those it names), in one snapshot."""
        with self.reading():
            rows = self._read(
                "SELECT kind, key, source, data, status, status_since FROM records "
                "WHERE account_id = ?1 UNION ALL "
                "SELECT kind, key, source, data, status, status_since FROM records "
                "WHERE kind = 'person' AND account_id IS NULL"
                + ("" if everyone else f" AND key IN ({_NAMED_PEOPLE})"),
                (account_id,),
            )
            formats = self._formats()
        items = merge_rows(rows, formats)
        return account_data(items, account_id, f"no account with id {account_id!r}")

    def supplier_loads(self) -> dict[str, int]:
        """The accounts each of our people serves, as the last sync left it (a count over
        a small table, however large the portfolio)."""
        rows = self._read("SELECT person, COUNT(*) FROM supplier_accounts GROUP BY person")
        return {str(person): int(n) for person, n in rows if person}

    def our_people(self) -> list[Stored]:
        rows = self._read(
            "SELECT kind, key, source, data, status, status_since FROM records "
            "WHERE kind = 'person' AND account_id IS NULL")
        return merge_rows(rows, self._formats())

    def account_snapshot(self, account_id: str, run_id: int, *, everyone: bool = True
                         ) -> AccountData:
        """One account's records as they stood after run ``run_id``."""
        # Drive from the account's records (indexed): the current version when no later
        # run wrote it, else the last version of the history by then (none: not yet).
        rows = self._read(
            "WITH mine AS (SELECT kind, key, source, data, status, changed_run FROM records "
            "  WHERE account_id = ?1 "
            "  UNION ALL SELECT kind, key, source, data, status, changed_run FROM records "
            "  WHERE kind = 'person' AND account_id IS NULL"
            + ("" if everyone else f" AND key IN ({_NAMED_PEOPLE})") + ") "
            "SELECT kind, key, source, data, status, NULL FROM mine WHERE changed_run <= ?2 "
            "UNION ALL "
            "SELECT h.kind, h.key, h.source, h.data, h.status, NULL FROM mine m "
            "JOIN record_history h ON h.kind = m.kind AND h.key = m.key AND h.source = m.source "
            "AND m.changed_run > ?2 "
            "AND h.run_id = (SELECT MAX(x.run_id) FROM record_history x WHERE x.kind = m.kind "
            "  AND x.key = m.key AND x.source = m.source AND x.run_id <= ?2)",
            (account_id, run_id),
        )
        items = merge_rows(rows, self._formats())
        return account_data(items, account_id,
                            f"account {account_id!r} did not exist after run {run_id}")

    def changed_accounts(self, run_id: int) -> set[str]:
        return set(self.change_index(run_id).accounts)

    def change_index(self, run_id: int) -> ChangeIndex:
        return ChangeIndex.from_versions(run_id, self._read(
            "WITH changed AS (SELECT kind, key, source, account_id, changed_run FROM records "
            "  WHERE changed_run > ?1 AND kind NOT IN (?2, ?3)) "
            "SELECT kind, key, source, account_id, changed_run, NULL FROM changed "
            "UNION ALL "
            "SELECT c.kind, c.key, c.source, NULL, h.run_id, h.data FROM changed c "
            "JOIN record_history h ON h.kind = c.kind AND h.key = c.key AND h.source = c.source",
            (run_id, *ACTIVITY_KINDS)))

    def has_records(self, kind: str) -> bool:
        return bool(self._read("SELECT 1 FROM records WHERE kind = ? AND status = 'active' "
                               "LIMIT 1", (kind,)))

    def keep_plan(self, key: str, run: int, payload: str) -> None:
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO plans (key, run_id, made, payload) "
                         "VALUES (?, ?, ?, ?)", (key, run, _now(), payload))
            conn.execute("DELETE FROM plans WHERE run_id NOT IN (SELECT id FROM sync_runs "
                         "ORDER BY id DESC LIMIT ?)", (KEPT_PLANS,))
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise self._operational(exc) from exc

    def kept_plan(self, key: str) -> str | None:
        rows = self._read("SELECT payload FROM plans WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def keep_followup(self, run: int, as_of: str, payload: str, progress: str) -> None:
        self._written(("INSERT OR REPLACE INTO followups (run_id, as_of, made, payload, "
                       "progress) VALUES (?, ?, ?, ?, ?)", (run, as_of, _now(), payload,
                                                            progress)),
                      ("DELETE FROM followups WHERE run_id <= ?", (run - KEPT_FOLLOWUPS,)))

    def kept_followups(self) -> list[tuple[int, str]]:
        return [(int(run), str(day)) for run, day in self._read(
            "SELECT run_id, as_of FROM followups ORDER BY run_id DESC", ())]

    def kept_followup(self, run: int) -> str | None:
        rows = self._read("SELECT payload FROM followups WHERE run_id = ?", (run,))
        return str(rows[0][0]) if rows else None

    def kept_progress(self, limit: int) -> list[tuple[int, str, str]]:
        return [(int(run), str(day), str(progress)) for run, day, progress in self._read(
            "SELECT run_id, as_of, progress FROM followups ORDER BY run_id DESC LIMIT ?",
            (limit,))]

    def close_action(self, action_id: str, payload: str) -> None:
        self._written(("INSERT OR REPLACE INTO closures (action_id, payload) VALUES (?, ?)",
                       (action_id, payload)))

    def reopen_action(self, action_id: str) -> bool:
        if not self._read("SELECT 1 FROM closures WHERE action_id = ?", (action_id,)):
            return False
        self._written(("DELETE FROM closures WHERE action_id = ?", (action_id,)))
        return True

    def closures(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self._read(
            "SELECT action_id, payload FROM closures ORDER BY action_id", ())}

    def _written(self, *statements: tuple[str, tuple[object, ...]]) -> None:
        """Run ``statements`` in one write transaction."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            for sql, params in statements:
                conn.execute(sql, params)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise self._operational(exc) from exc

    def reopen_uri(self) -> str | None:
        return self.uri

    def contact_logs(self, source: str, pairs: Iterable[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for pair in dict.fromkeys(pairs):
            # A pair's logs are its key and the keys after it up to the next character
            # past '|': one range of the primary key.
            rows = self._read(
                "SELECT key, data FROM records WHERE kind = 'contact_log' AND key >= ?1 "
                "AND key < ?2 AND source = ?3 AND status != 'deleted'",
                (pair, pair + "}", source))
            for key, data in rows:
                if pair_of(key, (pair,)):  # not a longer id sharing the prefix
                    out.append((key, data))
        return out

    def known_ids(self, wanted: Mapping[str, Collection[str]] | None = None) -> KnownIds:
        # Only a person without an account can be one of ours: the JSON is read for those
        # alone, not for every contact.
        columns = ("SELECT kind, key, account_id, CASE WHEN kind = 'person' AND account_id "
                   "IS NULL THEN json_extract(data, '$.side') END FROM records ")
        if wanted is None:
            return known_from_rows(self._read(
                columns + "WHERE kind IN ('account', 'person', 'opportunity') "
                "AND status != 'deleted'"))
        rows = []
        with self.reading():
            for kind, keys in wanted.items():
                keys = sorted(keys)
                for i in range(0, len(keys), _KEYS_A_QUERY):
                    part = keys[i:i + _KEYS_A_QUERY]
                    rows += self._read(
                        columns + f"WHERE kind = ? AND key IN ({', '.join('?' * len(part))}) "
                        "AND status != 'deleted'", (kind, *part))
            holds = bool(self._read("SELECT 1 FROM records WHERE kind = 'account' "
                                    "AND status != 'deleted' LIMIT 1"))
        return known_from_rows(rows, holds_accounts=holds)

    def person_history(self, person_id: str) -> list[HistoryEntry]:
        rows = self._read(
            # Every version: the replaced ones in the history, the current in records.
            "SELECT run_id, kind, key, source, status, data FROM ("
            "  SELECT run_id, kind, key, source, status, data FROM record_history "
            "  UNION ALL SELECT changed_run, kind, key, source, status, data FROM records) "
            "WHERE (kind = 'person' AND key = ?1) "
            "OR (kind IN ('opportunity_role', 'team_member') "
            "    AND json_extract(data, '$.person_id') = ?1) "
            "OR (kind IN ('relationship', 'touch', 'contact_log') "
            "    AND (json_extract(data, '$.customer_id') = ?1 "
            "    OR json_extract(data, '$.supplier_id') = ?1)) "
            "OR (kind = 'influence' AND (json_extract(data, '$.source_id') = ?1 "
            "    OR json_extract(data, '$.target_id') = ?1)) "
            "ORDER BY run_id, kind, key",
            (person_id,),
        )
        return [HistoryEntry(run=int(r[0]), kind=r[1], key=r[2], source=r[3], status=r[4],
                             data=json.loads(r[5])) for r in rows]

    def runs(self, limit: int | None = None) -> list[SyncRun]:
        sql = ("SELECT id, source, format, mode, started, finished, status, counts, error "
               "FROM sync_runs ORDER BY id DESC")
        params: tuple[Any, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        return [
            SyncRun(
                id=r[0], source=r[1], format=r[2], mode=r[3],
                started=datetime.fromisoformat(r[4]),
                finished=datetime.fromisoformat(r[5]) if r[5] else None,
                status=r[6], counts=json.loads(r[7] or "{}"), error=r[8],
            )
            for r in self._read(sql, params)
        ]

    def dump(self) -> Iterator[tuple[Any, ...]]:
        """Every record row without run bookkeeping: for comparing two stores."""
        yield from self._read(
            "SELECT kind, key, source, account_id, data, status, status_since FROM records "
            "ORDER BY kind, key, source"
        )
