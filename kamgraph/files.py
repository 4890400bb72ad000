"""Writing output files whole: a report, a map or a rejects file appears complete or not
at all, and never through a link someone left at its name."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

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
    temporary = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.partial"
    try:
        fd, unnamed = _new_file(folder, temporary)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for piece in [text] if isinstance(text, str) else text:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
            if unnamed:  # named only once whole
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


def _new_file(folder: Path, temporary: Path) -> tuple[int, bool]:
    """A file to write into, and whether it is unnamed: Linux's O_TMPFILE leaves
    nothing behind when killed half way; elsewhere ``temporary``, created exclusively
    (no link or file left at that name is followed)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is not None and os.path.isdir("/proc/self/fd"):
        try:
            return os.open(folder, flag | os.O_WRONLY, 0o644), True
        except OSError:
            pass  # a file system without it
    return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), False
