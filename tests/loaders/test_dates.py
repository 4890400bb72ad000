"""Dates and ids as a spreadsheet re-saves them: read when they can be, refused with
where and why when they cannot."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from kamgraph.errors import InputError
from kamgraph.loaders import values as v
from kamgraph.loaders.csvio import ExportSource, Row


def write(folder: Path, name: str, rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / name, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def column(folder: Path, name: str, field: str, order: str | None = None
           ) -> list[datetime | None]:
    """Every value of one column, read as a loader reads it."""
    with ExportSource(folder, date_order=order) as source:
        rows: list[Row] = list(source.table(name).rows())
        return [v.moment(row, field) for row in rows]


class TestOneReadingPerColumn:
    def test_a_day_above_twelve_in_second_place_makes_the_column_month_first(
            self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["When"], ["02/23/26 08:55 PM"], ["2/5/24 1:51"],
                                  ["11/01/2026 12:05 AM"]])
        assert column(tmp_path, "t.csv", "When") == [
            datetime(2026, 2, 23, 20, 55), datetime(2024, 2, 5, 1, 51),
            datetime(2026, 11, 1, 0, 5)]

    def test_a_day_above_twelve_in_first_place_makes_the_column_day_first(
            self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["When"], ["23/02/2026 20:55:03"], ["05/02/2024"]])
        assert column(tmp_path, "t.csv", "When") == [
            datetime(2026, 2, 23, 20, 55, 3), datetime(2024, 2, 5)]

    @pytest.mark.parametrize(("raw", "expected"), [
        ("23.02.2026 20:55", datetime(2026, 2, 23, 20, 55)),  # dots: always day first
        ("05.02.2024", datetime(2024, 2, 5)),
        ("2026/02/23 20:55", datetime(2026, 2, 23, 20, 55)),  # year first
        ("2026-02-23 20:55", datetime(2026, 2, 23, 20, 55)),  # ISO without seconds
        ("12/31/99", datetime(1999, 12, 31)),  # two-digit years: 30-99 are 19xx
    ])
    def test_forms_with_one_reading(self, tmp_path: Path, raw: str,
                                    expected: datetime) -> None:
        write(tmp_path, "t.csv", [["When"], [raw]])
        assert column(tmp_path, "t.csv", "When") == [expected]

    def test_the_files_other_columns_decide_an_ambiguous_one(self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["Created", "When"], ["2/23/2026", "03/04/2026"]])
        assert column(tmp_path, "t.csv", "When") == [datetime(2026, 3, 4)]

    def test_the_exports_other_files_decide_when_the_file_cannot(
            self, tmp_path: Path) -> None:
        write(tmp_path, "a.csv", [["When"], ["03/04/2026"]])
        write(tmp_path, "b.csv", [["Closed"], ["25/12/2026"]])
        assert column(tmp_path, "a.csv", "When") == [datetime(2026, 4, 3)]

    def test_the_configured_order_decides_an_ambiguous_column(self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["When"], ["03/04/2026"]])
        assert column(tmp_path, "t.csv", "When", "day-first") == [datetime(2026, 4, 3)]
        assert column(tmp_path, "t.csv", "When", "month-first") == [datetime(2026, 3, 4)]


class TestWhatCannotBeRead:
    def test_an_ambiguous_column_names_both_readings_and_the_setting(
            self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["Id", "When"], ["1", ""], ["2", "03/04/2026 9:00 AM"],
                                  ["3", "12/11/2026"]])
        with pytest.raises(InputError) as caught:
            column(tmp_path, "t.csv", "When")
        assert str(caught.value) == (
            f"{tmp_path / 't.csv'}:3 [When]: '03/04/2026 9:00 AM' reads as 4 March 2026 "
            f"(month first) or 3 April 2026 (day first), and every date in the file fits "
            f"both: set [dates] order = \"month-first\" or \"day-first\" in kamgraph.toml")

    def test_a_column_in_both_orders_is_refused(self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["When"], ["02/23/2026"], ["23/02/2026"]])
        with pytest.raises(InputError, match=r"t\.csv:2 \[When\]: the dates in this column "
                                             r"mix day-first and month-first"):
            column(tmp_path, "t.csv", "When")

    def test_an_impossible_date_is_refused(self, tmp_path: Path) -> None:
        write(tmp_path, "t.csv", [["When"], ["2/30/2026"], ["2/13/2026"]])
        with pytest.raises(InputError, match=r"t\.csv:2 \[When\]: impossible date "
                                             r"'2/30/2026'"):
            column(tmp_path, "t.csv", "When")

    @pytest.mark.parametrize("raw", ["1.11015E+11", "1,11015E+11", "5E+14"])
    def test_an_id_in_scientific_notation_cannot_be_recovered(self, tmp_path: Path,
                                                               raw: str) -> None:
        write(tmp_path, "t.csv", [["Record ID"], [raw]])
        with ExportSource(tmp_path) as source:
            [row] = source.table("t.csv").rows()
            with pytest.raises(InputError) as caught:
                v.check_id(row, "Record ID", row.get("Record ID"))
        message = str(caught.value)
        assert message.startswith(f"{tmp_path / 't.csv'}:2 [Record ID]: '{raw}' is an id a "
                                  f"spreadsheet wrote in scientific notation")
        assert "cannot be recovered" in message and "export again" in message
        assert v.check_id(row, "Record ID", "111015000000") == "111015000000"


class TestNumbersAsASpreadsheetFormatsThem:
    @pytest.mark.parametrize(("raw", "expected"), [
        ("$74,000,000.00", 74_000_000.0), ("74.000.000,00 €", 74_000_000.0),
        ("1 250 000", 1_250_000.0), ("1\u00a0250\u00a0000,50", 1_250_000.5),
        ("EUR 1,200.50", 1200.5), ("(1,200.00)", -1200.0), ("CHF 1'200.00", 1200.0),
        ("74,000,000", 74_000_000.0), ("1250000,5", 1_250_000.5),
    ])
    def test_read(self, tmp_path: Path, raw: str, expected: float) -> None:
        write(tmp_path, "t.csv", [["Amount"], [raw]])
        with ExportSource(tmp_path) as source:
            [row] = source.table("t.csv").rows()
            assert v.number(row, "Amount") == expected

    @pytest.mark.parametrize("raw", ["about 5", "$", "1.2.3,4,5"])
    def test_refused(self, tmp_path: Path, raw: str) -> None:
        write(tmp_path, "t.csv", [["Amount"], [raw]])
        with ExportSource(tmp_path) as source:
            [row] = source.table("t.csv").rows()
            with pytest.raises(InputError, match=r"t\.csv:2 \[Amount\]: not a number"):
                v.number(row, "Amount")
