"""The dashboard's maintenance tab, its sheets in the period XLSX and the API: the figures of a small
hand-built history as the page, the workbook and the JSON show them, bad filters refused, few queries."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongdan.maintenance.models import Downtime, PmStatus, PmWorkOrder
from gongdan.maintenance.services import pm
from tests.clients import signed_in

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def at(day: int, hour: float = 0) -> datetime:
    return datetime(2026, 11, day, tzinfo=SHANGHAI) + timedelta(hours=hour)


@pytest.fixture
def history(admin_user, team, make_asset, line_type):
    """Four PM work orders due in November (three on time, one late) on a line's machine, and two closed
    downtime periods (3 h and 1 h) on the machine and on a standalone compressor."""
    line = make_asset("L1", name="装配线", asset_type=line_type, installed_on=date(2025, 1, 1))
    press = make_asset("L1-P", name="冲压机", parent=line, installed_on=date(2025, 1, 1))
    compressor = make_asset("AC-01", name="空压机", installed_on=date(2025, 1, 1))
    plan = pm.pm_plan_create(actor=admin_user, asset=press, name="周检", every=1, frequency="weeks",
                             starts_on=date(2030, 1, 1), requester=admin_user, team=team)  # fmt: skip
    PmWorkOrder.objects.filter(plan=plan).delete()
    for due, done in ((2, 2), (9, 9), (16, 16), (23, 25)):
        PmWorkOrder.objects.create(plan=plan, asset=press, planned_on=date(2026, 11, due), due_on=date(2026, 11, due),
                                   opens_on=date(2026, 11, due), status=PmStatus.DONE, completed_at=at(done, 15))  # fmt: skip
    Downtime.objects.create(asset=press, started_at=at(10, 8), ended_at=at(10, 11))
    Downtime.objects.create(asset=compressor, started_at=at(20, 8), ended_at=at(20, 9))
    return {"line": line, "press": press, "compressor": compressor}


def test_the_maintenance_tab_shows_the_figures_in_few_queries(admin_user, history, django_assert_num_queries):
    client = signed_in(admin_user)
    client.get(reverse("reports:maintenance"), NOVEMBER)  # warm: session, configuration cache
    # session + user, the filter bar's options (teams, categories, types, priorities, locations, asset
    # types), and the figures: PM work orders, work orders, top assets, top lines, their names, observed
    # time (two), downtime per type, type names, and the parts used (the spare parts app)
    with django_assert_num_queries(19):
        page = client.get(reverse("reports:maintenance"), NOVEMBER)
    assert page.status_code == 200
    board = page.context["board"]
    assert board.pm.rate == pytest.approx(0.75)
    body = page.content.decode()
    assert "75.0 %" in body
    assert [row["code"] for row in board.downtime_by_line] == ["L1", "AC-01"]
    data = page.context["chart_data"]
    assert data["lines"][0]["name"] == "L1 装配线" and data["lines"][0]["value"] == 3
    assert 'id="maintenance-data"' in body and "maintenance.js" in body


def test_the_query_count_does_not_grow_with_the_equipment(admin_user, history, make_asset,
                                                          django_assert_num_queries):  # fmt: skip
    client = signed_in(admin_user)
    for n in range(15):
        asset = make_asset(f"AC-{n + 10}", installed_on=date(2025, 1, 1))
        Downtime.objects.create(asset=asset, started_at=at(3, n), ended_at=at(3, n + 1))
    client.get(reverse("reports:maintenance"), NOVEMBER)
    with django_assert_num_queries(19):
        assert client.get(reverse("reports:maintenance"), NOVEMBER).status_code == 200


def test_an_empty_period_says_no_data(admin_user, history):
    page = signed_in(admin_user).get(
        reverse("reports:maintenance"), {"start": "2025-03-01", "end": "2025-03-31"}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="maintenance-no-data"' in body
    assert page.context["kpi_values"]["pm_rate"] == "—" and page.context["kpi_values"]["mtbf"] == "—"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-11-30"}, "end"),
        ({"asset_type": "x"}, "asset_type"),
        ({"location": "-3"}, "location"),
        ({"location": str(2**40)}, "location"),
        ({"criticality": "Z"}, "criticality"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(admin_user, params, field):
    page = signed_in(admin_user).get(reverse("reports:maintenance"), params)
    assert page.status_code == 400
    assert field in page.context["errors"]
    assert "board" not in page.context


def test_requesters_may_not_see_it(requester_client):
    assert requester_client.get(reverse("reports:maintenance")).status_code == 403


def test_the_filters_narrow_the_equipment(admin_user, history, line_type):
    client = signed_in(admin_user)
    by_type = client.get(reverse("reports:maintenance"), {**NOVEMBER, "asset_type": line_type.pk}).context[
        "board"
    ]
    assert by_type.downtime_by_asset == [] and by_type.pm.due == 0
    critical = client.get(reverse("reports:maintenance"), {**NOVEMBER, "criticality": "C"}).context["board"]
    assert critical.pm.due == 4  # the factory fixture's assets are C by default


def test_the_tabs_keep_the_period(admin_user, history):
    client = signed_in(admin_user)
    body = client.get(reverse("reports:dashboard"), NOVEMBER).content.decode()
    assert f"{reverse('reports:maintenance')}?start=2026-11-01&amp;end=2026-11-30" in body


def test_the_period_xlsx_has_the_maintenance_sheets(admin_user, history):
    client = signed_in(admin_user)
    response = client.get(
        reverse("reports:report_export", args=["xlsx"]), {"period": "monthly", "date": "2026-11-15"}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert {"Maintenance", "PM work orders", "Downtime", "Asset types"} <= set(book.sheetnames)
    assert book.sheetnames.index("Asset types") < book.sheetnames.index("Resolved tickets")
    figures = {row[0]: row[1] for row in book["Maintenance"].iter_rows(min_row=2, values_only=True)}
    assert figures["PM compliance %"] == 75.0
    assert figures["PM work orders due"] == 4 and figures["Done late"] == 1
    assert figures["Downtime (h)"] == 4 and figures["Failures"] == 2 and figures["MTTR (h)"] == 2
    downtime = list(book["Downtime"].iter_rows(min_row=2, values_only=True))
    assert ("Asset", "L1-P", "冲压机", 3, 1) in downtime
    assert ("Line", "L1", "装配线", 3, 1) in downtime
    weeks = list(book["PM work orders"].iter_rows(min_row=2, values_only=True))
    assert sum(row[1] for row in weeks) == 3 and sum(row[2] for row in weeks) == 1
    types = {row[0]: row for row in book["Asset types"].iter_rows(min_row=2, values_only=True)}
    assert types["Air compressor"][1] == 2  # two failures on compressors (the press is one too)
    assert "Parts consumption" in book.sheetnames  # filled by the spare parts app (none used here)


def test_a_site_without_equipment_gets_no_maintenance_sheets(admin_user):
    response = signed_in(admin_user).get(reverse("reports:report_export", args=["xlsx"]),
                                         {"period": "monthly", "date": "2026-11-15"})  # fmt: skip
    assert "Maintenance" not in load_workbook(io.BytesIO(response.content)).sheetnames


def test_the_api_gives_the_same_figures(admin_user, history, line_type):
    api = signed_in(admin_user)
    answer = api.get("/api/v1/reports/maintenance", NOVEMBER)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["pm_compliance"] == {
        "rate": 0.75,
        "due": 4,
        "on_time": 3,
        "late": 1,
        "missed": 0,
        "not_yet_due": 0,
    }
    assert data["totals"]["failures"] == 2 and data["totals"]["mttr_hours"] == 2
    assert [row["code"] for row in data["downtime_by_line"]] == ["L1", "AC-01"]
    assert data["parts_consumption"] == []  # the spare parts app answers; nothing used in the period
    refused = api.get("/api/v1/reports/maintenance", {"criticality": "Z"})
    assert refused.status_code == 422
    assert (
        api.get("/api/v1/reports/maintenance", {"start": "2026-11-30", "end": "2026-11-01"}).status_code
        == 422
    )
