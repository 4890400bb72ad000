"""The public face of kamgraph: a store as of a day, and its accounts.

A notebook, the CLI and the maps all reach an account the same way: a
:class:`Portfolio` reads what every account shares once (our people's loads and the
pool, the previous run), and :class:`Account` assembles one through
:func:`~kamgraph.audit.assemble_graph`, so the same account on the same day gives the
same graph, findings and actions everywhere.

>>> import kamgraph
>>> kg = kamgraph.open("sqlite:///demo/kamgraph.db", as_of="2026-11-01")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kamgraph.config import Config, load_config

if TYPE_CHECKING:
    import networkx as nx

    from kamgraph.actions import Action
    from kamgraph.analysis.findings import Finding
    from kamgraph.analysis.paths import Route
    from kamgraph.analysis.stage import Stage
    from kamgraph.audit import AccountAudit, AssemblyContext
    from kamgraph.capacity import Assignment, WorkloadRow
    from kamgraph.changes import ChangeWindow
    from kamgraph.followup import Followup
    from kamgraph.graph import Pool
    from kamgraph.history import PersonChange
    from kamgraph.plan import AccountView
    from kamgraph.records import AccountChange
    from kamgraph.stores.base import AccountSummary, Store, SyncReport

__all__ = ["Account", "ChangeReport", "Portfolio", "RouteReport", "open", "sync"]

T = TypeVar("T")


@dataclass(frozen=True)
class RouteReport:
    """What :meth:`Account.routes` found: the person, the audit's action about them, the
    buying centre's changes in words (None: none), and each route with its ask."""

    target: str
    name: str
    changed: str | None
    action: Action | None
    routes: list[tuple[str, str | None]]


@dataclass(frozen=True)
class ChangeReport:
    """What :meth:`Portfolio.changes` found: the window, and each account's changes."""

    window: ChangeWindow
    as_of: date
    accounts: list[tuple[AccountSummary, list[AccountChange]]]

    def to_dict(self) -> dict[str, Any]:
        baseline = self.window.baseline
        return {
            "since_run": baseline.id if baseline else None,
            "since": baseline.started.isoformat() if baseline else None,
            "window_days": self.window.days, "as_of": self.as_of.isoformat(),
            "runs": [r.id for r in self.window.runs],
            "accounts": [{"id": s.id, "name": s.name, "changes": [c.to_dict() for c in cs]}
                         for s, cs in self.accounts]}


def open(uri: str | None = None, *, as_of: date | str | None = None,  # noqa: A001
         config: Config | str | None = None) -> Portfolio:
    """Open a store for reading, as of a day.

    Parameters
    ----------
    uri : str, optional
        ``sqlite:///path`` (the default is ``./kamgraph.db``, or ``$KAMGRAPH_STORE``) or
        ``bolt://`` / ``neo4j://`` with credentials from ``NEO4J_USERNAME`` and
        ``NEO4J_PASSWORD``.  The store must exist: ``kamgraph sync`` makes one.
    as_of : date or str, optional
        The day every recency rule counts from (``"2026-11-01"``); today by default.
    config : Config or str, optional
        Settings, or the path of a ``kamgraph.toml``; ``./kamgraph.toml`` when present.

    Returns
    -------
    Portfolio
        Close it (or use it in a ``with`` block) when done.
    """
    from kamgraph.stores import open_store

    store = open_store(uri, create=False, readonly=True)
    store.__enter__()
    settings = config if isinstance(config, Config) else load_config(config)
    return Portfolio(store, as_of=as_of, config=settings, owns_store=True)


def sync(path: str | PathLike[str], store: str | None = None, *, format: str = "auto",  # noqa: A002
         incremental: bool = False, allow_shrink: bool = False,
         config: Config | str | None = None, plan: bool = True,
         as_of: date | str | None = None, jobs: int = 1) -> SyncReport:
    """Sync a CRM export (a folder or a zip) into a store, as ``kamgraph sync`` does.

    Parameters
    ----------
    path : str or path
        The export.
    store : str, optional
        The store's URI (created when it is an embedded one that does not exist yet).
    format : str
        ``auto`` (detected), ``salesforce``, ``hubspot``, ``dynamics`` or ``csv``.
    incremental : bool
        The export holds only what changed since the last run.
    allow_shrink : bool
        Sync a full export that would mark much of the store inactive.
    config : Config or str, optional
        Settings, or the path of a ``kamgraph.toml``.
    plan : bool
        Once synced, keep the portfolio's plan and the day's follow-up of the actions
        given before (as ``kamgraph sync`` does unless ``--no-plan``), as of ``as_of``
        (today by default), in ``jobs`` processes; the tasks the export brings back
        completed count their actions done.

    Returns
    -------
    SyncReport
        What the run did; ``status`` is ``ok`` or ``rejected`` (rows rejected: nothing
        stored, ``rejects`` says why).
    """
    from pathlib import Path

    from kamgraph.stores import open_store
    from kamgraph.syncing import sync_path

    settings = config if isinstance(config, Config) else load_config(config)
    with open_store(store, create=True) as opened:
        report, _ = sync_path(opened, Path(path), fmt=format, config=settings,
                              incremental=incremental, allow_shrink=allow_shrink)
        if plan and report.status == "ok":
            keep_the_day(opened, Path(path), report.format, as_of=_day(as_of),
                         config=settings, jobs=jobs)
    return report


def keep_the_day(store: Store, export: Path, fmt: str, *, as_of: date, config: Config,
                 jobs: int = 1, encoding: str | None = None) -> None:
    """What a sync keeps once it has committed ``export`` (of format ``fmt``): the day's
    plan and follow-up (:func:`kamgraph.audit.keep_plan`), with the actions whose CRM
    tasks the export brings back completed counted done."""
    from kamgraph.audit import keep_plan
    from kamgraph.tasks import completed_actions

    keep_plan(store, as_of=as_of, config=config, jobs=jobs,
              completed=completed_actions(export, fmt, encoding=encoding))


def _day(value: date | str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Portfolio:
    """Every account of a store, as of one day.

    Parameters
    ----------
    store : Store
        An open store.
    as_of : date or str, optional
        The day every recency rule counts from; today by default.
    config : Config, optional
        Settings; the defaults when omitted.
    """

    def __init__(self, store: Store, *, as_of: date | str | None = None,
                 config: Config, owns_store: bool = False, jobs: int = 1) -> None:
        self.store = store
        self.as_of = _day(as_of)
        self.config = config
        self.jobs = jobs
        self._owns_store = owns_store

    def __enter__(self) -> Portfolio:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store if :func:`open` opened it."""
        if self._owns_store:
            self.store.__exit__(None, None, None)

    def __repr__(self) -> str:
        return f"<Portfolio {self.store.uri} as of {self.as_of.isoformat()}>"

    @cached_property
    def context(self) -> AssemblyContext:
        """What every account shares, read from the store once."""
        from kamgraph.audit import AssemblyContext

        return AssemblyContext.read(self.store, self.as_of, self.config)

    @cached_property
    def plan(self) -> Assignment:
        """The portfolio's assignment: who of ours takes each account's asks, and when.
        The one the last sync kept for this day and these settings; else made now from
        every account (in ``jobs`` processes), which a big portfolio takes a while for."""
        from kamgraph.audit import portfolio_plan

        return portfolio_plan(self.store, as_of=self.as_of, config=self.config,
                              jobs=self.jobs, ctx=self.context)

    @cached_property
    def pool(self) -> Pool:
        """Our people still here, classified once: the candidates for every account."""
        from kamgraph.graph import build_pool

        return build_pool(self.store.our_people(), self.config, self.context.loads)

    def summaries(self) -> list[AccountSummary]:
        """Every account of the store (deleted ones left out), by name."""
        from kamgraph.audit import resolve_accounts

        return resolve_accounts(self.store, [])

    def accounts(self) -> Iterator[Account]:
        """Every account, by name, each assembled when first asked about."""
        for summary in self.summaries():
            yield Account(self, summary)

    def audits(self, refs: Sequence[str] = (), *, jobs: int = 1) -> Iterator[AccountAudit]:
        """Each named account's audit (every account when none is named), in order, as it
        is done: a portfolio of thousands is never held whole.  With ``jobs`` > 1 the
        accounts are audited in that many processes; the audits are the same.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When a reference names no account, or several (before any is audited).
        """
        from kamgraph.audit import iter_audits

        return iter_audits(self.store, refs, as_of=self.as_of, config=self.config, jobs=jobs,
                           plan=self.__dict__.get("plan"))

    def each(self, fn: Callable[[nx.MultiDiGraph, AccountAudit], T],
             refs: Sequence[str] = (), *, jobs: int = 1, start: str | None = None,
             workers_from: int = 2) -> Iterator[T]:
        """``fn(graph, audit)`` of each named account (every account when none is named),
        in order, as each is done: what :meth:`audits` does, for whatever a caller keeps
        of an account (a line of the portfolio page, a map).  In workers ``fn`` must be a
        module-level function or a ``functools.partial`` of one; see
        :func:`kamgraph.audit.iter_accounts` for ``start`` and ``workers_from``."""
        from dataclasses import replace

        from kamgraph.audit import iter_accounts

        return iter_accounts(self.store, fn, refs, as_of=self.as_of, config=self.config,
                             jobs=jobs, start=start, workers_from=workers_from,
                             ctx=replace(self.context, plan=self.plan))

    def write_site(self, folder: str | PathLike[str], *, jobs: int = 1) -> list[Path]:
        """Write the portfolio site into ``folder``: ``index.html`` (the portfolio page),
        one map per account and the ``assets/`` they share, account by account; return
        the files, the index first."""
        from functools import partial

        from kamgraph.viz.site import site_page, write_pages

        pages = self.each(partial(site_page, config=self.config), jobs=jobs)
        return write_pages(pages, Path(folder), self.as_of.isoformat(), self.workload())

    def changes(self, refs: Sequence[str] = (), *,
                since: str | None = None) -> ChangeReport:
        """What changed in each named account (every account when none is named) inside
        the change window, or since ``since`` (a run id, or the last run on or before a
        date), each change dated by the run that first saw it.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When there is no earlier successful sync to compare with, or a reference
            names no account.
        """
        from kamgraph.audit import AssemblyContext, assemble_graph, resolve_accounts
        from kamgraph.errors import UnknownAccount
        from kamgraph.graph import context

        ctx = (self.context if since is None
               else AssemblyContext.read(self.store, self.as_of, self.config, since))
        window = ctx.window
        if window.baseline is None or sum(1 for r in self.store.runs()
                                          if r.status == "ok") < 2:
            raise UnknownAccount("no earlier successful sync to compare with"
                                 + (f" ({since})" if since else ""))
        # Each account as every command assembles it: its changes are the audit's.
        found = [(summary, list(context(assemble_graph(self.store, summary.id, ctx,
                                                       self.pool)).changes))
                 for summary in resolve_accounts(self.store, refs)]
        return ChangeReport(window=window, as_of=self.as_of, accounts=found)

    def history(self, person: str) -> tuple[str, str, list[tuple[PersonChange, date | None]]]:
        """When one person's role, stance, title or relationships changed, run by run:
        their id, their name and the changes, oldest first, each with its run's day.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When no person, or several, match.
        """
        from kamgraph.history import find_person, person_changes

        person_id, names, _ = find_person(self.store, person)
        entries = self.store.person_history(person_id)
        days = {r.id: r.started.date() for r in self.store.runs()}
        return (person_id, names.get(person_id, person_id),
                [(c, days.get(c.run)) for c in person_changes(person_id, entries, names, days)])

    def notes(self) -> tuple[str, ...]:
        """What the audit says once, of the whole store, before any account."""
        from kamgraph.audit import kept_followup
        from kamgraph.followup import followup_counts

        notes: tuple[str, ...] = ()
        kept = kept_followup(self.store, self.as_of)
        if kept is not None and kept.since is not None:
            notes += (f"follow-up {followup_counts(kept.counts(), kept.since)} "
                      f"(kamgraph actions lists them)",)
        if not self.context.roles_recorded and self.store.latest_run() is not None:
            notes += ("no buying roles are recorded in this store: record them on open deals "
                      "(Salesforce opportunity contact roles, HubSpot deal contact roles, "
                      "Dynamics connection roles); until then no account gets a committee "
                      "action",)
        return notes

    def workload(self) -> list[WorkloadRow]:
        """Each person of ours the plan asks anything of, the fullest month first: hours
        and asks a month against what their month holds, the accounts they give
        executive time to, and what waits for them (``kamgraph workload``)."""
        from kamgraph.capacity import workload_rows

        names = {s.id: s.name for s in self.summaries()}
        return workload_rows(self.plan, names)

    def followup(self) -> Followup:
        """Every action given and what became of it (``kamgraph actions``): done, overdue,
        dropped, closed, open, and new since the follow-up kept before this day.  The one
        the last sync kept for this day; else made now from every account's audit
        (nothing is written)."""
        from kamgraph.audit import kept_followup
        from kamgraph.followup import Followup

        kept = kept_followup(self.store, self.as_of)
        if kept is not None:
            return kept
        made = Followup(as_of=self.as_of, since=self.context.followed.since,
                        run=self.context.run)
        for audit in self.audits(jobs=self.jobs):
            made.entries += audit.followup
        return made

    def explain(self, person: str) -> str:
        """Everything known about one person (id or name, theirs or ours), and why each
        finding about them fired: what ``kamgraph audit --explain`` prints.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When no person, or several, match; or the person is on no account.
        """
        from kamgraph.errors import UnknownAccount
        from kamgraph.history import find_person
        from kamgraph.plan import explain

        node, _, accounts = find_person(self.store, person)
        if not accounts:
            raise UnknownAccount(f"{person!r} is on no account")
        return explain(self.account(accounts[0]).view, node, self.config)

    def account(self, ref: str) -> Account:
        """One account by id (15 or 18 characters for Salesforce) or name; a name matches
        exactly (any case) or as the only account whose name contains it.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When nothing, or more than one account, matches.
        """
        from kamgraph.audit import resolve_accounts

        [summary] = resolve_accounts(self.store, [ref])
        return Account(self, summary)


class Account:
    """One account as of the portfolio's day: its graph, findings and actions, and the
    plan, map, routes and changes made from them."""

    def __init__(self, portfolio: Portfolio, summary: AccountSummary) -> None:
        self.portfolio = portfolio
        self.summary = summary
        self.id = summary.id
        self.name = summary.name

    def __repr__(self) -> str:
        return f"<Account {self.name!r} ({self.id})>"

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The networkx graph every analysis reads (``docs/model.md``)."""
        from kamgraph.audit import assemble_graph

        p = self.portfolio
        return assemble_graph(p.store, self.id, p.context, p.pool)

    @cached_property
    def audit(self) -> AccountAudit:
        """Every analysis over the graph, and the actions they make."""
        from kamgraph.audit import audit_graph

        return audit_graph(self.graph, self.portfolio.config, self.portfolio.plan,
                           followed=self.portfolio.context.followed)

    @property
    def view(self) -> AccountView:
        """The graph and its audit together, as the plan and the map read them."""
        from kamgraph.plan import AccountView

        return AccountView(self.graph, self.audit)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, most severe first (``docs/findings.md``)."""
        return self.audit.findings

    @property
    def actions(self) -> list[Action]:
        """The ranked actions, rank 1 first."""
        return self.audit.actions

    @property
    def stage(self) -> Stage | None:
        """The relationship's stage (bow-tie to diamond) and the reasons for it."""
        return self.audit.stage

    def changes(self) -> list[AccountChange]:
        """What changed inside the change window (``changes.window_days`` before the
        portfolio's day), each change dated by the run that first saw it; empty when
        there is no earlier sync."""
        from kamgraph.graph import context

        return list(context(self.graph).changes)

    def plan(self) -> str:
        """The account development plan, in Markdown."""
        from kamgraph.plan import account_plan

        return account_plan(self.view, self.portfolio.config)

    def map(self, path_to: str | None = None) -> str:
        """The interactive relationship map: one self-contained HTML page.

        Parameters
        ----------
        path_to : str, optional
            A customer person (id or name): draw the strongest route to them.
        """
        from kamgraph.viz import render_account_map

        route = None
        if path_to is not None:
            routes = self.path(path_to, alternatives=1)
            route = ([(h.source, h.target, h.strength) for h in routes[0].hops]
                     if routes else [])
        return render_account_map(self.graph, self.audit, route, self.portfolio.config)

    def path(self, person: str | None = None, alternatives: int = 3) -> list[Route]:
        """The strongest routes from our people to ``person`` (default: the economic
        buyer), strongest first; no audit is run.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When the account has no such person, or no economic buyer to default to.
        """
        from kamgraph.analysis.paths import paths_to_power

        return paths_to_power(self.graph, self.target(person), self.portfolio.config,
                              alternatives)

    def routes(self, person: str | None = None, alternatives: int = 3) -> RouteReport:
        """What ``kamgraph path`` says: the strongest routes to ``person`` (default: the
        economic buyer) in words, the action the audit gives about them, and whether the
        buying centre changed in the window (the people may have moved).

        Raises
        ------
        kamgraph.errors.UnknownAccount
            As :meth:`target` does.
        """
        from kamgraph.analysis.buying_centre import what_to_do
        from kamgraph.analysis.findings import BuyingCentreData
        from kamgraph.analysis.paths import describe_route, met_by
        from kamgraph.graph import context

        g = self.graph
        target = self.target(person)
        changed = next((f.data for f in self.findings if isinstance(f.data, BuyingCentreData)),
                       None)
        note = None
        if changed is not None:
            window = context(g).changes_since or "since the last sync"
            note = f"the buying centre changed {window}: {what_to_do(g, changed)}"
        action = self.audit.action_for(target)
        meet = set(met_by(g, target))
        # No introduction is asked to someone the asker already meets.
        described = [
            (describe_route(g, route),
             f"{g.nodes[route.asker]['name']} asks {g.nodes[route.contact]['name']} for the "
             f"introduction" if len(route.hops) > 1 and route.asker not in meet else None)
            for route in self.path(target, alternatives)]
        return RouteReport(
            target=target, name=str(g.nodes[target]["name"]), changed=note,
            action=action if action is not None and action.subject.id == target else None,
            routes=described)

    def target(self, person: str | None = None) -> str:
        """The id of a customer person of the account by id or name; the economic buyer
        (the most senior) when ``person`` is None.

        Raises
        ------
        kamgraph.errors.UnknownAccount
            When the account has no such person, or no economic buyer to default to.
        """
        from kamgraph.analysis.paths import economic_buyers, find_customer
        from kamgraph.errors import UnknownAccount
        from kamgraph.graph import context, left_on
        from kamgraph.records import ChangeKind

        g = self.graph
        if person is None:
            buyers = economic_buyers(g)
            if not buyers:
                gone = [c for c in context(g).changes if c.kind is ChangeKind.LEFT
                        and any(r == "economic_buyer" for r, _ in c.held)]
                last = (f" ({gone[-1].name}, the last one, left on "
                        f"{gone[-1].day.isoformat()})" if gone and gone[-1].day else "")
                raise UnknownAccount(f"{self.name}: no economic buyer recorded{last}; "
                                     f"name a person")
            return buyers[0]
        found = find_customer(g, person)
        if found is None:
            raise UnknownAccount(f"no person {person!r} at {self.name}")
        if not g.nodes[found]["active"]:
            day = left_on(g, found)
            raise UnknownAccount(
                f"{g.nodes[found]['name']} left {self.name}"
                + (f" on {day.isoformat()}" if day else "")
                + f": no route leads to them; see `kamgraph audit --explain {person!r}`")
        return found
