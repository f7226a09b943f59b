from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def admin_browser(admin_user) -> Client:
    """A browser signed in as an administrator (English UI)."""
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


def field_errors(response, field: str) -> list[str]:
    """The error messages rendered next to a form field."""
    import re

    html = response.content.decode()
    pattern = rf'data-field-error="{re.escape(field)}">([^<]*)<'
    return re.findall(pattern, html)


def form_errors(response) -> list[str]:
    import re

    return re.findall(r"data-form-error>([^<]*)<", response.content.decode())
