"""Fuzz every operation of our OpenAPI document as an agent: no input may produce a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.api.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: a WSGI request must not close the connection holding the test's
    transaction (Django closes connections it finds outside autocommit at the end of a request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_no_input_gives_a_server_error(agent, make_ticket):
    make_ticket()
    _token, raw = api_token_create(actor=agent)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: list[str] = []

    @given(case=schema.as_strategy())
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        response = case.call(headers={"Authorization": f"Bearer {raw}"})
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} {case.query} {case.body!r} → {response.status_code}"
            )

    run()
    assert not failures, "\n".join(failures[:10])


def test_each_operation_survives_random_bodies(agent, make_ticket):
    make_ticket()
    _token, raw = api_token_create(actor=agent)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]

    @given(data=st.data())
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(data) -> None:
        operation = data.draw(st.sampled_from(operations))
        case = data.draw(operation.as_strategy())
        response = case.call(headers={"Authorization": f"Bearer {raw}"})
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} {case.body!r} → {response.status_code}")

    run()
    assert not failures, "\n".join(failures[:10])
