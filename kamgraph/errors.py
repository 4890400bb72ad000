"""The one exception hierarchy of kamgraph; only the CLI turns these into exit codes."""

from __future__ import annotations

__all__ = [
    "ShrinkError",
    "ConfigError",
    "InputError",
    "KamgraphError",
    "StoreBusy",
    "StoreError",
    "StoreUnavailable",
    "UnknownAccount",
]


class KamgraphError(Exception):
    """Base class of every error kamgraph raises on purpose."""


class InputError(KamgraphError):
    """Input that cannot be read: names the file and, where known, the line and field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            if self.field is not None:
                where += f" [{self.field}]"
            where += ": "
        elif self.field is not None:
            where = f"[{self.field}]: "
        return f"{where}{self.message}"


class ShrinkError(InputError):
    """A full export that would empty part of the store: an object file the last full
    run read is missing, or too many active records would be marked inactive."""


class ConfigError(KamgraphError):
    """A kamgraph.toml that is not valid."""


class UnknownAccount(KamgraphError):
    """An account id or name that the store does not hold."""


class StoreError(KamgraphError):
    """A store that cannot do what was asked."""


class StoreUnavailable(StoreError):
    """A store that cannot be reached or opened."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock."""
