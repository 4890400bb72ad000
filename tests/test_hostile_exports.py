"""Exports built to hurt: zip bombs, damaged zips, endless lines, impossible dates,
codecs that are no text encoding, mixed encodings.  Each is exit 2 with one line naming
the file (and line and field where there is one), fast and in flat memory, with the
store as it was; never exit 4."""

from __future__ import annotations

import shutil
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamgraph.cli import cli
from kamgraph.stores.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path, example_weekly: Path) -> str:
    """A store the example was synced into: what a bad export must leave alone."""
    uri = f"sqlite:///{tmp_path / 'k.db'}"
    assert CliRunner().invoke(cli, ["sync", str(example_weekly), "--store", uri]).exit_code == 0
    return uri


def dump(uri: str) -> list[tuple[object, ...]]:
    with SqliteStore(Path(uri.removeprefix("sqlite:///"))) as s:
        return list(s.dump())


def sync(target: Path, store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["sync", str(target), "--store", store, *args])


def one_error(result: Result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.strip().splitlines()
             if not line.startswith("Detected format:")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def zipped(folder: Path, target: Path, *, method: int = zipfile.ZIP_DEFLATED,
           big: tuple[str, Callable[[zipfile.ZipFile, str], None]] | None = None) -> Path:
    with zipfile.ZipFile(target, "w", compression=method) as z:
        for path in sorted(folder.glob("*.csv")):
            if big and path.name == big[0]:
                big[1](z, path.name)
            else:
                z.write(path, path.name)
    return target


def stream_member(size: int, line: bytes) -> Callable[[zipfile.ZipFile, str], None]:
    """A member of ``size`` bytes of ``line`` repeated, written without holding it."""
    def write(z: zipfile.ZipFile, name: str) -> None:
        chunk = line * max(1, (1 << 20) // len(line))
        with z.open(name, "w", force_zip64=True) as fh:
            left = size
            fh.write(b'"Id","AccountId","LastName"\n')
            while left > 0:
                fh.write(chunk[:left])
                left -= len(chunk)
    return write


class TestZips:
    def test_a_zip_bomb_is_refused_from_its_sizes(self, export: Path, store: str,
                                                  tmp_path: Path) -> None:
        before = dump(store)
        bomb = zipped(export, tmp_path / "bomb.zip",
                      big=("Contact.csv", stream_member(300_000_000, b"\n")))
        assert bomb.stat().st_size < 2_000_000
        start = time.perf_counter()
        error = one_error(sync(bomb, store))
        assert time.perf_counter() - start < 10
        assert "Contact.csv" in error and "limits.zip_ratio" in error
        assert dump(store) == before

    def test_a_member_beyond_the_size_limit_is_refused(self, export: Path, store: str,
                                                       tmp_path: Path) -> None:
        config = tmp_path / "kamgraph.toml"
        config.write_text("[limits]\nmember_bytes = 100000\n")
        big = zipped(export, tmp_path / "big.zip", method=zipfile.ZIP_STORED,
                     big=("Contact.csv", stream_member(300_000, b'"x","y","z"\n')))
        error = one_error(sync(big, store, "--config", str(config)))
        assert "Contact.csv" in error and "limits.member_bytes" in error

    def test_a_member_that_lies_about_its_size_is_stopped_while_read(self) -> None:
        """The zip's directory may claim a small size; the count of what is read holds."""
        import io

        from kamgraph.config import Limits
        from kamgraph.errors import InputError
        from kamgraph.loaders.csvio import _Guarded

        info = zipfile.ZipInfo("Contact.csv")
        info.compress_size, info.file_size = 10_000, 10_000
        endless = io.BytesIO(b"\n" * 5_000_000)
        guarded = io.BufferedReader(_Guarded(endless, "x.zip!Contact.csv", info, Limits()))
        with pytest.raises(InputError) as caught:
            while guarded.read(1 << 16):
                pass
        assert "limits.zip_ratio" in str(caught.value)
        # Within the ratio (and at least a megabyte) it reads to the end.
        fine = io.BufferedReader(_Guarded(io.BytesIO(b"y" * 900_000), "x", info, Limits()))
        assert len(fine.read()) == 900_000

    @pytest.mark.parametrize("damage", ["crc", "method 99", "encrypted"])
    def test_a_damaged_zip_is_an_input_error(self, export: Path, store: str, tmp_path: Path,
                                             damage: str) -> None:
        target = zipped(export, tmp_path / "damaged.zip")
        raw = bytearray(target.read_bytes())
        with zipfile.ZipFile(target) as z:
            info = z.getinfo("Contact.csv")
        local = info.header_offset
        if damage == "crc":
            start = local + 30 + len(info.filename) + len(info.extra) + 10
            raw[start] ^= 0xFF
        elif damage == "method 99":
            raw[local + 8:local + 10] = struct.pack("<H", 99)
            central = raw.find(b"PK\x01\x02")
            while central >= 0:
                name_len = struct.unpack("<H", raw[central + 28:central + 30])[0]
                if bytes(raw[central + 46:central + 46 + name_len]) == b"Contact.csv":
                    raw[central + 10:central + 12] = struct.pack("<H", 99)
                central = raw.find(b"PK\x01\x02", central + 4)
        else:  # the "encrypted" flag bit, in the local and the central header
            raw[local + 6] |= 0x01
            central = raw.find(b"PK\x01\x02")
            while central >= 0:
                raw[central + 8] |= 0x01
                central = raw.find(b"PK\x01\x02", central + 4)
        target.write_bytes(bytes(raw))
        error = one_error(sync(target, store))
        assert ".zip" in error


class TestLines:
    def test_an_endless_line_stops_at_the_limit_in_flat_memory(
            self, export: Path, store: str) -> None:
        with open(export / "Contact.csv", "ab") as fh:
            chunk = b"x" * (1 << 20)
            for _ in range(50):
                fh.write(chunk)
        start = time.perf_counter()
        error = one_error(sync(export, store))
        assert time.perf_counter() - start < 10
        assert "Contact.csv" in error and "limits.row_chars" in error


class TestValues:
    @pytest.mark.parametrize("moment", ["9999-12-31 23:00:00-05:00",
                                        "0001-01-01 00:30:00+05:00",
                                        "2026-01-01 10:00:00+99:99"])
    def test_a_date_off_the_calendar_names_file_line_and_field(
            self, export: Path, store: str, moment: str) -> None:
        path = export / "Event.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        cells = lines[1].rstrip("\n").split('","')
        assert lines[0].split(",")[5] == '"ActivityDateTime"'
        cells[5] = moment
        lines[1] = '","'.join(cells) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
        error = one_error(sync(export, store))
        assert "Event.csv:2 [ActivityDateTime]" in error and "impossible date" in error

    @pytest.mark.parametrize("codec", ["rot13", "base64", "hex", "zlib"])
    def test_a_codec_that_is_no_text_encoding(self, export: Path, store: str,
                                              codec: str) -> None:
        error = one_error(sync(export, store, "--encoding", codec))
        assert "not a text encoding" in error

    def test_one_latin1_line_in_a_utf8_file_is_read_and_reported(
            self, export: Path, tmp_path: Path) -> None:
        path = export / "Contact.csv"
        lines = path.read_bytes().split(b"\n")
        assert any("Núñez".encode() in line for line in lines)
        # One contact's title typed on a Windows machine: Latin-1 bytes in a UTF-8 file.
        assert b'"Head of Purchasing"' in lines[3]
        lines[3] = lines[3].replace(b'"Head of Purchasing"',
                                    '"Jefe Técnico de Compras"'.encode("cp1252"))
        path.write_bytes(b"\n".join(lines))
        uri = f"sqlite:///{tmp_path / 'fresh.db'}"
        result = CliRunner().invoke(cli, ["sync", str(export), "--store", uri],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "Contact.csv: 1 line not UTF-8, read as Windows-1252 (line 4)" in result.output
        with SqliteStore(tmp_path / "fresh.db") as s:
            text = " ".join(str(row) for row in s.dump())
        assert "Núñez" in text and "Ã" not in text  # the good lines stay good
        assert "Jefe Técnico" in text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=st.from_regex(r"\A\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}\Z"),
       codec=st.sampled_from(["utf-8", "cp1252", "latin-1", "rot13", "hex", "base64",
                              "utf-16", "nope", "bz2"]))
def test_no_date_or_codec_is_an_internal_error(tmp_path_factory: pytest.TempPathFactory,
                                               example_weekly: Path, moment: str,
                                               codec: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(example_weekly, folder / "export")
    path = folder / "export" / "Event.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, lines[1].replace(lines[1].split('","')[5], moment, 1))
    path.write_text("".join(lines), encoding="utf-8")
    result = CliRunner().invoke(cli, ["sync", str(folder / "export"), "--encoding", codec,
                                      "--store", f"sqlite:///{folder / 'k.db'}"])
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.output + result.stderr



@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(uri=st.one_of(
    st.builds(lambda scheme, rest: scheme + rest,
              st.sampled_from(["bolt://", "neo4j://", "neo4j+s://", "sqlite:///", "sqlite://",
                               "mysql://", ""]),
              st.text(alphabet="ab:@[]/%.1234567890-\x00 ", max_size=24)),
    st.text(max_size=30)))
def test_no_store_uri_is_an_internal_error(uri: str) -> None:
    result = CliRunner().invoke(cli, ["accounts", "--store", uri],
                                env={"NEO4J_PASSWORD": "x"})
    assert result.exit_code in (2, 3), (uri, result.exit_code, result.output)
    assert "internal error" not in result.output + result.stderr


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                    max_size=40),
       content=st.binary(max_size=300))
def test_no_export_path_or_zip_is_an_internal_error(
        tmp_path_factory: pytest.TempPathFactory, name: str, content: bytes) -> None:
    folder = tmp_path_factory.mktemp("paths")
    safe = name.replace("/", "_").replace("\x00", "_")
    target = folder / (safe[:40] or "x")
    try:
        target.write_bytes(content)
    except OSError:
        target = folder / "fallback.zip"
        target.write_bytes(content)
    for path in (str(target), str(folder), str(folder / "missing") + name.replace("\x00", "")):
        result = CliRunner().invoke(cli, ["sync", path, "--store",
                                          f"sqlite:///{folder / 'k.db'}"])
        assert result.exit_code in (0, 2, 3), (path, result.output)
        assert "internal error" not in result.output + result.stderr


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flip=st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 255)), min_size=1,
                     max_size=6))
def test_no_damaged_zip_is_an_internal_error(tmp_path_factory: pytest.TempPathFactory,
                                             example_weekly: Path,
                                             flip: list[tuple[int, int]]) -> None:
    folder = tmp_path_factory.mktemp("zips")
    target = zipped(example_weekly, folder / "export.zip")
    raw = bytearray(target.read_bytes())
    for at, bits in flip:
        raw[at % len(raw)] ^= bits
    target.write_bytes(bytes(raw))
    result = CliRunner().invoke(cli, ["sync", str(target), "--store",
                                      f"sqlite:///{folder / 'k.db'}"])
    assert result.exit_code in (0, 2, 3), result.output
    assert "internal error" not in result.output + result.stderr
