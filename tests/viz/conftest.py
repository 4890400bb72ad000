"""A real headless Chromium for the map tests, offline, with every request recorded."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("KAMGRAPH_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "build" / "test-artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("KAMGRAPH_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}, and this run requires the browser tests")
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs it when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@dataclass
class Page:
    """A page opened from file:// with the network off; what it logged and requested."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(("file:", "data:", "about:"))]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def opener(path: Path, *, settle: bool = True) -> Page:
        # bypass_csp lets the test harness evaluate its probes; the page keeps its own CSP.
        context = browser.new_context(offline=True, bypass_csp=True,
                                      viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        result = Page(page)
        page.on("console", lambda m: result.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: result.errors.append(str(e)))
        page.on("request", lambda r: result.requests.append(r.url))

        def on_dialog(dialog: Any) -> None:
            result.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri())
        if settle:
            page.wait_for_function("window.kamgraph && window.kamgraph.settled === true",
                                   timeout=30_000)
        return result

    yield opener
    for context in contexts:
        context.close()
