"""Links and output files: an export's link out of the export is refused unread; reports,
maps and rejects are written whole, beside their name, never through a link."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kamgraph.cli import cli
from kamgraph.errors import InputError
from kamgraph.files import write_atomic

AS_OF = "2026-11-01"


def sync_with_a_rejected_row(export: Path, tmp_path: Path) -> Result:
    """Sync ``export`` with a task naming a contact it does not hold: one rejected row."""
    with open(export / "Task.csv", "a", encoding="utf-8") as fh:
        fh.write('"00T000000009999AAA","003000000009999AAA","","Call","2026-10-01",'
                 '"Completed","005aB0000000001QAA","1","Call","Call","60","Connected","0"\n')
    return CliRunner().invoke(cli, ["sync", str(export), "--store",
                                    f"sqlite:///{tmp_path / 'k.db'}"])


def test_a_link_out_of_the_export_is_refused_unread(export: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOP-SECRET-LINE\n")
    (export / "User.csv").unlink()
    (export / "User.csv").symlink_to(secret)
    result = CliRunner().invoke(cli, ["sync", str(export), "--store",
                                      f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 2
    assert "outside the export folder" in result.stderr and "User.csv" in result.stderr
    assert "TOP-SECRET" not in result.output + result.stderr


def test_a_link_inside_the_export_is_read(export: Path, tmp_path: Path) -> None:
    (export / "originals").mkdir()
    (export / "User.csv").rename(export / "originals" / "User.csv")
    (export / "User.csv").symlink_to(export / "originals" / "User.csv")
    result = CliRunner().invoke(cli, ["sync", str(export), "--store",
                                      f"sqlite:///{tmp_path / 'k.db'}"])
    assert result.exit_code == 0, result.output


def test_the_rejects_file_is_never_written_through_a_link(export: Path,
                                                         tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "k.rejects.csv").symlink_to(victim)
    result = sync_with_a_rejected_row(export, tmp_path)
    assert result.exit_code == 2
    assert victim.read_text() == "keep me"
    rejects = tmp_path / "k.rejects.csv"
    assert not rejects.is_symlink() and "WhoId" in rejects.read_text()


def test_a_rejects_path_that_is_a_folder_is_an_input_error(export: Path,
                                                          tmp_path: Path) -> None:
    (tmp_path / "k.rejects.csv").mkdir()
    result = sync_with_a_rejected_row(export, tmp_path)
    assert result.exit_code == 2
    assert "is a folder" in result.stderr and "Traceback" not in result.output


def test_write_atomic_replaces_a_link_and_leaves_no_partial(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "report.md"
    target.symlink_to(victim)
    write_atomic(target, "new")
    assert victim.read_text() == "keep me" and target.read_text() == "new"
    assert not target.is_symlink()

    def failing() -> list[str]:
        raise InputError("boom")

    def pieces() -> object:
        yield "half"
        failing()

    with pytest.raises(InputError):
        write_atomic(target, pieces())  # type: ignore[arg-type]
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "victim.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a small file system")
def test_maps_on_a_full_disk_leave_no_truncated_file(tmp_path: Path,
                                                    example_weekly: Path) -> None:
    db = tmp_path / "k.db"
    assert CliRunner().invoke(cli, ["sync", str(example_weekly), "--store",
                                    f"sqlite:///{db}"]).exit_code == 0
    disk = tmp_path / "disk"
    disk.mkdir()
    # Room for part of the site: vis-network alone is larger.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(disk)], check=True)
    try:
        result = CliRunner().invoke(cli, ["map", "--all", "-o", str(disk / "site"),
                                          "--store", f"sqlite:///{db}", "--as-of", AS_OF])
        assert result.exit_code == 2, result.output
        assert "No space left" in result.stderr or "cannot write" in result.stderr
        for page in (disk / "site").rglob("*"):
            assert not page.name.endswith(".partial")
            if page.suffix == ".html":
                text = page.read_text(encoding="utf-8")
                assert text.rstrip().endswith("</html>"), page  # every file there is whole
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_write_atomic_without_unnamed_files(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system has no O_TMPFILE (macOS), a named file is created exclusively
    beside the target and renamed over it; nothing is left behind."""
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    target = tmp_path / "report.md"
    target.symlink_to(victim)
    write_atomic(target, ["whole", " file"])
    assert target.read_text() == "whole file" and not target.is_symlink()
    assert victim.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "victim.txt"]
