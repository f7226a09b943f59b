"""A page says why it rang in words, in the reader's language: "First response due now (P0)" /
"首次响应已到期（P0）", not the code `sla:first_response:0` it keeps (issue 12, item 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from gongdan.notifications import kinds
from gongdan.notifications.models import Notification
from gongdan.oncall.models import Page
from gongdan.oncall.reasons import describe_page_reason
from gongdan.tickets.models import Priority
from gongdan.tickets.services import ticket_create
from tests.api.conftest import ApiClient
from tests.clients import signed_in

pytestmark = pytest.mark.django_db

WANG_DAY = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)  # wang is on call (tests/oncall/test_paging.py)


@pytest.mark.parametrize(
    ("code", "english", "chinese"),
    [
        ("sla:first_response:0:P0", "First response due now (P0)", "首次响应已到期（P0）"),
        ("sla:first_response:0", "First response due now", "首次响应已到期"),  # written before the priority
        ("sla:resolution:100:P1", "Resolution overdue (P1)", "解决已超时（P1）"),
        ("sla:resolution:80:P2", "Resolution: 80% of the time used (P2)", "解决已用去 80% 的时间（P2）"),
        (
            "sla:next_response:-30m:P1",
            "Next response due in 30 minutes (P1)",
            "下次响应将在 30 分钟后到期（P1）",
        ),
        (
            "sla:first_response:15m:P0",
            "First response overdue by 15 minutes (P0)",
            "首次响应已超时 15 分钟（P0）",
        ),
        ("P0 raised by monitoring", "P0 raised by monitoring", "P0 raised by monitoring"),  # free text
        ("sla:lunch:0:P0", "sla:lunch:0:P0", "sla:lunch:0:P0"),  # a code nobody describes reads as written
    ],
)
def test_a_reason_code_reads_as_words_in_each_language(code, english, chinese):
    with translation.override("en"):
        assert describe_page_reason(code) == english
    with translation.override("zh-hans"):
        assert describe_page_reason(code) == chinese


@pytest.fixture
def p0_page(
    monkeypatch, schedule, team, agent, requester, oncall_people, mail, django_capture_on_commit_callbacks
):
    """A P0 ticket created while wang is on call: the seeded urgent policy pages on-call at once."""
    monkeypatch.setattr(timezone, "now", lambda: WANG_DAY)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=agent, requester=requester, subject="全厂断网 Plant offline", team=team,
                               priority=Priority.objects.get(code="P0"))  # fmt: skip
    return Page.objects.get(ticket=ticket)


def test_the_stored_reason_is_a_code_and_every_place_shows_words(p0_page, mail, oncall_people, agent):
    wang, li, _zhao = oncall_people
    ticket = p0_page.ticket
    # Stored: the machine-readable code, on the page and on its ticket event
    assert p0_page.reason == "sla:first_response:0:P0"
    assert ticket.events.get(kind="oncall_paged").data["reason"] == "sla:first_response:0:P0"
    # The mail wang (Chinese) got
    (received,) = mail.messages
    assert received["Subject"] == f"[{ticket.number}] 值班呼叫：首次响应已到期（P0）"
    assert "sla:" not in received.get_body(("plain",)).get_content()
    # The bell, read by wang in Chinese and by an English reader
    notice = Notification.objects.get(user=wang, kind="oncall_page")
    assert (
        kinds.render_for(wang, notice.kind, data=notice.data, ticket=ticket).title
        == "值班呼叫：首次响应已到期（P0）"
    )
    english = kinds.render_for(li, notice.kind, data=notice.data, ticket=ticket)
    assert english.title == "On-call page: First response due now (P0)"
    # What a notification rule posts to a chat group for the "P0 page" event
    for language, title in (
        ("en", "On-call page: First response due now (P0)"),
        ("zh-hans", "值班呼叫：首次响应已到期（P0）"),
    ):
        with translation.override(language):
            assert (
                kinds.render(
                    "ticket_p0_page", data={"reason": p0_page.reason}, ticket=ticket, user=None
                ).title
                == title
            )


def test_the_on_call_screens_the_ticket_page_and_the_api_show_words(p0_page, oncall_people, agent):
    wang, _li, _zhao = oncall_people
    ticket = p0_page.ticket
    # My pages (wang reads Chinese), the acknowledge-link page and the ticket's pages panel
    mine = signed_in(wang).get("/notifications/pages/").content.decode()
    assert "首次响应已到期（P0）" in mine and "sla:first_response" not in mine
    agent.language = "en"
    agent.save(update_fields=["language"])
    ticket_page = signed_in(agent).get(f"/tickets/{ticket.number}/").content.decode()
    assert "First response due now (P0)" in ticket_page and "sla:first_response" not in ticket_page
    panel = signed_in(agent).get(f"/notifications/tickets/{ticket.number}/pages/").content.decode()
    assert "First response due now (P0)" in panel
    # The timeline line says why and whom it reached
    assert f"First response due now (P0) · to {wang.name}" in ticket_page
    # The API: words in the caller's language, and the code beside them
    (page,) = ApiClient(wang).get("pages").json()
    assert page["reason"] == "首次响应已到期（P0）" and page["reason_code"] == "sla:first_response:0:P0"
    (page,) = ApiClient(wang).get("pages", headers={"Accept-Language": "en"}).json()
    assert page["reason_code"] == "sla:first_response:0:P0"
