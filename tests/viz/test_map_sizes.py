"""Maps that read at every size, measured in headless Chromium as a user sees them.

Accounts of 10, 60 and 500 people (``kamgraph.generate.account_of_size``): at the first
view, neighbouring people are far enough apart, labels do not overlap and are at least
12 px, no more than 150 people are drawn, and the page settles in under 2 s.  Then the
page is driven as a user would: hover and select every person, search for each, open a
function.  A 5,000-person account is usable, settled and searchable, in under 2 s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamgraph.audit import audit_graph
from kamgraph.config import Config
from kamgraph.generate import account_of_size
from kamgraph.graph import build_account_graph
from kamgraph.viz import render_account_map

AS_OF = date(2026, 11, 1)

#: On-screen geometry of the first view: every drawn person inside the canvas, with the
#: label's box, in CSS pixels.
MEASURE = """() => {
  const k = window.kamgraph, net = k.network, box = net.body.container.getBoundingClientRect();
  const scale = net.getScale(), ids = k.nodeView.getIds(), out = [];
  for (const id of ids) {
    const p = net.canvasToDOM(net.getPosition(id));
    if (p.x < 0 || p.y < 0 || p.x > box.width || p.y > box.height) continue;
    const node = net.body.nodes[id], size = node.labelModule.size;
    const a = net.canvasToDOM({x: size.left, y: size.top});
    const b = net.canvasToDOM({x: size.left + size.width, y: size.top + size.height});
    out.push({id: id, x: p.x, y: p.y, label: node.options.label || "",
              box: [a.x, a.y, b.x, b.y], font: node.options.font.size * scale});
  }
  return {shown: ids.length, scale: scale, people: out, settledAt: k.settledAt};
}"""


def _page(people: int, folder: Path) -> tuple[Path, int]:
    graph = build_account_graph(account_of_size(people), AS_OF, Config())
    path = folder / f"account-{people}.html"
    html = render_account_map(graph, audit_graph(graph, Config()), None, Config())
    path.write_text(html, encoding="utf-8")
    return path, graph.number_of_nodes()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def _overlaps(boxes: list[list[float]]) -> int:
    hit = 0
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes):
            if i != j and min(a[2], b[2]) - max(a[0], b[0]) > 2 \
                    and min(a[3], b[3]) - max(a[1], b[1]) > 2:
                hit += 1
                break
    return hit


@pytest.mark.parametrize("people", [10, 60, 500])
def test_the_first_view_reads_at_every_size(people: int, tmp_path: Path,
                                            open_page: Callable[..., Any]) -> None:
    path, total = _page(people, tmp_path)
    page = open_page(path)
    seen = page.page.evaluate(MEASURE)
    drawn = seen["people"]
    assert seen["shown"] <= 150 and seen["shown"] == min(total, seen["shown"])
    assert len(drawn) >= min(total, 10)
    nearest = []
    for p in drawn:
        others = [((p["x"] - q["x"]) ** 2 + (p["y"] - q["y"]) ** 2) ** 0.5
                  for q in drawn if q is not p]
        nearest.append(min(others))
    assert _median(nearest) >= 40, nearest
    labelled = [p["box"] for p in drawn if p["label"]]
    assert _overlaps(labelled) <= 0.05 * len(labelled)
    assert min(p["font"] for p in drawn) >= 12
    assert seen["settledAt"] < 2000
    assert page.errors == [] and page.external_requests() == []
    page.screenshot(f"map-{people}.png")


#: How many of the dozen most senior of theirs (top rows first) the first view shows.
SENIORS_SHOWN = """() => {
  const k = window.kamgraph, net = k.network, box = net.body.container.getBoundingClientRect();
  const at = net.getPositions(k.nodeView.getIds());
  const ids = Object.keys(at).filter(id => k.nodes.get(id).side === "customer");
  ids.sort((a, b) => at[a].y - at[b].y || at[a].x - at[b].x);
  return ids.slice(0, 12).filter(id => {
    const p = net.canvasToDOM(at[id]);
    return p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height;
  }).length;
}"""


@pytest.mark.parametrize("people", [500, 1400])
def test_a_big_accounts_first_view_shows_its_most_senior_people(
        people: int, tmp_path: Path, open_page: Callable[..., Any]) -> None:
    # Each function's head sits atop its column, far from the others: the view goes
    # where most of the dozen most senior are, not to the middle of them all.
    path, _ = _page(people, tmp_path)
    page = open_page(path)
    assert page.page.evaluate("window.kamgraph.network.getScale()") >= 0.86
    assert page.page.evaluate(SENIORS_SHOWN) >= 6
    assert page.errors == []


def _spot(page: Any, node: str) -> dict[str, float]:
    """Where ``node`` is on the screen, once the view is centred on it at scale 1."""
    page.page.evaluate("id => window.kamgraph.network.focus(id, {scale: 1})", node)
    return page.page.evaluate(  # type: ignore[no-any-return]
        "id => { const k = window.kamgraph.network, p = k.canvasToDOM(k.getPosition(id)),"
        " r = k.body.container.getBoundingClientRect(); return {x: r.left + p.x,"
        " y: r.top + p.y}; }", node)


def _drive(page: Any) -> None:
    """Hover and select every person drawn, and search for each of them."""
    people = page.page.evaluate(
        "() => window.kamgraph.nodeView.get().filter(n => !n.summary)"
        ".map(n => ({id: n.id, name: n.tip.name}))")
    for person in people:
        spot = _spot(page, person["id"])
        page.page.mouse.move(spot["x"], spot["y"])
        page.page.mouse.click(spot["x"], spot["y"])
        assert person["name"] in page.page.inner_text("#details")
        page.page.fill("#search", person["name"])
        assert person["id"] in page.page.evaluate(
            "() => window.kamgraph.network.getSelectedNodes()")
    page.page.fill("#search", "")


def test_a_user_drives_a_60_person_map(tmp_path: Path, open_page: Callable[..., Any]) -> None:
    path, _ = _page(60, tmp_path)
    page = open_page(path)
    _drive(page)
    assert page.errors == [] and page.external_requests() == [] and page.dialogs == []


def test_a_big_account_opens_as_functions_that_open_on_a_click(
        tmp_path: Path, open_page: Callable[..., Any]) -> None:
    path, total = _page(500, tmp_path)
    page = open_page(path)
    summaries = page.page.evaluate(
        "() => window.kamgraph.nodeView.get().filter(n => n.summary)"
        ".map(n => ({id: n.id, function: n.function, members: n.members}))")
    assert summaries and page.page.evaluate("window.kamgraph.nodeView.length") <= 150
    biggest = max(summaries, key=lambda s: s["members"])
    before = page.page.evaluate("window.kamgraph.nodeView.length")
    spot = _spot(page, biggest["id"])
    page.page.mouse.click(spot["x"], spot["y"])
    after = page.page.evaluate("window.kamgraph.nodeView.length")
    assert after == before - 1 + biggest["members"]
    assert page.page.evaluate("id => window.kamgraph.nodeView.get(id)", biggest["id"]) is None
    _drive(page)
    assert page.errors == [] and page.external_requests() == []


def test_a_5000_person_account_is_usable_in_under_2_seconds(
        tmp_path: Path, open_page: Callable[..., Any]) -> None:
    path, total = _page(5000, tmp_path)
    assert total == 5000
    page = open_page(path)
    assert page.page.evaluate("window.kamgraph.settledAt") < 2000
    assert page.page.evaluate("window.kamgraph.nodeView.length") <= 150
    # Search finds someone waiting in a closed function, opens it and selects them.
    hidden = page.page.evaluate(
        "() => { const n = window.kamgraph.nodes.get({filter: m => m.collapsed})[0];"
        " return {id: n.id, name: n.tip.name}; }")
    page.page.fill("#search", hidden["name"])
    assert hidden["id"] in page.page.evaluate("() => window.kamgraph.network.getSelectedNodes()")
    assert page.errors == [] and page.external_requests() == []
    page.screenshot("map-5000.png")
