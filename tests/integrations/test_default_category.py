"""An integration's default category must be one its tickets can get: its required fields filled (issue 12,
item 6). Refused when chosen; when a field becomes required later the settings page warns and arriving
alerts and records still become tickets, without the category, with the reason in the delivery log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from gongdan.core.domain_errors import ValidationFailed
from gongdan.integrations import services
from gongdan.integrations.models import Delivery, FieldMapping, Integration, Kind
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services import configuration
from tests.html import field_errors
from tests.integrations.conftest import Sender, make
from tests.integrations.test_alertmanager import FIRING
from tests.integrations.test_records import SALESFORCE_CASE

pytestmark = pytest.mark.django_db


def _require(admin_user, category, key="order_number", label="订单号", label_en="Order number"):
    return configuration.custom_field_create(actor=admin_user, category=category, key=key, label=label,
                                             label_en=label_en, field_type="text", required=True)  # fmt: skip


@pytest.fixture
def admin_browser(admin_user) -> Client:
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "which alerts cannot fill"), ("zh-hans", "告警无法填写")],
)
@pytest.mark.parametrize("kind", [Kind.ALERTMANAGER, Kind.ZABBIX])
def test_an_alert_integration_refuses_a_category_with_a_required_field(admin_user, category, kind, language,
                                                                      expected):  # fmt: skip
    _require(admin_user, category)
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        services.integration_create(actor=admin_user, kind=kind, name="Prom", category=category)
    message = str(refused.value.details["category"][0])
    assert expected in message
    assert ("Order number" if language == "en" else "订单号") in message
    assert not Integration.objects.exists()


def test_an_alert_integration_refuses_it_on_edit_too_and_accepts_a_fillable_one(admin_user, category, team):
    integration, _secret = make(admin_user, Kind.ALERTMANAGER, name="Prom")
    strict = configuration.category_create(actor=None, name="投诉", name_en="Complaint", default_team=team)
    _require(admin_user, strict)
    with pytest.raises(ValidationFailed) as refused:
        services.integration_update(actor=admin_user, integration=integration, name="Prom", category=strict)
    assert "category" in refused.value.details
    integration.refresh_from_db()
    assert integration.category is None
    # an optional field is no obstacle
    configuration.custom_field_create(actor=admin_user, category=category, key="note", label="备注",
                                      label_en="Note", field_type="text", required=False)  # fmt: skip
    services.integration_update(actor=admin_user, integration=integration, name="Prom", category=category)
    assert Integration.objects.get().category == category


def test_a_records_integration_needs_a_mapping_for_each_required_field(admin_user, category):
    _require(admin_user, category)
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        services.integration_create(actor=admin_user, kind=Kind.INBOUND, name="CRM", category=category)
    assert "no field mapping" in str(refused.value.details["category"][0])

    integration, _secret = make(admin_user, Kind.INBOUND, name="CRM")
    services.field_mapping_add(actor=admin_user, integration=integration, source_path="Order.Number",
                               target="custom", custom_key="order_number")  # fmt: skip
    services.integration_update(actor=admin_user, integration=integration, name="CRM", category=category)
    assert Integration.objects.get().category == category
    # the mapping that fills it cannot be removed while the category needs it
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as refused:
        services.field_mapping_remove(actor=admin_user, mapping=FieldMapping.objects.get())
    assert "order_number" in str(refused.value.message) and "必填" in str(refused.value.message)
    assert FieldMapping.objects.exists()


def test_the_settings_form_shows_the_refusal_on_the_category_field(admin_browser, admin_user, category):
    _require(admin_user, category)
    response = admin_browser.post("/settings/integrations/new/alertmanager/", {
        "name": "Prom", "category": category.pk, "severity_label": "severity", "is_active": "on"})  # fmt: skip
    assert response.status_code == 422
    assert any("alerts cannot fill" in error for error in field_errors(response, "category"))
    assert not Integration.objects.exists()


def test_a_field_made_required_later_warns_and_alerts_still_become_tickets(admin_browser, admin_user, client,
                                                                           category, team):  # fmt: skip
    # Given a working alert integration whose category later gains a required field
    integration, secret = make(admin_user, Kind.ALERTMANAGER, name="Prom", slug="prom", category=category)
    _require(admin_user, category)
    page = admin_browser.get(f"/settings/integrations/{integration.pk}/").content.decode()
    assert "data-category-warning" in page and "Order number" in page
    # When an alert arrives
    response = Sender(client, integration, secret, "alertmanager").post(FIRING)
    # Then it is not refused: a ticket is opened without the category, in the category's team, saying why
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert ticket.category is None and ticket.team == team
    assert TicketEvent.objects.filter(ticket=ticket, kind="integration_category_unusable").exists()
    delivery = Delivery.objects.get()
    assert delivery.status_code == 200 and delivery.summary["category_gap"]["fields"] == [
        ["订单号", "Order number"]
    ]
    # and the admin reads it in the delivery log, in their language
    page = admin_browser.get(f"/settings/integrations/{integration.pk}/").content.decode()
    assert "data-delivery-warning" in page and "opened without its category" in page
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    page = admin_browser.get(f"/settings/integrations/{integration.pk}/").content.decode()
    assert "订单号" in page and "告警无法填写" in page


def test_a_record_arriving_then_keeps_its_mapped_values_in_the_description(admin_user, client, category):
    integration, secret = make(admin_user, Kind.INBOUND, name="CRM", slug="crm", category=category,
                               external_id_path="Id")  # fmt: skip
    services.field_mapping_add(actor=admin_user, integration=integration, source_path="Asset.SerialNumber",
                               target="custom", custom_key="serial")  # fmt: skip
    configuration.custom_field_create(actor=admin_user, category=category, key="serial", label="序列号",
                                      label_en="Serial", field_type="text")  # fmt: skip
    _require(admin_user, category)  # made required after the integration was set up

    response = Sender(client, integration, secret, "records").post(SALESFORCE_CASE)

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert ticket.category is None and "serial: CV-3-2291" in ticket.description
    assert "category_gap" in Delivery.objects.get().summary
