"""The one small interface every store implements, and the types it speaks."""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from kamgraph.errors import ShrinkError
from kamgraph.model import Account, ContactLog, Record, log_pair, record_from_dict
from kamgraph.records import AccountData, KnownIds, Loader, LoadResult, Reject, Stored

#: Called under a sync's write lock: the loader and mode the run should use.
Prepare = Callable[[], "tuple[Loader, str]"]

__all__ = [
    "ChangeIndex",
    "Prepare",
    "check_shrink",
    "read_account",
    "ACTIVITY_KINDS",
    "AccountData",
    "AccountSummary",
    "HistoryEntry",
    "OVERLAY_FORMATS",
    "Store",
    "Stored",
    "SyncReport",
    "SyncRun",
    "account_data",
    "account_summaries",
    "known_from_rows",
    "merge_rows",
    "record_hash",
    "record_json",
]

#: Formats whose records add to other sources' records rather than stand alone.
OVERLAY_FORMATS = frozenset({"csv"})


#: One encoder for every record (``json.dumps`` with options builds one per call): the
#: same bytes, key order and separators as ever, so stored hashes stay stable.
_ENCODE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


#: How the encoder above writes a string: ``json``'s own C function for it.
_STRING: Callable[[str], str] = json.encoder.encode_basestring


class _Quoted(dict[Any, str]):
    """What recurs across log entries (their days, channels and outcomes), written as
    JSON once each (a day is never equal to a word, so one table holds both)."""

    def __missing__(self, value: Any) -> str:
        quoted = self[value] = _ENCODE(value.isoformat() if isinstance(value, date)
                                       else value)
        return quoted


_QUOTED = _Quoted()


#: Runs whose portfolio plans a store keeps.
KEPT_PLANS = 30
#: Runs whose follow-up (the actions given and what became of them) is kept: six weeks
#: of nightly syncs (each carries forward what is still open, so nothing older is needed
#: to follow up; compressed, about 0.2 kB an action, 4 MB a run at 2,000 accounts).
KEPT_FOLLOWUPS = 40


def record_json(record: Record) -> str:
    """A record as stored: its dict as JSON, keys sorted.  A contact log, most of what a
    sync writes, is written here directly, to the same bytes."""
    if type(record) is ContactLog:
        return _log_json(record)
    return _ENCODE(record.to_dict())


def _log_json(log: ContactLog) -> str:
    quoted = _QUOTED
    try:
        entries = ",".join([
            f"[{quoted[d]},{quoted[c]},{quoted[o]},"
            f"{str(m) if type(m) is int else _ENCODE(m)},{_STRING(a)}]"
            for d, c, o, m, a in log.entries])
        month = f',"month":{_STRING(log.month)}' if log.month else ""
        return (f'{{"account_id":{_STRING(log.account_id)},'
                f'"customer_id":{_STRING(log.customer_id)},"entries":[{entries}]{month},'
                f'"supplier_id":{_STRING(log.supplier_id)}}}')
    except TypeError:
        # A value of another type where a string belongs: the general encoder writes
        # it (or refuses it) as it always has.
        return _ENCODE(log.to_dict())


def record_hash(payload: str, status: str) -> str:
    return hashlib.blake2b(f"{status}\x00{payload}".encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class AccountSummary:
    id: str
    name: str
    status: str
    customers: int
    our_people: int
    links: int


def read_account(store: Store, account_id: str, run: int | None, *,
                 everyone: bool = True) -> AccountData:
    """One account as it stood after run ``run`` (the newest when a command began): its
    current records when no run has started since (checked before and after the read),
    else its records as of that run.  A command that overlaps a sync so reads the state
    before it, never a mixture."""
    if run is None:
        return store.load_account(account_id, everyone=everyone)
    if store.latest_run() == run:
        data = store.load_account(account_id, everyone=everyone)
        if store.latest_run() == run:
            return data
    return store.account_snapshot(account_id, run, everyone=everyone)


def check_shrink(source: str, gone: int, active: int, share: float | None) -> None:
    """Stop a full run that would mark more than ``share`` of ``active`` records inactive."""
    if share is None or active == 0 or gone <= share * active:
        return
    raise ShrinkError(
        f"this full export would mark {gone:,} of the {active:,} active records of "
        f"{source!r} inactive ({gone / active:.0%}, more than the "
        f"{share:.0%} of sync.max_inactive_share); nothing was written. If the export "
        f"holds only what changed, sync it with --incremental; if the records really "
        f"went, sync with --allow-shrink")


@dataclass
class SyncReport:
    """What one sync did.  ``status`` is ``ok``, ``rejected`` or ``failed``."""

    run_id: int | None
    source: str
    format: str
    status: str
    counts: Counter[str] = field(default_factory=Counter)
    read: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    error: str | None = None
    high_water: str | None = None
    mode: str = "full"
    #: What the export was, byte for byte, with the settings that read it (full syncs).
    fingerprint: str | None = None
    #: File -> lines of a UTF-8 file that were not UTF-8, read as Windows-1252.
    redecoded: dict[str, list[int]] = field(default_factory=dict)
    #: What the graph will repair, by kind (reports-to cycles, self-reports).
    repairs: dict[str, int] = field(default_factory=dict)
    #: What a user should know that is no error.
    warnings: list[str] = field(default_factory=list)

    def take(self, result: LoadResult) -> None:
        """What the load said of itself: rows read, skipped, rejected and re-decoded,
        repairs and warnings, the high-water mark and the fingerprint."""
        self.counts["unchanged"] += result.unchanged
        self.fingerprint = result.fingerprint
        self.read = dict(result.read)
        self.high_water = result.high_water
        self.skipped = dict(result.skipped)
        self.redecoded = dict(result.redecoded)
        self.repairs = dict(result.repairs)
        self.warnings = list(result.warnings)
        self.rejects = list(result.rejects)

    def nothing_written(self) -> None:
        """A run rolled back or discarded wrote nothing: say so, whatever it had staged."""
        for key in ("inserted", "updated", "deleted", "inactivated"):
            if key in self.counts:
                self.counts[key] = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "source": self.source,
            "format": self.format,
            "mode": self.mode,
            "status": self.status,
            "counts": dict(sorted(self.counts.items())),
            "read": self.read,
            "skipped": self.skipped,
            "rejected": len(self.rejects),
            "redecoded": self.redecoded,
            "repairs": self.repairs,
            "warnings": self.warnings,
            "error": self.error,
            "high_water": self.high_water,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class HistoryEntry:
    """One stored version of a record, as a run wrote it."""

    run: int
    kind: str
    key: str
    source: str
    status: str
    data: dict[str, Any]


def run_started(today: date | None) -> str:
    """When a run starts, as stored: now, or now's time on ``today`` when a sync is told
    which day its export is of (so the runs of a replayed history are dated by it)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if today is not None:
        now = datetime.combine(today, now.time())
    return now.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ChangeIndex:
    """Which runs after a given run changed what.

    ``accounts``: per account, the runs that changed one of its records other than
    activity (its people, their roles, its deals, its team): only then can someone have
    come, gone or moved.  ``ours``: per person of ours, the runs that changed their
    record (a colleague who left changed every account they served).
    """

    accounts: Mapping[str, frozenset[int]]
    ours: Mapping[str, frozenset[int]]

    @classmethod
    def from_versions(cls, after: int,
                      rows: Iterable[tuple[str, str, str, str | None, int, str | None]],
                      ) -> ChangeIndex:
        """Build the index from ``(kind, key, source, account_id, run, data)`` rows: every
        stored version of each record changed after run ``after`` (``account_id`` where
        the row is the current version, ``data`` the version's JSON where known)."""
        versions: dict[tuple[str, str, str], list[tuple[int, str | None, str | None]]] = \
            defaultdict(list)
        for kind, key, source, account, run, data in rows:
            versions[(kind, key, source)].append((int(run), account, data))
        accounts: dict[str, set[int]] = defaultdict(set)
        ours: dict[str, set[int]] = defaultdict(set)
        for (kind, key, _source), found in versions.items():
            found.sort(key=lambda v: v[0])
            runs = {run for run, _, _ in found if run > after}
            if not runs:
                continue
            # The version standing at ``after`` and every later one name the accounts the
            # record moved between.
            first = max((i for i, v in enumerate(found) if v[0] <= after), default=0)
            named: set[str] = set()
            for _run, account, data in found[first:]:
                if account:
                    named.add(account)
                if data:
                    value = json.loads(data).get("account_id")
                    if value:
                        named.add(str(value))
            for account in named:
                accounts[account] |= runs
            if kind == "person" and not named:
                ours[key] |= runs
        return cls({a: frozenset(r) for a, r in accounts.items()},
                   {p: frozenset(r) for p, r in ours.items()})


@dataclass(frozen=True)
class SyncRun:
    id: int
    source: str
    format: str
    mode: str
    started: datetime
    finished: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None


class Store(Protocol):
    """Storage of the account graph.  Stores are context managers."""

    uri: str

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

    def init(self) -> None:
        """Create or migrate the schema; idempotent."""

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
        """Write everything ``loader`` yields as one atomic run.

        ``prepare``, when given, is called once the write lock is held and before
        anything is written: it may read the store (the last run, what is active) and
        returns the loader and mode to use, so a decision made from the store's state
        (the export is unchanged; the export is incomplete) cannot race another sync.
        ``max_inactive_share`` stops a full run, with nothing written, that would mark
        more than that share of the source's active records inactive (:class:`ShrinkError`).
        """

    def accounts(self, *, counts: bool = True) -> list[AccountSummary]:
        """Every account, by name.  ``counts=False`` leaves the people and link counts at
        zero and skips the scan of every relationship that counting them takes."""

    def find_account(self, account_id: str) -> AccountSummary | None:
        """One account by its exact id (no counts), or None: naming an account by id
        reads that account, not the portfolio."""

    def load_account(self, account_id: str, *, everyone: bool = True) -> AccountData:
        """One account's records, with all of our people (``everyone``) or only those
        its records name (what an audit that builds the pool once wants)."""

    def our_people(self) -> list[Stored]:
        """Every person of ours (records without an account), merged across sources."""

    def runs(self, limit: int | None = None) -> list[SyncRun]: ...

    def latest_run(self) -> int | None:
        """The newest run's id (any status), or None before the first sync."""

    def reading(self) -> AbstractContextManager[None]:
        """One consistent state for everything read inside: a read transaction on the
        embedded store (a sync may commit meanwhile; it is not seen); nothing on Neo4j,
        whose readers check :meth:`latest_run` around each account instead."""

    def supplier_loads(self) -> dict[str, int]:
        """How many accounts each of our people serves (team seats or active links)."""

    def person_history(self, person_id: str) -> list[HistoryEntry]:
        """Every stored version of a person's records and of records that involve them."""

    def account_snapshot(self, account_id: str, run_id: int, *, everyone: bool = True
                         ) -> AccountData:
        """One account's records as they stood after run ``run_id``."""

    def changed_accounts(self, run_id: int) -> set[str]:
        """Accounts with a record other than a contact log changed after run ``run_id``:
        the account each such record belongs to now and in any version kept of it (a
        person who moved changed both).  Only their people can have come or gone."""

    def change_index(self, run_id: int) -> ChangeIndex:
        """Which runs after ``run_id`` changed which accounts' records (other than
        activity) and which of our people's records (:class:`ChangeIndex`)."""

    def known_ids(self, wanted: Mapping[str, Collection[str]] | None = None) -> KnownIds:
        """Ids an incremental export may reference: accounts, contacts, users, deals.

        ``wanted`` names the keys to look up, by kind (``account``, ``person``,
        ``opportunity``), each by exact key; ``None`` reads every id the store holds.
        """

    def contact_logs(self, source: str, pairs: Iterable[str]) -> list[tuple[str, str]]:
        """Every stored contact log of ``source`` for ``pairs`` (``ours|theirs``), as
        (key, JSON): each month's, and a whole-pair log if one is left from before logs
        were monthly.  Undecoded: a merge decodes only the months it may change."""

    def reopen_uri(self) -> str | None:
        """A URI another process can open this store by, or None when it cannot."""

    def has_records(self, kind: str) -> bool:
        """Whether any active record of ``kind`` is stored (``opportunity_role``: does
        any deal record a buying role?)."""

    def keep_plan(self, key: str, run: int, payload: str) -> None:
        """Keep the portfolio's assignment (``payload``, JSON) made after run ``run``
        under ``key`` (the run, the day and the settings it was made for); the plans of
        all but the last :data:`KEPT_PLANS` runs go."""

    def kept_plan(self, key: str) -> str | None:
        """The payload kept under ``key``, or None."""

    def keep_followup(self, run: int, as_of: str, payload: str, progress: str) -> None:
        """Keep the follow-up made after run ``run`` as of the day ``as_of``: every
        action given and what became of it (``payload``, JSON), and where each account
        stood (``progress``, JSON, small: read for every audit); those of all but the
        last :data:`KEPT_FOLLOWUPS` runs go."""

    def kept_followups(self) -> list[tuple[int, str]]:
        """``(run, as_of)`` of every follow-up kept, newest run first."""

    def kept_followup(self, run: int) -> str | None:
        """The follow-up kept for run ``run``, or None."""

    def kept_progress(self, limit: int) -> list[tuple[int, str, str]]:
        """``(run, as_of, progress)`` of the newest ``limit`` follow-ups kept, newest
        first."""

    def close_action(self, action_id: str, payload: str) -> None:
        """Close an action by hand: ``payload`` (JSON) holds why, when and until when;
        it is not raised again while the closure holds."""

    def reopen_action(self, action_id: str) -> bool:
        """Withdraw a closure; False when the action was not closed."""

    def closures(self) -> dict[str, str]:
        """Every action closed by hand: id -> the closure's payload."""


def _priority(source: str, fmt: str) -> tuple[int, str]:
    return (1 if fmt in OVERLAY_FORMATS else 0, source)


def merge_rows(
    rows: Iterable[tuple[str, str, str, str, str, str | None]],
    formats: dict[str, str],
) -> list[Stored]:
    """Merge stored rows ``(kind, key, source, data, status, since)`` across sources.

    CRM sources form the base; overlay sources (kamgraph CSV) add their non-empty fields
    on top.  The status is the base's when a CRM holds the record, else the overlay's.
    """
    grouped: dict[tuple[str, str], list[tuple[str, str, str, str | None]]] = {}
    for kind, key, source, payload, status, since in rows:
        grouped.setdefault((kind, key), []).append((source, payload, status, since))
    merged: list[Stored] = []
    for (kind, _key), versions in grouped.items():
        versions.sort(key=lambda v: _priority(v[0], formats.get(v[0], "")))
        status, since = versions[0][2], versions[0][3]
        if formats.get(versions[0][0], "") not in OVERLAY_FORMATS:
            # Over a CRM record, only overlays that are still in their source count.
            versions = versions[:1] + [v for v in versions[1:] if v[2] == "active"]
        data: dict[str, Any] = {}
        for _source, payload, _status, _since in versions:
            for name, value in json.loads(payload).items():
                if value is not None or name not in data:
                    data[name] = value
        merged.append(
            Stored(
                record=record_from_dict(kind, data, deleted=status == "deleted"),
                status=status,
                since=date.fromisoformat(since) if since else None,
                sources=tuple(v[0] for v in versions),
            )
        )
    merged.sort(key=lambda s: (s.record.kind, s.record.key()))
    return merged


def account_summaries(merged: Iterable[Stored], people: dict[str, int],
                      ours: dict[str, int], links: dict[str, int]) -> list[AccountSummary]:
    """Merged account records with their counts (people, our people, links), by name."""
    out = []
    for stored in merged:
        account = stored.record
        assert isinstance(account, Account)
        out.append(AccountSummary(
            id=account.id, name=account.name or account.id, status=stored.status,
            customers=people.get(account.id, 0), our_people=ours.get(account.id, 0),
            links=links.get(account.id, 0),
        ))
    out.sort(key=lambda a: (a.name.lower(), a.id))
    return out


#: Record kinds that hold activity, not people: changes to them move no one in or out.
ACTIVITY_KINDS = ("contact_log", "touch")


def known_from_rows(rows: Iterable[tuple[str, str, str | None, str]],
                    holds_accounts: bool | None = None) -> KnownIds:
    """Build :class:`KnownIds` from ``(kind, key, account_id, side)`` of live records;
    ``holds_accounts`` when they are only some of them (see :class:`KnownIds`)."""
    accounts, users = set(), set()
    contacts: dict[str, str] = {}
    opportunities: dict[str, str] = {}
    for kind, key, account, side in rows:
        if kind == "account":
            accounts.add(key)
        elif kind == "opportunity" and account:
            opportunities[key] = account
        elif kind == "person":
            if side == "supplier":
                users.add(key)
            elif account:
                contacts[key] = account
    return KnownIds(frozenset(accounts), contacts, frozenset(users), opportunities,
                    bool(accounts) if holds_accounts is None else holds_accounts)


def pair_of(key: str, pairs: Collection[str]) -> bool:
    """Whether a contact log's ``key`` belongs to one of ``pairs`` (``ours|theirs``)."""
    return log_pair(key) in pairs


def account_data(items: list[Stored], account_id: str, missing: str) -> AccountData:
    """Wrap merged records as one account's data; ``missing`` is the error when absent."""
    from kamgraph.errors import UnknownAccount

    account = next((s.record for s in items if s.record.kind == "account"), None)
    if not isinstance(account, Account):
        raise UnknownAccount(missing)
    return AccountData(account=account, items=tuple(items))
