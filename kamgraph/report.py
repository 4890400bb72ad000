"""Rendering audits: a terminal table, Markdown, CSV and JSON, every CRM string escaped
(by the helpers in :mod:`kamgraph.escape`)."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections import Counter
from collections.abc import Iterator

from kamgraph.audit import SCHEMA_ID, AuditReport
from kamgraph.escape import csv_cell, md_escape, terminal_safe

__all__ = ["FORMATS", "csv_cell", "md_escape", "render", "render_chunks", "render_text",
           "terminal_safe"]

FORMATS = ("table", "json", "markdown", "csv")
WIDTH = 100


def render(report: AuditReport, fmt: str) -> str:
    """Render ``report`` in one of :data:`FORMATS`."""
    return "".join(render_chunks(report, fmt))


def render_chunks(report: AuditReport, fmt: str) -> Iterator[str]:
    """:func:`render`, in pieces: the JSON of a portfolio audit comes account by account,
    so writing it never holds the whole document in memory twice over."""
    if fmt == "json":
        yield from _json(report)
        return
    yield render_text(report, fmt)


def _json(report: AuditReport) -> Iterator[str]:
    head = {"schema": SCHEMA_ID, "as_of": report.as_of.isoformat(), "accounts": []}
    opening = json.dumps(head, indent=2, ensure_ascii=False)
    if not report.accounts:
        yield opening + "\n"
        return
    yield opening[:opening.rindex("[") + 1] + "\n"
    for i, account in enumerate(report.accounts):
        text = json.dumps(account.to_dict(), indent=2, ensure_ascii=False)
        yield textwrap.indent(text, "    ") + (",\n" if i < len(report.accounts) - 1 else "\n")
    yield "  ]\n}\n"


def render_text(report: AuditReport, fmt: str) -> str:
    """The formats other than JSON, whole."""
    if fmt == "markdown":
        return _markdown(report)
    if fmt == "csv":
        return _csv(report)
    if fmt == "table":
        return _table(report)
    raise ValueError(f"unknown format {fmt!r}")


def _counts(findings: list) -> str:  # type: ignore[type-arg]
    by = Counter(f.severity.value for f in findings)
    parts = [f"{by[s]} {s}" for s in ("high", "medium", "low") if by[s]]
    return ", ".join(parts) if parts else "none"


def _clip(text: str, width: int) -> str:
    width = max(width, 10)
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(report: AuditReport) -> str:
    out: list[str] = []
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="    - ",
                                subsequent_indent="      ", break_on_hyphens=False)
    action_wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="    > ",
                                       subsequent_indent="      ", break_on_hyphens=False)
    out.append(f"kamgraph audit as of {report.as_of.isoformat()}")
    for account in report.accounts:
        out.append("")
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
                out.extend(wrap.wrap(terminal_safe(evidence)))
            out.extend(action_wrap.wrap(terminal_safe(f.action)))
    return "\n".join(out) + "\n"


def _markdown(report: AuditReport) -> str:
    out = [f"# kamgraph audit, as of {report.as_of.isoformat()}", ""]
    for account in report.accounts:
        stage = account.stage["name"] if account.stage else "not classified"
        out.append(f"## {md_escape(account.name)} (`{md_escape(account.id)}`)")
        out.append("")
        out.append(f"Stage: {stage}. Findings: {_counts(account.findings)}.")
        if account.stage:
            out.append("")
            out.extend(f"- {md_escape(reason)}" for reason in account.stage["reasons"])
        out.append("")
        for f in account.findings:
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
            out.append("")
    return "\n".join(out)


CSV_COLUMNS = (
    "account_id", "account_name", "kind", "severity", "score", "subject_type", "subject_id",
    "subject_name", "evidence", "action", "suggested_id", "suggested_name",
)


def _csv(report: AuditReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for account in report.accounts:
        for f in account.findings:
            writer.writerow([
                csv_cell(account.id), csv_cell(account.name), f.kind, f.severity.value,
                f"{f.score:.3f}", f.subject.type, csv_cell(f.subject.id),
                csv_cell(f.subject.name), csv_cell(" | ".join(f.evidence)),
                csv_cell(f.action), csv_cell(f.suggested.id if f.suggested else ""),
                csv_cell(f.suggested.name if f.suggested else ""),
            ])
    return buffer.getvalue()
