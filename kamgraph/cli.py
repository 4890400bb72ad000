"""The command line: parse options, call one library function, render the result.

Exit codes: 0 done; 1 audit findings at or above ``--fail-on``; 2 bad usage or input
(including a sync with rejected rows, unless ``--allow-rejects``); 3 the store is busy
or cannot be reached; 4 an internal error (a bug: please report it); 141 the reader of the
output left before its end (``| head``), as for a process a closed pipe ends.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from kamgraph import __version__
from kamgraph.analysis.findings import FindingKind, Severity
from kamgraph.config import Config, load_config
from kamgraph.errors import (
    ConfigError,
    InputError,
    KamgraphError,
    StoreBusy,
    StoreError,
    UnknownAccount,
)
from kamgraph.files import write_atomic
from kamgraph.stores import Store, open_store
from kamgraph.wording import counted

if TYPE_CHECKING:
    from kamgraph.audit import AccountAudit
    from kamgraph.tasks import CrmIds

__all__ = ["main", "cli"]

EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_STORE = 3
EXIT_INTERNAL = 4
#: A closed pipe (``| head``): 128 + SIGPIPE, as a process the signal ended reports.
EXIT_PIPE = 141


class Failure(click.ClickException):
    """A one-line ``Error: …`` on stderr with kamgraph's exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


def _fail(exc: KamgraphError) -> NoReturn:
    if isinstance(exc, StoreBusy | StoreError) and not isinstance(exc, UnknownAccount):
        raise Failure(str(exc), EXIT_STORE) from exc
    raise Failure(str(exc), EXIT_INPUT) from exc


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except KamgraphError as exc:
        _fail(exc)


@contextmanager
def _store(uri: str | None, wait: float = 5.0, batch_size: int | None = None,
           *, write: bool = False, live: bool = False) -> Iterator[Store]:
    """The store, opened to read unless the command ``write``s (sync, init): a read
    command never creates or alters one.  A ``live`` reader (serve) reads one state per
    request instead of one for its whole life."""
    with _errors():
        store = open_store(uri, wait=wait, batch_size=batch_size, create=write,
                           readonly=not write)
        with store:
            if write or live:
                yield store
            else:
                # A read command sees one state, whatever a sync commits meanwhile.
                with store.reading():
                    yield store


def _config(path: str | None) -> Config:
    with _errors():
        return load_config(path)


def _as_of(value: str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Failure(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


store_option = click.option(
    "--store", "store_uri", metavar="URI", default=None,
    help="sqlite:///path (default ./kamgraph.db), or bolt:// / neo4j:// with credentials "
         "from NEO4J_USERNAME and NEO4J_PASSWORD; default $KAMGRAPH_STORE, then $NEO4J_URI.",
)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), default=None,
    help="Settings file (default ./kamgraph.toml if present, or $KAMGRAPH_CONFIG).",
)


def jobs_option(doing: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--jobs``: how many processes do ``doing``; one per core when not given."""
    return click.option(
        "--jobs", type=click.IntRange(1, 256), default=None,
        callback=lambda ctx, param, value: value or os.cpu_count() or 1,
        help=f"Processes {doing} (default: one per core).")


class _Commands(click.Group):
    """The command group; a reader that stops reading (``| head``) ends a command
    quietly, with the exit code of a process its pipe closed on (141), never 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # Python's advice: point stdout at devnull, so the flush at exit cannot fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_PIPE)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kamgraph")
def cli() -> None:
    """kamgraph: relationship intelligence for key account management.

    Turns CRM exports into a graph of customer and supplier people and finds the
    relationships an account hangs on: coverage gaps, single threads, likely
    anti-sponsors.

    \b
    Example:
        kamgraph sync export.zip
        kamgraph audit "Acme Foods" --as-of 2026-11-01
    """


#: Progress events a terminal shows: whether the file is done, and what was done to it.
_PROGRESS = {"file.progress": (False, ""), "file.read": (True, ""),
             "file.scan": (False, " scanned for ids"),
             "file.scanned": (True, " scanned for ids")}


class _EventPrinter:
    """Sync events on stderr: JSON lines, or a progress line when stderr is a terminal."""

    def __init__(self, log_format: str) -> None:
        self.json = log_format == "json"
        self.tty = sys.stderr.isatty()

    def __call__(self, event: str, **fields: Any) -> None:
        if self.json:
            line = {"ts": datetime.now(UTC).isoformat(timespec="seconds"), "event": event}
            line.update(fields)
            click.echo(json.dumps(line, default=str), err=True)
        elif self.tty and event in _PROGRESS:
            done, what = _PROGRESS[event]
            click.echo(f"\r  {fields['file']}: {fields['rows']:,} rows{what}", err=True,
                       nl=False)
            if done:
                click.echo("", err=True)
        elif event == "format.detected":
            click.echo(f"Detected format: {fields['format']} ({fields['evidence']})", err=True)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt",
              type=click.Choice(["auto", "salesforce", "hubspot", "dynamics", "csv"]),
              default="auto", show_default=True, help="Format of the export.")
@click.option("--encoding", default=None, help="Force a text encoding (default: detect).")
@click.option("--source", default=None,
              help="Name of the source (default: the format); "
              "full-export semantics apply per source.")
@click.option("--allow-rejects", is_flag=True, help="Commit even when rows were rejected.")
@click.option("--incremental", is_flag=True,
              help="The export holds only records changed since the last run: update them, "
                   "leave the rest.")
@click.option("--allow-shrink", is_flag=True,
              help="Sync a full export that lacks a file the last one had, or that would "
                   "mark more than sync.max_inactive_share of the records inactive.")
@click.option("--wait", type=click.FloatRange(0), default=5.0, show_default=True,
              help="Seconds to wait for another sync of the same store to finish.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one JSON line per event on stderr.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=None,
              help="Records per write to a Neo4j store (default 2000).")
@click.option("--plan/--no-plan", "keep", default=True, show_default=True,
              help="Once synced, weigh every account's actions against our people's time "
                   "as of today and keep the plan, which every command of the day reads, "
                   "and the day's follow-up of the actions given before (kamgraph actions).")
@jobs_option("planning the portfolio after the sync")
@store_option
@config_option
def sync(
    path: Path, fmt: str, encoding: str | None, source: str | None, allow_rejects: bool,
    incremental: bool, allow_shrink: bool, wait: float, log_format: str,
    batch_size: int | None, keep: bool, jobs: int, store_uri: str | None,
    config_path: str | None,
) -> None:
    """Sync a CRM export (a folder or a zip) into the store, as one atomic run.

    Records missing from a full export are marked inactive, never deleted; re-running
    the same export changes nothing.  A full export that lacks a file the last one had,
    or would mark more than a fifth of the records inactive, stops with nothing written
    (--incremental or --allow-shrink).  Rows that cannot be used are written with their
    reasons to a rejects file beside the store; the run is then rolled back and exits 2,
    unless --allow-rejects.

    \b
    Example:
        kamgraph sync exports/WE_00D_1.zip --store sqlite:///team.db
        kamgraph sync facts/ --format csv    # stance, influence: layered on top
        kamgraph sync changed-since-yesterday/ --incremental
    """
    from kamgraph.portfolio import keep_the_day
    from kamgraph.syncing import sync_path

    config = _config(config_path)
    events = _EventPrinter(log_format)
    with _store(store_uri, wait, batch_size, write=True) as store, _errors():
        report, rejects = sync_path(
            store, path, fmt=fmt, config=config, encoding=encoding, source=source,
            allow_rejects=allow_rejects, on_event=events, incremental=incremental,
            allow_shrink=allow_shrink,
        )
        if keep and report.status == "ok":
            # The sync has committed: planning is a run of its own, and a failure here
            # leaves the synced store as it is.
            keep_the_day(store, path, report.format, as_of=datetime.now(UTC).date(),
                         config=config, jobs=jobs, encoding=encoding)
    counts = report.counts
    summary = (
        f"{report.format} sync of {path}: {report.status}; "
        f"{counts['inserted']:,} inserted, {counts['updated']:,} updated, "
        f"{counts['unchanged']:,} unchanged, {counts['inactivated']:,} marked inactive"
    )
    if counts["duplicates"]:
        summary += f", {counts['duplicates']:,} repeated (one record in two rows: the later kept)"
    if report.mode == "unchanged":
        summary += " (byte for byte the export last synced, with the same settings: not read again)"
    skipped = sum(report.skipped.values())
    if skipped:
        summary += f", {skipped:,} skipped (" + "; ".join(
            f"{n:,} {why}" for why, n in sorted(report.skipped.items())) + ")"
    if report.rejects:
        summary += f", {len(report.rejects):,} rejected (see {rejects})"
    if report.repairs:
        summary += "; repaired: " + ", ".join(
            f"{n} {what}" for what, n in sorted(report.repairs.items()))
    for name, lines in sorted(report.redecoded.items()):
        shown = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
        summary += (f"; {name}: {len(lines)} line{'s' if len(lines) > 1 else ''} not UTF-8, "
                    f"read as Windows-1252 (line{'s' if len(lines) > 1 else ''} {shown})")
    if log_format == "json":
        click.echo(json.dumps(report.to_dict()))
    else:
        click.echo(summary)
        for warning in report.warnings:
            click.echo(f"Warning: {warning}", err=True)
    if report.status == "rejected":
        first = report.rejects[0]
        raise Failure(
            f"{counted(len(report.rejects), 'row')} rejected, nothing stored (first: {first.file}:"
            f"{first.line} [{first.field}]: {first.message}); see {rejects} or use "
            f"--allow-rejects"
        )


@cli.command()
@store_option
def init(store_uri: str | None) -> None:
    """Create the store's schema (tables, or Neo4j constraints and indexes); idempotent.

    \b
    Example:
        NEO4J_USERNAME=neo4j NEO4J_PASSWORD=... kamgraph init --store neo4j://db:7687
    """
    with _store(store_uri, write=True) as store, _errors():
        store.init()
        click.echo(f"Schema ready in {store.uri}")


@cli.command()
@store_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def accounts(store_uri: str | None, fmt: str) -> None:
    """List the accounts in the store with their people and links.

    \b
    Example:
        kamgraph accounts --store sqlite:///team.db
    """
    from kamgraph.escape import terminal_safe

    with _store(store_uri) as store, _errors():
        rows = store.accounts()
    if fmt == "json":
        click.echo(json.dumps([r.__dict__ for r in rows], indent=2))
        return
    if not rows:
        click.echo("No accounts: run `kamgraph sync PATH` first.")
        return
    # Sized to the ids (18 for Salesforce, 36 for a GUID, hs-company-… for HubSpot).
    wide = max(2, *(len(terminal_safe(r.id)) for r in rows))
    click.echo(f"{'ID':<{wide}}  {'NAME':<36}  {'STATUS':<8}  {'THEIRS':>6}  {'OURS':>5}  "
               f"{'LINKS':>5}")
    for r in rows:
        name = terminal_safe(r.name)
        name = name if len(name) <= 36 else name[:35] + "…"
        click.echo(f"{terminal_safe(r.id):<{wide}}  {name:<36}  {r.status:<8}  "
                   f"{r.customers:>6}  {r.our_people:>5}  {r.links:>5}")


@cli.command()
@click.argument("account", nargs=-1)
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The date every recency rule counts from (default: today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown", "csv"]),
              default="table", show_default=True)
@click.option("--fail-on", type=click.Choice(["high", "medium", "low"]), default=None,
              help="Exit 1 when an action is at or above this priority.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to a file instead of stdout.")
@click.option("--explain", "person", metavar="PERSON", default=None,
              help="Everything known about one person (id or name) and why each finding fired.")
@jobs_option("auditing accounts in parallel")
@click.option("--all", "show_all", is_flag=True,
              help="Print every action of each account, not only the first few, and list "
                   "every finding (not only the first findings_per_kind of each kind).")
@click.option("--top", type=click.IntRange(1), default=None, metavar="N",
              help="Print the first N actions of each account (default: max_actions, 7).")
@click.option("--min-priority", type=click.Choice(["high", "medium", "low"]), default=None,
              help="Print only actions at or above this priority.")
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice([k.value for k in FindingKind]),
              help="Print only actions with this finding kind among their reasons, and "
                   "only findings of this kind with --findings (repeatable).")
@click.option("--unmapped", "list_unmapped", is_flag=True,
              help="List unmapped accounts one by one instead of counting them.")
@click.option("--findings", "raw_findings", is_flag=True,
              help="Print the raw findings of every analysis instead of the actions.")
def audit(
    account: tuple[str, ...], store_uri: str | None, config_path: str | None,
    as_of: str | None, fmt: str, fail_on: str | None, output: Path | None,
    person: str | None, jobs: int, show_all: bool, top: int | None,
    min_priority: str | None, kinds: tuple[str, ...], list_unmapped: bool,
    raw_findings: bool,
) -> None:
    """Audit accounts (by id or name; all when none is named): each account's ranked
    actions, each problem said once with one owner.

    The table and Markdown print each account's first few actions ("and N more
    (--all)"); the JSON holds every action, and the most severe findings of each kind
    ([audit] findings_per_kind, 20; the rest counted as held back; --all lists all).

    \b
    Example:
        kamgraph audit "Acme Foods" --as-of 2026-11-01
        kamgraph audit --min-priority high --kind coverage_gap
        kamgraph audit --format json --fail-on high > audit.json
        kamgraph audit --explain "Claire Dubois"
    """
    from kamgraph.portfolio import Portfolio
    from kamgraph.report import Shown, render_stream

    config = _config(config_path)
    day = _as_of(as_of)
    if person is not None:
        with _store(store_uri) as store, _errors():
            _emit(Portfolio(store, as_of=day, config=config).explain(person), output)
        return
    shown = Shown(
        limit=None if show_all else (top or config.max_actions),
        min_priority=Severity(min_priority) if min_priority else None,
        kinds=tuple(FindingKind(k) for k in kinds), unmapped=list_unmapped or bool(account),
        findings=raw_findings,
        findings_per_kind=None if show_all else config.findings_per_kind)
    threshold = Severity(fail_on) if fail_on is not None else None
    count = 0

    def tallied(audits: Iterable[AccountAudit]) -> Iterator[AccountAudit]:
        nonlocal count
        for audit in audits:
            if threshold is not None:
                count += sum(1 for a in shown.actions(audit)
                             if a.priority.rank >= threshold.rank)
            yield audit

    # Written account by account as the audits come: a portfolio is never held whole.
    with _store(store_uri) as store, _errors():
        portfolio = Portfolio(store, as_of=day, config=config, jobs=jobs)
        shown = replace(shown, notes=portfolio.notes())
        audits = portfolio.audits(account, jobs=jobs)
        _emit(render_stream(day, tallied(audits), fmt, shown), output)
    if fail_on is not None:
        if count:
            click.echo(f"{counted(count, 'action')} at or above {fail_on}", err=True)
            sys.exit(EXIT_FINDINGS)


def _emit(text: str | Iterable[str], output: Path | None) -> None:
    chunks = [text] if isinstance(text, str) else text
    if output is None:
        for chunk in chunks:
            click.echo(chunk, nl=False)
        return
    # Written beside the file and renamed over it when whole: an audit that fails half
    # way leaves the last good file, not half a new one.
    with _errors():
        write_atomic(output, chunks)
    click.echo(f"Wrote {output}", err=True)


@cli.command()
@click.argument("account")
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The date every recency rule counts from (default: today).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the plan to a Markdown file instead of stdout.")
def plan(account: str, store_uri: str | None, config_path: str | None, as_of: str | None,
         output: Path | None) -> None:
    """Write the account development plan: DMU, our people, relationship map, actions.

    \b
    Example:
        kamgraph plan "Acme Foods" -o acme-plan.md
    """
    from kamgraph.portfolio import Portfolio

    config = _config(config_path)
    with _store(store_uri) as store, _errors():
        text = Portfolio(store, as_of=_as_of(as_of), config=config).account(account).plan()
    _emit(text, output)


@cli.command("map")
@click.argument("account", required=False)
@click.option("--all", "everything", is_flag=True, help="Every account, with an index page.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The HTML file (one account) or folder (--all).")
@click.option("--open", "open_browser", is_flag=True, help="Open the result in a browser.")
@click.option("--path", "path_to", metavar="PERSON", default=None,
              help="Draw the strongest route from our people to PERSON (one account).")
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The date every recency rule counts from (default: today).")
@jobs_option("drawing the accounts' maps with --all")
def map_command(account: str | None, everything: bool, output: Path, open_browser: bool,
                path_to: str | None, store_uri: str | None, config_path: str | None,
                as_of: str | None, jobs: int) -> None:
    """Draw interactive relationship maps: one account, or the whole portfolio.

    Each map is one self-contained HTML file that works offline.

    \b
    Example:
        kamgraph map "Acme Foods" -o acme.html --open
        kamgraph map "Acme Foods" --path "Oskar Lindqvist" -o route.html
        kamgraph map --all -o site/
    """
    from kamgraph.portfolio import Portfolio

    if everything == (account is not None):
        raise Failure("give an ACCOUNT or --all (not both)")
    config = _config(config_path)
    day = _as_of(as_of)
    try:
        with _store(store_uri) as store, _errors():
            portfolio = Portfolio(store, as_of=day, config=config)
            if everything:
                # Account by account, in workers as an audit is: a portfolio of
                # thousands is never held whole.
                files = portfolio.write_site(output, jobs=jobs)
                target = files[0]
                click.echo(f"Wrote {counted(len(files), 'file')} to {output}", err=True)
            else:
                write_atomic(output, portfolio.account(account or "").map(path_to))
                target = output
                click.echo(f"Wrote {output}", err=True)
    except OSError as exc:
        raise Failure(f"{output}: cannot write: {exc.strerror}") from exc
    if open_browser:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())


@cli.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; the default keeps the site on this machine.")
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None)
@jobs_option("auditing the portfolio page's accounts")
def serve(port: int, host: str, store_uri: str | None, config_path: str | None,
          as_of: str | None, jobs: int) -> None:
    """Serve the store's portfolio site over HTTP on this machine.

    Pages are rendered from the store when asked for, as of today (or --as-of): a sync
    made while it runs shows on the next page load.  It listens on 127.0.0.1 and answers
    only requests addressed to it there.

    \b
    Example:
        kamgraph serve --port 8765    # then open http://127.0.0.1:8765/
    """
    from kamgraph.viz.serve import serve_site

    config = _config(config_path)
    day = _as_of(as_of) if as_of else None
    with _store(store_uri, live=True) as store, _errors():
        store.latest_run()  # an unreadable store fails here, not on the first page
        try:
            serve_site(store, config, host, port, day,
                       on_ready=lambda url: click.echo(
                           f"Serving {url} (Ctrl-C to stop)", err=True),
                       on_error=lambda text: click.echo(f"Error: {text}", err=True),
                       jobs=jobs)
        except OSError as exc:
            raise Failure(f"cannot listen on {host}:{port}: {exc.strerror} (give another "
                          f"--port, or 0 for any free one)", EXIT_INPUT) from exc


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--person", default=None, metavar="NAME",
              help="Only people whose name (or id) contains NAME.")
@click.option("--full", "full_only", is_flag=True,
              help="Only people with a month at capacity, or asks waiting for them.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to a file instead of stdout.")
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The date every recency rule counts from (default: today).")
@jobs_option("planning the portfolio when no sync kept a plan for the day")
def workload(fmt: str, person: str | None, full_only: bool, output: Path | None,
             store_uri: str | None, config_path: str | None, as_of: str | None,
             jobs: int) -> None:
    """Show what the portfolio's actions ask of each person of ours, month by month.

    Hours and asks against what each month holds ([capacity] in kamgraph.toml, or a
    person's capacity_hours), the accounts each executive gives time to, and how many
    asks wait for them beyond the plan's months. Nobody is asked for more than their
    month holds: what does not fit moves to a later month, and the audit says why.

    \b
    Example:
        kamgraph workload --full
        kamgraph workload --person "Kenji" --format json
    """
    from kamgraph.portfolio import Portfolio
    from kamgraph.report import render_workload

    config = _config(config_path)
    with _store(store_uri) as store, _errors():
        rows = Portfolio(store, as_of=_as_of(as_of), config=config, jobs=jobs).workload()
    if person:
        wanted = person.strip().lower()
        rows = [r for r in rows if wanted in r.name.lower() or wanted == r.person.lower()]
    if full_only:
        rows = [r for r in rows if r.peak >= 0.999 or r.deferred]
    _emit(render_workload(rows, fmt), output)


STATUSES = ("new", "open", "overdue", "done", "dropped", "closed")


@cli.group(invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only actions with this status (repeat for several).")
@click.option("--owner", default=None, metavar="NAME",
              help="Only actions owned by a person of ours whose name (or id) contains NAME.")
@click.option("--account", "account", default=None, metavar="NAME",
              help="Only actions of accounts whose name (or id) contains NAME.")
@click.option("--since", default=None, metavar="YYYY-MM-DD",
              help="Count done, dropped and new from this day (default: the follow-up "
                   "kept before).")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "csv", "salesforce-tasks", "hubspot-tasks",
                                 "dynamics-tasks"]),
              help="salesforce-tasks, hubspot-tasks, dynamics-tasks: the open and overdue "
                   "actions as a CSV that CRM's import takes as Task records (docs/tasks.md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to a file instead of stdout.")
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The day of the follow-up (default: today).")
@jobs_option("auditing the portfolio when no sync kept a follow-up for the day")
@click.pass_context
def actions(ctx: click.Context, statuses: tuple[str, ...], owner: str | None,
            account: str | None, since: str | None, fmt: str, output: Path | None,
            store_uri: str | None, config_path: str | None, as_of: str | None,
            jobs: int) -> None:
    """List the actions given and what became of them: the follow-up.

    Each sync keeps the day's actions. An action keeps its id while its problem lasts;
    at the next sync it is done (someone of ours met the person it is about, or the
    records show the problem resolved), overdue (past its due date), dropped (the
    problem went away otherwise: the person left), closed by hand, or still open; the
    rest are new.

    \b
    Example:
        kamgraph actions --status overdue --owner "Helen"
        kamgraph actions --account "Acme" --format csv -o acme-actions.csv
        kamgraph actions close kg-3ea5db62e1 --reason "not applicable: left the deal"
    """
    if ctx.invoked_subcommand is not None:
        return
    from kamgraph.portfolio import Portfolio
    from kamgraph.report import followup_order, render_followup
    from kamgraph.tasks import crm_ids

    config = _config(config_path)
    day = _as_of(since) if since else None
    with _store(store_uri) as store, _errors():
        followup = Portfolio(store, as_of=_as_of(as_of), config=config, jobs=jobs).followup()
        ids = crm_ids(store) if fmt.endswith("-tasks") else None
    since_day = day or followup.since
    entries = followup_order(followup.select(statuses=statuses, owner=owner or None,
                                             account=account or None, since=since_day),
                             since_day)
    counts = followup.counts(since_day)
    if ids is not None:
        # Open and overdue, new or not: every action still to do is a task.
        _emit_tasks(fmt, [{**e.to_dict(), "status": e.status.value} for e in entries], ids,
                    output)
        return
    _emit(render_followup(entries, fmt, since_day, counts), output)


def _emit_tasks(fmt: str, entries: list[dict[str, Any]], ids: CrmIds,
                output: Path | None) -> None:
    """The tasks file; the actions left out (no id in that CRM), each once on stderr."""
    import io

    from kamgraph.escape import terminal_safe
    from kamgraph.tasks import write_tasks

    buffer = io.StringIO(newline="")
    skipped = write_tasks(fmt, entries, ids, buffer)
    _emit(buffer.getvalue(), output)
    for s in skipped:
        step = f" step {s.step}" if s.step is not None else ""
        click.echo(f"not written: {s.action}{step}: {terminal_safe(s.reason)}", err=True)
    written = sum(1 for e in entries if e["status"] in ("open", "overdue"))
    if skipped:
        click.echo(f"{counted(len(skipped), 'task')} not written (no id in the CRM); "
                   f"{counted(written, 'open action')} in all", err=True)


@actions.command("close")
@click.argument("action_id")
@click.option("--reason", required=True, help="Why it is closed (shown wherever it is).")
@click.option("--until", default=None, metavar="YYYY-MM-DD",
              help="Raise it again after this day (default: until reopened).")
@store_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None,
              help="The day it is closed on (default: today).")
def close_action(action_id: str, reason: str, until: str | None, store_uri: str | None,
                 as_of: str | None) -> None:
    """Close an action by hand: it is not raised again while the closure holds."""
    from kamgraph.followup import Closure

    if not reason.strip():
        raise Failure("--reason: say why the action is closed")
    end = _as_of(until) if until else None
    with _store(store_uri, write=True) as store, _errors():
        known = _known_action(store, action_id)
        store.close_action(action_id, Closure(reason.strip(), _as_of(as_of), end).to_json())
    click.echo(f"Closed {action_id} ({known})" + (f" until {end}" if end else ""))


@actions.command("reopen")
@click.argument("action_id")
@store_option
def reopen_action(action_id: str, store_uri: str | None) -> None:
    """Withdraw a closure: the action is raised again while its problem lasts."""
    with _store(store_uri, write=True) as store, _errors():
        if not store.reopen_action(action_id):
            raise Failure(f"{action_id}: no action of that id is closed")
    click.echo(f"Reopened {action_id}")


def _known_action(store: Store, action_id: str) -> str:
    """The account and subject of an action of the newest kept follow-up."""
    from kamgraph.audit import kept_followup
    from kamgraph.escape import terminal_safe

    followup = kept_followup(store)
    for e in followup.entries if followup else ():
        if e.id == action_id:
            return terminal_safe(f"{e.account}: {e.action.headline}")
    raise Failure(f"{action_id}: no action of that id in the follow-up the last sync kept "
                  f"(see `kamgraph actions`)")


@cli.command()
@click.argument("account", nargs=-1)
@click.option("--since", default=None, metavar="RUN|DATE",
              help="A run id, or the last run on or before YYYY-MM-DD (default: the change "
                   "window, changes.window_days before the as-of date).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None)
def changes(account: tuple[str, ...], since: str | None, fmt: str, store_uri: str | None,
            config_path: str | None, as_of: str | None) -> None:
    """List what changed in accounts inside the change window: the "what is new".

    People who arrived or left, titles and reporting lines (a reorganisation), roles and
    stances, relationships gone cold, our people who left the company or the account
    team; each dated by the run that first saw it.  The window is the
    ``changes.window_days`` (default 30) before the as-of date, whatever syncs came
    between: a quiet night's sync does not hide the week's changes.

    \b
    Example:
        kamgraph changes                       # the last 30 days
        kamgraph changes "Acme Foods" --since 2026-10-01
    """
    from kamgraph.escape import terminal_safe
    from kamgraph.portfolio import Portfolio

    config = _config(config_path)
    with _store(store_uri) as store, _errors():
        report = Portfolio(store, as_of=_as_of(as_of), config=config).changes(account,
                                                                               since=since)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    found = report.accounts
    click.echo(f"Changes {report.window.label}")
    for summary, listed in found:
        if not listed:
            continue
        click.echo(f"\n{terminal_safe(summary.name)} ({summary.id})")
        for c in listed:
            mark = "*" if c.key else " "
            when = c.day.isoformat() if c.day else "          "
            click.echo(f" {mark} {when} {c.kind.value:<16} {terminal_safe(c.text)}")
    if not any(cs for _, cs in found):
        click.echo("Nothing changed.")


@cli.command()
@click.argument("account")
@click.argument("person", required=False)
@click.option("--alternatives", type=click.IntRange(1, 10), default=3, show_default=True)
@store_option
@config_option
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default=None)
def path(account: str, person: str | None, alternatives: int, store_uri: str | None,
         config_path: str | None, as_of: str | None) -> None:
    """The strongest routes from our people to PERSON (default: the economic buyer).

    \b
    Example:
        kamgraph path "Acme Foods"                    # to the economic buyer
        kamgraph path "Acme Foods" "Marta Castillo" --alternatives 5
    """
    from kamgraph.escape import terminal_safe
    from kamgraph.portfolio import Portfolio

    config = _config(config_path)
    with _store(store_uri) as store, _errors():
        found = Portfolio(store, as_of=_as_of(as_of), config=config).account(account).routes(
            person, alternatives)
    if found.changed:
        # What the audit says of the account says here too: the people may have moved.
        click.echo(f"Note: {terminal_safe(found.changed)} (see `kamgraph changes`)")
    if found.action is not None:
        # The same owner and introducer as the audit and the plan give.
        click.echo(f"Action {found.action.rank} ({found.action.priority.value}): "
                   f"{terminal_safe(found.action.action)}")
    click.echo(f"Routes to {terminal_safe(found.name)}:")
    if not found.routes:
        click.echo("  none through our relationships or their organisation")
    for i, (route, ask) in enumerate(found.routes, 1):
        click.echo(f"  {i}. {terminal_safe(route)}")
        if ask:
            click.echo(f"     ask: {terminal_safe(ask)}")


@cli.command()
@click.argument("person")
@store_option
@config_option
def history(person: str, store_uri: str | None, config_path: str | None) -> None:
    """Show when a person's role, stance, title or relationships changed, run by run.

    PERSON is an id (15 or 18 characters for Salesforce) or a name.

    \b
    Example:
        kamgraph history "Claire Dubois"
    """
    from kamgraph.escape import terminal_safe
    from kamgraph.portfolio import Portfolio

    config = _config(config_path)
    with _store(store_uri) as store, _errors():
        person_id, name, changes = Portfolio(store, config=config).history(person)
    click.echo(f"{terminal_safe(name)} ({person_id})")
    if not changes:
        click.echo("  no recorded versions")
    for change, day in changes:
        when = day.isoformat() if day else "?         "
        click.echo(f"  {when}  {terminal_safe(change.what)}  [run {change.run}, "
                   f"{terminal_safe(change.source)}]")


@cli.command()
@store_option
@click.option("--last", is_flag=True, help="Only the most recent run.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def runs(store_uri: str | None, last: bool, fmt: str) -> None:
    """Show the sync history of the store, newest first.

    \b
    Example:
        kamgraph runs --last --format json
    """
    with _store(store_uri) as store, _errors():
        history = store.runs(limit=1 if last else None)
    if fmt == "json":
        click.echo(json.dumps([
            {**r.__dict__, "started": r.started.isoformat(),
             "finished": r.finished.isoformat() if r.finished else None}
            for r in history
        ], indent=2))
        return
    if not history:
        click.echo("No sync runs yet.")
        return
    for r in history:
        counts = r.counts.get("counts", {})
        mark = r.counts.get("high_water")
        click.echo(
            f"#{r.id:<4} {r.started.isoformat()}  {r.source:<12} {r.mode:<11} {r.status:<9} "
            f"inserted {counts.get('inserted', 0):,}, updated {counts.get('updated', 0):,}, "
            f"inactive {counts.get('inactivated', 0):,}"
            + (f"; high-water mark {mark}" if mark else "")
            + ("; repaired: " + ", ".join(f"{n} {what}" for what, n in sorted(
                r.counts.get("repairs", {}).items())) if r.counts.get("repairs") else "")
            + (f"  ({r.error})" if r.error else "")
        )


@cli.command()
@click.option("--accounts", "n_accounts", type=click.IntRange(1, 100_000), default=3,
              show_default=True, help="How many accounts.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--flavour", type=click.Choice(["weekly", "dataloader"]), default="weekly",
              show_default=True, help="Weekly Data Export or Data Loader quirks.")
@click.option("--encoding", type=click.Choice(["utf-8", "cp1252"]), default="utf-8",
              show_default=True)
@click.option("--example", is_flag=True, help="The bundled example: three storyline accounts.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", default="2026-11-01", show_default=True,
              help="The last day of activity.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True)
def generate(n_accounts: int, seed: int, flavour: str, encoding: str, example: bool,
             as_of: str, output: Path) -> None:
    """Write a realistic, deterministic Salesforce-format export.

    \b
    Example:
        kamgraph generate --accounts 100 --seed 1 -o /tmp/export
    """
    from kamgraph.generate import generate_export

    with _errors():
        stats = generate_export(
            output, accounts=n_accounts, seed=seed, flavour=flavour, encoding=encoding,
            storylines=example, end=_as_of(as_of),
        )
    click.echo(", ".join(f"{n} {name}" for name, n in stats.items()) + f" in {output}")


def main() -> None:
    """Entry point: never a traceback for a user's mistake."""
    try:
        cli.main(prog_name="kamgraph", standalone_mode=True)
    except SystemExit:
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # the reader left before the last of the output
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PIPE)
        raise
    except (InputError, ConfigError) as exc:  # pragma: no cover - caught inside commands
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("KAMGRAPH_DEBUG"):
            raise
        click.echo(
            f"Error: internal error ({type(exc).__name__}); set KAMGRAPH_DEBUG=1 for details",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
