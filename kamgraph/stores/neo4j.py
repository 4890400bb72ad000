"""The shared store: Neo4j (or any Bolt + Cypher server) through the official driver.

Every statement is a file in ``cypher/`` (see :mod:`kamgraph.queries`); data travels only
as parameters.  A record is a ``:Record`` node keyed by ``uid = kind|key|source`` with
the same payload, hash and status as the embedded store keeps.  A sync stages its
changes in batches (one unwind-and-merge statement per batch, in the driver's retrying managed
transactions), then, only when the whole export has been read without rejects,
finalizes them and marks what vanished as inactive.  A failed or rejected run discards
its staged changes and is recorded as such; a re-run completes it.  A ``:Lock`` node
keeps two syncs of one graph from overlapping.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, date, datetime, timedelta
from itertools import repeat
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from kamgraph.errors import InputError, KamgraphError, StoreBusy, StoreError, StoreUnavailable
from kamgraph.model import Record
from kamgraph.queries import query, statements
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
    record_hash,
    record_json,
    run_started,
)
from kamgraph.wording import counted

__all__ = ["DEFAULT_BATCH", "Neo4jStore", "redact"]

DEFAULT_BATCH = 2000
# The driver logs what it retries or gives up on ("Unable to retrieve routing information"):
# with no handler of the application's, Python would print it raw on stderr, beside the
# one-line error (and inside --log-format json).  It still reaches any handler configured.
logging.getLogger("neo4j").addHandler(logging.NullHandler())
LOCK_TTL = timedelta(hours=6)
_ALL = 1_000_000  # LIMIT for 'all runs' (some servers reject 64-bit limits)
#: Lock holders of this process whose sync is under way.
_SYNCING: set[str] = set()


def redact(uri: str) -> str:
    """The URI without user, password or query: safe for logs and errors.

    >>> redact("neo4j+s://admin:s3cret@db.example:7687/?x=1")
    'neo4j+s://db.example:7687'
    """
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, "", "", ""))


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _dead_local_holder(holder: str) -> bool:
    """True when a lock holder ``host:pid:nonce`` ran on this host and is gone."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return holder not in _SYNCING  # an earlier store of this process that failed
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def redact_loose(uri: str) -> str:
    """A URI with anything between ``://`` and ``@`` hidden, however malformed it is."""
    scheme, sep, rest = uri.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def _uid(kind: str, key: str, source: str) -> str:
    return f"{kind}|{key}|{source}"


def _side(data: str | None) -> str:
    """A known person's side: a person without an account (whose data the known-id
    statements return) says which; everyone else is the customer's."""
    return str(json.loads(data).get("side", "")) if data is not None else "customer"


def _loads(members: Mapping[str, list[str]]) -> dict[str, int]:
    """How many accounts each of our people serves, from who serves which account."""
    return dict(Counter(person for people in members.values() for person in people))


class Neo4jStore:
    """The Neo4j store.  Credentials come from the environment, never from the URI in logs."""

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        batch_size: int = DEFAULT_BATCH,
        wait: float = 5.0,
        retry_seconds: float = 15.0,
    ) -> None:
        try:
            parts = urlsplit(uri)
            port = parts.port
            host = (parts.hostname or "").strip()
        except ValueError as exc:  # a port out of range, an unclosed [IPv6 address
            raise InputError(f"{redact_loose(uri)}: not a valid server address ({exc})",
                             field="--store") from None
        if not host or any(c.isspace() for c in parts.netloc):
            raise InputError(f"{redact_loose(uri)}: no server host in the URI",
                             field="--store")
        if parts.password:
            # Credentials come from the environment only: a URI lands in shell history,
            # process lists and logs.
            raise InputError(f"{redact_loose(uri)}: a password in the store URI is not "
                             f"used; give it in NEO4J_PASSWORD (and the user in "
                             f"NEO4J_USERNAME)", field="--store")
        del port
        self.uri = redact(uri)
        # A path means nothing to a Bolt server (the driver warns, then will refuse it).
        self._connect_uri = urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[-1],
                                        "", parts.query, ""))
        self._user = user if user is not None else (
            parts.username or os.environ.get("NEO4J_USERNAME", "neo4j"))
        self._password = password if password is not None else (
            os.environ.get("NEO4J_PASSWORD", ""))
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        self._from_environment = (user is None and password is None and database is None
                                  and not parts.username and self.uri == uri)
        self.batch_size = batch_size
        self.wait = wait
        self.retry_seconds = retry_seconds
        self._driver: Any = None
        self._bookmarks: Any = None
        self._formats: dict[str, str] | None = None
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # -- connection -------------------------------------------------------------------

    def __enter__(self) -> Neo4jStore:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        if self._driver is not None:
            return
        import neo4j
        from neo4j.exceptions import AuthError, ConfigurationError, DriverError, Neo4jError

        try:
            self._driver = self._connect(neo4j, notifications=False)
        except ConfigurationError:
            # A server before Neo4j 5.7 cannot be asked to keep its notifications.
            self.close()
            try:
                self._driver = self._connect(neo4j, notifications=True)
            except ConfigurationError:
                self.close()
                raise StoreUnavailable(f"{self.uri}: cannot connect (ConfigurationError)"
                                       ) from None
            except AuthError:
                self.close()
                raise StoreUnavailable(f"{self.uri}: authentication failed; check "
                                       f"NEO4J_USERNAME and NEO4J_PASSWORD") from None
        except AuthError:
            self.close()
            raise StoreUnavailable(
                f"{self.uri}: authentication failed; check NEO4J_USERNAME and NEO4J_PASSWORD"
            ) from None
        except (DriverError, Neo4jError, OSError, ValueError, IndexError) as exc:
            self.close()
            raise StoreUnavailable(f"{self.uri}: cannot connect ({type(exc).__name__})") from None
        try:
            self.init()
        except BaseException:
            self.close()  # no driver left open behind an error (a database it lacks)
            raise

    def _connect(self, neo4j: Any, *, notifications: bool) -> Any:
        """A driver, connected.  Its sessions share one bookmark manager: on a cluster (or
        Aura) each statement of this store, read or write, runs after every earlier one has
        been applied where it runs, so a read sees what this store wrote before it.  The
        server's notifications (a property key the graph does not hold yet, say) are
        not asked for: they would be log lines about kamgraph's own statements."""
        options: dict[str, Any] = {}
        if not notifications:
            options["notifications_min_severity"] = "OFF"
        self._bookmarks = neo4j.GraphDatabase.bookmark_manager()
        driver = neo4j.GraphDatabase.driver(
            self._connect_uri, auth=(self._user, self._password),
            connection_timeout=10, max_transaction_retry_time=self.retry_seconds, **options)
        self._driver = driver
        driver.verify_connectivity()
        return driver

    def close(self) -> None:
        if self._driver is not None:
            try:
                self._driver.close()
            finally:
                self._driver = None

    def _session(self) -> Any:
        if self._driver is None:
            self.open()
        return self._driver.session(database=self.database, bookmark_manager=self._bookmarks)

    def _write(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        return self._tx("execute_write", query(statement), params)

    def _read(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        return self._tx("execute_read", query(statement), params)

    def _tx(self, how: str, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        from neo4j.exceptions import DriverError, Neo4jError

        def work(tx: Any) -> list[dict[str, Any]]:
            return [record.data() for record in tx.run(text, params)]

        try:
            with self._session() as session:
                result: list[dict[str, Any]] = getattr(session, how)(work)
                return result
        except Neo4jError as exc:
            if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
                raise StoreUnavailable(
                    f"{self.uri}: the server has no database {self.database!r} (from "
                    f"NEO4J_DATABASE; leave it unset for the server's default, which on "
                    f"Neo4j Community Edition is its one database, 'neo4j')") from None
            raise StoreError(f"{self.uri}: the server refused a statement "
                             f"({exc.code or type(exc).__name__})") from None
        except (DriverError, OSError) as exc:
            raise StoreUnavailable(
                f"{self.uri}: the server failed or went away ({type(exc).__name__})"
            ) from None

    def init(self) -> None:
        """Create constraints and indexes; idempotent."""
        for statement in statements("initialize"):
            self._tx("execute_write", statement, {})

    # -- writing ----------------------------------------------------------------------

    def _lock(self) -> None:
        """Take the sync lock, waiting up to ``wait`` seconds for another sync to finish.

        A lock left by a process on this host that no longer runs (killed, or cut off
        from a server that went away) is taken over at once; any other lock expires
        after ``LOCK_TTL``.
        """
        deadline = time.monotonic() + self.wait
        while True:
            now = datetime.now(UTC)
            expires = (now + LOCK_TTL).isoformat()
            if self._write("acquire_lock", name="sync", holder=self._holder,
                           now=now.isoformat(), expires=expires):
                return
            [current] = self._read("read_lock", name="sync") or [{"holder": None}]
            stale = current["holder"]
            if stale and _dead_local_holder(stale) and self._write(
                    "take_over_lock", name="sync", stale=stale, holder=self._holder,
                    now=now.isoformat(), expires=expires):
                return
            if time.monotonic() >= deadline:
                raise StoreBusy(f"{self.uri}: another kamgraph sync is writing to this "
                                f"graph (waited {self.wait:g}s); try again when it has "
                                f"finished")
            time.sleep(0.5)

    def _unlock(self) -> None:
        self._write("release_lock", name="sync", holder=self._holder)

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
        day = (today or datetime.now(UTC).date()).isoformat()
        report = SyncReport(run_id=None, source=source, format=loader.format, status="running",
                            mode=mode)
        # Marked as syncing before it asks: another store of this process that finds it
        # holding the lock must not take it for a dead holder.
        _SYNCING.add(self._holder)
        try:
            self._lock()
        except BaseException:
            _SYNCING.discard(self._holder)
            raise
        server_gone = False
        try:
            if prepare is not None:
                # Under the sync lock: what it reads cannot change before this run ends.
                try:
                    loader, mode = prepare()
                except KamgraphError as exc:
                    self._refused(report, exc)
                    raise
                report.mode = mode
            return self._run(loader, report, source, mode, allow_rejects, day,
                             max_inactive_share)
        except StoreUnavailable:
            # The run stays 'running'; the next sync marks it failed and discards what
            # it staged (abandon_runs), and takes over this process's lock.
            server_gone = True
            raise
        finally:
            _SYNCING.discard(self._holder)
            if not server_gone:
                self._unlock()

    def _run(self, loader: Loader, report: SyncReport, source: str, mode: str,
             allow_rejects: bool, day: str, max_share: float | None = None) -> SyncReport:
        [row] = self._write("create_run", source=source, format=loader.format, mode=mode,
                            started=run_started(date.fromisoformat(day)))
        run = int(row["id"])
        report.run_id = run
        for abandoned in self._write("abandon_runs", current=run, finished=_now()):
            self._discard(int(abandoned["id"]))
        staged: list[str] = []
        try:
            touched: set[str] = set()
            seen = self._stage(loader, source, run, day, report.counts, staged, touched)
            report.take(loader.result)
            if report.rejects and not allow_rejects:
                self._discard(run, staged)
                report.nothing_written()
                report.status = "rejected"
                self._finish(report, f"{counted(len(report.rejects), 'row')} rejected")
                return report
            gone: list[str] = []
            if mode == "full":
                # Read before the staged records are made current: a run the shrink guard
                # stops has changed nothing.
                active = [r["uid"] for r in self._read("active_uids", source=source)]
                gone = [uid for uid in active if uid not in seen]
                if gone:
                    check_shrink(source, len(gone), len(active), max_share)
            self._finalize(run, staged)
            if mode == "full":
                self._mark_absent(gone, run, day, report.counts)
            self._write("upsert_source", name=source, format=loader.format)
            self._keep_summaries(run, None if mode == "full" else touched)
            self._formats = None
            report.status = "ok"
            self._finish(report, None)
            return report
        except StoreUnavailable:
            raise
        except BaseException as exc:
            report.status = "failed"
            report.error = str(exc) if isinstance(exc, KamgraphError) else type(exc).__name__
            self._discard(run, staged)
            report.nothing_written()
            self._finish(report, report.error)
            raise

    def _refused(self, report: SyncReport, exc: KamgraphError) -> None:
        """A run refused before it wrote anything is still on record, as failed."""
        [row] = self._write("create_run", source=report.source, format=report.format,
                            mode=report.mode, started=_now())
        report.run_id = int(row["id"])
        report.status = "failed"
        report.error = str(exc)
        self._finish(report, report.error)

    def _finish(self, report: SyncReport, error: str | None) -> None:
        self._write("finish_run", id=report.run_id, finished=_now(), status=report.status,
                    counts=json.dumps(report.to_dict()), error=error)

    def _stage(self, loader: Loader, source: str, run: int, day: str,
               counts: Counter[str], staged: list[str], touched: set[str]) -> set[str]:
        """Stage every new or changed record of the run, adding each uid staged to
        ``staged`` as it is written (what :meth:`_finalize` makes visible, or
        :meth:`_discard` undoes), and its account, as it was and as it is, to
        ``touched``; return every uid read."""
        seen: set[str] = set()
        batch: dict[str, Record] = {}
        for record in loader.records():
            uid = _uid(record.kind, record.key(), source)
            if uid in seen:
                counts["duplicates"] += 1
            seen.add(uid)
            batch[uid] = record
            if len(batch) >= self.batch_size:
                staged += self._stage_batch(batch, source, run, day, counts, touched)
                batch = {}
        if batch:
            staged += self._stage_batch(batch, source, run, day, counts, touched)
        return seen

    def _stage_batch(self, batch: dict[str, Record], source: str, run: int, day: str,
                     counts: Counter[str], touched: set[str]) -> list[str]:
        existing = {r["uid"]: r for r in self._read("fetch_records", uids=list(batch))}
        rows = []
        for uid, record in batch.items():
            payload = record_json(record)
            status = "deleted" if record.deleted else "active"
            digest = record_hash(payload, status)
            old = existing.get(uid)
            if old is not None and old["hash"] == digest and old["status"] == status:
                counts["unchanged"] += 1
                continue
            if old is None or old["status"] == "staged":
                counts["inserted"] += 1
                since = day if status != "active" else None
            else:
                counts["updated"] += 1
                since = (old["since"] if old["status"] == status and status != "active"
                         else (None if status == "active" else day))
                if status == "deleted" and old["status"] != "deleted":
                    counts["deleted"] += 1
            data = record.to_dict()
            account = record.account_key()
            for was_or_is in (account, old["account"] if old is not None else None):
                if was_or_is is not None:
                    touched.add(str(was_or_is))
            rows.append({
                "uid": uid, "kind": record.kind, "key": record.key(), "source": source,
                "data": payload, "hash": digest, "status": status, "since": since,
                "account_id": account,
                "pool": record.kind == "person" and account is None,
                "supplier_id": data.get("supplier_id"), "customer_id": data.get("customer_id"),
                "person_id": data.get("person_id"),
            })
        if rows:
            self._write("stage_records", rows=rows, run=run)
        return [str(row["uid"]) for row in rows]

    def _drain(self, statement: str, /, **params: Any) -> int:
        total = 0
        while True:
            [row] = self._write(statement, batch=self.batch_size, **params)
            total += int(row["n"])
            if not row["n"]:
                return total

    def _by_uid(self, statement: str, uids: list[str], *, write: bool = True,
                **params: Any) -> list[dict[str, Any]]:
        """``statement`` over ``uids``, a batch at a time (each found by its uid through
        the unique constraint); the rows it returns."""
        run = self._write if write else self._read
        out: list[dict[str, Any]] = []
        for i in range(0, len(uids), self.batch_size):
            out += run(statement, uids=uids[i:i + self.batch_size], **params)
        return out

    def _finalize(self, run: int, staged: list[str]) -> None:
        # By uid, never a scan for the run's staged records (a pass over every record per
        # batch).  A uid staged twice in one run (a duplicate row) is finalized once: the
        # second no longer has next_hash.
        self._by_uid("finalize_records", staged, run=run, activity=list(ACTIVITY_KINDS))

    def _discard(self, run: int, staged: list[str] | None = None) -> None:
        """Undo what run ``run`` staged: by uid when this process staged it, else (a run
        abandoned by a process that died) through the :Staged label.  Records the run
        created go; the others keep what they held."""
        if staged is None:
            self._drain("discard_staged", run=run)
        else:
            self._by_uid("discard_records", staged, run=run)

    def _mark_absent(self, gone: list[str], run: int, day: str,
                     counts: Counter[str]) -> None:
        self._by_uid("mark_inactive", gone, run=run, day=day)
        counts["inactivated"] += len(gone)

    # -- reading ----------------------------------------------------------------------

    def _source_formats(self) -> dict[str, str]:
        if self._formats is None:
            self._formats = {r["name"]: r["format"] for r in self._read("list_sources")}
        return self._formats

    @staticmethod
    def _rows(records: list[dict[str, Any]]) -> Iterator[tuple[str, str, str, str, str,
                                                             str | None]]:
        for r in records:
            yield (r["kind"], r["key"], r["source"], r["data"], r["status"], r["since"])

    def accounts(self, *, counts: bool = True) -> list[AccountSummary]:
        merged = merge_rows(self._rows(self._read("list_accounts")), self._source_formats())
        if not counts:
            return account_summaries(merged, {}, {}, {})
        kept = self._summary("counts") or self._live_counts()
        return account_summaries(merged, kept["people"], kept["ours"], kept["links"])

    def _people_of(self, account_id: str, everyone: bool) -> list[str]:
        """The uids (under every source) of the people an account's records name, among
        whom its people of ours: each looked up by uid, never every person of ours per
        account (which made an audit's time per account grow with the portfolio)."""
        if everyone:
            return []
        sources = sorted(self._source_formats())
        return [_uid("person", r["key"], source)
                for r in self._read("account_people", account_id=account_id)
                for source in sources]

    def find_account(self, account_id: str) -> AccountSummary | None:
        rows = self._read("find_account", uids=[
            _uid("account", account_id, source) for source in sorted(self._source_formats())])
        found = account_summaries(merge_rows(self._rows(rows), self._source_formats()),
                                  {}, {}, {})
        return found[0] if found else None

    def load_account(self, account_id: str, *, everyone: bool = True) -> AccountData:
        rows = self._read("load_account", account_id=account_id, everyone=everyone,
                          uids=self._people_of(account_id, everyone))
        items = merge_rows(self._rows(rows), self._source_formats())
        return account_data(items, account_id, f"no account with id {account_id!r}")

    def our_people(self) -> list[Stored]:
        return merge_rows(self._rows(self._read("our_people")), self._source_formats())

    def _keep_summaries(self, run: int, touched: Collection[str] | None) -> None:
        """Our people's loads and the accounts' counts, kept when a run commits: what
        every account's assembly and `kamgraph accounts` read, in one small read.  Which
        of our people serve which accounts is kept beside them, so that a run that says
        which accounts it touched (``touched``) recounts those alone: an account's
        summaries depend on its own records.  ``None``: every account."""
        was = self._summary("members", kept=True) if touched is not None else None
        kept = self._summary("counts", kept=True) if was is not None else None
        if touched is None or was is None or kept is None or was[0] != kept[0] \
                or len(touched) * 2 > len(was[1]):
            # Every account: a full run, none kept yet, or not kept by one run (a version
            # without the members kept the counts since); or most accounts touched, which
            # one pass over the records counts faster than a lookup per account
            # (measured: an incremental of 1 % of the activity rows of 500 accounts,
            # spread over nearly all of them, took 7.8 s recounting account by account
            # and 5.9 s recounting every account).
            members: dict[str, list[str]] = self._members("account_members")
            counts: dict[str, dict[str, int]] = self._live_counts()
        else:
            members, counts = was[1], kept[1]
            accounts = sorted(touched)
            if accounts:
                for account in accounts:
                    members.pop(account, None)
                    for part in counts.values():
                        part.pop(account, None)
                members.update(self._members("account_members_of", accounts=accounts))
                counts["people"].update({r["account"]: int(r["n"]) for r in self._read(
                    "count_people_of", accounts=accounts)})
                for r in self._read("count_links_of", accounts=accounts):
                    counts["ours"][r["account"]] = int(r["ours"])
                    counts["links"][r["account"]] = int(r["links"])
        for name, data in (("members", members), ("loads", _loads(members)),
                           ("counts", counts)):
            self._write("write_summary", name=name, data=json.dumps(data), run=run)

    def _members(self, statement: str, /, **params: Any) -> dict[str, list[str]]:
        return {str(r["account"]): sorted(str(p) for p in r["people"] if p)
                for r in self._read(statement, **params)}

    def _summary(self, name: str, *, kept: bool = False) -> Any:
        """A summary the last sync kept (None: none kept); ``kept``: as (run, summary)."""
        rows = self._read("read_summary", name=name)
        if not rows or not rows[0]["data"]:
            return None
        found = json.loads(rows[0]["data"])
        return (rows[0]["run"], found) if kept else found

    def _live_counts(self) -> dict[str, dict[str, int]]:
        """Each account's people, our people and links, counted over every record."""
        links = self._read("count_links")
        return {
            "people": {r["account"]: int(r["n"]) for r in self._read("count_people")},
            "ours": {r["account"]: int(r["ours"]) for r in links},
            "links": {r["account"]: int(r["links"]) for r in links},
        }

    def _live_loads(self) -> dict[str, int]:
        """How many accounts each of our people serves, counted over every record."""
        return _loads(self._members("account_members"))

    def supplier_loads(self) -> dict[str, int]:
        """The accounts each of our people serves, as the last sync kept it."""
        kept = self._summary("loads")
        return {str(k): int(v) for k, v in kept.items()} if kept is not None else \
            self._live_loads()

    def runs(self, limit: int | None = None) -> list[SyncRun]:
        return [
            SyncRun(
                id=int(r["id"]), source=r["source"], format=r["format"], mode=r["mode"],
                started=datetime.fromisoformat(r["started"]),
                finished=datetime.fromisoformat(r["finished"]) if r["finished"] else None,
                status=r["status"], counts=json.loads(r["counts"] or "{}"), error=r["error"],
            )
            for r in self._read("list_runs", limit=limit if limit is not None else _ALL)
        ]

    def dump(self) -> Iterator[tuple[Any, ...]]:
        """Every visible record without run bookkeeping, as the embedded store dumps it."""
        for r in self._read("dump_records"):
            yield (r["kind"], r["key"], r["source"], r["account_id"], r["data"], r["status"],
                   r["since"])

    def reading(self) -> AbstractContextManager[None]:
        """Nothing to hold: readers check :meth:`latest_run` around each account."""
        return nullcontext()

    def latest_run(self) -> int | None:
        [row] = self._read("latest_run") or [{"id": None}]
        return int(row["id"]) if row["id"] is not None else None

    def account_snapshot(self, account_id: str, run_id: int, *, everyone: bool = True
                         ) -> AccountData:
        """One account's records as they stood after run ``run_id``."""
        rows = self._read("account_snapshot", account_id=account_id, run=run_id,
                          everyone=everyone, uids=self._people_of(account_id, everyone))
        items = merge_rows(self._rows(rows), self._source_formats())
        return account_data(items, account_id,
                            f"account {account_id!r} did not exist after run {run_id}")

    def changed_accounts(self, run_id: int) -> set[str]:
        return set(self.change_index(run_id).accounts)

    def change_index(self, run_id: int) -> ChangeIndex:
        rows = self._read("change_index", run=run_id, activity=list(ACTIVITY_KINDS))
        # Every version is a History node here, the current one too.
        return ChangeIndex.from_versions(run_id, (
            item for r in rows for item in [
                (r["kind"], r["key"], r["source"], r["account_id"], r["changed_run"], None),
                *((r["kind"], r["key"], r["source"], None, run, data)
                  for run, data in zip(r["runs"], r["versions"], strict=True))]))

    def has_records(self, kind: str) -> bool:
        return bool(self._read("has_records", kind=kind))

    def keep_plan(self, key: str, run: int, payload: str) -> None:
        self._write("keep_plan", key=key, run=run, payload=payload, keep=KEPT_PLANS,
                    made=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"))

    def kept_plan(self, key: str) -> str | None:
        rows = self._read("kept_plan", key=key)
        return str(rows[0]["payload"]) if rows else None

    def keep_followup(self, run: int, as_of: str, payload: str, progress: str) -> None:
        self._write("keep_followup", run=run, day=as_of, payload=payload, data=progress,
                    keep=KEPT_FOLLOWUPS,
                    made=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds"))

    def kept_followups(self) -> list[tuple[int, str]]:
        return [(int(row["run"]), str(row["as_of"])) for row in self._read("kept_followups")]

    def kept_followup(self, run: int) -> str | None:
        rows = self._read("kept_followup", run=run)
        return str(rows[0]["payload"]) if rows else None

    def kept_progress(self, limit: int) -> list[tuple[int, str, str]]:
        return [(int(row["run"]), str(row["as_of"]), str(row["progress"]))
                for row in self._read("kept_progress", limit=limit)]

    def close_action(self, action_id: str, payload: str) -> None:
        self._write("close_action", id=action_id, payload=payload)

    def reopen_action(self, action_id: str) -> bool:
        rows = self._write("reopen_action", id=action_id)
        return bool(rows and rows[0]["reopened"])

    def closures(self) -> dict[str, str]:
        return {str(row["id"]): str(row["payload"]) for row in self._read("closures")}

    def reopen_uri(self) -> str | None:
        # A process started from this one inherits its environment: when the credentials
        # and database came from there (as the CLI's do), the URI alone opens the same
        # store.  Credentials given to this object are never handed on.
        return self.uri if self._from_environment else None

    def contact_logs(self, source: str, pairs: Iterable[str]) -> list[tuple[str, str]]:
        wanted = list(dict.fromkeys(pairs))
        out: list[tuple[str, str]] = []
        for i in range(0, len(wanted), self.batch_size):
            part = wanted[i:i + self.batch_size]
            ids = [dict(zip(("supplier", "customer"), pair.split("|", 1), strict=True))
                   for pair in part]
            # The statement matches both ids exactly: every row is a wanted pair's.
            out += [(row["key"], row["data"])
                    for row in self._read("contact_logs", source=source, pairs=ids)]
        return out

    def known_ids(self, wanted: Mapping[str, Collection[str]] | None = None) -> KnownIds:
        if wanted is not None:
            return self._known_by_uid(wanted)

        def rows() -> Iterator[tuple[str, str, str | None, str]]:
            for r in self._read("known_ids"):
                data = r["data"] if r["pool"] else repeat(None, len(r["keys"]))
                for key, account, one in zip(r["keys"], r["accounts"], data, strict=True):
                    yield r["kind"], key, account or None, _side(one)

        return known_from_rows(rows())

    def _known_by_uid(self, wanted: Mapping[str, Collection[str]]) -> KnownIds:
        """Each wanted key looked up by exact uid, under every source the store holds."""
        sources = sorted(str(r["name"]) for r in self._read("list_sources"))
        uids = [_uid(kind, key, source) for kind, keys in wanted.items()
                for key in sorted(keys) for source in sources]
        rows = self._by_uid("known_ids_by_uid", uids, write=False)
        holds = bool(self._read("holds_accounts"))
        return known_from_rows(
            ((r["kind"], r["key"], r["account_id"], _side(r["data"])) for r in rows),
            holds_accounts=holds)

    def person_history(self, person_id: str) -> list[HistoryEntry]:
        rows = self._read("person_history", id=person_id, prefix=f"{person_id}|",
                          suffix=f"|{person_id}", uids=[
                              _uid("person", person_id, source)
                              for source in sorted(self._source_formats())])
        out = []
        for r in rows:
            kind, _, rest = r["uid"].partition("|")
            key, _, source = rest.rpartition("|")
            out.append(HistoryEntry(run=int(r["run"]), kind=kind, key=key, source=source,
                                    status=r["status"], data=json.loads(r["data"])))
        out.sort(key=lambda e: (e.run, e.kind, e.key))
        return out
