"""Rendering audits: a terminal table, Markdown, CSV and JSON, every CRM string escaped
(by the helpers in :mod:`kamgraph.escape`)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from kamgraph.actions import Action
from kamgraph.analysis.findings import Finding, FindingKind, Severity
from kamgraph.analysis.stage import stage_label
from kamgraph.audit import SCHEMA_ID, AccountAudit, AuditReport
from kamgraph.capacity import WorkloadRow
from kamgraph.escape import csv_cell, md_escape, terminal_safe
from kamgraph.followup import Entry, followup_counts, since_counts
from kamgraph.model import Level

__all__ = ["FORMATS", "Shown", "csv_cell", "md_escape", "render", "render_stream",
           "terminal_safe"]

FORMATS = ("table", "json", "markdown", "csv")
WIDTH = 100


@dataclass(frozen=True)
class Shown:
    """What the table, Markdown and CSV print of each account's actions, and how many
    findings of each kind any format lists.

    The JSON always holds every action; the other choices only trim the reading.
    """

    #: Actions printed per account before "and N more (--all)"; None prints all.
    limit: int | None = 7
    #: Only actions at or above this priority.
    min_priority: Severity | None = None
    #: Only actions with one of these finding kinds among their reasons.
    kinds: tuple[FindingKind, ...] = ()
    #: Print unmapped accounts one by one, not as one line at the end.
    unmapped: bool = False
    #: Print the raw findings, as the audit did before actions.
    findings: bool = False
    #: Findings of one kind listed per account, most severe first (None: all); the rest
    #: are counted (``held_back``).
    findings_per_kind: int | None = None
    #: What the whole store says, once, before any account (every format but CSV).
    notes: tuple[str, ...] = ()

    def listed(self, account: AccountAudit) -> tuple[list[Finding], dict[str, int]]:
        """The account's findings a report lists, and how many of each kind it holds
        back (:meth:`AccountAudit.listed`)."""
        kept, held = account.listed(self.findings_per_kind, self.kinds)
        return [account.findings[i] for i in kept], held

    def actions(self, account: AccountAudit) -> list[Action]:
        """The account's actions that pass the filters, budget not applied."""
        return [a for a in account.actions
                if (self.min_priority is None or a.priority.rank >= self.min_priority.rank)
                and (not self.kinds or set(a.because) & set(self.kinds))]


def render(report: AuditReport, fmt: str, shown: Shown | None = None) -> str:
    """Render ``report`` in one of :data:`FORMATS`, whole (see :func:`render_stream`)."""
    return "".join(render_stream(report.as_of, report.accounts, fmt, shown))


def render_stream(as_of: date, accounts: Iterable[AccountAudit], fmt: str,
                  shown: Shown | None = None) -> Iterator[str]:
    """The report of ``accounts`` in one of :data:`FORMATS`, a piece per account as each
    arrives: a portfolio audit is written while it runs, never held whole.

    Parameters
    ----------
    as_of : date
        The day the audit counted from (in the heading).
    accounts : iterable of AccountAudit
        The audits, consumed one at a time.
    fmt : str
        ``table``, ``json``, ``markdown`` or ``csv``.
    shown : Shown, optional
        What the table, Markdown and CSV print (the budget and the filters).

    Unmapped accounts (nobody of theirs recorded) are counted in one line at the end of
    the table and Markdown unless ``shown.unmapped``; the JSON and CSV hold them all.
    """
    if fmt not in _PIECES:
        raise ValueError(f"unknown format {fmt!r}")
    shown = shown or Shown()
    head, piece, tail = _PIECES[fmt]
    yield head(as_of, shown)
    count = 0
    hidden = 0
    for account in accounts:
        if fmt in ("table", "markdown") and account.unmapped and not shown.unmapped:
            hidden += 1
            continue
        yield piece(account, count, shown)
        count += 1
    yield tail(count, hidden)


def _json_head(as_of: date, shown: Shown) -> str:
    # What json.dumps(..., indent=2) writes before the accounts.
    notes = f'  "notes": {json.dumps(list(shown.notes), ensure_ascii=False)},\n'
    return (f'{{\n  "schema": {json.dumps(SCHEMA_ID)},\n'
            f'  "as_of": "{as_of.isoformat()}",\n{notes}  "accounts": [')


def _json_account(account: AccountAudit, i: int, shown: Shown) -> str:
    # Each action, finding and line on a line of its own: a reader can page and grep it,
    # and a portfolio of thousands stays a size a script reads.
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    fields = []
    for key, value in account.to_dict(shown.findings_per_kind).items():
        if key in ("actions", "findings", "lines") and value:
            items = ",\n".join("        " + dump(item) for item in value)
            fields.append(f'      "{key}": [\n{items}\n      ]')
        else:
            fields.append(f"      {dump(key)}: {dump(value)}")
    return ("," if i else "") + "\n    {\n" + ",\n".join(fields) + "\n    }"


def _json_tail(count: int, hidden: int) -> str:
    return "\n  ]\n}\n" if count else "]\n}\n"


def _counts(items: Sequence[Finding] | Sequence[Action]) -> str:
    by = Counter(x.severity.value if isinstance(x, Finding) else x.priority.value
                 for x in items)
    parts = [f"{by[s]} {s}" for s in ("high", "medium", "low") if by[s]]
    return ", ".join(parts) if parts else "none"


def _clip(text: str, width: int) -> str:
    width = max(width, 10)
    return text if len(text) <= width else text[: width - 1] + "…"


def _shape(account: AccountAudit) -> str:
    """The account's stage and one sentence on its shape."""
    if account.unmapped:
        return "unmapped: nobody of theirs is recorded"
    if not account.stage:
        return "stage not classified"
    name = account.stage.name.label
    reasons = account.stage.reasons
    return f"{name}: {reasons[0]}" if reasons else name


def _followed(account: AccountAudit) -> tuple[str, list[str]]:
    """The account's follow-up in a line ("since 2026-11-01: 1 done, 2 overdue, 1 new"),
    and what was done, dropped or closed since, each with what shows it."""
    if account.since is None:
        return "", []
    resolved = [f"{e.status.value}: {e.action.headline} ({e.why})"
                for e in account.followup if e.resolved_since(account.since)]
    return followup_counts(since_counts(account.followup, account.since), account.since), \
        resolved


def _budget(account: AccountAudit, shown: Shown) -> tuple[list[Action], int]:
    chosen = shown.actions(account)
    if shown.limit is None or len(chosen) <= shown.limit:
        return chosen, 0
    return chosen[:shown.limit], len(chosen) - shown.limit


def _table_head(as_of: date, shown: Shown) -> str:
    return f"kamgraph audit as of {as_of.isoformat()}\n" + "".join(
        f"Note: {terminal_safe(note)}\n" for note in shown.notes)


_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="    - ",
                             subsequent_indent="      ", break_on_hyphens=False)
_ACTION_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="    > ",
                                    subsequent_indent="      ", break_on_hyphens=False)
_STEP_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="     > ",
                                  subsequent_indent="       ", break_on_hyphens=False)
_REASON_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="       - ",
                                    subsequent_indent="         ", break_on_hyphens=False)
#: Evidence lines printed under an action in the table and Markdown (all are in the JSON).
_REASONS_SHOWN = 4


def _kinds(action: Action) -> str:
    return ", ".join(k.replace("_", " ") for k in action.because)


def _table_account(account: AccountAudit, i: int, shown: Shown) -> str:
    if shown.findings:
        return _table_findings(account, shown)
    actions, more = _budget(account, shown)
    out = _heading(account, f" ({account.id}) | actions: {_counts(account.actions)}")
    out.extend(textwrap.wrap(terminal_safe(_shape(account)), width=WIDTH,
                             initial_indent="  ", subsequent_indent="  ",
                             break_on_hyphens=False))
    line, resolved = _followed(account)
    if line:
        out.extend(textwrap.wrap(terminal_safe(line), width=WIDTH, initial_indent="  ",
                                 subsequent_indent="    ", break_on_hyphens=False))
        for r in resolved:
            out.extend(_REASON_WRAP.wrap(terminal_safe(r)))
    if not account.actions:
        out.append("  nothing to act on")
    elif not actions:
        out.append("  no action passes the filters")
    for a in actions:
        lead = f"  {a.rank:>2}. {a.priority.value.upper():<6} "
        out.append(_clip(lead + terminal_safe(a.headline), WIDTH))
        due = (f" (overdue: due {a.due.isoformat()})" if a.due and account.overdue(a)
               else f" (by {a.due.isoformat()})" if a.due else "")
        out.extend(_STEP_WRAP.wrap(terminal_safe(a.action) + due))
        if a.because:
            out.extend(_REASON_WRAP.wrap("because: " + _kinds(a)))
        for evidence in a.evidence[:_REASONS_SHOWN]:
            out.extend(_REASON_WRAP.wrap(terminal_safe(evidence)))
    if more:
        out.append(f"  … and {more} more (--all)")
    return "\n".join(out) + "\n"


def _heading(account: AccountAudit, tail: str) -> list[str]:
    """An account's heading in the table: its name clipped to leave room for ``tail``,
    underlined."""
    header = _clip(terminal_safe(account.name), WIDTH - len(tail)) + tail
    return ["", header, "=" * min(len(header), WIDTH)]


def _held_back(held: dict[str, int]) -> str:
    """One sentence on the findings a report does not list, or ""."""
    if not held:
        return ""
    counts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in held.items())
    return f"… and {counts} findings not listed (--all lists every finding)"


def _table_findings(account: AccountAudit, shown: Shown) -> str:
    stage = stage_label(account.stage_name) or "not classified"
    out = _heading(account, f" ({account.id}) | stage: {stage} | findings: "
                            f"{_counts(account.findings)}")
    if not account.findings:
        out.append("  no findings")
    if account.stage:
        out.extend(textwrap.wrap(
            terminal_safe("; ".join(account.stage.reasons)), width=WIDTH,
            initial_indent="  stage: ", subsequent_indent="         ",
            break_on_hyphens=False))
    by_severity = Counter(f.severity for f in account.findings)
    listed, held = shown.listed(account)
    current = None
    for f in listed:
        if f.severity is not current:
            current = f.severity
            out.append(f"  -- {current.value} ({by_severity[current]}) --")
        lead = f"  {f.severity.value.upper():<6} {f.score:4.2f}  {f.kind:<18} "
        kind = f" [{f.subject.type}]"
        name = _clip(terminal_safe(f.subject.name), WIDTH - len(lead) - len(kind))
        out.append(lead + name + kind)
        for evidence in f.evidence:
            out.extend(_WRAP.wrap(terminal_safe(evidence)))
        out.extend(_ACTION_WRAP.wrap(terminal_safe(f.action)))
    if held:
        out.extend(_WRAP.wrap(_held_back(held)))
    return "\n".join(out) + "\n"


def _unmapped_tail(count: int, hidden: int) -> str:
    """The one line that counts the unmapped accounts the table or Markdown left out."""
    if not hidden:
        return ""
    noun = "account" if hidden == 1 else "accounts"
    return (f"\n{hidden:,} {noun} unmapped (nobody of theirs recorded); "
            f"`--unmapped` lists them.\n")


def _markdown_head(as_of: date, shown: Shown) -> str:
    return f"# kamgraph audit, as of {as_of.isoformat()}\n" + "".join(
        f"\n> **Note:** {md_escape(note)}\n" for note in shown.notes)


def _markdown_account(account: AccountAudit, i: int, shown: Shown) -> str:
    if shown.findings:
        return _markdown_findings(account, shown)
    actions, more = _budget(account, shown)
    out = ["", f"## {md_escape(account.name)} (`{md_escape(account.id)}`)", "",
           f"{md_escape(_shape(account)[:1].upper() + _shape(account)[1:])}. "
           f"Actions: {_counts(account.actions)}."]
    line, resolved = _followed(account)
    if line:
        out += ["", f"{md_escape(line[:1].upper() + line[1:])}."]
        out += [f"- {md_escape(r)}" for r in resolved]
    if not account.actions:
        out += ["", "Nothing to act on."]
    for a in actions:
        owner = f" Owner: {md_escape(a.owner.name)}." if a.owner else ""
        helpers = (" With: " + ", ".join(md_escape(w.name) for w in a.with_) + "."
                   if a.with_ else "")
        due = (f" **Overdue:** due {a.due.isoformat()}." if a.due and account.overdue(a)
               else f" By {a.due.isoformat()}." if a.due else "")
        out += ["", f"{a.rank}. **{a.priority.value.upper()}** · {md_escape(a.headline)}",
                f"   - **Action:** {md_escape(a.action)}{owner}{helpers}{due}"]
        if a.because:
            out.append(f"   - Because: {md_escape(_kinds(a))}")
        out.extend(f"     - {md_escape(e)}" for e in a.evidence[:_REASONS_SHOWN])
    if more:
        out += ["", f"… and {more} more (`--all`)."]
    return "\n".join(out) + "\n"


def _markdown_findings(account: AccountAudit, shown: Shown) -> str:
    stage = account.stage.name.value if account.stage else "not classified"
    out = ["", f"## {md_escape(account.name)} (`{md_escape(account.id)}`)", "",
           f"Stage: {stage}. Findings: {_counts(account.findings)}."]
    if account.stage:
        out.append("")
        out.extend(f"- {md_escape(reason)}" for reason in account.stage.reasons)
    listed, held = shown.listed(account)
    for f in listed:
        out.append("")
        out.append(f"### {f.severity.value.upper()} · {f.kind} · "
                   f"{md_escape(f.subject.name)} ({f.subject.type}, score {f.score:.2f})")
        out.append("")
        for evidence in f.evidence:
            out.append(f"- {md_escape(evidence)}")
        out.append("")
        out.append(f"**Action:** {md_escape(f.action)}")
        if f.suggested:
            out.append("")
            out.append(f"**Suggested:** {md_escape(f.suggested.name)}")
    if held:
        out += ["", _held_back(held) + "."]
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "account_id", "account_name", "kind", "severity", "score", "subject_type", "subject_id",
    "subject_name", "evidence", "action", "suggested_id", "suggested_name",
)
ACTION_COLUMNS = (
    "account_id", "account_name", "rank", "priority", "subject_type", "subject_id",
    "subject_name", "problem", "action", "owner_id", "owner_name", "with", "due", "because",
    "evidence",
)


def _csv_rows(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _csv_head(as_of: date, shown: Shown) -> str:
    return _csv_rows([CSV_COLUMNS if shown.findings else ACTION_COLUMNS])


def _csv_account(account: AccountAudit, i: int, shown: Shown) -> str:
    if not shown.findings:
        return _csv_rows([
            csv_cell(account.id), csv_cell(account.name), str(a.rank), a.priority.value,
            a.subject.type, csv_cell(a.subject.id), csv_cell(a.subject.name),
            csv_cell(a.problem), csv_cell(a.action),
            csv_cell(a.owner.id if a.owner else ""), csv_cell(a.owner.name if a.owner else ""),
            csv_cell("; ".join(w.name for w in a.with_)),
            a.due.isoformat() if a.due else "", " ".join(a.because),
            csv_cell(" | ".join(a.evidence)),
        ] for a in shown.actions(account))
    return _csv_rows([
        csv_cell(account.id), csv_cell(account.name), f.kind, f.severity.value,
        f"{f.score:.3f}", f.subject.type, csv_cell(f.subject.id),
        csv_cell(f.subject.name), csv_cell(" | ".join(f.evidence)),
        csv_cell(f.action), csv_cell(f.suggested.id if f.suggested else ""),
        csv_cell(f.suggested.name if f.suggested else ""),
    ] for f in shown.listed(account)[0])


def _nothing(count: int, hidden: int) -> str:
    return ""


_PIECES: dict[str, tuple[Callable[[date, Shown], str],
                         Callable[[AccountAudit, int, Shown], str],
                         Callable[[int, int], str]]] = {
    "table": (_table_head, _table_account, _unmapped_tail),
    "json": (_json_head, _json_account, _json_tail),
    "markdown": (_markdown_head, _markdown_account, _unmapped_tail),
    "csv": (_csv_head, _csv_account, _nothing),
}


def render_workload(rows: Sequence[WorkloadRow], fmt: str) -> str:
    """The workload view as a table (every name made safe for a terminal), JSON or CSV
    (every cell neutralised for a spreadsheet)."""
    if fmt == "json":
        return json.dumps([r.to_dict() for r in rows], indent=2, ensure_ascii=False) + "\n"
    months = [m for m, _, _ in rows[0].months] if rows else []
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["person_id", "name", "level", "hours_a_month", "asks_a_month",
                         *(f"{m} {what}" for m in months for what in ("hours", "asks")),
                         "sponsors", "deferred"])
        for r in rows:
            writer.writerow([csv_cell(r.person), csv_cell(r.name), r.level, r.hours,
                             r.max_asks, *(v for _, h, n in r.months for v in (round(h, 1), n)),
                             csv_cell("; ".join(r.sponsors)), r.deferred])
        return buffer.getvalue()
    if not rows:
        return "Nobody of ours is asked for anything.\n"
    short = [f"{m.split()[0][:3]} {m.split()[-1]}" if " " in m else m for m in months]
    levels = {r.level: Level(r.level).label if r.level in {x.value for x in Level} else r.level
              for r in rows}
    wide = max(5, *(len(label) for label in levels.values()))
    out = [f"{'PERSON':<24} {'LEVEL':<{wide}} {'H/MONTH':>7}  "
           + "  ".join(f"{m:>12}" for m in short) + "  SPONSORS  WAITING"]
    for r in rows:
        name = terminal_safe(r.name)
        name = name if len(name) <= 24 else name[:23] + "…"
        cells = "  ".join(f"{f'{h:.1f}h ({n})':>12}" for _, h, n in r.months)
        out.append(f"{name:<24} {levels[r.level]:<{wide}} {r.hours:>7.1f}  {cells}  "
                   f"{len(r.sponsors):>8}  "
                   f"{r.deferred:>7}")
    out.append("")
    out.append("Hours asked (asks) a month against the hours a month each person gives; "
               "WAITING: asks that fit in none of these months.")
    return "\n".join(out) + "\n"


#: The follow-up's statuses, in the order a review meeting reads them.
FOLLOWUP_ORDER = ("overdue", "new", "open", "done", "dropped", "closed")


def render_followup(entries: Sequence[Entry], fmt: str, since: date | None,
                    counts: dict[str, int]) -> str:
    """The follow-up as a table (every CRM string made safe for a terminal), JSON or CSV
    (every cell neutralised for a spreadsheet)."""
    if fmt == "json":
        return json.dumps({"since": since.isoformat() if since else None, "counts": counts,
                           "actions": [e.to_dict(since) for e in entries]},
                          indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "status", "priority", "account_id", "account", "owner_id",
                         "owner", "subject_id", "subject", "need", "given", "due",
                         "status_on", "why", "action"])
        for e in entries:
            a = e.action
            writer.writerow([e.id, e.label(since), a.priority.value, csv_cell(e.account_id),
                             csv_cell(e.account), csv_cell(a.owner.id if a.owner else ""),
                             csv_cell(a.owner.name if a.owner else ""),
                             csv_cell(a.subject.id), csv_cell(a.subject.name), a.need,
                             e.given.isoformat(), a.due.isoformat() if a.due else "",
                             e.status_on.isoformat() if e.status_on else "",
                             csv_cell(e.why or ""), csv_cell(a.action)])
        return buffer.getvalue()
    out = [followup_counts(counts, since).capitalize(), ""]
    if not entries:
        return "\n".join([*out, "No action matches."]) + "\n"
    for e in entries:
        a = e.action
        owner = terminal_safe(a.owner.name) if a.owner else "no owner"
        due = f"due {a.due.isoformat()}" if a.due else "no due date"
        out.append(f"{e.label(since).upper():<8} {a.priority.value:<6} {due:<14} "
                   f"{terminal_safe(e.account)} · {owner} · {e.id}")
        for line in textwrap.wrap(terminal_safe(a.action), width=88):
            out.append(f"         {line}")
        if e.why:
            out.append(f"         ({terminal_safe(e.why)})")
    return "\n".join(out) + "\n"


def followup_order(entries: Iterable[Entry], since: date | None) -> list[Entry]:
    """Overdue first, then new, open, done, dropped, closed; by due date inside each."""
    return sorted(entries, key=lambda e: (FOLLOWUP_ORDER.index(e.label(since)),
                                          e.action.due or date.max, e.account.lower(),
                                          e.action.rank))
