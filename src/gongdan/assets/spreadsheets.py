"""Reading and writing the register's tables as XLSX or CSV (decision 0165): the file's type is told by its
bytes, not its name; a CSV may be UTF-8 (with or without a BOM), UTF-16 with a BOM, or GBK/GB18030 (what
Chinese Excel writes by default); an XLSX is opened read-only, values only, after its unpacked size is
checked. On the way out, text that a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_UNPACKED_RATIO = 20
MAX_COLUMNS = 200


@dataclass(frozen=True)
class Table:
    """The header (as written) and the data rows, each with its row number in the file (the header is 1)."""

    header: list[str]
    rows: list[tuple[int, list[Any]]]


def _refuse(message: str, code: str = "file_invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, details={"file": [message]})


def read_table(content: bytes, *, sheet: str, max_rows: int) -> Table:
    """The first table of the file (for an XLSX, the sheet called `sheet` if there is one, else the first)."""
    if not content.strip():
        raise _refuse(_("The file is empty."))
    if content[:4] == b"PK\x03\x04":
        cells = _xlsx_rows(content, sheet=sheet, max_rows=max_rows)
    elif content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(_("Old Excel files (.xls) are not read: save the file as .xlsx or CSV."), "file_type")
    else:
        cells = _csv_rows(content, max_rows=max_rows)
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for number, values in cells:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header = [str(v).strip() if v is not None else "" for v in values]
            while header and not header[-1]:
                header.pop()
            continue
        if len(rows) >= max_rows:
            raise _refuse(
                _("The file has more than %(max)d rows: split it into smaller files.") % {"max": max_rows},
                "too_many_rows",
            )
        rows.append((number, list(values)))
    if header is None:
        raise _refuse(_("The file has no header row."))
    if len(header) > MAX_COLUMNS:
        raise _refuse(_("The file has more than %(max)d columns.") % {"max": MAX_COLUMNS})
    return Table(header=header, rows=rows)


def _xlsx_rows(content: bytes, *, sheet: str, max_rows: int) -> Iterable[tuple[int, list[Any]]]:
    # openpyxl (0.15 s to import) only when a workbook is read or written, not at start (decision 0176).
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
        if unpacked > MAX_UNPACKED_RATIO * max(len(content), 1024 * 1024):
            raise _refuse(_("The spreadsheet unpacks to too much data."), "file_too_large")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ValidationFailed:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        raise _refuse(_("The file is not a readable XLSX workbook."), "file_type") from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        worksheet = workbook[names.get(sheet, workbook.sheetnames[0])]
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            rows.append((number, list(values[: MAX_COLUMNS + 1])))
            if len(rows) > max_rows + 50 and all(v is None for v in values):
                break
            if len(rows) > max_rows * 2 + 100:  # far past the limit: stop reading, read_table refuses
                break
        return rows
    except (KeyError, IndexError, ValueError, TypeError, zipfile.BadZipFile, OSError):
        raise _refuse(_("The file is not a readable XLSX workbook."), "file_type") from None
    finally:
        workbook.close()


def decode_text(content: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else GB18030 (a superset of GBK and GB2312)."""
    if b"\x00" in content[:4096] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refuse(_("The file is neither an XLSX workbook nor a CSV text file."), "file_type")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(_("The CSV file is not in UTF-8 or GBK: save it again as “CSV UTF-8”."), "file_encoding")


def _csv_rows(content: bytes, *, max_rows: int) -> Iterable[tuple[int, list[Any]]]:
    text = decode_text(content)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[tuple[int, list[Any]]] = []
    try:
        for values in reader:
            rows.append((reader.line_num, values[: MAX_COLUMNS + 1]))
            if len(rows) > max_rows * 2 + 100:
                break
    except csv.Error:
        raise _refuse(_("The CSV file could not be read (a quote is not closed?).")) from None
    return rows


# --- writing ------------------------------------------------------------------------------------------------


def escape_formula(value: Any) -> Any:
    """Text that a spreadsheet would run gets a leading apostrophe (the import takes it off again)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | int | float):
        return str(value)
    return str(escape_formula(str(value)))


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a BOM, so Excel in a Chinese locale opens it as UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append([escape_formula(h) for h in header])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, bool):
                value = "true" if value else "false"
            cells.append(escape_formula(value) if isinstance(value, str) else value)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
