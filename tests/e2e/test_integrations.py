"""An admin sets up an Alertmanager integration in a real browser, copies the secret shown once, and sees
the first delivery in the log. Set GONGDAN_SHOTS=/some/dir to keep screenshots (English, Chinese, 375 px)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

from gongdan.integrations.models import Integration
from gongdan.tickets.models import Ticket
from tests.factories import PASSWORD
from tests.integrations.conftest import captured

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")


def shot(page, name: str) -> None:
    folder = os.environ.get("GONGDAN_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_admin_creates_an_alertmanager_integration_and_sees_the_first_delivery(page, live_server, admin_user,
                                                                               category):  # fmt: skip
    from playwright.sync_api import expect

    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/settings/integrations/")
    page.get_by_role("button", name="New integration").click()
    page.get_by_role("link", name="Prometheus Alertmanager").click()
    page.fill("input[name=name]", "Prometheus 生产")
    page.fill("input[name=slug]", "prom-prod")
    page.select_option("select[name=category]", str(category.pk))
    page.get_by_role("button", name="Create and show the secret").click()

    secret = page.locator("[data-secret]").inner_text().strip()
    assert re.fullmatch(r"gdi_[A-Za-z0-9_-]{40,}", secret)
    expect(page.locator("#connection")).to_contain_text("/api/v1/integrations/prom-prod/alertmanager")
    integration = Integration.objects.get(slug="prom-prod")

    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{live_server.url}/api/v1/integrations/prom-prod/alertmanager",
        data=json.dumps(captured("alertmanager_captured.jsonl")[0]).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
    assert Ticket.objects.get().requester == integration.service_user

    page.reload()
    expect(page.locator("[data-secret]")).to_have_count(0)  # shown once
    expect(page.locator("#deliveries")).to_contain_text("200")
    expect(page.locator("#deliveries")).to_contain_text("created")

    if os.environ.get("GONGDAN_SHOTS"):
        for lang in ("en", "zh-hans"):
            admin_user.language = lang
            admin_user.save(update_fields=["language"])
            page.goto(f"{live_server.url}/settings/integrations/")
            shot(page, f"integrations-list-{lang}")
            page.goto(f"{live_server.url}/settings/integrations/{integration.pk}/")
            shot(page, f"integration-edit-{lang}")
        page.goto(f"{live_server.url}/settings/integrations/new/inbound/")
        shot(page, "integration-new-inbound-zh-hans")
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(f"{live_server.url}/settings/integrations/{integration.pk}/")
        page.locator("form[action$='/rotate/'] button").click()  # a new secret, shown once
        shot(page, "integration-edit-375")
        page.goto(f"{live_server.url}/settings/integrations/")
        shot(page, "integrations-list-375")
        page.goto(f"{live_server.url}/tickets/{Ticket.objects.get().number}/")
        shot(page, "alert-ticket-375")
