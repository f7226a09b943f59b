"""Open311 GeoReport v2: services, definitions, creating and reading requests, in JSON and XML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import Kind, Open311Request
from gongdan.tickets.models import Status, Ticket
from tests.factories import CategoryFactory, CustomFieldFactory
from tests.integrations.conftest import make

BASE = "/api/v1/open311/city"


@pytest.fixture
def city(admin_user, team):
    roads = CategoryFactory(name="道路", name_en="Roads", default_team=team)
    CustomFieldFactory(category=roads, key="depth", label="深度", label_en="Depth (cm)", field_type="number",
                       required=True, order=1)  # fmt: skip
    CustomFieldFactory(category=roads, key="lane", label="车道", label_en="Lane", field_type="choice", order=2,
                       choices=[{"value": "left", "label": "左", "label_en": "Left"},
                                {"value": "right", "label": "右", "label_en": "Right"}])  # fmt: skip
    lights = CategoryFactory(name="路灯", name_en="Street lights", default_team=team)
    integration, secret = make(admin_user, Kind.OPEN311, name="City app", slug="city")
    services.open311_service_add(actor=admin_user, integration=integration, service_code="pothole",
                                 service_name="Pothole", category=roads, group="Streets",
                                 description="A hole in the road", keywords="road,hole")  # fmt: skip
    services.open311_service_add(actor=admin_user, integration=integration, service_code="light-out",
                                 service_name="Street light out", category=lights, group="Streets")  # fmt: skip
    integration.api_key = secret
    return integration


def create(client, city, language="en", **fields):
    data = {"api_key": city.api_key, "service_code": "pothole", "lat": "31.230416", "long": "121.473701",
            "description": "Deep pothole in the right lane", "email": "wang@example.org", "first_name": "Wei",
            "last_name": "Wang", "phone": "+86 21 5555 0101", "attribute[depth]": "12", "attribute[lane]": "right",
            "media_url": "https://photos.example.org/p/1.jpg"} | fields  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}/requests.json", data=data, HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
def test_services_list_uses_the_specs_field_names(client, city):
    response = client.get(f"{BASE}/services.json")

    assert response.status_code == 200
    assert response.json() == [
        {"service_code": "light-out", "service_name": "Street light out", "description": "", "metadata": False,
         "type": "realtime", "keywords": "", "group": "Streets"},
        {"service_code": "pothole", "service_name": "Pothole", "description": "A hole in the road",
         "metadata": True, "type": "realtime", "keywords": "road,hole", "group": "Streets"},
    ]  # fmt: skip


@pytest.mark.django_db
def test_service_definition_lists_the_category_fields_as_attributes(client, city):
    response = client.get(f"{BASE}/services/pothole.json")

    definition = response.json()
    assert definition["service_code"] == "pothole"
    depth, lane = definition["attributes"]
    assert depth | {"description": ""} == {"variable": True, "code": "depth", "datatype": "number", "required": True,
                                           "datatype_description": "", "order": 1, "description": ""}  # fmt: skip
    assert lane["datatype"] == "singlevaluelist"
    assert [v["key"] for v in lane["values"]] == ["left", "right"]


@pytest.mark.django_db
def test_create_request_makes_a_ticket_and_answers_its_id(client, city):
    response = create(client, city)

    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert response.json() == [{"service_request_id": ticket.number, "service_notice": "", "account_id": ""}]
    assert ticket.category.name_en == "Roads"
    assert ticket.custom_values == {"depth": 12, "lane": "right"}
    assert ticket.location_text == "31.230416, 121.473701"
    assert "wang@example.org" in ticket.description  # agents can reach the reporter
    assert ticket.requester == city.service_user


@pytest.mark.django_db
def test_get_request_shows_status_and_never_the_reporters_contact(client, city, agent):
    from gongdan.tickets.services import ticket_transition

    number = create(client, city).json()[0]["service_request_id"]
    row = client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert row["status"] == "open"
    assert row["service_code"] == "pothole" and row["service_name"] == "Pothole"
    assert row["description"] == "Deep pothole in the right lane"
    assert row["lat"] == pytest.approx(31.230416) and row["long"] == pytest.approx(121.473701)
    assert row["media_url"] == "https://photos.example.org/p/1.jpg"
    assert row["requested_datetime"].endswith("+00:00")
    assert "wang@example.org" not in str(row) and "5555" not in str(row)

    ticket = Ticket.objects.get()
    ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Filled and sealed.")
    row = client.get(f"{BASE}/requests/{number}.json").json()[0]
    assert row["status"] == "closed"
    assert row["status_notes"] == "Filled and sealed."


@pytest.mark.django_db
def test_get_requests_filters_by_status_code_and_ids(client, city, django_assert_max_num_queries):
    first = create(client, city).json()[0]["service_request_id"]
    create(client, city, service_code="light-out", **{"attribute[depth]": None, "attribute[lane]": None})
    Ticket.objects.filter(number=first).update(status=Status.CLOSED)

    with django_assert_max_num_queries(3):
        everything = client.get(f"{BASE}/requests.json").json()
    assert len(everything) == 2
    assert [r["service_code"] for r in client.get(f"{BASE}/requests.json?status=open").json()] == [
        "light-out"
    ]
    assert [
        r["service_request_id"] for r in client.get(f"{BASE}/requests.json?service_request_id={first}").json()
    ] == [first]
    assert [r["service_code"] for r in client.get(f"{BASE}/requests.json?service_code=pothole").json()] == [
        "pothole"
    ]


@pytest.mark.django_db
def test_xml_is_served_too(client, city):
    create(client, city)

    services_xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)  # noqa: S314 (our own response)
    requests_xml = ET.fromstring(client.get(f"{BASE}/requests.xml").content)  # noqa: S314 (our own response)

    assert services_xml.tag == "services"
    assert [s.findtext("service_code") for s in services_xml.findall("service")] == ["light-out", "pothole"]
    assert requests_xml.tag == "service_requests"
    assert requests_xml.find("request").findtext("status") == "open"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"api_key": None}, 403, "api_key"),
        ({"service_code": "unicorn"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"long": None}, 400, "lat and long"),
        ({"lat": "95"}, 400, "lat"),
        ({"lat": "north"}, 400, "lat"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"description": "x" * 4001}, 400, "description"),
        ({"attribute[depth]": None}, 400, "custom_fields.depth"),
        ({"attribute[depth]": "deep"}, 400, "depth"),
    ],
)
def test_bad_requests_get_the_specs_error_shape_and_write_nothing(client, city, fields, status, words):
    response = create(client, city, **fields)

    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert words in error["description"]
    assert not Ticket.objects.exists() and not Open311Request.objects.exists()


@pytest.mark.django_db
def test_errors_in_xml(client, city):
    response = client.post(f"{BASE}/requests.xml", data={"api_key": "wrong", "service_code": "pothole"})

    assert response.status_code == 403
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    assert root.tag == "errors" and root.find("error").findtext("code") == "403"


@pytest.mark.django_db
def test_unknown_jurisdiction_service_and_request_are_404(client, city):
    assert client.get("/api/v1/open311/nowhere/services.json").status_code == 404
    assert client.get(f"{BASE}/services/unicorn.json").status_code == 404
    assert client.get(f"{BASE}/requests/GD-1999-000001.json").status_code == 404
    assert client.get(f"{BASE}/services.yaml").status_code == 404


@pytest.mark.django_db
def test_a_json_body_for_create_is_400(client, city):
    response = client.post(
        f"{BASE}/requests.json", data={"api_key": city.api_key}, content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.django_db
def test_errors_speak_the_clients_language(client, city):
    response = create(client, city, language="zh-hans", lat=None, long=None)

    assert response.json()[0]["description"] == "必须提供位置：lat 和 long、address_string 或 address_id。"


@pytest.mark.django_db
def test_a_flood_from_one_address_is_refused_before_the_database(
    client, city, settings, django_assert_num_queries
):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"open311_read_ip": (2, 60), "open311_write_ip": (1, 60)}
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/requests.xml").status_code == 200
    with django_assert_num_queries(0):
        refused = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert refused.json() == [
        {"code": 429, "description": "Too many requests from your address; try again later."}
    ]
    assert client.get(f"{BASE}/services.xml").status_code == 429
    # Creating has its own, smaller budget; what is refused writes nothing.
    assert create(client, city).status_code == 200
    tickets = Ticket.objects.count()
    assert create(client, city).status_code == 429
    assert Ticket.objects.count() == tickets
    # Another address is counted apart.
    assert client.get(f"{BASE}/services.json", REMOTE_ADDR="203.0.113.9").status_code == 200
