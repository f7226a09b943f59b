"""Inputs that once reached a 500 get a clear 4xx naming what is wrong, and write nothing (rule 6)."""

from __future__ import annotations

import time

import pytest

from gongdan.api.inputs import MAX_ID
from gongdan.api.models import ApiToken
from gongdan.tickets.models import Attachment, Ticket, TicketEvent
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

TOO_BIG_ID = MAX_ID + 1  # 2**63: no database column holds it
EN = {"Accept-Language": "en"}


def nested(depth: int) -> str:
    return '{"subject": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [500, 1_000, 5_000, 100_000])
def test_a_deeply_nested_body_is_refused_with_400(agent_api, depth):
    before = Ticket.objects.count()

    response = agent_api.post("tickets", nested(depth), headers=EN)

    error = assert_error(response, 400, "json_too_deep")
    assert "nested too deeply" in error["message"]
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("depth", [40, 5_000])
def test_the_unauthenticated_token_endpoint_refuses_deep_nesting_too(anon, depth):
    response = anon.post("auth/token", '{"username": ' + "[" * depth + "]" * depth + "}")

    assert_error(response, 400, "json_too_deep")
    assert not ApiToken.objects.exists()


def test_nesting_within_the_limit_is_judged_by_the_schema(agent_api):
    response = agent_api.post("tickets", nested(10))

    error = assert_error(response, 422, "validation_failed")
    assert "subject" in error["details"]


@pytest.mark.parametrize("field", ["created_from", "created_to", "updated_from", "updated_to"])
@pytest.mark.parametrize("value", ["0001-01-01", "0001-01-01T00:00:00", "9999-12-31T23:00:00-05:00"])
def test_a_date_at_the_edge_of_the_calendar_is_a_422_naming_the_field(agent_api, make_ticket, field, value):
    make_ticket()

    response = agent_api.get("tickets", {field: value}, headers=EN)

    error = assert_error(response, 422, "validation_failed")
    assert list(error["details"]) == [field]
    assert "Out of range" in error["details"][field][0]


def test_the_documented_subject_limit_is_the_real_one(agent_api, anon):
    schema = anon.get("openapi.json").json()["components"]["schemas"]
    documented = schema["TicketCreateIn"]["properties"]["subject"]["maxLength"]
    assert documented == Ticket._meta.get_field("subject").max_length == 200
    assert agent_api.post("tickets", {"subject": "x" * documented}).status_code == 201

    response = agent_api.post("tickets", {"subject": "x" * (documented + 1)}, headers=EN)

    error = assert_error(response, 422, "validation_failed")
    assert error["details"] == {"subject": ["At most 200 characters."]}
    assert Ticket.objects.count() == 1


def test_an_upload_declaring_a_huge_body_is_refused_before_it_is_read(agent_api, make_ticket):
    ticket = make_ticket()
    started = time.monotonic()

    # The body is not there: a server that waited for the declared 2 GiB would fail to read it.
    response = agent_api.client.post(
        f"/api/v1/tickets/{ticket.number}/attachments",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        headers={**agent_api.headers, **EN},
        CONTENT_LENGTH="2147483648",
    )

    error = assert_error(response, 413, "request_too_large")
    assert "too large" in error["message"]
    assert response["Connection"] == "close"
    assert time.monotonic() - started < 1
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"attachments/{TOO_BIG_ID}"),
        ("get", f"categories/{TOO_BIG_ID}/fields"),
        ("get", f"users/{TOO_BIG_ID}"),
        ("delete", f"auth/tokens/{TOO_BIG_ID}"),
        ("get", f"routing/presence/{TOO_BIG_ID}"),
        ("post", f"pages/{TOO_BIG_ID}/acknowledge"),
        ("post", f"notifications/{TOO_BIG_ID}/read"),
    ],
)
def test_an_id_above_the_largest_key_is_a_422(admin_api, method, path):
    response = getattr(admin_api, method)(path)

    error = assert_error(response, 422, "validation_failed")
    assert error["details"]


@pytest.mark.parametrize("field", ["assignee", "requester", "category", "team"])
def test_a_filter_id_above_the_largest_key_is_a_422_naming_the_field(agent_api, make_ticket, field):
    make_ticket()
    events_before = TicketEvent.objects.count()

    response = agent_api.get("tickets", {field: str(TOO_BIG_ID)})

    error = assert_error(response, 422, "validation_failed")
    assert field in error["details"]
    assert TicketEvent.objects.count() == events_before


def test_users_filtered_by_a_team_id_above_the_largest_key_is_a_422(admin_api):
    response = admin_api.get("users", {"team": str(TOO_BIG_ID)})

    error = assert_error(response, 422, "validation_failed")
    assert "team" in error["details"]


@pytest.mark.parametrize("key", ["k" * 256, "clé-1", "two words", "tab\tkey"])
def test_an_idempotency_key_outside_the_documented_pattern_is_a_422(agent_api, key):
    response = agent_api.post("tickets", {"subject": "x"}, headers={"Idempotency-Key": key, **EN})

    error = assert_error(response, 422, "invalid_idempotency_key")
    assert "visible ASCII" in error["message"]
    assert not Ticket.objects.exists()
