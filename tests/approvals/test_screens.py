"""Where approvers decide and requesters look: My approvals, the decision page, the mailed link's
confirmation page, the phone's Approvals tab, the portal, the ticket page and the REST API."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.test import Client

from gongdan.approvals import links
from gongdan.approvals.models import ApprovalRequest, ApprovalTask, RequestStatus, TaskStatus
from gongdan.outbox.models import OutboxMessage
from tests.approvals.conftest import people_stage
from tests.clients import signed_in


@pytest.fixture
def waiting(make_flow, file_ticket, approver, approver_b):
    make_flow(people_stage(approver), people_stage(approver_b))
    ticket = file_ticket(cost=12000)
    return ticket, ApprovalTask.objects.get(step__request__ticket=ticket, approver=approver)


def mailed_link(person, decision: str) -> str:
    body = (
        OutboxMessage.objects.filter(kind="approval", address=person.email).order_by("-pk").first().body_text
    )
    urls = re.findall(r"https?://\S+/approvals/link/\S+/", body)
    url = next(u for u in urls if links.read_link(u.rstrip("/").rsplit("/", 1)[1]).decision == decision)
    return urlsplit(url).path


# --- My approvals and the decision page -----------------------------------------------------------------


def test_my_approvals_lists_what_waits_and_a_decision_is_recorded(
    waiting, approver, django_assert_max_num_queries
):
    ticket, task = waiting
    browser = signed_in(approver)
    with django_assert_max_num_queries(12):
        page = browser.get("/approvals/")
    assert page.status_code == 200
    assert ticket.number in page.content.decode() and f'data-task="{task.pk}"' in page.content.decode()
    detail = browser.get(f"/approvals/{task.pk}/")
    assert detail.status_code == 200 and "12000" in detail.content.decode()
    answer = browser.post(f"/approvals/{task.pk}/", {"decision": "approve", "comment": "Fine"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.via, task.comment) == (TaskStatus.APPROVED, "web", "Fine")


def test_rejecting_without_a_comment_is_refused_next_to_the_field(waiting, approver):
    _ticket, task = waiting
    answer = signed_in(approver).post(f"/approvals/{task.pk}/", {"decision": "reject", "comment": ""})
    assert answer.status_code == 422
    assert 'data-field-error="comment"' in answer.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_someone_elses_approval_is_not_found(waiting, approver_b, requester_client):
    _ticket, task = waiting
    assert signed_in(approver_b).get(f"/approvals/{task.pk}/").status_code == 404
    assert requester_client.post(f"/approvals/{task.pk}/", {"decision": "approve"}).status_code == 404


def test_a_requester_who_approves_uses_my_approvals_too(make_flow, file_ticket, requester, other_requester):
    # A manager who is a requester (no staff role) decides from the web UI and is told in the portal
    requester.manager = other_requester
    requester.save(update_fields=["manager"])
    make_flow({"approver_kind": "requester_manager"})
    file_ticket()
    manager_browser = signed_in(other_requester)
    assert 'data-approvals-waiting="1"' in manager_browser.get("/portal/").content.decode()
    task = ApprovalTask.objects.get(approver=other_requester)
    assert manager_browser.post(f"/approvals/{task.pk}/", {"decision": "approve"}).status_code == 302
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED


# --- the mailed link -------------------------------------------------------------------------------------


def test_the_mailed_link_asks_to_confirm_and_a_get_decides_nothing(waiting, approver):
    _ticket, task = waiting
    url = mailed_link(approver, "approve")
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "<form" in page.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING  # the GET changed nothing
    done = anonymous.post(url, {"decision": "approve", "comment": "ok by mail"})
    assert done.status_code == 200
    task.refresh_from_db()
    assert (task.status, task.via, task.decided_by_id) == (TaskStatus.APPROVED, "email", approver.pk)


def test_the_mailed_link_works_once(waiting, approver):
    _ticket, _task = waiting
    url = mailed_link(approver, "approve")
    assert Client().post(url, {"decision": "approve"}).status_code == 200
    again = Client().post(url, {"decision": "approve"})
    assert again.status_code == 409
    assert Client().get(url).status_code == 409


def test_an_expired_link_is_refused(waiting, approver, settings):
    _ticket, task = waiting
    url = mailed_link(approver, "approve")
    settings.GONGDAN_APPROVAL_LINK_MAX_AGE = -1
    answer = Client().post(url, {"decision": "approve"})
    assert answer.status_code == 410
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_a_tampered_link_is_refused(waiting, approver, approver_b):
    _ticket, task = waiting
    url = mailed_link(approver, "reject")
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged_payload = signing.dumps(
        {"t": task.pk, "u": approver.pk, "r": 1, "d": "approve"}, salt="another-salt"
    )
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged_payload, "x" * 500):
        assert Client().post(f"/approvals/link/{bad}/", {"decision": "approve"}).status_code in (400, 404)
    # A link for a decision other than the one posted is refused too
    assert Client().post(url, {"decision": "approve"}).status_code == 422
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING


def test_a_link_of_an_earlier_round_dies_after_a_send_back(waiting, approver, requester):
    _ticket, task = waiting
    url = mailed_link(approver, "approve")
    browser = signed_in(approver)
    browser.post(f"/approvals/{task.pk}/", {"decision": "send_back", "comment": "Which floor?"})
    assert Client().get(url).status_code == 409


# --- phone, portal, ticket page ----------------------------------------------------------------------------


def test_the_phone_tab_lists_and_decides(make_flow, file_ticket, agent, django_assert_max_num_queries):
    make_flow(people_stage(agent))
    ticket = file_ticket()
    phone = signed_in(agent)
    with django_assert_max_num_queries(12):
        tab = phone.get("/m/approvals/")
    assert ticket.number in tab.content.decode()
    task = ApprovalTask.objects.get(approver=agent)
    assert phone.get(f"/m/approvals/{task.pk}/").status_code == 200
    refused = phone.post(f"/m/approvals/{task.pk}/", {"decision": "send_back", "comment": ""})
    assert refused.status_code == 422 and 'data-field-error="comment"' in refused.content.decode()
    done = phone.post(f"/m/approvals/{task.pk}/", {"decision": "approve"})
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.via) == (TaskStatus.APPROVED, "phone")


def test_the_requester_sees_where_the_approval_stands(
    waiting, requester_client, approver, django_assert_max_num_queries
):
    ticket, task = waiting
    signed_in(approver).post(f"/approvals/{task.pk}/", {"decision": "approve", "comment": "Go ahead"})
    with django_assert_max_num_queries(30):
        page = requester_client.get(f"/portal/requests/{ticket.number}/")
    html = page.content.decode()
    assert page.status_code == 200 and "data-approvals" in html
    assert 'data-step-status="approved"' in html and 'data-step-status="active"' in html
    assert "Go ahead" in html and approver.name in html


def test_the_ticket_page_shows_the_approval_panel(waiting, agent_client):
    ticket, _task = waiting
    page = agent_client.get(f"/tickets/{ticket.number}/")
    assert page.status_code == 200
    assert 'id="ticket-approvals"' in page.content.decode()


# --- the REST API -------------------------------------------------------------------------------------------


def test_api_mine_decide_and_status(waiting, approver, requester_client):
    ticket, task = waiting
    api = signed_in(approver)
    mine = api.get("/api/v1/approvals/mine")
    assert mine.status_code == 200 and [t["id"] for t in mine.json()] == [task.pk]
    bad = api.post(
        f"/api/v1/approvals/tasks/{task.pk}/decide", {"decision": "reject"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "comment" in bad.json()["error"]["details"]
    unknown = api.post(f"/api/v1/approvals/tasks/{task.pk}/decide", {"decision": "maybe"},
                       content_type="application/json")  # fmt: skip
    assert unknown.status_code == 422
    ok = api.post(f"/api/v1/approvals/tasks/{task.pk}/decide", {"decision": "approve", "comment": "yes"},
                  content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    again = api.post(f"/api/v1/approvals/tasks/{task.pk}/decide", {"decision": "approve"},
                     content_type="application/json")  # fmt: skip
    assert again.status_code == 409
    status = requester_client.get(f"/api/v1/tickets/{ticket.number}/approvals")
    assert status.status_code == 200
    steps = status.json()[0]["steps"]
    assert [s["status"] for s in steps] == ["approved", "active"]


def test_api_flows_are_for_admins(waiting, admin_browser, agent_client):
    assert agent_client.get("/api/v1/approvals/flows").status_code == 403
    flows = admin_browser.get("/api/v1/approvals/flows").json()
    assert flows[0]["definition"]["format"] == "gongdan.approval_flow/1"


def test_naming_a_delegate_on_my_approvals(approver, approver_b):
    browser = signed_in(approver)
    refused = browser.post("/approvals/delegations/", {"delegate": "nobody", "starts_at": "2026-01-01T09:00",
                                                       "ends_at": "2099-01-01T09:00"})  # fmt: skip
    assert refused.status_code == 422 and 'data-field-error="delegate"' in refused.content.decode()
    backwards = browser.post("/approvals/delegations/", {"delegate": approver_b.username,
                                                         "starts_at": "2099-01-02T09:00", "ends_at": "2099-01-01T09:00"})  # fmt: skip
    assert backwards.status_code == 422 and 'data-field-error="ends_at"' in backwards.content.decode()
    saved = browser.post("/approvals/delegations/", {"delegate": approver_b.email, "starts_at": "2026-01-01T09:00",
                                                     "ends_at": "2099-01-01T09:00"})  # fmt: skip
    assert saved.status_code == 302
    assert approver_b.name in browser.get("/approvals/").content.decode()
    assert approver.name in signed_in(approver_b).get("/approvals/").content.decode()  # "you decide for …"
