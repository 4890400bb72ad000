"""A real Neo4j for the tests and benchmarks: Neo4j Community Edition on loopback.

``tests/neo4j`` holds a small launcher (``kamgraph.testserver.Launcher``) and the
``pom.xml`` that pins the Neo4j version; Maven downloads the jars (into ``~/.m2``, once)
and compiles the launcher the first time, and again only when either file changes.  The
launcher starts an embedded ``DatabaseManagementService`` with its Bolt connector on a
free loopback port, authentication on and a small page cache, and prints ``READY`` when
Bolt accepts connections.  It stops on SIGTERM, or when the test run that started it goes
away (its standard input closes).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAUNCHER = Path(__file__).resolve().parent / "neo4j"
CLEAR_GRAPH = (Path(__file__).resolve().parent / "cypher" / "clear_graph.cypher").read_text()
#: Community Edition has one user database; the tests leave NEO4J_DATABASE unset.
DEFAULT_DATABASE = "neo4j"
USER = "neo4j"
PAGE_CACHE_MB = 256
HEAP = "768m"
START_TIMEOUT = 240.0
BUILD_TIMEOUT = 1800.0
#: From Neo4j's own neo4j.conf: what its code needs opened on Java 17.
JVM_OPTIONS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dlog4j2.disable.jmx=true",
    "-XX:-OmitStackTraceInFastThrow",
]


def clear_graph(store: Any) -> None:
    """Empty the database an open :class:`~kamgraph.stores.neo4j.Neo4jStore` writes to
    (tests and benchmarks only), in batches: an auto-commit transaction of its own."""
    with store._session() as session:
        session.run(CLEAR_GRAPH).consume()


class ServerUnavailable(RuntimeError):
    """Neo4j could not be built or started: the message says why and what to install."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned_version() -> str:
    """The Neo4j version ``tests/neo4j/pom.xml`` pins."""
    found = re.search(r"<neo4j\.version>([^<]+)</neo4j\.version>",
                      (LAUNCHER / "pom.xml").read_text(encoding="utf-8"))
    assert found, "tests/neo4j/pom.xml names no neo4j.version"
    return found.group(1)


@dataclass
class BoltServer:
    """Connection details of the server the store tests talk to, and its process."""

    uri: str
    user: str
    password: str
    database: str | None
    process: subprocess.Popen[str] | None = None
    root: Path | None = None
    log: Path | None = None
    version: str = ""
    started_s: float = 0.0
    #: The certificate Bolt's TLS presents (its own authority), when TLS is on.
    certificate: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.uri.rsplit(":", 1)[1])

    def environ(self) -> dict[str, str]:
        out = {"NEO4J_USERNAME": self.user, "NEO4J_PASSWORD": self.password}
        if self.database:
            out["NEO4J_DATABASE"] = self.database
        return out

    def logs(self) -> str:
        """The tail of the launcher's output and of Neo4j's own debug log."""
        out = []
        for path in (self.log, self.root / "home" / "logs" / "debug.log" if self.root else None):
            if path is not None and path.exists():
                out.append(f"--- {path}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(out)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as a crashed machine's would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close()

    def restart(self) -> None:
        """Start the server again on its data and its port (after :meth:`kill`)."""
        assert self.root is not None, "only a server these tests started can restart"
        self.stop()
        again = start_neo4j(self.root, bolt_port=self.port, password=self.password,
                            tls=self.certificate is not None)
        self.process, self.version, self.started_s = again.process, again.version, \
            again.started_s

    def _close(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise ServerUnavailable(
            "the Neo4j store tests start Neo4j 5.26, which needs Java 17 or 21 and Maven: "
            "no `java` on PATH (install a JDK 17, e.g. apt-get install openjdk-17-jdk-headless "
            "maven, or set JAVA_HOME)")
    return found


def _check_java(java: str) -> str:
    done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                          check=False)
    found = re.search(r'version "(\d+)', done.stderr + done.stdout)
    if done.returncode or not found:
        raise ServerUnavailable(f"`{java} -version` failed: {done.stderr.strip()[:300]}")
    if int(found.group(1)) < 17:
        raise ServerUnavailable(
            f"Neo4j 5.26 needs Java 17 or 21; {java} is Java {found.group(1)} "
            f"(set JAVA_HOME to a JDK 17)")
    return found.group(1)


def launcher_classpath() -> str:
    """Build the launcher if its sources changed (or its jars are gone); its class path."""
    target = LAUNCHER / "target"
    stamp = target / "launcher.stamp"
    classpath = target / "classpath.txt"
    digest = hashlib.sha256()
    for path in sorted([LAUNCHER / "pom.xml", *LAUNCHER.rglob("*.java")]):
        digest.update(path.read_bytes())
    wanted = digest.hexdigest()

    def built() -> bool:
        if not (stamp.exists() and classpath.exists()) or stamp.read_text() != wanted:
            return False
        return all(Path(jar).exists() for jar in classpath.read_text().split(os.pathsep))

    target.mkdir(exist_ok=True)
    # One build at a time (the tests and a benchmark may start together).
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built():
            mvn = shutil.which("mvn")
            if not mvn:
                raise ServerUnavailable(
                    "the Neo4j store tests build their Neo4j launcher with Maven: no `mvn` "
                    "on PATH (apt-get install maven)")
            stamp.unlink(missing_ok=True)
            try:
                done = subprocess.run(
                    [mvn, "-q", "-B", "compile", "dependency:build-classpath",
                     f"-Dmdep.outputFile={classpath}"],
                    cwd=LAUNCHER, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                    check=False, env={**os.environ, "JAVA_HOME": str(
                        Path(_java()).resolve().parent.parent)})
            except subprocess.TimeoutExpired:
                raise ServerUnavailable(
                    f"Maven did not build tests/neo4j in {BUILD_TIMEOUT:g}s (downloading "
                    f"Neo4j {pinned_version()} from Maven Central?)") from None
            if done.returncode:
                raise ServerUnavailable(
                    f"Maven could not build tests/neo4j (Neo4j {pinned_version()}):\n"
                    f"{(done.stdout + done.stderr)[-3000:]}")
            stamp.write_text(wanted)
    return f"{target / 'classes'}{os.pathsep}{classpath.read_text().strip()}"


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1 with its key, as Neo4j's SSL
    policy reads them (``private.key``, ``public.crt``); the certificate's path."""
    openssl = shutil.which("openssl")
    if not openssl:
        raise ServerUnavailable("the TLS tests make a certificate with `openssl`: none on PATH "
                                "(apt-get install openssl)")
    folder.mkdir(parents=True, exist_ok=True)
    for empty in ("trusted", "revoked"):
        (folder / empty).mkdir(exist_ok=True)
    done = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
         "-keyout", str(folder / "private.key"), "-out", str(folder / "public.crt"),
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        capture_output=True, text=True, timeout=120, check=False)
    if done.returncode:
        raise ServerUnavailable(f"openssl could not make a certificate: {done.stderr[-500:]}")
    return folder / "public.crt"


def start_neo4j(root: Path, *, bolt_port: int | None = None, password: str | None = None,
                page_cache_mb: int = PAGE_CACHE_MB, heap: str = HEAP,
                tls: bool = False) -> BoltServer:
    """Start Neo4j in a child process with its data in ``root``; return once Bolt serves.

    ``tls``: Bolt also takes TLS connections (``bolt+s://``, ``neo4j+s://``) with a
    self-signed certificate for localhost made in ``root/tls``; plain ones still work.

    Raises :class:`ServerUnavailable` with the reason (no Java, no Maven, a failed build,
    a server that died or did not come up in time) rather than hanging.
    """
    started = time.monotonic()
    java = _java()
    _check_java(java)
    classpath = launcher_classpath()
    root.mkdir(parents=True, exist_ok=True)
    log = root / "launcher.log"
    port = bolt_port or free_port()
    password = password or f"kamgraph-{secrets.token_hex(8)}"
    env = {**os.environ, "KAMGRAPH_NEO4J_PASSWORD": password}
    certificate = None
    if tls:
        certificate = root / "tls" / "public.crt"
        if not certificate.exists():
            make_certificate(certificate.parent)
        env["KAMGRAPH_NEO4J_TLS_DIR"] = str(certificate.parent)
    with open(log, "a") as err:  # the child keeps its own descriptor
        process = subprocess.Popen(
            [java, f"-Xmx{heap}", *JVM_OPTIONS, "-cp", classpath,
             "kamgraph.testserver.Launcher", str(root / "home"), str(port),
             str(page_cache_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, cwd=root,
            env=env)
    assert process.stdout is not None
    deadline = started + START_TIMEOUT
    line = ""
    while not line:
        if process.poll() is not None:
            break
        left = deadline - time.monotonic()
        if left <= 0:
            process.kill()
            process.wait()
            break
        ready, _, _ = select.select([process.stdout], [], [], min(left, 1.0))
        if ready:
            line = process.stdout.readline() or "EOF"
    server = BoltServer(uri=f"bolt://127.0.0.1:{port}", user=USER, password=password,
                        database=None, process=process, root=root, log=log,
                        certificate=certificate)
    if not line.startswith("READY"):
        server.kill()
        why = "died" if line else f"was not ready in {START_TIMEOUT:g}s"
        raise ServerUnavailable(f"Neo4j {pinned_version()} {why}; its logs:\n{server.logs()}")
    process.stdout.close()
    server.version = line.split(" ", 2)[2].strip()
    server.started_s = time.monotonic() - started
    return server


def server_for(root: Path, **options: int | str) -> tuple[BoltServer, str]:
    """The server to measure against, and what it is: the Neo4j that
    ``KAMGRAPH_TEST_NEO4J_URI`` (with ``…_USER``, ``…_PASSWORD``, ``…_DATABASE``) names, or
    Neo4j started here in ``root``."""
    uri = os.environ.get("KAMGRAPH_TEST_NEO4J_URI")
    if uri:
        return (BoltServer(uri, os.environ.get("KAMGRAPH_TEST_NEO4J_USER", "neo4j"),
                           os.environ.get("KAMGRAPH_TEST_NEO4J_PASSWORD", ""),
                           os.environ.get("KAMGRAPH_TEST_NEO4J_DATABASE")), "neo4j (given)")
    server = start_neo4j(root, **options)  # type: ignore[arg-type]
    return server, f"Neo4j {server.version} (embedded, loopback)"
