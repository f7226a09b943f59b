"""CSV, XLSX and PDF writers for ticket lists and period reports.

Every text cell goes through `neutralise`: a spreadsheet treats a cell starting with = + - @ (or a tab or
carriage return before one) as a formula, so a subject like `=HYPERLINK(…)` written by a requester would run
on the manager's machine. Such cells get a leading apostrophe and are shown as typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from gongdan.reports.xlsx import workbook_bytes

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv; charset=utf-8"
MAX_EXPORT_ROWS = 100_000


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet shows it, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(settings.TIME_ZONE)).replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, date)):
        return value
    return neutralise(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(str(h)) for h in header])
    for row in rows:
        writer.writerow(
            ["" if v is None else (v.isoformat() if isinstance(v, (date, datetime)) else neutralise(str(v)))
             for v in (cell_value(x) for x in row)]
        )  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook, one sheet per (title, header, rows), streamed row by row (flat memory)."""
    return workbook_bytes(
        [
            (
                title,
                [neutralise(str(name)) for name in header],
                ([cell_value(v) for v in row] for row in rows),
            )
            for title, header, rows in sheets
        ]
    )


def pdf_bytes(
    title: str, subtitle: str, tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]
) -> bytes:
    """A plain A4 report; Chinese text through reportlab's built-in STSong-Light CID font."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = font
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm)
    story: list[Any] = [
        Paragraph(escape_pdf(title), styles["Title"]),
        Paragraph(escape_pdf(subtitle), styles["Normal"]),
    ]
    for caption, header, rows in tables:
        story += [Spacer(1, 6 * mm), Paragraph(escape_pdf(caption), styles["Heading2"])]
        data = [[Paragraph(escape_pdf(str(h)), styles["Normal"]) for h in header]]
        data += [
            [Paragraph(escape_pdf("" if v is None else str(v)), styles["Normal"]) for v in row]
            for row in rows
        ]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8d0da")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    if not tables:
        story.append(Paragraph(escape_pdf(_("No data.")), styles["Normal"]))
    doc.build(story)
    return out.getvalue()


def escape_pdf(text: str) -> str:
    """reportlab paragraphs read a little markup: escape it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
