"""The integration settings screens: create (the secret shown once), edit, rotate, the severity table,
the field mapping, Open311 services, the delivery log; validation and access."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from gongdan.integrations.models import FieldMapping, Integration, Open311Service, SeverityMapping
from gongdan.integrations.services import secret_matches
from gongdan.tickets.models import Priority
from tests.html import field_errors
from tests.integrations.conftest import captured

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_browser(admin_user) -> Client:
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


def shown_secret(response) -> str:
    match = re.search(r"data-secret>(gdi_[A-Za-z0-9_-]+)<", response.content.decode())
    return match.group(1) if match else ""


@pytest.mark.parametrize("kind", ["alertmanager", "zabbix", "inbound", "open311"])
def test_an_admin_creates_an_integration_and_sees_its_secret_once(admin_browser, category, kind):
    response = admin_browser.post(f"/settings/integrations/new/{kind}/", {"name": "Ops", "slug": "ops",
                                  "category": category.pk, "severity_label": "severity", "resolve_on_recovery": "on",
                                  "external_id_path": "Id", "is_active": "on"}, follow=True)  # fmt: skip

    assert response.status_code == 200
    integration = Integration.objects.get(slug="ops")
    secret = shown_secret(response)
    assert secret and secret_matches(integration, secret)
    assert secret not in integration.secret_hash
    assert "/ops" in response.content.decode()  # the endpoint address is shown
    # the next visit no longer shows it
    assert shown_secret(admin_browser.get(f"/settings/integrations/{integration.pk}/")) == ""


def test_the_list_shows_integrations_and_their_last_delivery(admin_browser, client, admin_user, category,
                                                              django_assert_max_num_queries):  # fmt: skip
    from gongdan.integrations.services import integration_create

    integration, secret = integration_create(
        actor=admin_user, kind="alertmanager", name="Prom", category=category
    )
    client.post(f"/api/v1/integrations/{integration.slug}/alertmanager", data=json.dumps(captured(
        "alertmanager_captured.jsonl")[0]), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
    for n in range(5):
        integration_create(actor=admin_user, kind="zabbix", name=f"Zabbix {n}")

    with django_assert_max_num_queries(12):
        response = admin_browser.get("/settings/integrations/")

    html = response.content.decode()
    assert "Prom" in html and "Zabbix 4" in html
    assert "never" in html  # the Zabbix ones have received nothing


def test_a_duplicate_address_name_is_a_form_error(admin_browser, admin_user):
    from gongdan.integrations.services import integration_create

    integration_create(actor=admin_user, kind="zabbix", name="Ops", slug="ops")

    response = admin_browser.post(
        "/settings/integrations/new/zabbix/", {"name": "Other", "slug": "ops", "is_active": "on"}
    )

    assert response.status_code == 422
    assert field_errors(response, "slug")
    assert Integration.objects.count() == 1


def test_an_unknown_kind_is_404(admin_browser):
    assert admin_browser.get("/settings/integrations/new/fax/").status_code == 404


def test_rotating_shows_a_new_secret_and_the_old_one_stops(admin_browser, admin_user):
    from gongdan.integrations.services import integration_create

    integration, old = integration_create(actor=admin_user, kind="zabbix", name="Ops")

    response = admin_browser.post(f"/settings/integrations/{integration.pk}/rotate/", follow=True)

    new = shown_secret(response)
    integration.refresh_from_db()
    assert new and new != old
    assert secret_matches(integration, new) and not secret_matches(integration, old)


def test_editing_the_severity_table(admin_browser, admin_user):
    from gongdan.integrations.services import integration_create

    integration, _secret = integration_create(actor=admin_user, kind="alertmanager", name="Prom")
    p0 = Priority.objects.get(code="P0")
    url = f"/settings/integrations/{integration.pk}/severities/"

    assert admin_browser.post(url, {"value": "Page", "priority": p0.pk}).status_code == 302
    assert SeverityMapping.objects.get(integration=integration, value="page").priority == p0
    bad = admin_browser.post(url, {"value": "", "priority": p0.pk})
    assert bad.status_code == 422 and field_errors(bad, "value")

    mapping = SeverityMapping.objects.get(integration=integration, value="page")
    admin_browser.post(f"/settings/integrations/severities/{mapping.pk}/delete/")
    assert not SeverityMapping.objects.filter(pk=mapping.pk).exists()


def test_editing_the_field_mapping(admin_browser, admin_user):
    from gongdan.integrations.services import integration_create

    integration, _secret = integration_create(actor=admin_user, kind="inbound", name="Salesforce")
    url = f"/settings/integrations/{integration.pk}/fields/"

    assert (
        admin_browser.post(url, {"source_path": "Account.Site", "target": "location_text"}).status_code == 302
    )
    bad = admin_browser.post(url, {"source_path": "a b", "target": "subject"})
    assert bad.status_code == 422 and field_errors(bad, "source_path")
    custom_without_key = admin_browser.post(url, {"source_path": "Serial", "target": "custom"})
    assert custom_without_key.status_code == 422 and field_errors(custom_without_key, "custom_key")
    assert list(FieldMapping.objects.values_list("source_path", flat=True)) == ["Account.Site"]

    mapping = FieldMapping.objects.get()
    removed = admin_browser.post(f"/settings/integrations/fields/{mapping.pk}/delete/")
    assert removed.status_code == 302 and removed["Location"].endswith(f"/{integration.pk}/#fields")
    assert not FieldMapping.objects.exists()


def test_open311_services(admin_browser, admin_user, category):
    from gongdan.integrations.services import integration_create

    integration, _secret = integration_create(actor=admin_user, kind="open311", name="City")
    url = f"/settings/integrations/{integration.pk}/services/"

    response = admin_browser.post(
        url, {"service_code": "pothole", "service_name": "Pothole", "category": category.pk}
    )
    assert response.status_code == 302
    again = admin_browser.post(
        url, {"service_code": "pothole", "service_name": "Again", "category": category.pk}
    )
    assert again.status_code == 422 and field_errors(again, "service_code")
    assert Open311Service.objects.get().service_name == "Pothole"

    removed = admin_browser.post(f"/settings/integrations/services/{Open311Service.objects.get().pk}/delete/")
    assert removed.status_code == 302 and removed["Location"].endswith("#services")
    assert not Open311Service.objects.exists()


def test_the_delivery_log_shows_failures(admin_browser, admin_user, client, category):
    from gongdan.integrations.services import integration_create

    integration, _secret = integration_create(
        actor=admin_user, kind="alertmanager", name="Prom", category=category
    )
    client.post(f"/api/v1/integrations/{integration.slug}/alertmanager", data="{}", content_type="application/json",
                HTTP_AUTHORIZATION="Bearer wrong")  # fmt: skip

    html = admin_browser.get(f"/settings/integrations/{integration.pk}/").content.decode()

    assert ">401<" in html


def test_an_integration_with_tickets_cannot_be_deleted(admin_browser, admin_user, client, category):
    from gongdan.integrations.services import integration_create

    integration, secret = integration_create(
        actor=admin_user, kind="alertmanager", name="Prom", category=category
    )
    client.post(f"/api/v1/integrations/{integration.slug}/alertmanager", data=json.dumps(captured(
        "alertmanager_captured.jsonl")[0]), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")  # fmt: skip
    unused, _ = integration_create(actor=admin_user, kind="zabbix", name="Unused")

    admin_browser.post(f"/settings/integrations/{integration.pk}/delete/")
    admin_browser.post(f"/settings/integrations/{unused.pk}/delete/")

    assert list(Integration.objects.values_list("name", flat=True)) == ["Prom"]


@pytest.mark.parametrize("url", ["/settings/integrations/", "/settings/integrations/new/zabbix/"])
def test_only_admins_reach_the_screens(client, agent, url):
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_the_section_is_in_the_settings_menu(admin_browser):
    html = admin_browser.get("/settings/").content.decode()

    assert "/settings/integrations/" in html
