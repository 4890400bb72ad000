"""Every CRM string escaped in every output format."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kamgraph.actions import Action
from kamgraph.analysis.findings import CoverageGapData, Finding, FindingKind, Severity, Subject
from kamgraph.audit import AccountAudit, AuditReport
from kamgraph.report import Shown, csv_cell, md_escape, render, render_stream, terminal_safe

HOSTILE = "<img src=x onerror=alert(1)>"


def report_with(name: str) -> AuditReport:
    finding = Finding(
        kind=FindingKind.COVERAGE_GAP, data=CoverageGapData("person"),
        severity=Severity.HIGH, score=0.9,
        subject=Subject("person", "003", name), evidence=(f"{name} matters",),
        action=f"Meet {name}", suggested=Subject("person", "005", "=cmd|' /C calc'!A0"),
    )
    action = Action(
        id="001/1", rank=1, priority=Severity.HIGH, subject=finding.subject,
        problem=f"Nobody of ours meets {name}", owner=finding.suggested,
        with_=(Subject("person", "006", name),), action=f"Meet {name}",
        due=date(2026, 12, 1), because=("coverage_gap",), evidence=finding.evidence,
        findings=(0,))
    return AuditReport(as_of=date(2026, 11, 1),
                       accounts=[AccountAudit("001", f"Acme {name}", None, [finding],
                                              [action])])


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=x", "\r=x"])
def test_csv_cells_that_would_run_are_neutralised(value: str) -> None:
    assert csv_cell(value).startswith("'")


@pytest.mark.parametrize("raw", [False, True])
def test_csv_output_neutralises_every_crm_string(raw: bool) -> None:
    out = render(report_with("=HYPERLINK(\"http://evil\")"), "csv", Shown(findings=raw))
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) == 2
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


@pytest.mark.parametrize("raw", [False, True])
def test_markdown_shows_html_as_text(raw: bool) -> None:
    out = render(report_with(HOSTILE), "markdown", Shown(findings=raw))
    assert "<img" not in out and "&lt;img" in out


def test_markdown_escapes_table_and_emphasis_syntax() -> None:
    assert md_escape("a|b*c_d[e](f)") == "a\\|b\\*c\\_d\\[e\\](f)"
    assert md_escape("- item") == "\\- item"
    assert md_escape("1. first") == "1\\. first"  # "\\1." would show its backslash
    assert md_escape("0.57 derived") == "0.57 derived"
    assert md_escape("2026) year") == "2026\\) year"
    assert md_escape("    indented ") == "indented"  # not a code block, nor a line break


def test_markdown_leaves_an_ampersand_alone_unless_it_starts_a_reference() -> None:
    assert md_escape("R&D") == "R&D"
    assert md_escape("Procter & Gamble") == "Procter & Gamble"
    # What a renderer would read as a character reference is shown as typed.
    assert md_escape("&amp; &#65; &#x41;") == "&amp;amp; &amp;#65; &amp;#x41;"
    assert md_escape("<script>R&D</script>") == "&lt;script&gt;R&D&lt;/script&gt;"


#: Text a CRM may hold, weighted towards what Markdown reads as syntax.
_MARKDOWNISH = st.text(
    alphabet=st.sampled_from(list("aZ09 .,;:!?#*_-+=<>&|\\`~[](){}\"'/@$%^é")), max_size=14
) | st.lists(st.sampled_from(["1.", "2)", "- ", "# ", "> ", "**x**", "_y_", "`z`", "[a](b)",
                              "<b>", "&amp;", "&#65;", "&#x41;", "&copy", "R&D", "http://x.y", "|",
                              "\\", "0.57",
                              "    ", "  "]),
             max_size=5).map("".join)


@settings(max_examples=400, deadline=None)
@given(_MARKDOWNISH)
def test_an_escaped_string_renders_as_itself_in_a_cell_and_a_list_item(text: str) -> None:
    """What a CommonMark renderer shows is the string, not syntax read out of it."""
    from markdown_it import MarkdownIt

    render_md = MarkdownIt("commonmark").enable("table").render
    shown = terminal_safe(text).strip()
    cell = render_md(f"| h |\n|---|\n| {md_escape(text)} |\n")
    item = render_md(f"- {md_escape(text)}\n")
    for html_out, tag in ((cell, "td"), (item, "li")):
        found = re.search(f"<{tag}>(.*)</{tag}>", html_out, re.S)
        assert found is not None, html_out
        assert html.unescape(found.group(1)).strip() == shown, html_out


def test_terminal_output_drops_escape_sequences() -> None:
    evil = "Eve\x1b[2J\x1b]0;pwned\x07\u202eevil"
    assert terminal_safe(evil) == "Eve[2J]0;pwnedevil"
    for raw in (False, True):
        out = render(report_with(evil), "table", Shown(findings=raw))
        assert "Eve[2J" in out and "\x1b" not in out and "\u202e" not in out


def test_json_keeps_strings_verbatim() -> None:
    doc = json.loads(render(report_with(HOSTILE), "json"))
    [account] = doc["accounts"]
    assert account["names"][account["findings"][0]["subject"]["id"]] == HOSTILE
    assert account["lines"][0] == f"{HOSTILE} matters"


def test_table_fits_in_a_hundred_columns() -> None:
    long = "Maximiliana " * 20
    for raw in (False, True):
        out = render(report_with(long), "table", Shown(findings=raw))
        assert max(len(line) for line in out.splitlines()) <= 100


def test_json_written_in_pieces_is_the_whole_document() -> None:
    report = report_with(HOSTILE)
    report.accounts.append(report.accounts[0])
    text = "".join(render_stream(report.as_of, report.accounts, "json"))
    assert json.loads(text) == report.to_dict()
    # One action, finding and evidence line a line: a reader can page and grep it.
    lines = text.splitlines()
    assert sum(1 for line in lines if line.lstrip().startswith('{"kind": ')) == 2
    assert sum(1 for line in lines if line.lstrip().startswith('{"id": ')) == 2
    assert json.dumps(f"{HOSTILE} matters", ensure_ascii=False) in [
        line.strip().rstrip(",") for line in lines]
    empty = AuditReport(as_of=report.as_of, accounts=[])
    assert json.loads("".join(render_stream(empty.as_of, empty.accounts, "json"))) \
        == empty.to_dict()


@pytest.mark.parametrize("fmt", ["csv", "markdown", "table"])
@pytest.mark.parametrize("raw", [False, True])
def test_no_text_format_carries_control_or_bidi_characters(fmt: str, raw: bool) -> None:
    evil = "Eve\x1b[2J\x1b]0;pwned\x07\u202eevil\u2066x\u2069"
    out = render(report_with(evil), fmt, Shown(findings=raw))
    assert "Eve" in out
    for char in ("\x1b", "\x07", "\u202e", "\u2066", "\u2069"):
        assert char not in out, (fmt, repr(char))


def test_the_workload_table_keeps_its_columns_whatever_the_level() -> None:
    """A long level ("Individual contributor") widens the column; it never pushes the
    hours out of line."""
    from kamgraph.capacity import WorkloadRow
    from kamgraph.report import render_workload

    months = (("November 2026", 11.0, 3), ("December 2026", 24.0, 12))
    rows = [WorkloadRow("a", "Ana Okafor", "individual_contributor", 12.0, 12, months, (), 0),
            WorkloadRow("b", "José Rossi", "director", 24.0, 12, months, (), 225)]
    head, *body = render_workload(rows, "table").splitlines()[:3]
    end = head.index("H/MONTH") + len("H/MONTH")
    assert [line[:end].split()[-1] for line in body] == ["12.0", "24.0"]
    assert "Individual contributor" in body[0]
