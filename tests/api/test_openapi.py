"""The OpenAPI document lists every status an operation can answer with, each with its error schema."""

from __future__ import annotations

import pytest

from gongdan.api.inputs import MAX_ID
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

ERROR_REF = "#/components/schemas/ErrorOut"
UNSAFE = {"post", "put", "patch", "delete"}


@pytest.fixture
def document(anon):
    return anon.get("openapi.json").json()


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def error_schema(operation, status: int) -> dict:
    response = operation["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def test_every_operation_documents_the_answers_any_request_can_get(document):
    checked = 0
    for path, method, operation in operations(document):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        assert {"400", "413", "414"} <= set(responses), where
        if "/open311/" in path:
            assert "404" in responses and "429" in responses, where
            assert "text/xml" in responses["404"]["content"], where
            continue
        assert error_schema(operation, 400) == {"$ref": ERROR_REF}, where
        parameters = operation.get("parameters", [])
        if operation.get("security"):
            assert "401" in responses, where
            if method in UNSAFE:
                assert "403" in responses, where
        if any(p["in"] == "path" for p in parameters):
            assert {"404", "422"} <= set(responses), where
        if parameters or "requestBody" in operation:
            assert "422" in responses, where
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert {"408", "415"} <= set(responses), where
        assert "text/plain" in responses["414"]["content"], where  # the web server's own answer
        for status, response in responses.items():
            if int(status) >= 400 and status != "414":
                assert error_schema(operation, int(status)) == {"$ref": ERROR_REF}, (where, status)
                assert response["description"], (where, status)
        checked += 1
    assert checked > 50


def test_operations_that_honour_an_idempotency_key_document_it_and_its_refusals(document):
    idempotent = [
        (path, method, operation)
        for path, method, operation in operations(document)
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    ]
    documented = {(method, path) for path, method, _operation in idempotent}
    assert {("post", "/api/v1/tickets"), ("post", "/api/v1/tickets/{number}/comments")} <= documented
    for _path, _method, operation in idempotent:
        assert {"409", "422"} <= set(operation["responses"])


def status_documented(document, method: str, path: str, status: int) -> bool:
    return str(status) in document["paths"][path][method]["responses"]


def test_the_answers_bad_requests_get_are_the_documented_ones(document, agent_api, make_ticket, anon):
    ticket = make_ticket()
    deep = agent_api.post("tickets", "[" * 3000 + "]" * 3000)
    early_date = agent_api.get("tickets", {"created_from": "0001-01-01"})
    huge_id = agent_api.get(f"attachments/{MAX_ID + 1}")
    missing = agent_api.get("tickets/GD-0000-000000")
    wrong_type = agent_api.client.post(
        f"/api/v1/tickets/{ticket.number}/comments", data="body=x", content_type="text/plain",
        headers=agent_api.headers,
    )  # fmt: skip
    unknown_city = anon.get("open311/nowhere/services.json")

    assert_error(deep, 400, "json_too_deep")
    assert status_documented(document, "post", "/api/v1/tickets", 400)
    assert_error(early_date, 422, "validation_failed")
    assert status_documented(document, "get", "/api/v1/tickets", 422)
    assert_error(huge_id, 422, "validation_failed")
    assert status_documented(document, "get", "/api/v1/attachments/{attachment_id}", 422)
    assert_error(missing, 404, "not_found")
    assert status_documented(document, "get", "/api/v1/tickets/{number}", 404)
    assert_error(wrong_type, 415, "unsupported_media_type")
    assert status_documented(document, "post", "/api/v1/tickets/{number}/comments", 415)
    assert unknown_city.status_code == 404
    assert unknown_city.json()[0]["code"] == 404
    assert status_documented(document, "get", "/api/v1/open311/{slug}/services.{fmt}", 404)


def test_the_docs_assets_answer_a_missing_file_in_the_error_shape_and_the_user_language(anon):
    response = anon.get("docs/assets/nope.js", headers={"Accept-Language": "zh-hans"})

    error = assert_error(response, 404, "not_found")
    assert error["message"] == "未找到。"
