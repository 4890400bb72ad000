"""The catalogue of Cypher statements: files in ``cypher/``, loaded by name.

The files ship as package data (``kamgraph.cypher``), so they are found the same way
from a wheel and from a checkout.  Python never builds Cypher from data: statements
take ``$parameters`` only.

>>> statements("initialize")[0].startswith("CREATE CONSTRAINT record_uid")
True
"""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["names", "query", "statements"]

_PACKAGE = "kamgraph.cypher"


def names() -> list[str]:
    """Names of every statement file, without the ``.cypher`` suffix."""
    folder = resources.files(_PACKAGE)
    return sorted(p.name[: -len(".cypher")] for p in folder.iterdir()
                  if p.name.endswith(".cypher"))


@cache
def query(name: str) -> str:
    """The text of ``cypher/<name>.cypher``."""
    resource = resources.files(_PACKAGE).joinpath(f"{name}.cypher")
    if not resource.is_file():
        raise KeyError(f"no Cypher statement named {name!r}")
    return resource.read_text(encoding="utf-8")


def statements(name: str) -> list[str]:
    """A multi-statement file split into statements, comments dropped."""
    lines = [line for line in query(name).splitlines() if not line.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
