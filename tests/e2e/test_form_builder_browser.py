"""The form builder in a real browser: an admin drags a field to a new place (SortableJS) and the order is saved;
moves one with the keyboard's arrow buttons; a refused drag says why; the preview shows and requires fields as
the portal does when a value changes. Then the configuration transfer screen previews a file. Set
GONGDAN_SHOTS=/some/dir to keep screenshots (en, zh-Hans, 390 px)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gongdan.tickets.services import configuration
from gongdan.transfer.services import config_export
from tests.factories import PASSWORD, CategoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")
KIND = [{"value": v, "label": v, "label_en": v} for v in ("laptop", "printer")]


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("button.btn-primary[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def _order(category) -> list[str]:
    return list(category.custom_fields.order_by("order", "pk").values_list("key", flat=True))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_admin_orders_the_form_by_drag_and_keys_and_the_preview_follows_the_rules(
    page, live_server, admin_user, team, language, tmp_path
):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    category = CategoryFactory(name="硬件", name_en="Hardware", default_team=team)
    make = configuration.custom_field_create
    make(actor=admin_user, category=category, key="kind", label="设备类型", label_en="Kind", field_type="choice",
         choices=KIND, order=10)  # fmt: skip
    make(actor=admin_user, category=category, key="asset_tag", label="资产标签", label_en="Asset tag", order=20,
         logic={"show_when": [{"field": "kind", "op": "eq", "value": "laptop"}],
                "require_when": [{"field": "kind", "op": "eq", "value": "laptop"}]})  # fmt: skip
    make(actor=admin_user, category=category, key="phone", label="电话", label_en="Phone", order=30)
    make(actor=admin_user, category=category, key="notes", label="备注", label_en="Notes", order=40)
    sign_in(page, live_server, admin_user)
    page.goto(f"{live_server.url}/settings/categories/{category.pk}/form/")
    # The preview hides the asset tag until the kind is a laptop, then requires it
    tag = page.locator('[data-gd-preview] [data-gd-field="asset_tag"]')
    assert tag.is_hidden()
    page.select_option("[data-gd-preview] #id_cf_kind", "laptop")
    assert tag.is_visible() and page.locator("#id_cf_asset_tag").get_attribute("required") is not None
    shot(page, f"form-builder-{language}")
    # Drag "notes" by its handle to the top: refused (asset tag depends on kind? no — notes is free), saved
    rows = page.locator("#gd-builder-list li[data-key]")
    with page.expect_response(lambda r: r.url.endswith("/form/order/")):
        page.locator('li[data-key="notes"] .gd-drag').drag_to(page.locator('li[data-key="kind"]'),
                                                             target_position={"x": 10, "y": 2})  # fmt: skip
    expect(rows.nth(0)).to_have_attribute("data-key", "notes")
    assert _order(category)[0] == "notes"
    # The keyboard: focus "move phone up" and press Enter twice; the focus stays on the field's button
    page.locator('button[data-gd-move="phone:up"]').focus()
    with page.expect_response(lambda r: r.url.endswith("/form/order/")):
        page.keyboard.press("Enter")
    expect(rows.nth(2)).to_have_attribute("data-key", "phone")
    expect(page.locator('button[data-gd-move="phone:up"]')).to_be_focused()
    with page.expect_response(lambda r: r.url.endswith("/form/order/")):
        page.keyboard.press("Enter")
    expect(rows.nth(1)).to_have_attribute("data-key", "phone")
    assert _order(category) == ["notes", "phone", "kind", "asset_tag"]
    # Dragging the asset tag above the kind it depends on is refused, with the reason, and nothing moves
    with page.expect_response(lambda r: r.url.endswith("/form/order/")):
        page.locator('li[data-key="asset_tag"] .gd-drag').drag_to(page.locator('li[data-key="notes"]'),
                                                                 target_position={"x": 10, "y": 2})  # fmt: skip
    page.locator("#gd-builder .alert-danger").wait_for()
    assert _order(category) == ["notes", "phone", "kind", "asset_tag"]
    # A field edited in the panel, in place
    page.locator('li[data-key="phone"] a[hx-get]').click()
    page.locator("#gd-builder-panel #id_label_en").fill("Mobile")
    shot(page, f"form-builder-panel-{language}")
    with page.expect_navigation():
        page.locator("#gd-builder-panel button[type=submit]").click()
    expect(page.locator("#gd-builder-panel form")).to_have_count(0)
    assert category.custom_fields.get(key="phone").label_en == "Mobile"
    # On a phone the builder still reads
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    shot(page, f"form-builder-{language}-phone")
    # The configuration transfer screen: preview a file
    path = tmp_path / "config.json"
    data = config_export(actor=None)
    data["sections"]["categories"][0]["description"] = "预览"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/settings/configuration/")
    page.set_input_files("#id_file", str(path))
    page.locator("form[action$='preview/'] button[type=submit]").click()
    page.locator("#preview").wait_for()
    shot(page, f"configuration-transfer-{language}")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_phone_app_brings_the_form_and_its_conditions_with_the_category(
    browser, live_server, agent, team, admin_user, language
):
    agent.language = language
    agent.save(update_fields=["language"])
    category = CategoryFactory(name="硬件", name_en="Hardware", default_team=team)
    configuration.custom_field_create(actor=admin_user, category=category, key="kind", label="设备类型",
                                      label_en="Kind", field_type="choice", choices=KIND, order=10)  # fmt: skip
    configuration.custom_field_create(
        actor=admin_user, category=category, key="asset_tag", label="资产标签", label_en="Asset tag", order=20,
        logic={"show_when": [{"field": "kind", "op": "eq", "value": "laptop"}],
               "require_when": [{"field": "kind", "op": "eq", "value": "laptop"}]},
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  locale="zh-CN" if language == "zh-hans" else "en-US")  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/m/new/")
        page.select_option("#id_category", str(category.pk))
        page.locator('[data-gd-field="kind"]').wait_for()
        tag = page.locator('[data-gd-field="asset_tag"]')
        assert tag.is_hidden()
        page.select_option("#id_cf_kind", "laptop")
        expect(tag).to_be_visible()
        assert page.locator("#id_cf_asset_tag").get_attribute("required") is not None
        shot(page, f"field-new-ticket-{language}-phone")
    finally:
        context.close()
