"""Importing and exporting the register (XLSX / CSV): row-by-row errors, all-or-nothing or valid rows, round
trip, encodings, limits, formula escaping."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from openpyxl import Workbook, load_workbook

from gongdan.assets.models import Asset, AssetEvent, Location
from gongdan.assets.register_transfer import register_export, register_import
from gongdan.assets.services import asset_create, location_create, location_update
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed

ASSET_HEADER = "code,name,type,location,parent,criticality,status,installed_on,cost,cf.power_kw,cf.oil\r\n"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(rows: list[list], sheet: str = "assets") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def hall_code(plant, admin_user):
    return location_update(actor=admin_user, location=plant["hall"], code="HALL1").code


def test_a_file_with_errors_reports_row_and_column_and_imports_nothing(
    admin_user, compressor_type, hall_code
):
    # Given a file with one good row and rows with a bad date, an unknown type, an unknown location,
    # a missing required custom field and a bad choice
    content = csv_bytes(
        ASSET_HEADER
        + "AC-01,一号空压机,compressor,HALL1,,A,running,2024-03-01,12000.50,55,ISO 46\r\n"
        + "AC-02,二号空压机,compressor,HALL1,,B,running,2024-13-40,,55,\r\n"
        + "AC-03,三号,boiler,HALL1,,C,running,,,,\r\n"
        + "AC-04,四号,compressor,NOWHERE,,C,running,,,55,\r\n"
        + "AC-05,五号,compressor,HALL1,,C,running,,,,ISO 99\r\n"
    )

    report = register_import(actor=admin_user, kind="assets", content=content, filename="a.csv")

    errors = {(e.row, e.column) for e in report.errors}
    assert errors == {
        (3, "installed_on"), (4, "type"), (5, "location"), (6, "cf.power_kw"), (6, "cf.oil"),
    }  # fmt: skip
    assert report.applied is False and report.failed == 4
    assert not Asset.objects.exists() and not AssetEvent.objects.exists()
    assert not AuditEntry.objects.filter(kind="assets.register_import").exists()


def test_the_valid_rows_mode_keeps_the_good_rows_and_is_audited(admin_user, compressor_type, hall_code):
    content = csv_bytes(
        ASSET_HEADER
        + "AC-01,一号空压机,compressor,HALL1,,A,running,2024-03-01,12000.50,55,ISO 46\r\n"
        + "AC-02,二号空压机,compressor,HALL1,,Z,running,,,55,\r\n"
    )

    report = register_import(actor=admin_user, kind="assets", content=content, mode="valid")

    assert report.applied and report.created == 1 and report.failed == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "criticality")]
    asset = Asset.objects.get()
    assert (asset.code, asset.criticality, asset.cost, asset.installed_on) == (
        "AC-01", "A", Decimal("12000.50"), date(2024, 3, 1),
    )  # fmt: skip
    assert asset.custom_values == {"power_kw": 55, "oil": "ISO 46"}
    entry = AuditEntry.objects.get(kind="assets.register_import")
    assert entry.detail["created"] == 1 and entry.detail["failed"] == 1


def test_the_preview_changes_nothing_but_says_what_would_happen(admin_user, compressor_type, make_asset):
    make_asset("AC-01", name="Old name")
    content = csv_bytes(
        "code,name,type,cf.power_kw\r\nAC-01,New name,compressor,55\r\nAC-02,Another,compressor,30\r\n"
    )

    report = register_import(actor=admin_user, kind="assets", content=content, dry_run=True)

    assert [r.action for r in report.rows] == ["updated", "created"]
    assert not report.applied
    assert list(Asset.objects.values_list("code", "name")) == [("AC-01", "Old name")]


def test_children_may_come_before_their_parents_in_the_file(admin_user, compressor_type, line_type):
    content = csv_bytes(
        "code,name,type,parent,cf.power_kw\r\nM1,Machine,compressor,L1,5\r\nL1,Line,line,,\r\n"
    )

    report = register_import(actor=admin_user, kind="assets", content=content)

    assert report.applied and report.created == 2
    machine = Asset.objects.select_related("parent").get(code="M1")
    assert machine.parent.code == "L1" and machine.path.startswith(machine.parent.path)


def test_an_unknown_parent_is_reported_on_its_row(admin_user, line_type):
    report = register_import(
        actor=admin_user, kind="assets", content=csv_bytes("code,name,type,parent\r\nM1,M,line,GHOST\r\n")
    )

    assert [(e.row, e.column) for e in report.errors] == [(2, "parent")]
    assert "GHOST" in report.errors[0].message


def test_a_repeated_code_in_the_file_is_an_error_on_the_second_row(admin_user, line_type):
    report = register_import(
        actor=admin_user, kind="assets", content=csv_bytes("code,name,type\r\nL1,A,line\r\nl1,B,line\r\n")
    )

    assert [(e.row, e.column) for e in report.errors] == [(3, "code")]
    assert not Asset.objects.exists()


def test_locations_import_as_a_tree_by_code_and_full_name(admin_user):
    content = csv_bytes(
        "code,name,kind,parent,address,latitude,longitude,active\r\n"
        "B1,一号楼,building,SITE,浦东新区,31.2304,121.4737,true\r\n"
        "SITE,园区,site,,,,,\r\n"
        ",一层,floor,B1,,,,yes\r\n"
        ",101室,room,园区 / 一号楼 / 一层,,,,否\r\n"
    )

    report = register_import(actor=admin_user, kind="locations", content=content)

    assert report.applied and report.created == 4, report.errors
    room = Location.objects.get(name="101室")
    assert room.full_name == "园区 / 一号楼 / 一层 / 101室" and room.is_active is False
    assert Location.objects.get(code="B1").latitude == Decimal("31.2304")


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-16"])
def test_csv_in_gbk_utf8_with_bom_or_utf16_is_read(admin_user, line_type, encoding):
    content = "code,name,type\r\nL1,总装线,line\r\n".encode(encoding)

    report = register_import(actor=admin_user, kind="assets", content=content)

    assert report.applied, report.errors
    assert Asset.objects.get().name == "总装线"


def test_a_semicolon_csv_is_read(admin_user, line_type):
    report = register_import(actor=admin_user, kind="assets", content=b"code;name;type\r\nL1;Line;line\r\n")
    assert report.applied and Asset.objects.get().code == "L1"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_invalid"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "file_type"),
        (b"PK\x03\x04 not really a zip file", "file_type"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "file_type"),
        (b"\xff\xfd\xfc\x80\x81" * 3, "file_encoding"),
        (b"name,colour\r\nx,red\r\n", "import_header"),
        (b"code,name\r\nL1,Line\r\n", "import_header"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(admin_user, line_type, content, code):
    with pytest.raises(ValidationFailed) as caught:
        register_import(actor=admin_user, kind="assets", content=content)

    assert caught.value.code == code
    assert caught.value.details["file"]
    assert not Asset.objects.exists()


def test_size_and_row_limits_have_a_clear_message(admin_user, line_type, settings):
    settings.GONGDAN_ASSET_IMPORT_MAX_ROWS = 3
    rows = "".join(f"L{n},Line {n},line\r\n" for n in range(4))
    with pytest.raises(ValidationFailed) as caught:
        register_import(actor=admin_user, kind="assets", content=csv_bytes("code,name,type\r\n" + rows))
    assert caught.value.code == "too_many_rows" and "3" in str(caught.value.message)

    settings.GONGDAN_ASSET_IMPORT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as caught:
        register_import(actor=admin_user, kind="assets", content=csv_bytes("code,name,type\r\nL1,L,line\r\n"))
    assert caught.value.code == "file_too_large"


def test_only_administrators_import_and_export(agent, line_type):
    with pytest.raises(PermissionDenied):
        register_import(actor=agent, kind="assets", content=b"code,name,type\r\n")
    with pytest.raises(PermissionDenied):
        register_export(actor=agent, kind="assets", file_format="csv")


def _snapshot():
    locations = sorted(
        (loc.code, loc.name, loc.kind, loc.full_name, loc.address, loc.latitude, loc.longitude, loc.is_active)
        for loc in Location.objects.all()
    )
    assets = sorted(
        (a.code, a.name, a.asset_type.code, a.model_name, a.serial_number, a.manufacturer, a.supplier,
         a.installed_on, a.warranty_ends_on, a.criticality, a.status, str(a.location or ""),
         a.parent.code if a.parent else "", a.cost, tuple(sorted(a.custom_values.items())))
        for a in Asset.objects.select_related("asset_type", "location", "parent")
    )  # fmt: skip
    return locations, assets


def _empty_register():
    with connection.cursor():
        Asset.objects.filter(parent__isnull=False).order_by("-path").delete()
        AssetEvent.objects.all().delete()
        Asset.objects.all().delete()
        for location in Location.objects.order_by("-path"):
            location.delete()


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_into_an_empty_register_gives_the_same_register(
    admin_user, compressor_type, line_type, make_asset, plant, file_format
):
    # Given a register with a code-less tree, a coded room, a line with machines, custom fields and
    # texts a spreadsheet would run as formulas
    room = location_create(actor=None, name="空压机房", code="R-101", kind="room", parent=plant["hall"],
                           latitude=Decimal("-33.865143"), longitude=Decimal("151.2099"))  # fmt: skip
    line = asset_create(actor=None, code="L1", name="=HYPERLINK(\"http://x\")", asset_type=line_type,
                        location=room, manufacturer="@evil", supplier="-1+2", criticality="A")  # fmt: skip
    make_asset("AC-01", parent=line, cost=Decimal("12000.50"), installed_on=date(2024, 3, 1),
               warranty_ends_on=date(2027, 2, 28), status="degraded",
               custom_values={"power_kw": 55.5, "oil": "ISO 68"}, model_name="+GA 37")  # fmt: skip
    make_asset("AC-02", parent=line, location=None)
    before = _snapshot()
    locations = register_export(actor=admin_user, kind="locations", file_format=file_format)
    assets = register_export(actor=admin_user, kind="assets", file_format=file_format)

    # When the register is emptied and both files are imported back
    _empty_register()
    first = register_import(actor=admin_user, kind="locations", content=locations.content)
    second = register_import(actor=admin_user, kind="assets", content=assets.content)

    # Then it is the same register, and importing again changes nothing
    assert first.applied and second.applied, (first.errors, second.errors)
    assert _snapshot() == before
    again = register_import(actor=admin_user, kind="assets", content=assets.content)
    assert again.unchanged == 3 and not again.applied


def test_the_export_escapes_cells_a_spreadsheet_would_run(admin_user, line_type):
    for n, text in enumerate(["=1+2", "+SUM(A1)", "-3+3", "@cmd", "plain"]):
        asset_create(actor=None, code=f"L{n}", name=f"Line {n}", asset_type=line_type, manufacturer=text)

    workbook = load_workbook(
        io.BytesIO(register_export(actor=admin_user, kind="assets", file_format="xlsx").content)
    )
    csv_text = register_export(actor=admin_user, kind="assets", file_format="csv").content.decode("utf-8-sig")

    column = [row[5] for row in workbook["assets"].iter_rows(min_row=2, values_only=True)]
    assert column == ["'=1+2", "'+SUM(A1)", "'-3+3", "'@cmd", "plain"]
    assert all(cell.data_type == "s" for cell in workbook["assets"]["F"])
    assert "'=1+2" in csv_text and "\n=1+2" not in csv_text and ",=1+2" not in csv_text
    assert AuditEntry.objects.filter(kind="data.export").count() >= 2


def test_an_xlsx_sheet_named_after_the_kind_is_read(admin_user, line_type):
    content = xlsx_bytes([["code", "name", "type", "installed_on"], ["L1", "Line", "line", date(2024, 5, 6)]])

    report = register_import(actor=admin_user, kind="assets", content=content)

    assert report.applied and Asset.objects.get().installed_on == date(2024, 5, 6)
