"""Ids in the settings screens' query strings: a number no bigint holds, or a digit int() refuses, is a bad
value like any other (ignored, as "abc" is), never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.outbox.models import Webhook

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize("value", [HUGE, "²", "-1", "abc"])
@pytest.mark.parametrize(
    ("url_name", "param"),
    [
        ("channels:mail_list", "before"),
        ("outbox:outbox", "before"),
        ("assets:location_create", "parent"),
        ("tickets:category_create", "parent"),
    ],
)
def test_a_bad_id_in_the_query_string_is_ignored(admin_browser, url_name, param, value):
    response = admin_browser.get(reverse(url_name), {param: value})
    assert response.status_code == 200


@pytest.mark.parametrize("value", [HUGE, "²"])
def test_a_webhooks_deliveries_ignore_a_bad_cursor(admin_browser, admin_user, value):
    hook = Webhook.objects.create(name="CMDB", url="https://cmdb.example.com/hook", secret="s" * 32)
    response = admin_browser.get(reverse("outbox:webhook_detail", args=[hook.pk]), {"before": value})
    assert response.status_code == 200
