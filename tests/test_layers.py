"""Layers point one way: records (the types every layer shares) beneath loaders, then
stores -> graph -> analyses -> (actions, audit, plan, maps) -> CLI.  A module never
imports from a layer above its own; the graph, the analyses and the stores reach the
loaders' types only through the records."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Where each package folder sits in the installed package.
FOLDERS = {"kamgraph": "kamgraph", "loaders": "kamgraph.loaders", "viz": "kamgraph.viz"}
#: Lowest first.  A module's layer is that of the longest prefix that names it.
LAYERS: list[tuple[str, ...]] = [
    ("kamgraph.errors", "kamgraph.model", "kamgraph.config", "kamgraph.titles",
     "kamgraph.functions", "kamgraph.escape", "kamgraph.ids", "kamgraph.files",
     "kamgraph.queries", "kamgraph.schemas", "kamgraph.scratch", "kamgraph.memo",
     "kamgraph.wording"),
    ("kamgraph.records",),
    ("kamgraph.loaders",),
    ("kamgraph.logs", "kamgraph.stores"),
    ("kamgraph.graph",),
    ("kamgraph.analysis",),
    ("kamgraph.actions", "kamgraph.capacity", "kamgraph.changes", "kamgraph.tasks"),
    ("kamgraph.audit", "kamgraph.history", "kamgraph.plan", "kamgraph.report",
     "kamgraph.viz", "kamgraph.syncing", "kamgraph.generate"),
    ("kamgraph.portfolio", "kamgraph.cli", "kamgraph.__main__", "kamgraph"),
]
#: The layers that must never look up: what every command stands on.
GUARDED = ("kamgraph.graph", "kamgraph.analysis", "kamgraph.stores", "kamgraph.records",
           "kamgraph.loaders")


def layer(module: str) -> int:
    best, found = -1, None
    for rank, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, found = len(name), rank
    assert found is not None, f"{module} has no layer: add it to LAYERS"
    return found


def modules() -> dict[str, Path]:
    out = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            out[name] = path
    return out


def imports(path: Path, module: str) -> set[str]:
    """Every kamgraph module ``path`` imports, at the top or inside a function."""
    found = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kamgraph"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            if base.startswith("kamgraph"):
                # ``from kamgraph import scratch`` imports the module kamgraph.scratch.
                subs = {f"{base}.{a.name}" for a in node.names} & set(modules())
                found.update(subs or {base})
    return found


@pytest.mark.parametrize("module", sorted(m for m in modules()
                                          if m.startswith(GUARDED)))
def test_no_backward_import(module: str) -> None:
    mine = layer(module)
    path = modules()[module]
    upward = sorted(m for m in imports(path, module) if layer(m) > mine)
    assert upward == [], f"{module} (layer {mine}) imports from above: {upward}"
    if not module.startswith(("kamgraph.records", "kamgraph.loaders")):
        assert not [m for m in imports(path, module) if m.startswith("kamgraph.loaders")], \
            f"{module} reaches into the loaders; use kamgraph.records"


def test_every_module_has_a_layer() -> None:
    for module in modules():
        layer(module)


def test_the_walk_sees_a_backward_import(tmp_path: Path) -> None:
    """The check itself: a graph module importing the audit is caught."""
    bad = tmp_path / "graph.py"
    bad.write_text("from kamgraph.audit import audit_graph\n")
    assert imports(bad, "kamgraph.graph") == {"kamgraph.audit"}
    assert layer("kamgraph.audit") > layer("kamgraph.graph")
