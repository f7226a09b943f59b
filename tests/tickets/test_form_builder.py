"""The form builder (issue 15, item 4): the order of a category's fields is saved through a service that
keeps conditions looking upwards and writes one audit entry; the page shows the fields and a live preview that
carries the same rules as the portal; fields are edited in a panel and removed unless something needs them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.tickets.models import CustomField
from gongdan.tickets.services import configuration, ticket_create

pytestmark = pytest.mark.django_db


def _order(category) -> list[str]:
    return list(category.custom_fields.order_by("order", "pk").values_list("key", flat=True))


def test_the_order_is_saved_and_audited(hardware, admin_user):
    # Given the hardware form; when site and room move to the top
    keys = ["site", "room", "urgency", "phone", "kind", "asset_tag", "impact"]
    before = AuditEntry.objects.count()
    configuration.custom_field_reorder(actor=admin_user, category=hardware, keys=keys)
    # Then the form asks in that order, and the trail says who changed it from what to what
    assert _order(hardware) == keys
    entry = AuditEntry.objects.order_by("-pk").first()
    assert AuditEntry.objects.count() == before + 1 and entry.kind == "config.update"
    assert entry.detail["after"]["field_order"] == keys and entry.actor_id == admin_user.pk


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (["phone", "urgency", "kind", "asset_tag", "site", "room", "impact"], "depends on"),
        (["urgency", "phone", "kind", "asset_tag", "site", "room"], "each of the category's fields once"),
        (["urgency", "urgency", "phone", "kind", "asset_tag", "site", "room", "impact"], "once"),
        (["urgency", "phone", "kind", "asset_tag", "site", "room", "impact", "ghost"], "once"),
    ],
)
def test_a_bad_order_is_refused_and_nothing_moves(hardware, admin_user, keys, message):
    before, entries = _order(hardware), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as error:
        configuration.custom_field_reorder(actor=admin_user, category=hardware, keys=keys)
    assert message in error.value.details["order"][0]
    assert _order(hardware) == before and AuditEntry.objects.count() == entries


def test_only_administrators_order_a_form(hardware, agent):
    with pytest.raises(PermissionDenied):
        configuration.custom_field_reorder(actor=agent, category=hardware, keys=_order(hardware))


def test_the_builder_shows_the_fields_and_a_preview_with_the_rules(
    hardware, admin_browser, django_assert_max_num_queries
):
    url = reverse("tickets:form_builder", args=[hardware.pk])
    with django_assert_max_num_queries(20):
        page = admin_browser.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="gd-builder-list"' in html and html.count("data-key=") == 7
    assert "vendor/sortablejs/Sortable.min.js" in html and "tickets/field_logic.js" in html
    assert 'id="gd-field-logic"' in html and 'data-gd-field="asset_tag" hidden' in html  # the portal's markup
    assert "Shown when Kind one of (comma-separated) laptop, desktop" in html


def test_the_query_count_does_not_grow_with_the_fields(
    hardware, admin_browser, admin_user, django_assert_max_num_queries
):
    for n in range(10):
        configuration.custom_field_create(actor=admin_user, category=hardware, key=f"extra_{n}", label=f"附加{n}",
                                          order=100 + n, logic={"show_when": [{"field": "kind", "op": "set"}]})  # fmt: skip
    with django_assert_max_num_queries(20):
        assert admin_browser.get(reverse("tickets:form_builder", args=[hardware.pk])).status_code == 200


def test_the_drag_and_the_arrows_save_through_the_page(hardware, admin_browser):
    url = reverse("tickets:form_order", args=[hardware.pk])
    # the drag sends the whole order (htmx) and gets the builder back
    keys = ["site", "room", "urgency", "phone", "kind", "asset_tag", "impact"]
    dragged = admin_browser.post(url, {"order": ",".join(keys)}, HTTP_HX_REQUEST="true")
    assert dragged.status_code == 200 and 'id="gd-builder"' in dragged.content.decode()
    assert _order(hardware) == keys
    # an arrow without JavaScript moves one place and comes back to the page
    moved = admin_browser.post(url, {"move": "impact", "direction": "up"})
    assert moved.status_code == 302 and _order(hardware)[-2:] == ["impact", "asset_tag"]
    # a refused drag answers 422 with the reason, and nothing moves
    refused = admin_browser.post(
        url, {"order": "phone,urgency,kind,asset_tag,site,room,impact"}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 422 and "depends on" in refused.content.decode()
    assert _order(hardware)[:2] == ["site", "room"]


def test_a_field_is_edited_in_the_builders_panel(hardware, admin_browser):
    field = hardware.custom_fields.get(key="phone")
    url = reverse("tickets:field_edit", args=[field.pk])
    panel = admin_browser.get(url, HTTP_HX_REQUEST="true")
    assert (
        panel.status_code == 200
        and b"<html" not in panel.content
        and b'hx-target="#gd-builder-panel"' in panel.content
    )
    saved = admin_browser.post(url + "?builder=1", {"key": "phone", "label": "手机", "label_en": "Mobile",
                                                    "field_type": "text", "order": 20, "is_active": "on"},
                               HTTP_HX_REQUEST="true")  # fmt: skip
    assert saved.status_code == 204 and saved["HX-Redirect"] == reverse(
        "tickets:form_builder", args=[hardware.pk]
    )
    field.refresh_from_db()
    assert field.label == "手机"


def test_a_field_is_removed_unless_a_rule_or_a_ticket_needs_it(hardware, admin_browser, agent):
    # kind is read by asset_tag's rules: refused
    kind = hardware.custom_fields.get(key="kind")
    admin_browser.post(reverse("tickets:field_delete", args=[kind.pk]))
    assert CustomField.objects.filter(pk=kind.pk).exists()
    # phone holds a value on a ticket: refused
    ticket_create(actor=agent, subject="打不开", category=hardware, custom_values={"phone": "13800000000"})
    phone = hardware.custom_fields.get(key="phone")
    admin_browser.post(reverse("tickets:field_delete", args=[phone.pk]))
    assert CustomField.objects.filter(pk=phone.pk).exists()
    # impact: nothing needs it — removed, and the trail has it
    impact = hardware.custom_fields.get(key="impact")
    response = admin_browser.post(reverse("tickets:field_delete", args=[impact.pk]))
    assert response.status_code == 302 and not CustomField.objects.filter(pk=impact.pk).exists()
    assert AuditEntry.objects.filter(kind="config.delete", object_id=str(impact.pk)).exists()
