"""``kamgraph serve``: the portfolio site, rendered from the store on request.

Each page is made when asked for, as of today (or the day given), and kept in a small
cache keyed by the store's newest run and the day: a sync made while the server runs
shows on the next page load.  The server is the standard library's threading HTTP
server, hardened for a loopback tool:

- it answers only requests whose ``Host`` is the address it listens on (127.0.0.1 or
  localhost with its port): a page of another site, rebound to 127.0.0.1 by DNS, gets 421;
- every response carries a Content-Security-Policy (``frame-ancestors 'none'``),
  ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY`` and
  ``Referrer-Policy: no-referrer``, and no version banner;
- a path that is not a page or an asset gets 400 or 404, never a traceback;
- idle connections time out, and at most ``MAX_CONNECTIONS`` are handled at once (the
  rest are closed at once), so idle sockets cannot pile up threads;
- SIGTERM stops it as Ctrl-C does; nothing is written to disk.
"""

from __future__ import annotations

import signal
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit

from kamgraph.config import Config
from kamgraph.errors import KamgraphError
from kamgraph.stores.base import Store
from kamgraph.viz.maps import ASSETS, asset, render_account_map
from kamgraph.viz.site import index_row, map_filename, render_index

__all__ = ["MAX_CONNECTIONS", "IDLE_SECONDS", "SiteServer", "serve_site"]

#: Connections handled at once; more are closed without an answer.
MAX_CONNECTIONS = 32
#: Seconds a connection may stay silent before it is closed.
IDLE_SECONDS = 10.0
#: Pages kept rendered (per run and day).
_CACHED_PAGES = 64
#: Accounts from which the portfolio page is audited in workers: starting them costs
#: about 0.6 s, an account about 25 ms (measured: 3 accounts 0.05 s alone, 0.67 s in two
#: workers; 200 accounts 5.2 s alone, 3.2-3.6 s in two).
_WORKERS_FROM = 50

_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src data:; font-src data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Pages:
    """Renders the site's pages from a store, and remembers the last few per run."""

    def __init__(self, store: Store, config: Config, as_of: date | None,
                 jobs: int = 1) -> None:
        self.store = store
        self.config = config
        self.as_of = as_of
        #: Processes the portfolio page's accounts are audited in.
        self.jobs = jobs
        self.lock = threading.Lock()  # one store connection: one render at a time
        self.cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

    def day(self) -> date:
        return self.as_of or date.today()

    def page(self, name: str) -> bytes | None:
        """The page ``index.html`` or ``<account file>.html``; None when there is none."""
        from kamgraph.portfolio import Portfolio

        with self.lock, self.store.reading():
            day = self.day()
            key = (self.store.latest_run(), day, name)
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                return found
            portfolio = Portfolio(self.store, as_of=day, config=self.config)
            if name == "index.html":
                # Every account is audited for its line: in workers, as `kamgraph audit`
                # does, started by a fork server (this process has the server's threads),
                # once there are enough accounts to pay for starting them.
                rows = list(portfolio.each(partial(index_row, config=self.config),
                                           jobs=self.jobs, start="forkserver",
                                           workers_from=_WORKERS_FROM))
                text = render_index(rows, day.isoformat(), portfolio.workload())
            else:
                summary = next((s for s in portfolio.summaries()
                                if map_filename(s.id) == name), None)
                if summary is None:
                    return None
                account = portfolio.account(summary.id)
                text = render_account_map(account.graph, account.audit, None, self.config,
                                          assets="assets/", home="index.html")
            body = text.encode("utf-8")
            self.cache[key] = body
            while len(self.cache) > _CACHED_PAGES:
                self.cache.popitem(last=False)
            return body


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server that handles at most ``MAX_CONNECTIONS`` at once."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], pages: Pages,
                 on_error: Callable[[str], None]) -> None:
        self.pages = pages
        self.on_error = on_error
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, _Handler)
        bound, port = self.server_address[:2]
        host = bound.decode() if isinstance(bound, bytes) else str(bound)
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                      f"{host}:{port}"}

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)  # busy: closed, not queued on a thread
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-answer is no error of ours


class _Handler(BaseHTTPRequestHandler):
    server: SiteServer
    timeout = IDLE_SECONDS
    server_version = "kamgraph"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "kamgraph"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        body = f"{code} {message or HTTPStatus(code).phrase}\n".encode()
        self.send_response(code, message)
        self._headers("text/plain; charset=utf-8", len(body))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _headers(self, kind: str, length: int) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        for name, value in _HEADERS.items():
            self.send_header(name, value)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        try:
            self._get()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except KamgraphError as exc:
            self.server.on_error(f"{self.path}: {exc}")
            self.send_error(HTTPStatus.SERVICE_UNAVAILABLE, "the store cannot be read")
        except Exception as exc:  # noqa: BLE001 - one page fails, the server stays up
            self.server.on_error(f"{self.path}: internal error ({type(exc).__name__})")
            self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)

    def _get(self) -> None:
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.server.hosts:
            self.send_error(HTTPStatus.MISDIRECTED_REQUEST, "unknown host")
            return
        raw = urlsplit(self.path).path
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            self.send_error(HTTPStatus.BAD_REQUEST, "bad path")
            return
        if "\x00" in path or "\\" in path or "/../" in f"{path}/" or not path.startswith("/"):
            self.send_error(HTTPStatus.BAD_REQUEST, "bad path")
            return
        name = path.lstrip("/") or "index.html"
        if name.startswith("assets/"):
            file = name.removeprefix("assets/")
            if file not in ASSETS:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            self._send(asset(file).encode("utf-8"), ASSETS[file] + "; charset=utf-8")
            return
        if "/" in name or not name.endswith(".html") or \
                map_filename(name.removesuffix(".html")) != name:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = self.server.pages.page(name)
        if body is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no such account")
            return
        self._send(body, "text/html; charset=utf-8")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self._headers(kind, len(body))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve_site(store: Store, config: Config, host: str, port: int, as_of: date | None,
               on_ready: Callable[[str], None], on_error: Callable[[str], None],
               jobs: int = 1) -> None:
    """Serve the site until Ctrl-C or SIGTERM.  ``on_ready`` hears the URL; the
    portfolio page audits its accounts in ``jobs`` processes."""
    server = SiteServer((host, port), Pages(store, config, as_of, jobs), on_error)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        on_ready(f"http://{'127.0.0.1' if host in ('127.0.0.1', '') else host}:"
                 f"{server.server_port}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
