"""Rendering audits: a terminal table, Markdown, CSV and JSON, every CRM string escaped
(by the helpers in :mod:`kamgraph.escape`)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date

from kamgraph.audit import SCHEMA_ID, AccountAudit, AuditReport
from kamgraph.escape import csv_cell, md_escape, terminal_safe

__all__ = ["FORMATS", "csv_cell", "md_escape", "render", "render_stream",
           "terminal_safe"]

FORMATS = ("table", "json", "markdown", "csv")
WIDTH = 100


def render(report: AuditReport, fmt: str) -> str:
    """Render ``report`` in one of :data:`FORMATS`, whole (see :func:`render_stream`)."""
    return "".join(render_stream(report.as_of, report.accounts, fmt))


def render_stream(as_of: date, accounts: Iterable[AccountAudit], fmt: str) -> Iterator[str]:
    """The report of ``accounts`` in one of :data:`FORMATS`, a piece per account as each
    arrives: a portfolio audit is written while it runs, never held whole."""
    if fmt not in _PIECES:
        raise ValueError(f"unknown format {fmt!r}")
    head, piece, tail = _PIECES[fmt]
    yield head(as_of)
    count = 0
    for count, account in enumerate(accounts, 1):
        yield piece(account, count - 1)
    yield tail(count)


def _json_head(as_of: date) -> str:
    # What json.dumps(..., indent=2) writes before the accounts.
    return (f'{{\n  "schema": {json.dumps(SCHEMA_ID)},\n'
            f'  "as_of": "{as_of.isoformat()}",\n  "accounts": [')


def _json_account(account: AccountAudit, i: int) -> str:
    text = json.dumps(account.to_dict(), indent=2, ensure_ascii=False)
    return ("," if i else "") + "\n" + textwrap.indent(text, "    ")


def _json_tail(count: int) -> str:
    return "\n  ]\n}\n" if count else "]\n}\n"


def _counts(findings: list) -> str:  # type: ignore[type-arg]
    by = Counter(f.severity.value for f in findings)
    parts = [f"{by[s]} {s}" for s in ("high", "medium", "low") if by[s]]
    return ", ".join(parts) if parts else "none"


def _clip(text: str, width: int) -> str:
    width = max(width, 10)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table_head(as_of: date) -> str:
    return f"kamgraph audit as of {as_of.isoformat()}\n"


_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="    - ",
                             subsequent_indent="      ", break_on_hyphens=False)
_ACTION_WRAP = textwrap.TextWrapper(width=WIDTH, initial_indent="    > ",
                                    subsequent_indent="      ", break_on_hyphens=False)


def _table_account(account: AccountAudit, i: int) -> str:
    out = [""]
    stage = account.stage["name"] if account.stage else "not classified"
    tail = f" ({account.id}) | stage: {stage} | findings: {_counts(account.findings)}"
    header = _clip(terminal_safe(account.name), WIDTH - len(tail)) + tail
    out.append(header)
    out.append("=" * min(len(header), WIDTH))
    if not account.findings:
        out.append("  no findings")
    if account.stage:
        out.extend(textwrap.wrap(
            terminal_safe("; ".join(account.stage["reasons"])), width=WIDTH,
            initial_indent="  stage: ", subsequent_indent="         ",
            break_on_hyphens=False))
    by_severity = Counter(f.severity for f in account.findings)
    shown = None
    for f in account.findings:
        if f.severity is not shown:
            shown = f.severity
            out.append(f"  -- {shown.value} ({by_severity[shown]}) --")
        lead = f"  {f.severity.value.upper():<6} {f.score:4.2f}  {f.kind:<18} "
        kind = f" [{f.subject.type}]"
        name = _clip(terminal_safe(f.subject.name), WIDTH - len(lead) - len(kind))
        out.append(lead + name + kind)
        for evidence in f.evidence:
            out.extend(_WRAP.wrap(terminal_safe(evidence)))
        out.extend(_ACTION_WRAP.wrap(terminal_safe(f.action)))
    return "\n".join(out) + "\n"


def _markdown_head(as_of: date) -> str:
    return f"# kamgraph audit, as of {as_of.isoformat()}\n"


def _markdown_account(account: AccountAudit, i: int) -> str:
    stage = account.stage["name"] if account.stage else "not classified"
    out = ["", f"## {md_escape(account.name)} (`{md_escape(account.id)}`)", "",
           f"Stage: {stage}. Findings: {_counts(account.findings)}."]
    if account.stage:
        out.append("")
        out.extend(f"- {md_escape(reason)}" for reason in account.stage["reasons"])
    for f in account.findings:
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
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "account_id", "account_name", "kind", "severity", "score", "subject_type", "subject_id",
    "subject_name", "evidence", "action", "suggested_id", "suggested_name",
)


def _csv_rows(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _csv_head(as_of: date) -> str:
    return _csv_rows([CSV_COLUMNS])


def _csv_account(account: AccountAudit, i: int) -> str:
    return _csv_rows([
        csv_cell(account.id), csv_cell(account.name), f.kind, f.severity.value,
        f"{f.score:.3f}", f.subject.type, csv_cell(f.subject.id),
        csv_cell(f.subject.name), csv_cell(" | ".join(f.evidence)),
        csv_cell(f.action), csv_cell(f.suggested.id if f.suggested else ""),
        csv_cell(f.suggested.name if f.suggested else ""),
    ] for f in account.findings)


def _nothing(_: int) -> str:
    return ""


_PIECES: dict[str, tuple[Callable[[date], str], Callable[[AccountAudit, int], str],
                         Callable[[int], str]]] = {
    "table": (_table_head, _table_account, _nothing),
    "json": (_json_head, _json_account, _json_tail),
    "markdown": (_markdown_head, _markdown_account, _nothing),
    "csv": (_csv_head, _csv_account, _nothing),
}
