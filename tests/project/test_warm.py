"""The arbiter renders the sign-in page once before it forks (decision 0191): the render answers 200 on the
site's own address, over https too, and only reads, so a start leaves no session, audit entry or sign-in
attempt behind."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from gongdan.project.warm import render_sign_in_page


@pytest.mark.django_db
@pytest.mark.parametrize("site_url", ["http://localhost:8000", "https://desk.example.com"])
def test_the_sign_in_page_renders_before_the_fork_and_writes_nothing(settings, site_url):
    settings.SITE_URL = site_url
    settings.SECURE_SSL_REDIRECT = site_url.startswith("https")
    # As Django's test client does: the test's transaction keeps its connection through the request
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with CaptureQueriesContext(connection) as queries:
            assert render_sign_in_page() == 200
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    statements = [query["sql"].lstrip().split(None, 1)[0].upper() for query in queries.captured_queries]
    assert statements and set(statements) == {"SELECT"}, statements


@pytest.mark.django_db
def test_a_site_address_outside_the_allowed_hosts_is_not_rendered_nor_logged(settings, caplog):
    settings.SITE_URL = "http://localhost:8000"
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    with CaptureQueriesContext(connection) as queries:
        assert render_sign_in_page() == 0
    assert queries.captured_queries == []
    assert not [record for record in caplog.records if record.name.startswith("django.security")]
