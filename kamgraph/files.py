"""Writing output files whole: a report, a map or a rejects file appears complete or not
at all, and never through a link someone left at its name."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from kamgraph.errors import InputError

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces, as they come) to ``path``, whole or not at all.

    The pieces go to a new file beside ``path`` (created exclusively, so no link or file
    left there is followed) and it is renamed over ``path`` when complete: a full disk,
    a kill or an error half way leaves what was there before.  A link at ``path`` is
    replaced, never written through.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_atomic(target, ["a", "b"]); target.read_text()
    'ab'
    """
    if path.is_dir():
        raise InputError("is a folder: give a file name", file=str(path))
    folder = path.parent if str(path.parent) else Path(".")
    unnamed = _unnamed_file(folder)
    if unnamed is not None:
        _write_unnamed(unnamed, folder, path, text)
        return
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial",
                                         dir=folder)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _write_all(fh, text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from exc
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_all(fh: IO[str], text: str | Iterable[str]) -> None:
    for piece in [text] if isinstance(text, str) else text:
        fh.write(piece)
    fh.flush()
    os.fsync(fh.fileno())


def _unnamed_file(folder: Path) -> int | None:
    """A file with no name in ``folder`` (Linux's O_TMPFILE), or None where there is
    none: killed half way, it leaves nothing behind."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o644)
    except OSError:
        return None  # a file system without it


def _write_unnamed(fd: int, folder: Path, path: Path, text: str | Iterable[str]) -> None:
    temporary = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial"
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _write_all(fh, text)
            # Named only once whole, then renamed over the target in one step.
            proc = os.open("/proc/self/fd", os.O_RDONLY)
            try:
                os.link(str(fh.fileno()), temporary, src_dir_fd=proc,
                        follow_symlinks=True)
            finally:
                os.close(proc)
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(path)) from exc
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)
