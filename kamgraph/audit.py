"""The audit: every analysis over every chosen account, and the actions they add up to,
in the ``kamgraph.audit/3`` shape."""

from __future__ import annotations

import gc
import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import networkx as nx

from kamgraph.actions import Action, brief_actions, finish
from kamgraph.actions.asks import Brief
from kamgraph.analysis.anti_sponsor import likely_anti_sponsors
from kamgraph.analysis.buying_centre import buying_centre_changes
from kamgraph.analysis.committee import committee_findings, stale_deals
from kamgraph.analysis.coverage import coverage_gaps
from kamgraph.analysis.effort import coverage_effort
from kamgraph.analysis.findings import Finding, FindingKind
from kamgraph.analysis.influence import hidden_influencers
from kamgraph.analysis.key_person import key_person_risks
from kamgraph.analysis.mirror import mirror_findings
from kamgraph.analysis.paths import path_findings
from kamgraph.analysis.people import is_unmapped
from kamgraph.analysis.portfolio import portfolio_placement
from kamgraph.analysis.red_flags import map_status_findings, red_flags
from kamgraph.analysis.relationship_level import relationship_level_gaps
from kamgraph.analysis.stage import Stage, classify_stage
from kamgraph.analysis.threads import single_threads
from kamgraph.analysis.turnover import turnover_findings
from kamgraph.changes import ChangeWindow
from kamgraph.config import Config
from kamgraph.errors import UnknownAccount
from kamgraph.followup import (
    HISTORY_POINTS,
    Closure,
    Completed,
    Entry,
    Followup,
    Progress,
    TrackedAccount,
    contacts_of,
    follow_account,
    pack,
    progress_of,
    unpack,
)
from kamgraph.graph import CONTEXT, Pool, build_account_graph, build_pool, context, with_changes
from kamgraph.ids import is_valid, to18
from kamgraph.records import AccountChange
from kamgraph.stores.base import AccountSummary, ChangeIndex, Store, read_account

if TYPE_CHECKING:
    from kamgraph.capacity import Assignment

__all__ = [
    "ANALYSES",
    "SCHEMA_ID",
    "AccountAudit",
    "AssemblyContext",
    "assemble_graph",
    "AuditReport",
    "audit_graph",
    "inline_account",
    "iter_accounts",
    "iter_audits",
    "keep_plan",
    "kept_followup",
    "Followed",
    "resolve_accounts",
    "run_audit",
]

SCHEMA_ID = "kamgraph.audit/3"

Analysis = Callable[[nx.MultiDiGraph, Config], list[Finding]]
T = TypeVar("T")

#: Every analysis the audit runs, in order.
ANALYSES: tuple[Analysis, ...] = (
    coverage_gaps,
    single_threads,
    key_person_risks,
    likely_anti_sponsors,
    mirror_findings,
    hidden_influencers,
    committee_findings,
    coverage_effort,
    portfolio_placement,
    relationship_level_gaps,
    map_status_findings,
    red_flags,
    path_findings,
    turnover_findings,
    buying_centre_changes,
    stale_deals,
)


@dataclass
class AccountAudit:
    """One account's audit: its stage, every finding, and the ranked actions they make."""

    id: str
    name: str
    stage: Stage | None
    findings: list[Finding] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    #: Nobody of theirs is recorded: nothing can be said to be missing.
    unmapped: bool = False
    #: Between drafting and wording: what the actions ask of our people, for the
    #: portfolio's assignment (None once the actions are made).
    brief: Brief | None = field(default=None, repr=False, compare=False)
    #: Who of ours sponsors the account: its executive sponsor on record, else the
    #: executive the portfolio's plan gives it (None: none).
    sponsor: str | None = None
    #: What became of the actions given before, and this audit's actions as given
    #: (:mod:`kamgraph.followup`); ``since`` is the day of the follow-up compared with.
    followup: list[Entry] = field(default_factory=list, repr=False, compare=False)
    since: date | None = field(default=None, repr=False, compare=False)
    #: What the follow-up reads of the account's graph, until it is made.
    tracked: Tracked | None = field(default=None, repr=False, compare=False)
    #: Where the account stood at each follow-up kept before, and stands now (last).
    progress: list[Progress] = field(default_factory=list, repr=False, compare=False)

    @property
    def stage_name(self) -> str:
        """The account's stage by name: ``unmapped`` when nobody of theirs is recorded,
        ``""`` when it is not classified (:func:`~kamgraph.analysis.stage.stage_label`
        writes it for people)."""
        if self.unmapped:
            return "unmapped"
        return self.stage.name.value if self.stage else ""

    def listed(self, per_kind: int | None = None, kinds: Collection[FindingKind] = (),
               ) -> tuple[list[int], dict[str, int]]:
        """The positions of the findings a report lists when it lists at most
        ``per_kind`` of each kind (None: all) of ``kinds`` (none: every kind), the most
        severe first, and how many of each kind it holds back.  The actions are made
        from every finding."""
        chosen = [i for i, f in enumerate(self.findings) if not kinds or f.kind in kinds]
        if per_kind is None:
            return chosen, {}
        seen: Counter[FindingKind] = Counter()
        kept: list[int] = []
        for i in chosen:  # most severe first (Finding.sort_key)
            kind = self.findings[i].kind
            seen[kind] += 1
            if seen[kind] <= per_kind:
                kept.append(i)
        return kept, {kind.value: n - per_kind for kind, n in sorted(seen.items())
                      if n > per_kind}

    def overdue(self, action: Action) -> bool:
        """Whether the action is still raised past the day it was first due."""
        from kamgraph.followup import Status

        return any(e.id == action.id and e.status is Status.OVERDUE for e in self.followup)

    def followup_summary(self) -> dict[str, Any] | None:
        """What became of the actions of the follow-up kept before (None: none was):
        counts since its day, and each action done, dropped or closed since."""
        from kamgraph.followup import since_counts

        if self.since is None:
            return None
        resolved = [{"id": e.id, "status": e.status.value, "headline": e.action.headline,
                     "why": e.why} for e in self.followup if e.resolved_since(self.since)]
        return {"since": self.since.isoformat(), **since_counts(self.followup, self.since),
                "resolved": resolved, "progress": [p.to_dict() for p in self.progress]}

    def to_dict(self, findings_per_kind: int | None = None) -> dict[str, Any]:
        """The account in the ``kamgraph.audit/3`` shape (``docs/audit-schema.md``):
        every string once.  Evidence lines are positions in ``lines``; findings name
        their subject by id (``names``) and their action by rank; at most
        ``findings_per_kind`` findings of each kind are listed (None: all).
        :func:`inline_account` puts the strings back in place."""
        kept, held_back = self.listed(findings_per_kind)
        lines: dict[str, int] = {}

        def refs(evidence: Sequence[str]) -> list[int]:
            return [lines.setdefault(e, len(lines)) for e in evidence]

        actions = [{**a.to_dict(), "evidence": refs(a.evidence)} for a in self.actions]
        covering = self._covering()
        names: dict[str, str] = {}
        findings = []
        for i in kept:
            f = self.findings[i]
            names[f.subject.id] = f.subject.name
            # One voice: a finding's own suggestion is given only where no action covers
            # it; otherwise it points at the action by rank.
            entry = {k: v for k, v in f.to_dict().items() if k not in ("action", "suggested")}
            entry["subject"] = {"type": f.subject.type, "id": f.subject.id}
            entry["evidence"] = refs(f.evidence)
            action = covering.get(i)
            entry["action"] = action.rank if action else None
            if action is None:
                entry["suggestion"] = f.action
            findings.append(entry)
        return {
            "id": self.id,
            "name": self.name,
            "stage": self.stage.to_dict() if self.stage else None,
            "sponsor": self.sponsor,
            "followup": self.followup_summary(),
            "unmapped": self.unmapped,
            "actions": actions,
            "findings": findings,
            "held_back": held_back,
            "names": names,
            "lines": list(lines),
        }

    def action_of_findings(self) -> dict[int, str]:
        """Position of each finding an action covers -> that action's id."""
        return {i: a.id for i, a in self._covering().items()}

    def _covering(self) -> dict[int, Action]:
        """Position of each finding an action covers -> that action."""
        return {i: a for a in self.actions for i in a.findings}

    def parts(self) -> dict[str, tuple[Action, str]]:
        """Person -> the action they are in and their part in it: ``about them`` (the
        subject) first, else ``theirs to do`` (the owner) or ``they introduce``, in the
        first action that names them."""
        out: dict[str, tuple[Action, str]] = {}
        for a in self.actions:
            people = [(a.subject.id, "about them")] if a.subject.type == "person" else []
            if a.owner is not None:
                people.append((a.owner.id, "theirs to do"))
            people += [(w.id, "they introduce") for w in a.with_]
            for person, part in people:
                if person not in out or (part == "about them"
                                         and out[person][1] != "about them"):
                    out[person] = (a, part)
        return out

    def action_for(self, person: str) -> Action | None:
        """The action ``person`` is in (see :meth:`parts`), or None."""
        found = self.parts().get(person)
        return found[0] if found else None


@dataclass
class AuditReport:
    as_of: date
    accounts: list[AccountAudit]
    #: What the whole store says, once (``Portfolio.notes``).
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "as_of": self.as_of.isoformat(),
            "notes": list(self.notes),
            "accounts": [a.to_dict() for a in self.accounts],
        }


def inline_account(account: dict[str, Any]) -> dict[str, Any]:
    """An account of a ``kamgraph.audit/3`` document with every string in place: each
    evidence list as its lines, each finding's subject with its name, and each finding's
    ``action`` as the covering action's id (or None).  For readers that want the
    document's strings where they are used; the document itself says each once.

    >>> doc = {"id": "A", "actions": [{"id": "A/1", "rank": 1, "evidence": [0]}],
    ...        "findings": [{"subject": {"type": "person", "id": "p"}, "evidence": [0, 1],
    ...                      "action": 1}],
    ...        "names": {"p": "Ana"}, "lines": ["x", "y"]}
    >>> finding = inline_account(doc)["findings"][0]
    >>> finding["subject"]["name"], finding["evidence"], finding["action_id"]
    ('Ana', ['x', 'y'], 'A/1')
    """
    lines = account["lines"]
    ids = {a["rank"]: a["id"] for a in account["actions"]}
    out = {k: v for k, v in account.items() if k not in ("names", "lines")}
    out["actions"] = [{**a, "evidence": [lines[i] for i in a["evidence"]]}
                      for a in account["actions"]]
    findings = []
    for f in account["findings"]:
        entry = {k: v for k, v in f.items() if k != "action"}
        entry["subject"] = {**f["subject"], "name": account["names"][f["subject"]["id"]]}
        entry["evidence"] = [lines[i] for i in f["evidence"]]
        entry["action_id"] = ids.get(f["action"]) if f["action"] is not None else None
        findings.append(entry)
    out["findings"] = findings
    return out


@dataclass(frozen=True)
class Tracked:
    """An account between its audit and its follow-up: its graph's contacts, the
    actions given before, the closures, and who holds whom now."""

    as_of: date
    contacts: TrackedAccount
    previous: tuple[Entry, ...] = ()
    since: date | None = None
    closures: Mapping[str, Closure] = field(default_factory=dict)
    completed: Mapping[str, Completed] = field(default_factory=dict)


def audit_graph(graph: nx.MultiDiGraph, config: Config, plan: Assignment | None = None,
                *, drafted: bool = False, followed: Followed | None = None) -> AccountAudit:
    """Run every analysis over one account graph, and turn the findings into actions.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An account graph (:func:`~kamgraph.graph.build_account_graph`, or
        :func:`assemble_graph` for one with its changes since the previous run).
    config : Config
        Settings.
    plan : Assignment, optional
        The portfolio's assignment (:func:`portfolio_plan`): who of ours takes each of
        the account's asks, and when.  Without one the account is assigned alone, as if
        it were the portfolio.
    drafted : bool
        Stop once the actions are drafted: the audit has no actions yet, and its
        ``brief`` says what they ask of our people (the portfolio's assignment reads it).
    followed : Followed, optional
        The follow-up kept before and the closures: the audit's ``followup`` says what
        became of the actions given then (without, every action is given today).

    Returns
    -------
    AccountAudit
        The stage, every finding (most severe first) and the ranked actions.
    """
    from kamgraph.capacity import assign

    account = context(graph).account
    findings: list[Finding] = []
    with collector_paused():
        for analysis in ANALYSES:
            findings.extend(analysis(graph, config))
        findings.sort(key=Finding.sort_key)
        brief = brief_actions(graph, findings, config)
        audit = AccountAudit(id=account["id"], name=account["name"],
                             stage=classify_stage(graph, config), findings=findings,
                             unmapped=is_unmapped(graph))
        followed = followed or Followed()
        audit.progress = [*followed.history.get(audit.id, ()),
                          progress_of(graph, audit.stage.name.value if audit.stage else None,
                                      config)]
        audit.tracked = Tracked(
            as_of=context(graph).as_of, contacts=contacts_of(graph),
            previous=followed.previous.get(audit.id, ()), since=followed.since,
            closures=followed.closures, completed=followed.completed)
        if drafted:
            audit.brief = brief
        else:
            finished(audit, brief, plan if plan is not None and plan.covers(brief)
                     else assign([brief], config))
        return audit


@dataclass(frozen=True)
class Followed:
    """What an audit's follow-up compares with: the actions of the follow-up kept
    before (by account), its day, and the actions closed by hand."""

    previous: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    since: date | None = None
    closures: Mapping[str, Closure] = field(default_factory=dict)
    #: Actions whose CRM tasks came back completed in the export just synced.
    completed: Mapping[str, Completed] = field(default_factory=dict)
    #: Each account's progress at every follow-up kept before, oldest first.
    history: Mapping[str, tuple[Progress, ...]] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store, as_of: date, run: int | None) -> Followed:
        """The newest follow-up kept before ``as_of`` (by run no later than ``run``) and
        the closures that hold on ``as_of``."""
        closures = {k: c for k, c in ((k, Closure.from_json(v))
                                      for k, v in store.closures().items()) if c.holds(as_of)}
        every = store.kept_followups()
        kept = [(r, d) for r, d in every
                if (run is None or r <= run) and date.fromisoformat(d) < as_of]
        text = store.kept_followup(kept[0][0]) if kept else None
        if text is None:
            return cls(closures=closures)
        previous = Followup.from_json(unpack(text))
        runs = {r for r, _ in kept}
        history: dict[str, list[Progress]] = {}
        later = len(every) - len(kept)  # kept on or after the day: not history
        for r, _, progress in reversed(store.kept_progress(HISTORY_POINTS + later)):
            if r not in runs:
                continue
            for account, point in json.loads(progress).items():
                history.setdefault(account, []).append(Progress.from_dict(point))
        return cls(previous={k: tuple(v) for k, v in previous.by_account().items()},
                   since=previous.as_of, closures=closures,
                   history={k: tuple(v[-HISTORY_POINTS:]) for k, v in history.items()})


def finished(audit: AccountAudit, brief: Brief, plan: Assignment) -> None:
    """The account's actions worded from the plan, its sponsor, and their follow-up."""
    sponsor = plan.sponsor_of.get(brief.account)
    audit.actions = finish(brief, plan)
    audit.sponsor = plan.workload[sponsor].name if sponsor in plan.workload else None
    tracked = audit.tracked
    if tracked is not None:
        audit.followup = follow_account(
            audit.id, audit.name, audit.actions, tracked.previous, tracked.contacts,
            brief.holders, as_of=tracked.as_of, closures=tracked.closures,
            completed=tracked.completed)
        audit.since = tracked.since
        audit.tracked = None
        # An action still raised is due when it was first due: the follow-up's date.
        due = {e.id: e.action.due for e in audit.followup if not e.status.resolved}
        audit.actions = [replace(a, due=due.get(a.id, a.due)) for a in audit.actions]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while one account is built and audited, on again
    after.  The analyses make hundreds of thousands of objects that live until the
    account is done, and each collection would walk all of them again: an account of
    16,000 people spends a fifth of its audit there.  What the account leaves behind is
    collected once it is done.  (Another thread may find it off meanwhile; it is only
    ever turned back on.)"""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def resolve_accounts(store: Store, refs: Sequence[str]) -> list[AccountSummary]:
    """Accounts named by id (15 or 18 characters) or by name; all when ``refs`` is empty.

    A name matches exactly (any case) or, failing that, as the only account whose name
    contains it.

    Parameters
    ----------
    store : Store
        Where the accounts live.
    refs : sequence of str
        Ids or names; none for every account (deleted ones left out).

    Returns
    -------
    list of AccountSummary
        In the order named (each once), or by name.

    Raises
    ------
    kamgraph.errors.UnknownAccount
        When a reference names no account, or several.
    """
    if not refs:
        return [a for a in store.accounts(counts=False) if a.status != "deleted"]
    ids = [_as_id(ref) for ref in refs]
    # Accounts named by their ids are read alone: a single-account command costs the
    # same in a portfolio of ten accounts or of thousands.
    direct = [store.find_account(i) for i in ids]
    if all(direct):
        return list(dict.fromkeys(a for a in direct if a is not None))
    known = store.accounts(counts=False)
    by_id = {a.id: a for a in known}
    chosen: list[AccountSummary] = []
    for ref, ref_id in zip(refs, ids, strict=True):
        candidates = [by_id[ref_id]] if ref_id in by_id else []
        if not candidates:
            lowered = ref.strip().lower()
            candidates = [a for a in known if a.name.lower() == lowered]
            if not candidates:
                candidates = [a for a in known if lowered in a.name.lower()]
        if not candidates:
            raise UnknownAccount(f"no account with id or name {ref!r}; see `kamgraph accounts`")
        if len(candidates) > 1:
            names = ", ".join(f"{a.name} ({a.id})" for a in candidates[:5])
            raise UnknownAccount(f"{ref!r} matches several accounts: {names}; give an id")
        if candidates[0] not in chosen:
            chosen.append(candidates[0])
    return chosen


def _as_id(ref: str) -> str:
    """A reference as an account id would be stored: a Salesforce id in 18 characters."""
    ref_id = ref.strip()
    if len(ref_id) in (15, 18) and is_valid(ref_id):
        return to18(ref_id) or ref_id
    return ref_id


def run_audit(
    store: Store,
    refs: Sequence[str] = (),
    *,
    as_of: date,
    config: Config,
    jobs: int = 1,
) -> AuditReport:
    """Audit the named accounts (all when none are named) as of ``as_of``, held whole.

    A portfolio audit that is only written out should use :func:`iter_audits`, which
    holds a few accounts at a time.
    """
    return AuditReport(as_of=as_of, accounts=list(
        iter_audits(store, refs, as_of=as_of, config=config, jobs=jobs)))


def portfolio_plan(store: Store, *, as_of: date, config: Config, jobs: int = 1,
                   ctx: AssemblyContext | None = None) -> Assignment:
    """The portfolio's assignment as of ``as_of``: the one a sync kept for this run, day
    and settings (:func:`keep_plan`), else made now from every account's drafts
    (:func:`kamgraph.capacity.assign`)."""
    from kamgraph.capacity import from_json, plan_key

    ctx = ctx or AssemblyContext.read(store, as_of, config)
    if ctx.run is not None:
        kept = store.kept_plan(plan_key(ctx.run, as_of, config))
        if kept is not None:
            return from_json(kept)
    return _make_plan(store, ctx, jobs)


def keep_plan(store: Store, *, as_of: date, config: Config, jobs: int = 1,
              completed: Mapping[str, Completed] | None = None) -> Assignment:
    """Make the portfolio's assignment as of ``as_of`` and keep it in ``store`` for the
    store's newest run, with the follow-up of the day (:func:`kamgraph.followup`): what
    a sync does once it commits, so that one account's audit reads the plan instead of
    weighing every account again, and the next sync knows what was asked.
    ``completed``: the actions whose CRM tasks came back done in the export synced."""
    from kamgraph.capacity import plan_key, to_json

    ctx = AssemblyContext.read(store, as_of, config)
    if completed:
        ctx = replace(ctx, followed=replace(ctx.followed, completed=completed))
    made: list[Assignment] = []
    followup = Followup(as_of=as_of, since=ctx.followed.since, run=ctx.run)
    for audit in _audits_and_plan(store, ctx, jobs, on_plan=made.append):
        followup.entries += audit.followup
        followup.progress[audit.id] = audit.progress[-1]
    plan = made[0]
    if ctx.run is not None:
        store.keep_plan(plan_key(ctx.run, as_of, config), ctx.run, to_json(plan))
        store.keep_followup(ctx.run, as_of.isoformat(), pack(followup.to_json()),
                            followup.progress_json())
    return plan


def kept_followup(store: Store, as_of: date | None = None) -> Followup | None:
    """The follow-up the newest sync kept, or the one kept for the day ``as_of`` (any
    earlier day's too: any two follow-ups kept can be read and compared), with the
    closures made since applied; None when none was kept."""
    with store.reading():
        run = store.latest_run()
        every = store.kept_followups()
        if as_of is None:
            kept = [(r, d) for r, d in every if r == run]
        else:
            # The day's follow-up as the newest run that kept one that day made it; a
            # later sync of the same day that kept none has made it stale.
            day = as_of.isoformat()
            kept = [(r, d) for r, d in every if d == day]
            if kept and kept[0][0] != run and _ran_on(store, run, as_of):
                kept = []
        text = store.kept_followup(kept[0][0]) if kept else None
        closures = store.closures()
    if text is None:
        return None
    followup = Followup.from_json(unpack(text))
    held = {k: Closure.from_json(v) for k, v in closures.items()}
    followup.entries = [held[e.id].close(e, followup.as_of) if e.id in held else e
                        for e in followup.entries]
    return followup


def _ran_on(store: Store, run: int | None, day: date) -> bool:
    """Whether run ``run`` started on ``day``."""
    return any(r.id == run and r.started.date() == day for r in store.runs())


def _make_plan(store: Store, ctx: AssemblyContext, jobs: int) -> Assignment:
    from kamgraph.capacity import assign

    drafted = replace(ctx, drafted=True)
    briefs = [b for b in iter_accounts(store, _light_brief, as_of=ctx.as_of,
                                       config=ctx.config, jobs=jobs, ctx=drafted) if b]
    return assign(briefs, ctx.config, ctx.as_of)


def _light_brief(graph: nx.MultiDiGraph, audit: AccountAudit) -> Brief | None:
    """An account's brief without its drafts: what the assignment reads of it."""
    return replace(audit.brief, drafts=[]) if audit.brief is not None else None


#: Accounts handed to a worker process at a time, and batches waiting per worker.
_BATCH = 16
_AHEAD = 4


def iter_audits(
    store: Store,
    refs: Sequence[str] = (),
    *,
    as_of: date,
    config: Config,
    jobs: int = 1,
    plan: Assignment | None = None,
) -> Iterator[AccountAudit]:
    """Each named account's audit (all accounts when none are named), in order, as it is
    done: a portfolio of thousands is never held at once.

    With ``jobs`` > 1 and a store other processes can open by URI (``reopen_uri``),
    accounts are audited in that many processes, each with its own connection, a few
    batches ahead of the reader; the audits are the same either way.  Closing the
    iterator early cancels the batches not yet started.

    Owners come from the portfolio's assignment (:func:`portfolio_plan`).  When no plan
    is kept for this run, day and settings, a whole-portfolio audit makes it on the way:
    each account is audited up to its drafts (kept on disk, not in memory), the
    assignment is made from all of them, and each is then worded from there.
    """
    resolve_accounts(store, refs)  # an unknown account fails before anything is done
    ctx = AssemblyContext.read(store, as_of, config)
    if plan is None and not refs:
        from kamgraph.capacity import from_json, plan_key

        kept = store.kept_plan(plan_key(ctx.run, as_of, config)) if ctx.run else None
        if kept is None:
            return _audits_and_plan(store, ctx, jobs)
        plan = from_json(kept)
    if plan is None:
        plan = portfolio_plan(store, as_of=as_of, config=config, jobs=jobs, ctx=ctx)
    return iter_accounts(store, _the_audit, refs, as_of=as_of, config=config, jobs=jobs,
                         ctx=replace(ctx, plan=plan))


def _audits_and_plan(store: Store, ctx: AssemblyContext, jobs: int,
                     on_plan: Callable[[Assignment], None] | None = None,
                     ) -> Iterator[AccountAudit]:
    """Every account audited to its drafts, spilled to a temporary file; the portfolio's
    assignment made from their briefs (handed to ``on_plan``); then each account worded,
    in order."""
    import pickle
    import tempfile

    from kamgraph.capacity import assign

    briefs = []
    with tempfile.TemporaryFile() as spill:
        count = 0
        for audit in iter_accounts(store, _the_audit, as_of=ctx.as_of, config=ctx.config,
                                   jobs=jobs, ctx=replace(ctx, drafted=True)):
            assert audit.brief is not None
            briefs.append(replace(audit.brief, drafts=[]))
            pickle.dump(audit, spill, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
        plan = assign(briefs, ctx.config, ctx.as_of)
        if on_plan is not None:
            on_plan(plan)
        del briefs
        spill.seek(0)
        for _ in range(count):
            audit = pickle.load(spill)
            assert audit.brief is not None
            finished(audit, audit.brief, plan)
            audit.brief = None
            yield audit


def _the_audit(graph: nx.MultiDiGraph, audit: AccountAudit) -> AccountAudit:
    return audit


def iter_accounts(
    store: Store,
    each: Callable[[nx.MultiDiGraph, AccountAudit], T],
    refs: Sequence[str] = (),
    *,
    as_of: date,
    config: Config,
    jobs: int = 1,
    start: str | None = None,
    workers_from: int = 2,
    ctx: AssemblyContext | None = None,
) -> Iterator[T]:
    """``each(graph, audit)`` of every named account (all when none are named), in
    order, as each is done: what :func:`iter_audits` does, for whatever a command keeps
    of an account (a line of the portfolio page, a map).

    In workers (see :func:`iter_audits`), ``each`` runs there and only what it returns
    comes back: it must be a module-level function (or a ``functools.partial`` of one).
    ``start`` is the workers' start method (default: the platform's); a caller with
    threads of its own, such as the site server, asks for ``"forkserver"``.  Fewer
    accounts than ``workers_from`` are done here: starting workers would cost more.
    ``ctx`` is what the accounts share (read from ``store`` when omitted), with the
    portfolio's assignment (``ctx.plan``; each account alone without one).
    """
    # Named accounts are resolved now, so an unknown one fails before anything is written.
    ids = [s.id for s in resolve_accounts(store, refs)]
    ctx = ctx or AssemblyContext.read(store, as_of, config)
    reopen = store.reopen_uri()
    if jobs <= 1 or len(ids) < workers_from or reopen is None:
        # Our people are read and classified once, not once per account.
        pool = build_pool(store.our_people(), config, ctx.loads)
        return (_each_one(store, account_id, ctx, pool, each) for account_id in ids)
    return _in_workers(reopen, ids, jobs, ctx, each, start)


@dataclass(frozen=True)
class AssemblyContext:
    """What assembling any account of a store as of a day shares, read once: our
    people's loads, the run changes are counted from, the accounts changed since.
    Every command assembles accounts through :func:`assemble_graph` with it, so the same
    account on the same day gives the same graph and findings everywhere; a worker
    process gets it once."""

    as_of: date
    config: Config
    loads: dict[str, int]
    #: The runs whose changes are reported (:func:`kamgraph.changes.change_window`).
    window: ChangeWindow
    #: Which runs of the window changed which accounts and which of our people.
    index: ChangeIndex | None
    #: The newest run when the command began: every account is read as it stood after
    #: it, so a sync that commits meanwhile is not half seen (None: no run yet).
    run: int | None = None
    #: The portfolio's assignment the accounts' actions are worded from (None: each
    #: account is assigned alone), or ``drafted``: audits stop at their drafts.
    plan: Assignment | None = None
    drafted: bool = False
    #: Whether the store records any buying role on any deal.
    roles_recorded: bool = True
    #: The follow-up kept before and the closures (:class:`Followed`).
    followed: Followed = field(default_factory=lambda: Followed())

    @classmethod
    def read(cls, store: Store, as_of: date, config: Config,
             since: str | None = None) -> AssemblyContext:
        """Everything shared, read from ``store`` once.  ``since`` (a run id or a date)
        compares with that run instead of the change window's start."""
        from kamgraph.changes import change_window

        with store.reading():
            run = store.latest_run()
            window = change_window(store.runs(), as_of, config.change_window_days, since,
                                   latest=run)
            index = (store.change_index(window.baseline.id)
                     if window.baseline is not None and window.runs else None)
            return cls(as_of=as_of, config=config, loads=store.supplier_loads(),
                       window=window, index=index, run=run,
                       roles_recorded=store.has_records("opportunity_role"),
                       followed=Followed.read(store, as_of, run))


def _in_workers(reopen: str, ids: list[str], jobs: int, ctx: AssemblyContext,
                each: Callable[[nx.MultiDiGraph, AccountAudit], T],
                start: str | None) -> Iterator[T]:
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor

    batch = max(1, min(_BATCH, len(ids) // (jobs * _AHEAD)))
    waiting = deque(ids[i:i + batch] for i in range(0, len(ids), batch))
    # Workers forked or spawned by this process watch it by its pid; a fork server's
    # workers watch the fork server, which ends with this process.
    import multiprocessing

    context = multiprocessing.get_context(start)
    parent = None if context.get_start_method() == "forkserver" else os.getpid()
    workers = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                  initializer=_worker_open, initargs=(parent, reopen, ctx))
    pending: deque[Future[list[T]]] = deque()

    def submit() -> None:
        pending.append(workers.submit(_worker_each, each, waiting.popleft()))

    try:
        while waiting and len(pending) < jobs * _AHEAD:
            submit()
        while pending:
            done = pending.popleft().result()
            if waiting:
                submit()
            yield from done
    finally:
        workers.shutdown(wait=True, cancel_futures=True)


def _each_one(store: Store, account_id: str, ctx: AssemblyContext, pool: Pool | None,
              each: Callable[[nx.MultiDiGraph, AccountAudit], T]) -> T:
    with collector_paused():
        graph = assemble_graph(store, account_id, ctx, pool)
        kept = each(graph, audit_graph(graph, ctx.config, ctx.plan, drafted=ctx.drafted,
                                       followed=ctx.followed))
        # Unreachable before the collector is back on: a graph is a cycle (networkx keeps
        # views of it), freed by the collector's first pass; still held then, it would
        # move to the older generations and be walked again by each of their passes.
        del graph
    return kept


def assemble_graph(store: Store, account_id: str, ctx: AssemblyContext,
                   pool: Pool | None = None) -> nx.MultiDiGraph:
    """One account's graph as every command sees it: its records as of ``ctx.as_of``,
    our people's loads and pool, and what changed since the previous run.

    Parameters
    ----------
    store : Store
        Where the account lives.
    account_id : str
        The account's id.
    ctx : AssemblyContext
        What all accounts share (:meth:`AssemblyContext.read`).
    pool : Pool, optional
        Our people, built once for many accounts; read from the store when omitted.
    """
    from kamgraph.changes import window_changes

    graph = build_account_graph(
        read_account(store, account_id, ctx.run, everyone=pool is None),
        ctx.as_of, ctx.config, ctx.loads, pool)
    changes: list[AccountChange] = []
    if ctx.index is not None:
        # Only the runs that touched the account (its records, or our people on it) are
        # replayed: an account nobody came to, left or moved in is not rebuilt.
        _, changes = window_changes(store, account_id, ctx.window, ctx.as_of, ctx.config,
                                    index=ctx.index, now=graph, loads=ctx.loads, pool=pool)
    if ctx.window.baseline is not None:
        with_changes(graph, changes, ctx.window.label)
    if not ctx.roles_recorded:
        graph.graph[CONTEXT] = replace(context(graph), roles_recorded=False)
    if ctx.followed.closures:
        graph.graph[CONTEXT] = replace(context(graph),
                                       closed=frozenset(ctx.followed.closures))
    return graph


_WORKER_STORE: Store | None = None
_WORKER_POOL: Pool | None = None
_WORKER_CONTEXT: AssemblyContext | None = None


def _die_with_parent(parent: int | None) -> None:
    """End this worker when the audit that started it ends, however it ends (a kill
    leaves no worker holding the store): the parent-death signal on Linux, else a
    thread that watches the parent.  ``parent`` is the pid the audit started its workers
    from, not ``os.getppid()`` read here: an audit killed while this worker was starting
    has already left it to another parent, which would then be watched instead (None:
    the worker's parent as it is now, a fork server)."""
    parent = os.getppid() if parent is None else parent
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the signal was set
                os._exit(1)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="kamgraph-parent-watch", daemon=True).start()


def _worker_open(parent: int | None, uri: str, ctx: AssemblyContext) -> None:
    """A worker's store, shared context and pool: set once, not sent with every batch."""
    from kamgraph.stores import open_store

    _die_with_parent(parent)
    global _WORKER_STORE, _WORKER_POOL, _WORKER_CONTEXT
    _WORKER_STORE = open_store(uri, create=False, readonly=True)
    # One read transaction for the worker's life: with ``ctx.run`` (read_account), every
    # account it audits is as the parent's command began, whatever commits meanwhile.
    _WORKER_STORE.reading().__enter__()
    _WORKER_CONTEXT = ctx
    _WORKER_POOL = build_pool(_WORKER_STORE.our_people(), ctx.config, ctx.loads)


def _worker_each(each: Callable[[nx.MultiDiGraph, AccountAudit], T],
                 account_ids: list[str]) -> list[T]:
    assert _WORKER_STORE is not None and _WORKER_CONTEXT is not None
    return [_each_one(_WORKER_STORE, account_id, _WORKER_CONTEXT, _WORKER_POOL, each)
            for account_id in account_ids]
