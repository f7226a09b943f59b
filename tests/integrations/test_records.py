"""CRM/ERP records → tickets keyed by (source, external_id), with the admin's field mapping."""

from __future__ import annotations

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import ExternalRecord, Kind
from gongdan.tickets.models import Priority, Ticket
from tests.factories import CustomFieldFactory
from tests.integrations.conftest import Sender, make

SALESFORCE_CASE = {
    "attributes": {"type": "Case"},
    "Id": "5003000000D8cuIAAR",
    "CaseNumber": "00001026",
    "Subject": "Conveyor 3 stops every hour",
    "Description": "Customer reports the belt stops; error E42 on the panel.",
    "Priority": "High",
    "Account": {"Name": "华东制造", "Site": "Suzhou plant, hall B"},
    "Asset": {"SerialNumber": "CV-3-2291"},
}


@pytest.fixture
def salesforce(admin_user, client, category) -> Sender:
    CustomFieldFactory(category=category, key="serial", label="序列号", label_en="Serial number")
    integration, secret = make(admin_user, Kind.INBOUND, name="Salesforce", slug="salesforce", category=category,
                               external_id_path="Id")  # fmt: skip
    for path, target, key in (
        ("Subject", "subject", ""), ("Description", "description", ""), ("Priority", "priority", ""),
        ("Account.Site", "location_text", ""), ("Asset.SerialNumber", "custom", "serial"),
    ):  # fmt: skip
        services.field_mapping_add(actor=admin_user, integration=integration, source_path=path, target=target,
                                   custom_key=key)  # fmt: skip
    for value, code in (("high", "P1"), ("medium", "P2"), ("low", "P3")):
        services.severity_set(actor=admin_user, integration=integration, value=value,
                              priority=Priority.objects.get(code=code))  # fmt: skip
    return Sender(client, integration, secret, "records")


@pytest.mark.django_db
def test_a_new_record_creates_a_ticket_with_the_mapped_fields(salesforce):
    response = salesforce.post(SALESFORCE_CASE)

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()
    assert response.json() | {"url": ""} == {"result": "created", "external_id": "5003000000D8cuIAAR",
                                              "ticket": ticket.number, "url": "", "unmapped_severity": ""}  # fmt: skip
    assert ticket.subject == "Conveyor 3 stops every hour"
    assert ticket.description.startswith("Customer reports the belt stops")
    assert ticket.priority.code == "P1"
    assert ticket.location_text == "Suzhou plant, hall B"
    assert ticket.custom_values == {"serial": "CV-3-2291"}
    assert ticket.channel == "api"


@pytest.mark.django_db
def test_the_same_record_again_is_idempotent(salesforce):
    salesforce.post(SALESFORCE_CASE)
    ticket = Ticket.objects.get()

    response = salesforce.post(SALESFORCE_CASE)

    assert response.status_code == 200
    assert response.json()["result"] == "unchanged"
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.version == 1
    assert ExternalRecord.objects.get().received_count == 2


@pytest.mark.django_db
def test_a_changed_record_updates_the_same_ticket(salesforce):
    salesforce.post(SALESFORCE_CASE)

    response = salesforce.post(
        SALESFORCE_CASE | {"Priority": "Low", "Subject": "Conveyor 3 stops (intermittent)"}
    )

    assert response.json()["result"] == "updated"
    ticket = Ticket.objects.get()
    assert ticket.subject == "Conveyor 3 stops (intermittent)"
    assert ticket.priority.code == "P3"
    assert ticket.events.filter(kind="updated").count() == 1


@pytest.mark.django_db
def test_the_same_external_id_from_another_source_is_another_ticket(salesforce, admin_user, client):
    sap, secret = make(admin_user, Kind.INBOUND, name="SAP PM", slug="sap", external_id_path="Id")
    salesforce.post(SALESFORCE_CASE)

    Sender(client, sap, secret, "records").post(SALESFORCE_CASE)

    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_sap_cloudevents_with_nested_paths(admin_user, client):
    sap, secret = make(
        admin_user, Kind.INBOUND, name="SAP PM", slug="sap", external_id_path="data.MaintenanceNotification"
    )
    services.field_mapping_add(
        actor=admin_user, integration=sap, source_path="data.NotificationText", target="subject"
    )
    event = {"specversion": "1.0", "id": "a1b2", "source": "/default/sap.s4/P01CLNT100",
             "type": "sap.s4.beh.maintenancenotification.v1.MaintenanceNotification.Created.v1",
             "data": {"MaintenanceNotification": "10004711", "NotificationText": "Pump P-101 leaking"}}  # fmt: skip

    response = Sender(client, sap, secret, "records").post(event)

    assert response.status_code == 201
    assert response.json()["external_id"] == "10004711"
    assert Ticket.objects.get().subject == "Pump P-101 leaking"


@pytest.mark.django_db
def test_an_unknown_priority_uses_the_default_and_says_so(salesforce):
    response = salesforce.post(SALESFORCE_CASE | {"Priority": "Whenever"})

    assert response.json()["unmapped_severity"] == "Whenever"
    ticket = Ticket.objects.get()
    assert ticket.events.filter(kind="integration_severity_unmapped").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{"Subject": "no id"}, SALESFORCE_CASE | {"Id": {"nested": 1}},
                                  SALESFORCE_CASE | {"Id": "x" * 201}])  # fmt: skip
def test_a_record_without_a_usable_id_is_422_and_writes_nothing(salesforce, body):
    response = salesforce.post(body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "external_id_missing"
    assert "Id" in response.json()["error"]["details"]
    assert not Ticket.objects.exists() and not ExternalRecord.objects.exists()


@pytest.mark.django_db
def test_a_mapped_field_with_an_object_is_422_and_writes_nothing(salesforce):
    response = salesforce.post(SALESFORCE_CASE | {"Subject": {"text": "hi"}})

    assert response.status_code == 422
    assert "Subject" in response.json()["error"]["details"]
    assert not Ticket.objects.exists() and not ExternalRecord.objects.exists()


@pytest.mark.django_db
def test_a_bad_mapping_path_is_refused_by_the_service(salesforce, admin_user):
    from gongdan.core.domain_errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        services.field_mapping_add(actor=admin_user, integration=salesforce.integration, source_path="a..b",
                                   target="subject")  # fmt: skip
    assert "source_path" in error.value.details
