"""Browsers signed in as a given person, for the web UI tests."""

from __future__ import annotations

from django.test import Client

from tests.factories import PASSWORD


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client
