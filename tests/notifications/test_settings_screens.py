"""Admin screens: on-call schedules, overrides, who is on call, the outbox. Admins only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from gongdan.notifications.services import notify
from gongdan.oncall.models import OnCallOverride, OnCallSchedule
from gongdan.outbox.models import OutboxMessage
from tests.clients import signed_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


def schedule_form(**changes):
    data = {"name": "Network on-call", "team": "", "time_zone": "Asia/Shanghai", "rotation_days": "7",
            "handoff_time": "09:00", "start_date": "2026-11-02", "primary": "wang\nli", "backup": "zhao",
            "repeat_interval_minutes": "5", "escalate_after_repeats": "2", "max_repeats": "36", "is_active": "on"}  # fmt: skip
    data.update(changes)
    return data


def test_an_admin_creates_a_weekly_rotation_and_sees_who_is_on_call(admin_client, oncall_people):
    wang, li, zhao = oncall_people
    response = admin_client.post(reverse("oncall:schedule_create"), schedule_form())
    schedule = OnCallSchedule.objects.get(name="Network on-call")
    assert response.status_code == 302
    assert response["Location"] == reverse("oncall:schedule_detail", args=[schedule.pk])
    assert [(p.user, p.layer, p.position) for p in schedule.participants.order_by("layer", "position")] == [
        (wang, 1, 0), (li, 1, 1), (zhao, 2, 0)]  # fmt: skip
    detail = admin_client.get(response["Location"]).content.decode()
    assert "data-oncall-now" in detail
    listing = admin_client.get(reverse("oncall:schedule_list")).content.decode()
    assert "Network on-call" in listing
    # The edit form shows the rotation in order and saves a new order
    edit = admin_client.get(reverse("oncall:schedule_edit", args=[schedule.pk])).content.decode()
    assert "wang\nli</textarea>" in edit
    admin_client.post(reverse("oncall:schedule_edit", args=[schedule.pk]),
                      schedule_form(primary="li\nwang", backup=""))  # fmt: skip
    assert [p.user for p in schedule.participants.order_by("layer", "position")] == [li, wang]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"primary": ""}, "primary"),
        ({"primary": "wang\nnobody"}, "primary"),
        ({"primary": "wang\nwang"}, "primary"),
        ({"primary": "alice"}, "primary"),  # a requester cannot be on call
        ({"rotation_days": "0"}, "rotation_days"),
        ({"repeat_interval_minutes": "abc"}, "repeat_interval_minutes"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_schedules_are_refused_next_to_the_field(admin_client, oncall_people, requester, changes, field):
    response = admin_client.post(reverse("oncall:schedule_create"), schedule_form(**changes))
    assert response.status_code == 422
    assert f'data-field-error="{field}"' in response.content.decode()
    assert not OnCallSchedule.objects.exists()


def test_overrides_are_added_shown_and_removed(admin_client, schedule, other_agent):
    url = reverse("oncall:schedule_detail", args=[schedule.pk])
    start = dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(hours=1)  # the admin's zone
    data = {"user": other_agent.pk, "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    assert admin_client.post(url, data).status_code == 302
    override = OnCallOverride.objects.get()
    page = admin_client.get(url).content.decode()
    assert other_agent.name in page
    assert "override" in page.lower()
    # An end before the start is refused
    bad = {**data, "ends_at": (start - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")}
    response = admin_client.post(url, bad)
    assert response.status_code == 422
    assert 'data-field-error="ends_at"' in response.content.decode()
    admin_client.post(reverse("oncall:override_delete", args=[schedule.pk, override.pk]))
    assert not OnCallOverride.objects.exists()


def test_agents_cannot_open_or_change_the_settings(agent, schedule, oncall_people):
    client = signed_in(agent)
    for url in (reverse("oncall:schedule_list"), reverse("oncall:schedule_create"),
                reverse("oncall:schedule_edit", args=[schedule.pk]), reverse("outbox:outbox")):  # fmt: skip
        assert client.get(url).status_code == 403
    assert (
        client.post(reverse("oncall:schedule_edit", args=[schedule.pk]), schedule_form(name="x")).status_code
        == 403
    )
    schedule.refresh_from_db()
    assert schedule.name == "IT on-call"


def test_the_outbox_says_when_no_mail_server_is_configured_and_filters_by_state(
    admin_client, settings, ticket, django_assert_num_queries
):
    settings.GONGDAN_SMTP_URL = ""
    for i in range(3):
        notify(recipients=[AgentFactory(username=f"p{i}")], kind="ticket_assigned", ticket=ticket)
    OutboxMessage.objects.filter(address="p0@example.com").update(state="dead", last_error="550 no such user")
    with django_assert_num_queries(
        6
    ):  # session, user, messages with their tickets, counts per state, + the configuration version and the sign-in policy (session limits, decision 0118)
        page = admin_client.get(reverse("outbox:outbox")).content.decode()
    assert "data-smtp-missing" in page
    assert page.count("data-message=") == 3
    dead = admin_client.get(reverse("outbox:outbox"), {"state": "dead"}).content.decode()
    assert dead.count("data-message=") == 1
    assert "550 no such user" in dead


def test_an_admin_retries_a_dead_message_from_the_outbox(
    admin_client, mail, ticket, django_capture_on_commit_callbacks
):
    notify(recipients=[AgentFactory(username="p0")], kind="ticket_assigned", ticket=ticket)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(state="dead", attempts=8)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("outbox:outbox_retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert len(mail.messages) == 1
