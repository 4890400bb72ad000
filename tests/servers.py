"""Real servers for the tests: a loopback ArcadeDB with its Bolt plugin, or a given Neo4j.

``python -m tests.servers ROOT`` starts ArcadeDB (from the ``arcadedb-embedded`` wheel,
which bundles its Java runtime) on free loopback ports, creates the ``kamgraph``
database, prints ``READY <bolt port> <http port>`` and serves until SIGTERM.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "kamgraph-test-password"
DATABASE = "kamgraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BoltServer:
    """Connection details of the server the store tests talk to."""

    uri: str
    user: str
    password: str
    database: str | None
    process: subprocess.Popen[str] | None = None
    root: Path | None = None
    log: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def environ(self) -> dict[str, str]:
        out = {"NEO4J_USERNAME": self.user, "NEO4J_PASSWORD": self.password}
        if self.database:
            out["NEO4J_DATABASE"] = self.database
        return out

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def server_for(root: Path) -> tuple[BoltServer, str]:
    """The Bolt server to measure against, and what it is: the Neo4j that
    ``KAMGRAPH_TEST_NEO4J_URI`` (with ``…_USER``, ``…_PASSWORD``, ``…_DATABASE``) names, or a
    loopback ArcadeDB started in ``root``."""
    uri = os.environ.get("KAMGRAPH_TEST_NEO4J_URI")
    if uri:
        return (BoltServer(uri, os.environ.get("KAMGRAPH_TEST_NEO4J_USER", "neo4j"),
                           os.environ.get("KAMGRAPH_TEST_NEO4J_PASSWORD", ""),
                           os.environ.get("KAMGRAPH_TEST_NEO4J_DATABASE")), "neo4j")
    return start_arcadedb(root), "arcadedb-embedded (Bolt plugin)"


def start_arcadedb(root: Path, bolt_port: int | None = None) -> BoltServer:
    """Start ArcadeDB in a child process with its data in ``root``; return once it serves."""
    root.mkdir(parents=True, exist_ok=True)
    log = root / "server.log"
    bolt = bolt_port or free_port()
    with open(log, "a") as err:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.servers", str(root), str(bolt)],
            stdout=subprocess.PIPE, stderr=err, text=True, cwd=root,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        )
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the server is up or has died
    process.stdout.close()
    if not line.startswith("READY"):
        process.kill()
        process.wait()
        raise RuntimeError(f"ArcadeDB did not start; see {log}:\n{log.read_text()[-3000:]}")
    return BoltServer(uri=f"bolt://127.0.0.1:{bolt}", user="root", password=PASSWORD,
                      database=DATABASE, process=process, root=root, log=log)


def _serve(root: str, bolt: int) -> None:  # pragma: no cover - runs in the child
    import arcadedb_embedded as arcadedb

    server = arcadedb.create_server(root, root_password=PASSWORD, config={
        "host": "127.0.0.1",
        "http_port": free_port(),
        "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
        "bolt_port": bolt,
    })
    server.start()
    try:
        server.get_database(DATABASE)
    except Exception:  # noqa: BLE001 - first start: create it
        server.create_database(DATABASE)
    print(f"READY {bolt}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.stop()


if __name__ == "__main__":  # pragma: no cover
    _serve(sys.argv[1], int(sys.argv[2]))
