"""Conditional fields in a real browser: on the portal's form the asset tag appears (and is required) only for
a laptop, the phone becomes required when urgency is high, and Shenzhen offers only its rooms — driven by the
same rules the server checks."""

from __future__ import annotations

import re

import pytest

from gongdan.tickets.models import Ticket
from gongdan.tickets.services import configuration
from tests.factories import PASSWORD, CategoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHOICES = {
    "urgency": ["low", "high"], "kind": ["laptop", "printer"], "site": ["sz", "bj"], "room": ["r1", "r2", "r3"],
}  # fmt: skip


def test_the_portal_form_follows_the_fields_conditions(page, live_server, requester, team, admin_user):
    category = CategoryFactory(name="硬件", name_en="Hardware", default_team=team)

    def field(key: str, order: int, **values) -> None:
        if key in CHOICES:
            values.update(
                field_type="choice", choices=[{"value": v, "label": v, "label_en": v} for v in CHOICES[key]]
            )
        configuration.custom_field_create(actor=admin_user, category=category, key=key, label=key, label_en=key.title(),
                                          order=order, **values)  # fmt: skip

    field("urgency", 10)
    field("phone", 20, logic={"require_when": [{"field": "urgency", "op": "eq", "value": "high"}]})
    field("kind", 30)
    field("asset_tag", 40, logic={"show_when": [{"field": "kind", "op": "eq", "value": "laptop"}],
                                  "require_when": [{"field": "kind", "op": "eq", "value": "laptop"}]})  # fmt: skip
    field("site", 50)
    field("room", 60, logic={"choices_when": [{"when": [{"field": "site", "op": "eq", "value": "sz"}],
                                               "values": ["r1", "r2"]}]})  # fmt: skip
    page.goto(f"{live_server.url}/login/?next=/portal/new/%3Fcategory%3D{category.pk}")
    page.fill("#id_username", requester.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/portal/new/"))
    tag = page.locator('[data-gd-field="asset_tag"]')
    assert tag.is_hidden()
    page.select_option("#id_cf_kind", "laptop")
    assert tag.is_visible() and page.locator("#id_cf_asset_tag").get_attribute("required") is not None
    page.select_option("#id_cf_kind", "printer")
    assert tag.is_hidden() and page.locator("#id_cf_asset_tag").is_disabled()
    phone_label = page.locator('[data-gd-field="phone"] .form-label')
    assert "required" not in (phone_label.get_attribute("class") or "")
    page.select_option("#id_cf_urgency", "high")
    assert "required" in (phone_label.get_attribute("class") or "")
    page.select_option("#id_cf_site", "sz")
    assert page.locator('#id_cf_room option[value="r3"]').is_disabled()
    page.select_option("#id_cf_site", "bj")
    assert not page.locator('#id_cf_room option[value="r3"]').is_disabled()
    # Filled in as the rules ask, the request goes through
    page.fill("#id_subject", "电脑蓝屏")
    page.fill("#id_cf_phone", "13800000000")
    page.select_option("#id_cf_kind", "laptop")
    page.fill("#id_cf_asset_tag", "IT-0042")
    page.locator("form button[type=submit].btn-primary").last.click()
    page.wait_for_url(re.compile(r"/portal/requests/"))
    ticket = Ticket.objects.get(subject="电脑蓝屏")
    assert ticket.custom_values["asset_tag"] == "IT-0042" and ticket.custom_values["urgency"] == "high"
