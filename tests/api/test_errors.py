"""Bad input of every kind gets a 4xx in the one error shape, and never a 500."""

from __future__ import annotations

import pytest

from gongdan.tickets.models import Ticket
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(agent_api):
    for body in ('{"subject": ', "[1,2", "NaN", '{"subject": NaN}', b"\xff\xfe"):
        assert_error(agent_api.post("tickets", body), 400, "malformed_json")
    assert Ticket.objects.count() == 0


def test_wrong_content_type_is_415(agent_api):
    response = agent_api.post("tickets", '{"subject": "x"}', content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
    response = agent_api.post("tickets", "subject=x", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_empty_body_names_the_problem(agent_api):
    error = assert_error(agent_api.post("tickets", b""), 400)
    assert error["details"]


def test_unknown_fields_are_refused_by_name(agent_api):
    error = assert_error(
        agent_api.post("tickets", {"subject": "x", "colour": "red"}), 422, "validation_failed"
    )
    assert error["details"] == {"colour": ["Unknown field."]}
    assert Ticket.objects.count() == 0


def test_wrong_types_name_each_field(agent_api):
    body = {"subject": 12, "category": "abc", "tags": "one", "due_at": "tomorrow", "watchers": [True, "x"]}
    error = assert_error(agent_api.post("tickets", body), 422, "validation_failed")
    assert {"subject", "category", "tags", "due_at"} <= set(error["details"])
    assert any(key.startswith("watchers") for key in error["details"])


def test_missing_required_field(agent_api):
    error = assert_error(agent_api.post("tickets", {"description": "no subject"}), 422, "validation_failed")
    assert error["details"] == {"subject": ["This field is required."]}


def test_business_rule_failures_keep_their_code(agent_api):
    error = assert_error(agent_api.post("tickets", {"subject": "   "}), 422, "validation_failed")
    assert "subject" in error["details"]
    error = assert_error(agent_api.post("tickets", {"subject": "x", "priority": "P9"}), 422)
    assert error["details"] == {"priority": ["Not found."]}
    error = assert_error(agent_api.post("tickets", {"subject": "x", "category": 2**62}), 422)
    assert "category" in error["details"]


def test_huge_ids_and_numbers_are_422_not_500(agent_api):
    assert_error(agent_api.post("tickets", {"subject": "x", "team": 10**30}), 422, "validation_failed")
    assert_error(agent_api.get("users/99999999999999999999999"), 422, "validation_failed")
    assert_error(agent_api.get("attachments/0"), 422, "validation_failed")


def test_body_over_the_limit_is_413(agent_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = agent_api.post("tickets", {"subject": "x", "description": "y" * 5000})
    assert_error(response, 413, "request_too_large")
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("limit", ["-1", "0", "100000", "abc", "1.5"])
def test_page_size_out_of_range_is_422(agent_api, limit):
    error = assert_error(agent_api.get("tickets", {"limit": limit}), 422, "validation_failed")
    assert "limit" in error["details"]


def test_bad_cursor_is_422(agent_api):
    for cursor in ("garbage", "bm90IGpzb24", "WzEsMiwzXQ"):
        error = assert_error(agent_api.get("tickets", {"cursor": cursor}), 422)
        assert "cursor" in error["details"]
    assert_error(agent_api.get("users", {"cursor": "nope"}), 422)


@pytest.mark.parametrize(
    ("param", "value"),
    [("status", "bogus"), ("sort", "sideways"), ("assignee", "someone"), ("created_from", "yesterday"),
     ("view", "mine-mine"), ("team", "abc"), ("requester", "-3"), ("category", "x")],
)  # fmt: skip
def test_unknown_filter_values_are_422(agent_api, param, value):
    error = assert_error(agent_api.get("tickets", {param: value}), 422)
    assert param in error["details"]


def test_unknown_route_and_wrong_method_are_json(agent_api):
    assert_error(agent_api.get("no-such-thing"), 404, "not_found")
    assert_error(agent_api.get("/api/v1/tickets/GD-1/nonsense"), 404, "not_found")
    response = agent_api.put("tickets", {"subject": "x"})
    assert_error(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


def test_nul_characters_are_refused(agent_api):
    assert_error(agent_api.get("tickets", {"q": "a\x00b"}), 400, "bad_request")
    assert_error(agent_api.post("tickets", {"subject": "a\x00b"}), 422, "validation_failed")


def test_unknown_ticket_is_404(agent_api):
    assert_error(agent_api.get("tickets/GD-2099-999999"), 404, "not_found")
    assert_error(agent_api.get("tickets/" + "X" * 41), 422, "validation_failed")
