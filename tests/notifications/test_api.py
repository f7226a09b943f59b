"""/api/v1/notifications and /api/v1/pages: mine only, keyset pages, mark read, acknowledge."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from gongdan.notifications.models import Notification
from gongdan.notifications.services import notify
from gongdan.oncall.models import Page
from gongdan.oncall.services import page_on_call
from tests.api.conftest import ApiClient
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_list_mine_newest_first_in_my_language_with_keyset_pages(ticket):
    li = AgentFactory(username="li", language="en")
    wang = AgentFactory(username="wang", language="zh-hans")
    for _ in range(3):
        notify(recipients=[li, wang], kind="ticket_assigned", ticket=ticket, data={"by": "Lead"})
    api = ApiClient(li)
    first = api.get("notifications", {"limit": 2}).json()
    assert [n["title"] for n in first["items"]] == ["Assigned to you by Lead"] * 2
    assert first["unread"] == 3
    assert first["items"][0]["ticket"] == ticket.number
    assert first["items"][0]["id"] > first["items"][1]["id"]
    rest = api.get("notifications", {"limit": 2, "before": first["next_before"]}).json()
    assert len(rest["items"]) == 1
    assert rest["next_before"] is None
    assert ApiClient(wang).get("notifications").json()["items"][0]["title"] == "Lead 将工单分派给了您"


def test_mark_read_and_all_read_and_nobody_elses(ticket):
    li, chen = AgentFactory(username="li"), AgentFactory(username="chen")
    notify(recipients=[li], kind="ticket_assigned", ticket=ticket)
    notify(recipients=[li], kind="ticket_assigned", ticket=ticket)
    mine = Notification.objects.filter(user=li).order_by("id").first()
    assert ApiClient(chen).post(f"notifications/{mine.pk}/read").status_code == 404
    response = ApiClient(li).post(f"notifications/{mine.pk}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert ApiClient(li).post("notifications/read-all").json() == {"updated": 1}
    assert ApiClient().get("notifications").status_code == 401


def test_bad_query_is_a_422(ticket):
    api = ApiClient(AgentFactory(username="li"))
    assert api.get("notifications", {"limit": 0}).status_code == 422
    assert api.get("notifications", {"before": "x"}).status_code == 422


def test_acknowledge_a_page_over_the_api(schedule, ticket, oncall_people):
    wang, li, _zhao = oncall_people
    with mock.patch.object(timezone, "now", return_value=dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)):
        page = page_on_call(ticket=ticket, reason="P0")
    pages = ApiClient(wang).get("pages").json()
    assert [(p["id"], p["state"], p["ticket"]) for p in pages] == [(page.pk, "open", ticket.number)]
    assert (
        ApiClient(AgentFactory(username="outsider")).post(f"pages/{page.pk}/acknowledge").status_code == 404
    )
    response = ApiClient(wang).post(f"pages/{page.pk}/acknowledge")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "wang"
    again = ApiClient(li).post(f"pages/{page.pk}/acknowledge")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_acknowledged"
    assert Page.objects.get().state == Page.State.ACKNOWLEDGED
