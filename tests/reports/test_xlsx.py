"""The streaming XLSX writer: what a spreadsheet user opens is what was written, typed, and never a formula."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from gongdan.reports.exports import xlsx_bytes
from gongdan.reports.xlsx import column_letter, workbook_bytes


def read(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_values_keep_their_types_and_the_header_is_bold():
    when = datetime(2026, 11, 27, 9, 30)
    content = workbook_bytes(
        [("Tickets", ["Number", "Hours", "Open", "Day", "At"], [["GD-1", 2.5, True, date(2026, 11, 2), when],
                                                               ["GD-2", 3, False, None, None]])]
    )  # fmt: skip
    sheet = read(content)["Tickets"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Number", "Hours", "Open", "Day", "At")
    assert rows[1] == ("GD-1", 2.5, True, datetime(2026, 11, 2), when)
    assert rows[2] == ("GD-2", 3, False, None, None)
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["D2"].number_format == "yyyy-mm-dd" and sheet["E2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet.freeze_panes == "A2"


def test_text_that_looks_like_a_formula_stays_text():
    content = xlsx_bytes([("Export", ["Subject"], [['=HYPERLINK("http://evil")'], ["+1"], ["@SUM(A1)"]])])
    sheet = read(content).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ['\'=HYPERLINK("http://evil")', "'+1", "'@SUM(A1)"]
    assert all(c.data_type == "s" for c in sheet["A"])


def test_characters_xml_cannot_hold_are_dropped_and_long_text_is_cut():
    content = workbook_bytes([("T", ["a"], [["bell\x07 and <tag> & \x00nul"], ["字" * 40_000]])])
    sheet = read(content).active
    assert sheet["A2"].value == "bell and <tag> & nul"
    assert sheet["A3"].value == "字" * 32_767


def test_aware_datetimes_are_refused_by_the_writer_and_converted_by_the_export():
    with pytest.raises(ValueError):
        workbook_bytes([("T", ["at"], [[datetime(2026, 1, 1, tzinfo=UTC)]])])
    content = xlsx_bytes([("T", ["at"], [[datetime(2026, 1, 1, 1, 0, tzinfo=UTC)]])])
    assert read(content).active["A2"].value == datetime(2026, 1, 1, 9, 0)  # Asia/Shanghai wall time


def test_sheet_titles_are_made_valid_and_unique():
    content = workbook_bytes([("a/b:c*d?[e]", ["x"], []), ("A/B:C*D?[E]", ["x"], []), ("长" * 40, ["x"], [])])
    assert read(content).sheetnames == ["a b c d  e", "A B C D  E (2)", "长" * 31]


def test_many_rows_stream_through():
    rows = ([n, f"subject {n}", n / 3] for n in range(30_000))
    sheet = read(workbook_bytes([("Big", ["n", "s", "f"], rows)])).active
    assert sheet.max_row == 30_001 and sheet.cell(30_001, 1).value == 29_999


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
