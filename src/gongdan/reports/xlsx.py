"""A streaming XLSX writer for exports: text, numbers, booleans, dates and times, a bold header row.

A monthly report lists every ticket resolved in the month (tens of thousands of rows at a large site).
openpyxl's write-only mode builds a cell object and an XML element per value, about 9 µs a cell on this
machine, so such a sheet took 4.5 s to write; this writer formats each row as one string and streams it into
the zip, about ten times faster (decision 0051). openpyxl stays the reader the tests check the files with.

Text is written as inline strings, never as formulas; characters XML 1.0 cannot hold are dropped, and a cell
keeps at most the 32,767 characters Excel shows.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from typing import Any
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
MAX_CELL_CHARS = 32_767
MAX_TITLE_CHARS = 31
# Excel's day 0 in the 1900 date system (after its 1900 leap-year quirk); its cells hold local wall time.
EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001
# Style indexes in STYLES below.
HEADER_STYLE, DATE_STYLE, DATETIME_STYLE = 1, 2, 3
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 60

STYLES = f"""{HEAD}<styleSheet xmlns="{MAIN}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="4">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

Sheet = tuple[str, Sequence[Any], Iterable[Sequence[Any]]]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text(value: str) -> str:
    return escape(ILLEGAL.sub("", value[:MAX_CELL_CHARS]))


def cell(ref: str, value: Any, style: int = 0) -> str:
    """One <c> element; None gives an empty string (no cell)."""
    styled = f' s="{style}"' if style else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"{styled}><v>{int(value)}</v></c>'
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f'<c r="{ref}"{styled}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("convert aware datetimes to local time before writing them")
        serial = (value - EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="{DATETIME_STYLE}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DATE_STYLE}"><v>{(value - EPOCH.date()).days}</v></c>'
    if isinstance(value, time):
        value = value.isoformat()
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{text(str(value))}</t></is></c>'


def sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = TITLE_ILLEGAL.sub(" ", ILLEGAL.sub("", title)).strip("' ")[:MAX_TITLE_CHARS] or "Sheet"
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: MAX_TITLE_CHARS - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    shown = str(value)
    # CJK characters take about two columns.
    return len(shown) + sum(1 for ch in shown if ord(ch) > 0x2E7F)


def _write_sheet(out: Any, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    rows = iter(rows)
    sample = []
    for row in rows:
        sample.append(row)
        if len(sample) >= WIDTH_SAMPLE_ROWS:
            break
    columns = max(1, len(header), *(len(r) for r in sample))
    letters = [column_letter(i) for i in range(columns)]
    widths = [_width(h) for h in header] + [0] * (columns - len(header))
    for row in sample:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(value))
    cols = "".join(
        f'<col min="{i + 1}" max="{i + 1}" width="{min(MAX_WIDTH, max(8, w + 2))}" customWidth="1"/>'
        for i, w in enumerate(widths)
    )
    out.write(
        f'{HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<cols>{cols}</cols><sheetData>"
    )
    out.write(
        '<row r="1">'
        + "".join(cell(f"{letters[i]}1", str(v), HEADER_STYLE) for i, v in enumerate(header))
        + "</row>"
    )
    number = 1
    for chunk in (sample, rows):
        buffer = []
        for row in chunk:
            number += 1
            buffer.append(
                f'<row r="{number}">'
                + "".join(cell(f"{letters[i]}{number}", v) for i, v in enumerate(row[:columns]))
                + "</row>"
            )
            if len(buffer) >= 1000:
                out.write("".join(buffer))
                buffer.clear()
        out.write("".join(buffer))
    out.write("</sheetData></worksheet>")


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx file with one worksheet per (title, header, rows); rows are read once, as they come."""
    buffer = io.BytesIO()
    taken: set[str] = set()
    titles = [sheet_title(str(title), taken) for title, _header, _rows in sheets] or ["Sheet"]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(titles) + 1)
        )
        package.writestr(
            "[Content_Types].xml",
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
            for n, title in enumerate(titles, start=1)
        )
        package.writestr(
            "xl/workbook.xml",
            f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>{entries}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(titles) + 1)
        )
        styles_id = len(titles) + 1
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{links}'
            f'<Relationship Id="rId{styles_id}" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        package.writestr("xl/styles.xml", STYLES)
        for n, (_title, header, rows) in enumerate(sheets or [("", [], [])], start=1):
            with (
                package.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding="utf-8") as out,
            ):
                _write_sheet(out, header, rows)
    return buffer.getvalue()
