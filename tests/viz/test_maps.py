"""Maps in a real headless Chromium: counts, offline, safe; and the portfolio site."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kamgraph.config import Config
from kamgraph.portfolio import Portfolio
from kamgraph.stores.sqlite import SqliteStore
from kamgraph.syncing import sync_path
from kamgraph.viz import render_account_map, write_site
from kamgraph.viz.maps import map_data

ROOT = Path(__file__).resolve().parent.parent.parent
AS_OF = date(2026, 11, 1)
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(tmp_path_factory.mktemp("maps") / "k.db")
    with store:
        for folder in ("salesforce", "facts"):
            sync_path(store, ROOT / "examples" / folder, config=Config())
    return store


def account_map(store: SqliteStore, name: str, out: Path) -> tuple[Path, dict[str, Any]]:

    with store:
        view = Portfolio(store, as_of=AS_OF, config=Config()).account(name).view
    out.write_text(render_account_map(view.graph, view.audit, None, Config()), encoding="utf-8")
    return out, map_data(view.graph, view.audit, None, Config())


def test_map_is_one_self_contained_file(demo_store: SqliteStore, tmp_path: Path) -> None:
    path, _ = account_map(demo_store, "Acme", tmp_path / "acme.html")
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "default-src 'none'" in html
    assert len(html.encode()) < 2_000_000


def test_account_map_in_chromium(demo_store: SqliteStore, tmp_path: Path,
                                 open_page: Callable[..., Any]) -> None:
    path, data = account_map(demo_store, "Borealis", tmp_path / "borealis.html")
    page = open_page(path)
    visible_edges = [e for e in data["edges"] if not e.get("departed")]
    assert page.page.evaluate("window.kamgraph.nodeView.length") == len(data["nodes"])
    assert page.page.evaluate("window.kamgraph.edgeView.length") == len(visible_edges)
    assert page.page.evaluate("window.kamgraph.network.body.data.nodes.length") == \
        len(data["nodes"])
    assert page.errors == [] and page.external_requests() == []
    page.screenshot("borealis-map.png")
    # The likely anti-sponsor is flagged with her score on the map.
    labels = page.page.evaluate("window.kamgraph.nodes.get().map(n => n.label)")
    assert any(label.startswith("Claire Dubois \u26a0 0.") for label in labels)


def test_departed_links_are_hidden_until_asked(demo_store: SqliteStore, tmp_path: Path,
                                               open_page: Callable[..., Any]) -> None:
    path, data = account_map(demo_store, "Cordillera", tmp_path / "cordillera.html")
    page = open_page(path)
    departed = sum(1 for e in data["edges"] if e.get("departed"))
    assert departed > 0
    before = page.page.evaluate("window.kamgraph.edgeView.length")
    page.page.check("#show-departed")
    assert page.page.evaluate("window.kamgraph.edgeView.length") == before + departed
    page.page.uncheck("#show-ours")
    ours = sum(1 for n in data["nodes"] if n["side"] == "supplier")
    assert page.page.evaluate("window.kamgraph.nodeView.length") == len(data["nodes"]) - ours
    page.page.fill("#search", "Quispe")
    assert page.page.evaluate("window.kamgraph.network.getSelectedNodes().length") == 1
    assert "Alejandro Quispe" in page.page.inner_text("#details")
    assert "coverage_gap" in page.page.inner_text("#details")


def test_hostile_crm_strings_show_as_text_and_run_nothing(
    tmp_path: Path, open_page: Callable[..., Any]
) -> None:
    facts = tmp_path / "facts"
    facts.mkdir()
    (facts / "accounts.csv").write_text(f'id,name\nA1,"{HOSTILE}"\n', encoding="utf-8")
    (facts / "people.csv").write_text(
        "id,side,name,account_id,title,department,roles,influence\n"
        f'p1,customer,"{HOSTILE}",A1,"{HOSTILE}","{HOSTILE}",economic_buyer,0.9\n'
        f'p2,customer,"</script><script>alert(2)</script>",A1,CFO,Finance,,\n'
        f'u1,supplier,"<b onmouseover=alert(3)>Us</b>",,Key Account Manager,Sales,,\n',
        encoding="utf-8")
    (facts / "team.csv").write_text("account_id,person_id,role\nA1,u1,key_account_manager\n",
                                    encoding="utf-8")
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, facts, config=Config())
    store = SqliteStore(tmp_path / "k.db")
    path, _ = account_map(store, "A1", tmp_path / "hostile.html")
    page = open_page(path)
    assert page.dialogs == [] and page.errors == []
    assert page.page.evaluate("document.querySelectorAll('img, b[onmouseover]').length") == 0
    assert page.page.inner_text("#title") == HOSTILE
    page.page.fill("#search", "onerror")
    details = page.page.inner_text("#details")
    assert HOSTILE in details  # name, title and the evidence lines, as text
    assert details.count(HOSTILE) >= 3
    page.screenshot("hostile-map.png")
    # The action panels carry the same strings, as text.
    top = page.page.inner_text("#actions")
    assert HOSTILE in top and "Top actions" in top
    page.page.click("#actions a.person >> nth=0")
    assert HOSTILE in page.page.inner_text("#details .act")
    assert page.page.evaluate("document.querySelectorAll('img, b[onmouseover]').length") == 0
    assert page.dialogs == [] and page.errors == []
    # The portfolio page and its table carry the account's name as text too.
    from kamgraph.viz.site import write_site

    with store:
        portfolio = Portfolio(store, as_of=AS_OF, config=Config())
        files = write_site(((a.graph, a.audit) for a in portfolio.accounts()),
                           tmp_path / "site", AS_OF.isoformat(), Config())
    index = open_page(files[0], settle=False)
    assert HOSTILE in index.page.inner_text("#accounts")
    index.page.fill("#filter", "onerror")
    assert index.page.inner_text("#count") == "1 of 1 accounts"
    for col in range(1, 9):
        index.page.click(f"#accounts th:nth-child({col}) button")
    assert index.page.evaluate("document.querySelectorAll('img, b[onmouseover]').length") == 0
    index.page.click("#accounts a")
    index.page.wait_for_function("window.kamgraph && window.kamgraph.settled === true")
    assert index.page.inner_text("#title") == HOSTILE
    index.page.click("#home")
    index.page.wait_for_selector("#accounts")
    assert index.dialogs == [] and index.errors == [] and index.external_requests() == []


def test_the_map_shows_the_audits_actions(demo_store: SqliteStore, tmp_path: Path,
                                          open_page: Callable[..., Any]) -> None:

    with demo_store:
        view = Portfolio(demo_store, as_of=AS_OF, config=Config()).account("Acme").view
    path, _ = account_map(demo_store, "Acme", tmp_path / "acme.html")
    page = open_page(path)
    assert page.page.inner_text("#subtitle").startswith("As of 2026-11-01 · stage: Early KAM · ")
    items = page.page.eval_on_selector_all("#actions ol.top-actions > li",
                                           "lis => lis.map(li => li.innerText)")
    assert len(items) == min(len(view.audit.actions), Config().max_actions)
    for item, action in zip(items, view.audit.actions, strict=False):
        # Headed as the audit heads it, the subject said once (and linked).
        assert item.startswith(f"{action.priority.value.upper()} {action.headline}\n")
        assert action.action in item
    assert any(a.headline == a.problem for a in view.audit.actions[:len(items)])
    # Every person in the panel opens their node; the node shows the same action.
    links = page.page.eval_on_selector_all("#actions a.person", "as => as.length")
    assert links >= len(items)
    first = view.audit.actions[0]
    page.page.click("#actions a.person >> nth=0")
    assert page.page.evaluate("window.kamgraph.network.getSelectedNodes()") == [first.subject.id]
    details = page.page.inner_text("#details")
    assert first.action in details and "about them" in details
    # The owner's node says the action is theirs to do.
    assert first.owner is not None
    page.page.evaluate(f"window.kamgraph.network.selectNodes([{first.owner.id!r}])")
    page.page.fill("#search", first.owner.name)
    assert first.action in page.page.inner_text("#details")
    assert page.errors == [] and page.external_requests() == []
    page.screenshot("acme-actions.png")


def test_portfolio_site_links_every_account(demo_store: SqliteStore, tmp_path: Path,
                                            open_page: Callable[..., Any]) -> None:

    with demo_store:
        views = []
        for summary in demo_store.accounts():
            view = Portfolio(demo_store, as_of=AS_OF, config=Config()).account(summary.id).view
            views.append((view.graph, view.audit))
    files = write_site(iter(views), tmp_path / "site", AS_OF.isoformat(), Config())
    names = [f.relative_to(tmp_path / "site").as_posix() for f in files]
    assert names[0] == "index.html" and len(names) == 1 + 3 + 4
    assert "assets/vis-network.min.js" in names
    # vis-network is written once; the pages load it, they do not carry it.
    for page_file in files[1:4]:
        html = page_file.read_text(encoding="utf-8")
        assert '<script src="assets/vis-network.min.js">' in html and len(html) < 200_000
    page = open_page(files[0], settle=False)
    links = page.page.eval_on_selector_all("#accounts a",
                                           "as => as.map(a => a.getAttribute('href'))")
    assert {f"{s.id}.html" for s in demo_store.accounts()} == set(links)
    matrix = page.page.inner_text("table.matrix")
    assert "develop" in matrix and "Acme Foods" in matrix
    assert page.errors == [] and page.external_requests() == []
    page.screenshot("portfolio.png")
    # Sortable by each column, both ways; filtered by name.
    first = "() => document.querySelector('#accounts tbody tr:not([hidden]) a').textContent"
    page.page.click("#accounts th:nth-child(1) button")
    assert page.page.evaluate(first) == "Acme Foods"
    page.page.click("#accounts th:nth-child(1) button")
    assert page.page.evaluate(first) == "Cordillera Mining"
    for col in range(2, 9):
        page.page.click(f"#accounts th:nth-child({col}) button")
        assert page.page.get_attribute(f"#accounts th:nth-child({col})", "aria-sort") != "none"
    page.page.fill("#filter", "borea")
    assert page.page.evaluate(first) == "Borealis Chemicals"
    assert page.page.inner_text("#count") == "1 of 3 accounts"
    page.page.fill("#filter", "")
    # Filtered by stage, each named as people write it.
    assert page.page.inner_text("#stage-filter option[value=early_kam]") == "Early KAM"
    page.page.select_option("#stage-filter", "early_kam")
    assert page.page.inner_text("#count") == "2 of 3 accounts"
    assert "Early KAM" in page.page.inner_text("#accounts tbody tr:not([hidden])")
    page.page.select_option("#stage-filter", "")
    page.page.click("#accounts >> text=Cordillera Mining")
    page.page.wait_for_function("window.kamgraph && window.kamgraph.settled === true")
    assert page.page.inner_text("#title") == "Cordillera Mining"
    assert page.errors == [] and page.external_requests() == []
    # And back to the portfolio.
    page.page.click("#home")
    page.page.wait_for_selector("#accounts")
    assert page.page.title() == "kamgraph portfolio"


def _serve(store_uri: str, *extra: str) -> tuple[subprocess.Popen[str], int]:
    exe = Path(sys.executable).parent / "kamgraph"
    proc = subprocess.Popen([str(exe), "serve", "--port", "0", "--store", store_uri, *extra],
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert match, line
    return proc, int(match.group(1))


def _get(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    out = (response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    conn.close()
    return out


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    proc.wait(timeout=10)
    assert proc.stderr is not None
    rest = proc.stderr.read()
    proc.stderr.close()
    return rest


def test_serve_renders_on_request_and_sees_a_new_sync(tmp_path: Path) -> None:
    import shutil

    path = tmp_path / "k.db"
    with SqliteStore(path) as store:
        sync_path(store, ROOT / "examples" / "salesforce", config=Config())
        uri = store.uri
    proc, port = _serve(uri, "--as-of", "2026-11-01")
    try:
        status, headers, body = _get(port, "/")
        assert status == 200 and b"Key account portfolio" in body
        assert b"Borealis Chemicals" in body and b"Dolomite" not in body
        status, _, page = _get(port, "/001aB0000000001QAA.html")
        assert status == 200 and b"assets/vis-network.min.js" in page
        assert _get(port, "/assets/vis-network.min.js")[0] == 200
        # A sync made while it runs shows on the next load.
        export = tmp_path / "export"
        shutil.copytree(ROOT / "examples" / "salesforce", export)
        accounts = (export / "Account.csv").read_text(encoding="utf-8")
        (export / "Account.csv").write_text(
            accounts.replace("Borealis Chemicals", "Dolomite Chemicals"), encoding="utf-8")
        with SqliteStore(path) as store:
            sync_path(store, export, config=Config())
        status, _, body = _get(port, "/")
        assert status == 200 and b"Dolomite Chemicals" in body
    finally:
        assert "Traceback" not in _stop(proc)


def test_map_all_in_workers_writes_the_same_site(
        tmp_path: Path, example_weekly: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`map --all` draws each account's map in the audit's worker processes; the files
    are those one process writes."""
    import concurrent.futures

    from click.testing import CliRunner

    from kamgraph.cli import cli

    pools = []

    class Counted(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pools.append(kwargs.get("max_workers"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)

    store = f"sqlite:///{tmp_path / 'k.db'}"
    CliRunner().invoke(cli, ["sync", str(example_weekly), "--store", store],
                       catch_exceptions=False)
    sites = {}
    for jobs in ("1", "2"):
        site = tmp_path / f"site-{jobs}"
        result = CliRunner().invoke(cli, ["map", "--all", "-o", str(site), "--store", store,
                                          "--as-of", AS_OF.isoformat(), "--jobs", jobs],
                                    catch_exceptions=False)
        assert result.exit_code == 0
        sites[jobs] = {f.relative_to(site): f.read_bytes() for f in site.rglob("*")
                       if f.is_file()}
    assert len([name for name in sites["1"] if name.parent == Path(".")]) == 4  # 3 + index
    assert sites["1"] == sites["2"]
    # The second run's workers, and only those: the portfolio's plan (no sync kept one
    # for this day), then the maps.
    assert pools == [2, 2]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``, read off /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        # pid (comm) state ppid …: the name may hold spaces and brackets.
        if int(text.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(text.split(" ", 1)[0]))
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_serve_audits_a_large_portfolio_page_in_workers_to_the_same_page(
        tmp_path: Path) -> None:
    """The portfolio page audits every account: from 50 accounts on, in worker processes
    (started by a fork server: the server has threads), and the page is the same."""
    from kamgraph.generate import generate_export

    export = tmp_path / "export"
    generate_export(export, accounts=60, seed=3, end=date(2026, 11, 1))
    with SqliteStore(tmp_path / "k.db") as store:
        sync_path(store, export, config=Config())
        uri = store.uri
    pages = {}
    for jobs in ("1", "2"):
        proc, port = _serve(uri, "--as-of", "2026-11-01", "--jobs", jobs)
        try:
            status, _, pages[jobs] = _get(port, "/")
            assert status == 200
            # The fork server stays, a child of the server, once workers were started.
            assert bool(_children(proc.pid)) == (jobs == "2")
        finally:
            assert "Traceback" not in _stop(proc)
    assert pages["1"] == pages["2"]
    assert pages["1"].count(b'.html">') >= 60


def test_serve_refuses_foreign_hosts_and_bad_paths_and_sends_security_headers(
        demo_store: SqliteStore) -> None:
    proc, port = _serve(demo_store.uri, "--as-of", "2026-11-01")
    try:
        status, headers, _ = _get(port, "/")
        assert status == 200
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["server"] == "kamgraph"
        assert _get(port, "/", host=f"localhost:{port}")[0] == 200
        # A DNS-rebinding page asks for the portfolio under its own name.
        assert _get(port, "/", host=f"evil.example:{port}")[0] == 421
        assert _get(port, "/", host="127.0.0.1")[0] == 421
        assert _get(port, "/%00")[0] == 400
        assert _get(port, "/%ff.html")[0] == 400
        assert _get(port, "/../../etc/passwd")[0] in (400, 404)
        assert _get(port, "/nobody.html")[0] == 404
        assert _get(port, "/assets/../k.db")[0] in (400, 404)
        assert _get(port, "/assets/secret.js")[0] == 404
    finally:
        rest = _stop(proc)
    assert rest.strip() == ""


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


def test_serve_idle_sockets_do_not_pile_up_threads_and_sigterm_cleans_up(
        demo_store: SqliteStore) -> None:
    import os
    import signal
    import socket
    import tempfile

    from kamgraph.viz.serve import MAX_CONNECTIONS

    before = set(Path(tempfile.gettempdir()).glob("kamgraph-*"))
    proc, port = _serve(demo_store.uri, "--as-of", "2026-11-01")
    sockets = []
    try:
        for _ in range(300):
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        # The server handles a bounded number at once, however many wait.
        assert _threads(proc.pid) <= MAX_CONNECTIONS + 8
    finally:
        for s in sockets:
            s.close()
    try:
        assert _get(port, "/")[0] == 200
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stderr is not None
        rest = proc.stderr.read()
        proc.stderr.close()
    assert "Traceback" not in rest
    assert set(Path(tempfile.gettempdir()).glob("kamgraph-*")) == before


def test_path_to_power_is_drawn_when_asked(demo_store: SqliteStore, tmp_path: Path,
                                           open_page: Callable[..., Any]) -> None:
    from click.testing import CliRunner

    from kamgraph.cli import cli

    out = tmp_path / "route.html"
    result = CliRunner().invoke(cli, ["map", "Acme", "--path", "Oskar Lindqvist", "-o",
                                      str(out), "--store", demo_store.uri, "--as-of",
                                      "2026-11-01"], catch_exceptions=False)
    assert result.exit_code == 0
    page = open_page(out)
    kinds = page.page.evaluate(
        "window.kamgraph.edgeView.get().filter(e => e.kind === 'path').map(e => e.to)")
    assert len(kinds) >= 2 and kinds[-1] == "003Gx0000000002IAA"
    assert page.errors == []


def test_the_map_shows_who_left_and_who_is_new(tmp_path: Path, example_weekly: Path,
                                               open_page: Callable[..., Any]) -> None:
    from tests.test_turnover import ACME, DANIEL, INES, OSKAR, run_scenario
    from tests.test_turnover import AS_OF as DAY

    with SqliteStore(tmp_path / "k.db") as store:
        run_scenario(store, example_weekly, tmp_path)
        view = Portfolio(store, as_of=DAY, config=Config()).account(ACME).view
    path = tmp_path / "acme.html"
    path.write_text(render_account_map(view.graph, view.audit, None, Config()), encoding="utf-8")
    page = open_page(path)
    assert page.errors == [] and page.external_requests() == []
    node = "id => window.kamgraph.nodes.get(id)"
    cfo = page.page.evaluate(node, OSKAR)
    assert cfo["label"].endswith("\nleft 2026-11-20")
    assert cfo["color"]["background"] == "#ffffff" and cfo["shapeProperties"]["borderDashes"]
    new = page.page.evaluate(node, INES)
    assert new["label"].endswith("\nNEW since 2026-11-20") and new["shadow"]["enabled"]
    kam = page.page.evaluate(node, DANIEL)
    assert kam["label"].endswith("\nleft 2026-11-20")
    # The KAM left inside the change window: his links show at first sight, drawn unlike
    # a reporting line.
    shown = page.page.evaluate(
        "id => window.kamgraph.edgeView.get().filter(e => e.from === id)", DANIEL)
    assert shown and all(e.get("departed") and e.get("recent") for e in shown)
    reports = page.page.evaluate(
        "window.kamgraph.edges.get().filter(e => e.kind === 'reports_to')")
    assert all(e.get("dashes") != shown[0].get("dashes") or e["color"] != shown[0]["color"]
               for e in reports)
    legend = page.page.inner_text("#legend")
    for words in ("has left", "arrived recently", "held by someone who left",
                  "grey arrow: reports to"):
        assert words in legend
    page.screenshot("acme-after-departures.png")


def test_the_portfolio_page_of_2000_accounts(tmp_path: Path,
                                             open_page: Callable[..., Any]) -> None:
    import random

    from kamgraph.viz.site import IndexRow, render_index

    rng = random.Random(3)
    stages = ["early_kam", "mid_kam", "partnership_kam", "pre_kam", "unmapped"]
    rows = [IndexRow(
        id=f"001aB{i:013d}", name=f"{rng.choice(['Acme', 'Borealis', 'Cordillera'])} "
                                  f"Holdings {i:04d}",
        stage=rng.choice(stages),
        priorities={"high": rng.randrange(4), "medium": rng.randrange(6),
                    "low": rng.randrange(4)},
        risk_name=f"Person {i}", risk_share=rng.random(),
        first=f"Person {i} (Chief Financial Officer): Nobody of ours meets the economic "
              f"buyer of an open deal",
        kinds={"coverage_gap": rng.randrange(1, 40), "single_threaded": rng.randrange(9),
               "mirror_opportunity": rng.randrange(20), "red_flag": rng.randrange(5)},
        attractiveness=rng.choice(["high", "medium", "low"]),
        position=rng.choice(["strong", "average", "weak"]))
        for i in range(2000)]
    html = render_index(rows, AS_OF.isoformat())
    assert len(html.encode()) < 2_000_000
    path = tmp_path / "index.html"
    path.write_text(html, encoding="utf-8")
    page = open_page(path, settle=False)
    assert page.page.evaluate("document.querySelectorAll('#accounts tbody tr').length") == 2000
    # Riskiest first by default: the most high actions on top.
    highs = page.page.evaluate(
        "() => Array.from(document.querySelectorAll('#accounts tbody tr td.high'))"
        ".map(td => Number(td.textContent))")
    assert highs == sorted(highs, reverse=True)
    cell = ("col => Array.from(document.querySelectorAll('#accounts tbody tr')).map(r => {"
            " const c = r.cells[col], t = c.textContent;"
            " if (c.dataset.sort !== undefined) return Number(c.dataset.sort);"
            " return isNaN(parseFloat(t)) ? t.toLowerCase() : parseFloat(t); })")
    for col in range(8):
        page.page.click(f"#accounts th:nth-child({col + 1}) button")
        first = page.page.evaluate(cell, col)
        page.page.click(f"#accounts th:nth-child({col + 1}) button")
        second = page.page.evaluate(cell, col)
        assert first == sorted(first) or first == sorted(first, reverse=True), col
        assert second == list(reversed(sorted(second))) or second == sorted(second), col
        assert first != second or len(set(first)) == 1
    page.page.fill("#filter", "holdings 1234")
    assert page.page.inner_text("#count") == "1 of 2000 accounts"
    visible = page.page.evaluate(
        "() => Array.from(document.querySelectorAll('#accounts tbody tr:not([hidden]) a'))"
        ".map(a => a.textContent)")
    assert len(visible) == 1 and visible[0].endswith("Holdings 1234")
    assert page.errors == [] and page.external_requests() == []
