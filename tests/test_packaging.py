"""A wheel installed in a fresh virtual environment works like the checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import importlib.util, json
from importlib import resources
import kamgraph.loaders, kamgraph.viz, kamgraph.loaders.salesforce
from kamgraph.queries import names, statements
assert importlib.util.find_spec("loaders") is None, "top-level loaders importable"
assert importlib.util.find_spec("viz") is None, "top-level viz importable"
assert importlib.util.find_spec("cypher") is None, "top-level cypher importable"
assert "initialize" in names()
assert statements("initialize")[0].startswith("CREATE CONSTRAINT")
schema = json.loads(resources.files("kamgraph").joinpath("schemas/audit.schema.json").read_text())
print(schema["properties"]["schema"]["const"])
"""


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # Build from a clean copy: a stale build/ folder in a working tree would otherwise
    # put modules deleted from the source into the wheel.
    source = tmp_path_factory.mktemp("src") / "kamgraph"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", "build", "dist", "*.egg-info", ".git", "demo", ".hypothesis", "__pycache__",
        ".pytest_cache", ".mypy_cache", ".ruff_cache", "*.db*"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(source)],
        check=True, capture_output=True, text=True,
    )
    [wheel] = dist.glob("kamgraph-*.whl")
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return env_dir


def test_wheel_runs_version(wheel_venv: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(wheel_venv / "bin" / "kamgraph"), "--version"],
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.startswith("kamgraph, version")


def test_wheel_ships_cypher_and_schema_under_the_package(wheel_venv: Path,
                                                         tmp_path: Path) -> None:
    done = subprocess.run([str(wheel_venv / "bin" / "python"), "-c", CHECK],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "kamgraph.audit/3"
