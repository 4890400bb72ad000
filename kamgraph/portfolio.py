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

from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import cached_property
from os import PathLike
from typing import TYPE_CHECKING, Any

from kamgraph.config import Config, load_config

if TYPE_CHECKING:
    import networkx as nx

    from kamgraph.actions import Action
    from kamgraph.analysis.findings import Finding
    from kamgraph.analysis.paths import Route
    from kamgraph.audit import AccountAudit, AssemblyContext
    from kamgraph.graph import Pool
    from kamgraph.plan import AccountView
    from kamgraph.records import AccountChange
    from kamgraph.stores.base import AccountSummary, Store, SyncReport

__all__ = ["Account", "Portfolio", "open", "sync"]


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
         config: Config | str | None = None) -> SyncReport:
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
    return report


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
                 config: Config, owns_store: bool = False) -> None:
        self.store = store
        self.as_of = _day(as_of)
        self.config = config
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

        return audit_graph(self.graph, self.portfolio.config)

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
    def stage(self) -> dict[str, Any] | None:
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
