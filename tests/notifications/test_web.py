"""The agent's screens: the bell, my notifications, my pages, acknowledging from the mail link."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse

from gongdan.notifications.models import Notification
from gongdan.notifications.services import notify
from gongdan.oncall.links import ack_token
from gongdan.oncall.models import Page
from gongdan.oncall.services import page_on_call
from tests.clients import signed_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def li(team):
    user = AgentFactory(username="li", language="en")
    team.memberships.create(user=user)
    return user


def notices_for(user, ticket, n):
    for i in range(n):
        notify(recipients=[user], kind="sla_breached", ticket=ticket,
               data={"target": "resolution", "due_at": "2026-11-27T06:30:00+00:00", "by_seconds": 60 * (i + 1)})  # fmt: skip


def test_the_queue_shows_a_lazy_bell_and_the_bell_counts_unread(li, ticket, django_assert_num_queries):
    client = signed_in(li)
    page = client.get(reverse("tickets:queue")).content.decode()
    assert 'hx-get="/notifications/bell/"' in page
    assert 'hx-trigger="load' in page
    notices_for(li, ticket, 3)
    with django_assert_num_queries(4):  # session, user, count, the configuration version (session limits)
        bell = client.get(reverse("notifications:bell")).content.decode()
    assert 'data-unread="3"' in bell


def test_my_notifications_newest_first_with_keyset_pages(li, ticket, django_assert_num_queries):
    notices_for(li, ticket, 30)
    client = signed_in(li)
    with django_assert_num_queries(
        6
    ):  # session, user, notices with tickets, unread count, + the configuration version and the sign-in policy (session limits, decision 0118)
        response = client.get(reverse("notifications:list"))
    html = response.content.decode()
    ids = [int(i) for i in re.findall(r'data-notification="(\d+)"', html)]
    assert len(ids) == 25
    assert ids == sorted(ids, reverse=True)
    assert "SLA breached: resolution overdue by 30 min" in html
    assert f"?before={ids[-1]}" in html
    older = client.get(reverse("notifications:list"), {"before": ids[-1]}).content.decode()
    assert len(re.findall(r'data-notification="(\d+)"', older)) == 5
    assert client.get(reverse("notifications:list"), {"before": "junk"}).status_code == 200


def test_a_chinese_reader_sees_chinese_notices(ticket, team):
    wang = AgentFactory(username="wang", language="zh-hans")
    notices_for(wang, ticket, 1)
    html = signed_in(wang).get(reverse("notifications:list")).content.decode()
    assert "SLA 已违约：解决已超时 1 分钟" in html


def test_mark_read_one_by_htmx_and_all(li, ticket):
    notices_for(li, ticket, 2)
    first, second = Notification.objects.order_by("id")
    client = signed_in(li)
    response = client.post(reverse("notifications:read", args=[first.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Trigger"] == "gd-notifications-changed"
    assert "gd-unread" not in response.content.decode()
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notifications:read_all"))
    second.refresh_from_db()
    assert second.read_at is not None
    assert "data-unread" not in client.get(reverse("notifications:bell")).content.decode()


def test_mark_read_without_htmx_goes_back_to_the_list(li, ticket):
    notices_for(li, ticket, 1)
    notice = Notification.objects.get()
    response = signed_in(li).post(reverse("notifications:read", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_nobody_reads_or_marks_another_persons_notices(li, ticket, other_agent):
    notices_for(li, ticket, 1)
    notice = Notification.objects.get()
    client = signed_in(other_agent)
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    assert "data-notification" not in client.get(reverse("notifications:list")).content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None
    assert signed_in(li).get(reverse("notifications:read", args=[notice.pk])).status_code == 405


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for name in ("notifications:list", "notifications:bell", "oncall:pages"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login/" in response["Location"]


# --- pages ---------------------------------------------------------------------------------------------------


@pytest.fixture
def paged(schedule, ticket, oncall_people, monkeypatch):
    from django.utils import timezone

    moment = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)  # wang's day
    with mock.patch.object(timezone, "now", return_value=moment):
        page = page_on_call(ticket=ticket, reason="P0 core switch down")
    return page


def test_my_pages_lists_the_open_page_and_acknowledges_it(paged, oncall_people, ticket):
    wang = oncall_people[0]
    client = signed_in(wang)
    html = client.get(reverse("oncall:pages")).content.decode()
    assert f'data-page="{paged.pk}"' in html
    assert "P0 core switch down" in html
    response = client.post(reverse("oncall:page_ack", args=[paged.pk]), follow=True)
    assert "重复呼叫已停止" in response.content.decode()  # wang reads Chinese
    paged.refresh_from_db()
    assert (paged.state, paged.acknowledged_by) == (Page.State.ACKNOWLEDGED, wang)
    # A second click says who was first
    response = client.post(reverse("oncall:page_ack", args=[paged.pk]), follow=True)
    assert "Wang 已于" in response.content.decode()


def test_the_mail_link_acknowledges_once_without_signing_in(client, paged, oncall_people):
    wang = oncall_people[0]
    url = reverse("oncall:page_ack_link", args=[ack_token(paged.pk, wang.pk)])
    # A mail scanner following the link changes nothing
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "P0 core switch down" in confirm.content.decode()
    paged.refresh_from_db()
    assert paged.state == Page.State.OPEN
    # The person presses the button
    done = client.post(url)
    assert done.status_code == 200
    paged.refresh_from_db()
    assert (paged.state, paged.acknowledged_by) == (Page.State.ACKNOWLEDGED, wang)
    event = paged.ticket.events.get(kind="oncall_acknowledged")
    assert event.data["via"] == "email_link"
    # The same link again is refused with a clear page
    again = client.post(url)
    assert again.status_code == 409
    assert "此呼叫已由 Wang 确认" in again.content.decode()  # the site default, zh-hans


def test_a_forged_or_expired_link_is_refused(paged, oncall_people, settings):
    from django.test import Client

    client = Client(headers={"Accept-Language": "en"})  # a phone set to English
    wang, _li, _zhao = oncall_people
    token = ack_token(paged.pk, wang.pk)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(reverse("oncall:page_ack_link", args=[forged]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    # A link for someone who was never paged about it
    stranger = AgentFactory(username="stranger")
    response = client.post(reverse("oncall:page_ack_link", args=[ack_token(paged.pk, stranger.pk)]))
    assert response.status_code == 404
    # An expired link
    settings.GONGDAN_PAGE_LINK_MAX_AGE = 60
    with mock.patch("django.core.signing.time.time", return_value=signing.time.time() + 3600):
        response = client.post(reverse("oncall:page_ack_link", args=[token]))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    paged.refresh_from_db()
    assert paged.state == Page.State.OPEN


def test_a_tickets_pages_fragment_acknowledges_and_comes_back_to_the_ticket(
    paged, oncall_people, ticket, requester
):
    wang = oncall_people[0]
    client = signed_in(wang)
    fragment = client.get(reverse("oncall:ticket_pages", args=[ticket.number])).content.decode()
    assert f'data-page="{paged.pk}"' in fragment
    response = client.post(reverse("oncall:page_ack", args=[paged.pk]),
                           {"next": reverse("tickets:ticket_detail", args=[ticket.number])})  # fmt: skip
    assert response["Location"] == reverse("tickets:ticket_detail", args=[ticket.number])
    evil = client.post(reverse("oncall:page_ack", args=[paged.pk]), {"next": "https://evil.example/"})
    assert evil["Location"] == reverse("oncall:pages")
    # A requester (even the ticket's own) does not see the pages
    assert signed_in(requester).get(reverse("oncall:ticket_pages", args=[ticket.number])).status_code == 404


def test_my_pages_costs_the_same_queries_however_many_pages(paged, oncall_people, django_assert_num_queries):
    from gongdan.oncall.services import page_acknowledge

    wang = oncall_people[0]
    page_acknowledge(actor=wang, page_id=paged.pk)
    for number in range(3):
        from gongdan.tickets.services import ticket_create

        other = ticket_create(actor=wang, subject=f"Another outage {number}", team=paged.ticket.team)
        with mock.patch(
            "django.utils.timezone.now", return_value=dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
        ):
            page_on_call(ticket=other, reason="P0")
    client = signed_in(wang)
    with django_assert_num_queries(
        5
    ):  # session, user, pages with tickets and who acknowledged, + the configuration version and the sign-in policy (session limits, decision 0118)
        html = client.get(reverse("oncall:pages")).content.decode()
    assert html.count("data-page=") == 4
