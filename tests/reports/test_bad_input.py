"""Out-of-range input to every reports page, export and API parameter is a 400 (web) or 422 (API) naming
the field, never a 500: ids past 2^63, dates at the ends of the calendar (0001-01-01, 9999-12-31) whose
previous period, next day or UTC instant does not exist."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"  # > 2^63


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"assignee": HUGE}, "assignee"),
        ({"assignee": "²"}, "assignee"),
        ({"team": HUGE}, "team"),
        ({"requester": HUGE}, "requester"),
        ({"category": HUGE}, "category"),
        ({"created_from": "0001-01-01"}, "created_from"),
        ({"created_to": "9999-12-31T23:59:59-10:00"}, "created_to"),
        ({"updated_from": "0001-01-01T00:00:00+14:00"}, "updated_from"),
        ({"updated_to": "9999-12-31"}, "updated_to"),
    ],
)
def test_the_queue_export_refuses_numbers_and_dates_out_of_range(client, manager, fmt, params, field):
    client.force_login(manager)
    response = client.get(reverse("reports:queue_export", args=[fmt]), params)
    assert response.status_code == 400
    assert field in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_queue_export_still_takes_a_large_but_valid_id(client, manager, fmt):
    client.force_login(manager)
    response = client.get(reverse("reports:queue_export", args=[fmt]), {"assignee": str(2**62)})
    assert response.status_code == 200


EDGE_RANGES = [
    ({"start": "0001-01-01", "end": "0001-01-30"}, "start"),  # the previous period would be before year 1
    ({"start": "9999-12-01", "end": "9999-12-31"}, "end"),  # the trend's next day is past year 9999
    ({"start": "1899-12-31", "end": "1900-01-02"}, "start"),
]
REPORT_IDS = [
    ({name: value}, name)
    for name in ("team", "category", "ticket_type", "priority", "location")
    for value in (HUGE, "²")
]


@pytest.mark.parametrize(("params", "field"), EDGE_RANGES + REPORT_IDS)
@pytest.mark.parametrize("page", ["reports:dashboard", "reports:tickets"])
def test_report_pages_refuse_dates_and_ids_out_of_range(client, manager, page, params, field):
    client.force_login(manager)
    response = client.get(reverse(page), params)
    assert response.status_code == 400
    assert field in response.context["errors"]


@pytest.mark.parametrize(("params", "field"), EDGE_RANGES + REPORT_IDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_drill_down_exports_refuse_dates_and_ids_out_of_range(client, manager, fmt, params, field):
    client.force_login(manager)
    response = client.get(reverse("reports:tickets_export", args=[fmt]), params)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"metric": "created", "day": "0001-01-01"},
        {"metric": "created", "assignee": HUGE},
        {"metric": "created", "team": "²"},
        {"metric": "backlog", "age": "forever"},
    ],
)
def test_drill_down_narrowing_out_of_range_is_a_400(client, manager, params):
    client.force_login(manager)
    assert client.get(reverse("reports:tickets"), params).status_code == 400
    assert client.get(reverse("reports:tickets_export", args=["csv"]), params).status_code == 400


def test_a_drill_down_page_past_any_id_is_a_400(client, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:tickets"), {"metric": "created", "before": HUGE})
    assert response.status_code == 400
    assert "before" in response.context["errors"]


@pytest.mark.parametrize("fmt", ["html", "xlsx", "pdf"])
@pytest.mark.parametrize(
    "params",
    [
        {"period": "monthly", "date": "9999-12-31"},
        {"period": "daily", "date": "9999-12-31"},
        {"period": "weekly", "date": "0001-01-01"},
        {"period": "monthly", "date": "0001-01-15"},
        {"period": "monthly", "team": HUGE},
    ],
)
def test_period_reports_refuse_dates_and_ids_out_of_range(client, manager, fmt, params):
    client.force_login(manager)
    url = reverse("reports:report") if fmt == "html" else reverse("reports:report_export", args=[fmt])
    assert client.get(url, params).status_code == 400


@pytest.mark.parametrize(
    ("params", "field"),
    [
        *EDGE_RANGES,
        *REPORT_IDS,
        ({"team": "-1"}, "team"),
    ],
)
def test_the_api_refuses_dates_and_ids_out_of_range(client, manager, params, field):
    client.force_login(manager)
    response = client.get("/api/v1/reports/dashboard", params)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["details"]


def test_the_refusal_reads_in_the_readers_language(client, manager):
    manager.language = "zh-hans"
    manager.save()
    client.force_login(manager)
    url = reverse("reports:queue_export", args=["csv"])
    response = client.get(url, {"created_from": "1800-01-01"})  # a date the queue takes, no report names
    assert response.status_code == 400
    assert "请输入 1900-01-01 至 9998-12-31 之间的日期。" in response.content.decode()
    # Before year 1 in UTC: the queue's own filter refuses it.
    response = client.get(url, {"created_from": "0001-01-01"})
    assert response.status_code == 400
    assert "超出范围：请使用 UTC 时间 1 年至 9999 年之间的日期。" in response.content.decode()


def test_the_subscription_screen_refuses_ids_past_any_row(client, admin_user):
    client.force_login(admin_user)
    url = reverse("reports:subscription_list")
    response = client.post(url, {"recipient": HUGE, "period": "weekly", "team": HUGE})
    assert response.status_code == 422
    assert client.post(f"/settings/reports/subscriptions/{HUGE}/delete/").status_code == 404
