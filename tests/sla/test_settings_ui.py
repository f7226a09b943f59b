"""The SLA settings screens: calendars, days, iCalendar import, policies, steps; validation and access."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongdan.accounts.models import Organisation
from gongdan.sla.models import BusinessCalendar, CalendarDay, EscalationStep, SlaPolicy, SlaTarget
from gongdan.tickets.models import Category
from tests.html import field_errors, form_errors

pytestmark = pytest.mark.django_db

ICS = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//holidays//CN
BEGIN:VEVENT
UID:1
DTSTART;VALUE=DATE:20280101
DTEND;VALUE=DATE:20280104
SUMMARY:\xe5\x85\x83\xe6\x97\xa6
END:VEVENT
BEGIN:VEVENT
UID:2
DTSTART;VALUE=DATE:20280108
DTEND;VALUE=DATE:20280109
SUMMARY:\xe5\x85\x83\xe6\x97\xa6\xe8\xa1\xa5\xe7\x8f\xad
END:VEVENT
BEGIN:VEVENT
UID:3
DTSTART:20280110T090000Z
DTEND:20280110T100000Z
SUMMARY:A meeting, not a day off
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def admin_browser(admin_user) -> Client:
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


WEEK = {f"day_{d}": "09:00-12:00, 13:30-18:00" for d in range(5)}


@pytest.mark.parametrize(
    "url",
    [
        "/settings/sla/calendars/",
        "/settings/sla/policies/",
        "/settings/sla/calendars/new/",
        "/settings/sla/policies/new/",
    ],
)
def test_only_admins_open_the_sla_settings(url, agent, client):
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_the_shipped_calendars_and_policies_are_listed(admin_browser):
    html = admin_browser.get("/settings/sla/calendars/").content.decode()
    assert "Mainland China" in html and "24×7" in html
    html = admin_browser.get("/settings/sla/policies/").content.decode()
    assert "Urgent (24×7)" in html and "Standard (business hours)" in html


def test_the_china_calendar_shows_its_provisional_2027_days(admin_browser):
    china = BusinessCalendar.objects.get(name_en="Mainland China")
    html = admin_browser.get(f"/settings/sla/calendars/{china.pk}/").content.decode()
    assert "2026-10-10" in html and "Make-up working day" in html
    assert "provisional" in html and "State Council" in html


def test_create_a_calendar_with_lunch_breaks(admin_browser):
    response = admin_browser.post("/settings/sla/calendars/new/", {"name": "苏州工厂", "name_en": "Suzhou plant",
                                  "time_zone": "Asia/Shanghai", **WEEK, "day_5": "09:00-12:00"})  # fmt: skip
    calendar = BusinessCalendar.objects.get(name="苏州工厂")
    assert response.status_code == 302 and response["Location"] == f"/settings/sla/calendars/{calendar.pk}/"
    assert calendar.weekly_hours["0"] == [[540, 720], [810, 1080]]
    assert calendar.weekly_hours["5"] == [[540, 720]] and calendar.weekly_hours["6"] == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"day_0": "9-12"}, "day_0", "Write working hours like"),
        ({"day_2": "13:00-12:00"}, "day_2", "Write working hours like"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Unknown time zone"),
        ({"name": ""}, "name", "This field is required"),
        ({"name": "中国大陆"}, "name", "Another calendar already has this name"),
        ({**{f"day_{d}": "" for d in range(7)}}, "day_0", "at least one weekday"),
    ],
)
def test_bad_calendar_input_is_refused_next_to_the_field(admin_browser, data, field, message):
    before = BusinessCalendar.objects.count()
    post = {"name": "新日历", "time_zone": "Asia/Shanghai", **WEEK, **data}
    response = admin_browser.post("/settings/sla/calendars/new/", post)
    assert response.status_code == 422
    assert any(message in e for e in field_errors(response, field)), field_errors(response, field)
    assert BusinessCalendar.objects.count() == before


def test_add_a_holiday_and_a_make_up_day_then_remove_one(admin_browser):
    china = BusinessCalendar.objects.get(name_en="Mainland China")
    url = f"/settings/sla/calendars/{china.pk}/days/"
    assert (
        admin_browser.post(url, {"date": "2028-02-12", "kind": "holiday", "name": "春节"}).status_code == 302
    )
    assert (
        admin_browser.post(url, {"date": "2028-02-19", "kind": "workday", "name": "补班"}).status_code == 302
    )
    workday = CalendarDay.objects.get(calendar=china, date=date(2028, 2, 19))
    assert workday.hours == [[540, 720], [780, 1080]]  # the calendar's usual weekday hours
    bad = admin_browser.post(url, {"date": "2028-02-20", "kind": "workday", "hours": "lunch"})
    assert bad.status_code == 422 and field_errors(bad, "hours")
    assert admin_browser.post(f"/settings/sla/days/{workday.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.filter(pk=workday.pk).exists()


def test_ical_import_previews_then_imports_what_the_admin_confirms(admin_browser):
    china = BusinessCalendar.objects.get(name_en="Mainland China")
    url = f"/settings/sla/calendars/{china.pk}/import/"
    preview = admin_browser.post(url, {"file": SimpleUploadedFile("cn.ics", ICS, "text/calendar")})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "4 days in the file" in html  # Jan 1–3 and the make-up day; the timed meeting is left out
    assert not CalendarDay.objects.filter(calendar=china, date__year=2028).exists()  # nothing saved yet
    confirm = {"confirm": "1", "count": "4"}
    for i, (day, kind) in enumerate(
        [
            ("2028-01-01", "holiday"),
            ("2028-01-02", "holiday"),
            ("2028-01-03", "skip"),
            ("2028-01-08", "workday"),
        ]
    ):
        confirm.update({f"date_{i}": day, f"kind_{i}": kind, f"name_{i}": "元旦"})
    assert admin_browser.post(url, confirm).status_code == 302
    rows = dict(CalendarDay.objects.filter(calendar=china, date__year=2028).values_list("date", "kind"))
    assert rows == {date(2028, 1, 1): "holiday", date(2028, 1, 2): "holiday", date(2028, 1, 8): "workday"}


def test_ical_preview_marks_make_up_days_from_their_names():
    from gongdan.sla.services import ical_parse

    days = {d.date: d.kind for d in ical_parse(ICS)}
    assert days[date(2028, 1, 8)] == "workday" and days[date(2028, 1, 1)] == "holiday"


def test_a_file_that_is_not_icalendar_is_refused(admin_browser):
    china = BusinessCalendar.objects.get(name_en="Mainland China")
    response = admin_browser.post(f"/settings/sla/calendars/{china.pk}/import/",
                                  {"file": SimpleUploadedFile("x.ics", b"hello", "text/calendar")})  # fmt: skip
    assert response.status_code == 422
    assert field_errors(response, "file") or form_errors(response)


def test_a_tampered_import_confirmation_changes_nothing(admin_browser):
    china = BusinessCalendar.objects.get(name_en="Mainland China")
    before = CalendarDay.objects.count()
    response = admin_browser.post(f"/settings/sla/calendars/{china.pk}/import/",
                                  {"confirm": "1", "count": "1", "date_0": "not a date", "kind_0": "holiday"})  # fmt: skip
    assert response.status_code == 302 and CalendarDay.objects.count() == before


def test_create_a_policy_with_targets_conditions_and_a_step(admin_browser, category, team, priorities):
    always = BusinessCalendar.objects.get(is_24x7=True)
    response = admin_browser.post("/settings/sla/policies/new/", {
        "name": "VIP 客户", "name_en": "VIP customers", "order": "5", "is_active": "on", "calendar": always.pk,
        "pause_statuses": ["pending_requester"], "service_tiers": ["vip"], "categories": [category.pk],
        "first_P1": "10", "resolution_P1": "120", "first_P2": "30", "resolution_P2": "240", f"stage_{team.pk}": "60",
    })  # fmt: skip
    policy = SlaPolicy.objects.get(name="VIP 客户")
    assert response.status_code == 302
    assert policy.conditions == {"categories": [category.pk], "service_tiers": ["vip"]}
    assert policy.pause_statuses == ["pending_requester"]
    assert SlaTarget.objects.get(policy=policy, priority__code="P1").first_response_minutes == 10
    assert policy.stage_targets.get().minutes == 60
    step = admin_browser.post(f"/settings/sla/policies/{policy.pk}/steps/", {"target": "resolution", "trigger": "before",
                              "value": "30", "action": "notify_team_leads"})  # fmt: skip
    assert step.status_code == 302
    assert EscalationStep.objects.get(policy=policy).minutes_from_due == -30
    html = admin_browser.get(f"/settings/sla/policies/{policy.pk}/").content.decode()
    assert "30 min before due" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_P2": "0"}, "first_P2"),
        ({"first_P2": "abc"}, "first_P2"),
        ({"calendar": ""}, "calendar"),
        ({"name": "标准（工作时间）"}, "name"),
        ({"order": "-1"}, "order"),
    ],
)
def test_bad_policy_input_is_refused(admin_browser, data, field):
    always = BusinessCalendar.objects.get(is_24x7=True)
    before = SlaPolicy.objects.count()
    response = admin_browser.post("/settings/sla/policies/new/", {"name": "新策略", "order": "1", "calendar": always.pk,
                                                                  "first_P2": "30", **data})  # fmt: skip
    assert response.status_code == 422
    assert field_errors(response, field), response.content.decode()[:3000]
    assert SlaPolicy.objects.count() == before


def test_a_step_without_a_team_to_reassign_to_is_refused(admin_browser):
    policy = SlaPolicy.objects.get(name_en="Urgent (24×7)")
    before = EscalationStep.objects.count()
    response = admin_browser.post(f"/settings/sla/policies/{policy.pk}/steps/",
                                  {"target": "resolution", "trigger": "percent", "value": "80", "action": "reassign_team"})  # fmt: skip
    assert response.status_code == 422 and field_errors(response, "team")
    assert EscalationStep.objects.count() == before


def test_the_policies_list_takes_the_same_queries_however_many_policies(
    admin_browser, django_assert_num_queries
):
    admin_browser.get("/settings/sla/policies/")
    # session, user, the policies with their counts, the priorities they name
    with django_assert_num_queries(4):
        admin_browser.get("/settings/sla/policies/")
    always = BusinessCalendar.objects.get(is_24x7=True)
    organisation = Organisation.objects.create(name="Org")
    category = Category.objects.create(name="类", name_en="Cat")
    for i in range(5):
        SlaPolicy.objects.create(name=f"p{i}", calendar=always, order=50 + i,
                                 conditions={"categories": [category.pk], "organisations": [organisation.pk]})  # fmt: skip
    with django_assert_num_queries(
        8
    ):  # + one query for the categories, one for the organisations, + the configuration version and the sign-in policy (session limits, decision 0118)
        admin_browser.get("/settings/sla/policies/")


def test_the_policies_list_names_what_each_policy_applies_to(admin_browser):
    always = BusinessCalendar.objects.get(is_24x7=True)
    acme = Organisation.objects.create(name="Acme Ltd", service_tier="vip")
    network = Category.objects.create(name="网络", name_en="Network")
    SlaPolicy.objects.create(
        name="VIP 网络", name_en="VIP network", calendar=always, order=1,
        conditions={"categories": [network.pk], "organisations": [acme.pk], "priorities": ["P1"],
                    "service_tiers": ["vip"], "ticket_types": ["incident"]},
    )  # fmt: skip
    html = admin_browser.get("/settings/sla/policies/").content.decode()
    assert "Categories: Network" in html and "Organisations: Acme Ltd" in html
    assert "Priorities: P1 " in html and "Ticket types: Incident" in html
    assert f"Categories: {network.pk}" not in html


def test_a_calendar_in_use_cannot_be_deleted(admin_browser):
    always = BusinessCalendar.objects.get(is_24x7=True)
    response = admin_browser.post(f"/settings/sla/calendars/{always.pk}/delete/", follow=True)
    assert "used by SLA policies" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=always.pk).exists()
