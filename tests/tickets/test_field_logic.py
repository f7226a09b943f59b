"""Conditional fields (issue 15, item 4): a field shown, required or given fewer choices depending on the fields
above it, the category or the priority — the same verdict through the API, the agent's web form and the portal,
because all three end in the same service; and the admin's rules are checked before they are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Priority, Ticket
from gongdan.tickets.services import configuration, ticket_create, ticket_update
from gongdan.tickets.services.field_logic import evaluate
from tests.api.conftest import ApiClient
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

CASES = [
    # (values, the field the verdict names, or None when accepted)
    ({"urgency": "high"}, "phone"),
    ({"urgency": "high", "phone": "13800000000"}, None),
    ({"kind": "laptop"}, "asset_tag"),
    ({"kind": "desktop"}, None),
    ({"site": "sz", "room": "r3"}, "room"),
    ({"site": "bj", "room": "r3"}, None),
]


@pytest.mark.parametrize(("values", "named"), CASES)
def test_the_api_the_agent_form_the_portal_and_the_phone_app_give_the_same_verdict(
    hardware, agent, agent_client, requester, requester_client, values, named
):
    # Through the API
    api = ApiClient(agent).post(
        "tickets", {"subject": "坏了", "category": hardware.pk, "custom_fields": values}
    )
    # Through the agent's form and the requester's portal form
    form = {"subject": "坏了", "category": hardware.pk, **{f"cf_{k}": v for k, v in values.items()}}
    web = agent_client.post(reverse("tickets:ticket_new"), {**form, "requester": requester.pk})
    portal = requester_client.post("/portal/new/", form)
    # Through the technician's phone app
    phone = agent_client.post(reverse("field:ticket_new"), form)
    if named is None:
        assert (api.status_code, web.status_code, portal.status_code, phone.status_code) == (
            201,
            302,
            302,
            302,
        )
        assert Ticket.objects.count() == 4
        return
    assert (api.status_code, web.status_code, portal.status_code, phone.status_code) == (422, 422, 422, 422)
    assert f"custom_fields.{named}" in api.json()["error"]["details"]
    assert (
        f'data-gd-field="{named}"' in phone.content.decode() and 'class="fa-error"' in phone.content.decode()
    )
    assert Ticket.objects.count() == 0


def test_the_phone_app_edits_a_jobs_details_with_the_same_verdict(hardware, agent, agent_client):
    # Given a job for a desktop; when the technician finds it is a laptop and sends no asset tag
    ticket = ticket_create(actor=agent, subject="蓝屏", category=hardware, assignee=agent,
                           custom_values={"kind": "desktop"})  # fmt: skip
    url = reverse("field:job_details", args=[ticket.number])
    page = agent_client.get(url).content.decode()
    assert 'id="gd-field-logic"' in page and "tickets/field_logic.js" in page
    refused = agent_client.post(url, {"version": ticket.version, "cf_kind": "laptop", "cf_asset_tag": ""})
    # Then the server refuses as everywhere else and nothing changes
    assert refused.status_code == 422 and "“Asset tag” is required." in refused.content.decode()
    ticket.refresh_from_db()
    assert ticket.custom_values == {"kind": "desktop"}
    # And with the tag it is saved, and the job page shows it
    saved = agent_client.post(url, {"version": ticket.version, "cf_kind": "laptop", "cf_asset_tag": "IT-7"})
    assert saved.status_code == 302
    ticket.refresh_from_db()
    assert ticket.custom_values == {"kind": "laptop", "asset_tag": "IT-7"}
    assert "IT-7" in agent_client.get(reverse("field:job", args=[ticket.number])).content.decode()


def test_the_phone_app_brings_the_categorys_form_when_the_category_changes(hardware, agent_client):
    fragment = agent_client.get(
        reverse("field:ticket_new_fields") + f"?category={hardware.pk}"
    ).content.decode()
    assert 'data-gd-field="asset_tag" hidden' in fragment and 'id="gd-field-logic"' in fragment
    page = agent_client.get(reverse("field:ticket_new")).content.decode()
    assert "field/new_ticket.js" in page and "data-fields-url" in page


def test_a_hidden_fields_value_is_dropped_and_shown_fields_keep_theirs(hardware, agent):
    printer = ticket_create(actor=agent, subject="卡纸", category=hardware,
                            custom_values={"kind": "printer", "asset_tag": "IT-0042"})  # fmt: skip
    assert printer.custom_values == {"kind": "printer"}
    laptop = ticket_create(actor=agent, subject="蓝屏", category=hardware,
                           custom_values={"kind": "laptop", "asset_tag": "IT-0042"})  # fmt: skip
    assert laptop.custom_values == {"kind": "laptop", "asset_tag": "IT-0042"}


def test_a_priority_rule_holds_at_create_and_when_the_priority_is_raised(hardware, agent):
    p0 = Priority.objects.get(code="P0")
    with pytest.raises(ValidationFailed) as error:
        ticket_create(actor=agent, subject="全楼断网", category=hardware, priority=p0)
    assert list(error.value.details) == ["custom_fields.impact"]
    ticket = ticket_create(actor=agent, subject="鼠标坏了", category=hardware)
    with pytest.raises(ValidationFailed):
        ticket_update(actor=agent, ticket=ticket, changes={"priority": p0})
    ticket.refresh_from_db()
    assert ticket.priority.code != "P0"
    ticket_update(actor=agent, ticket=ticket, changes={"priority": p0, "custom_values": {"impact": "整层楼"}})
    ticket.refresh_from_db()
    assert ticket.priority == p0 and ticket.custom_values["impact"] == "整层楼"


def test_a_field_below_reads_a_hidden_field_as_empty(hardware):
    fields = list(hardware.custom_fields.order_by("order"))
    states = evaluate(fields, {"kind": "printer", "asset_tag": "X"}, category_code=str(hardware.pk))
    assert not states["asset_tag"].visible and not states["asset_tag"].required
    assert states["room"].choices is None and states["phone"].required is False
    assert evaluate(fields, {"site": "sz"})["room"].choices == ("r1", "r2")


@pytest.mark.parametrize(
    ("logic", "message"),
    [
        ({"show_when": [{"field": "later", "op": "eq", "value": "x"}]}, "above this one"),
        ({"show_when": [{"field": "urgency", "op": "like", "value": "x"}]}, "Unknown operator"),
        ({"show_when": [{"field": "urgency", "op": "set"}] * 11}, "one to ten"),
        ({"require_when": [{"field": "urgency", "op": "in", "value": "high"}]}, "list of values"),
        ({"require_when": [{"field": "urgency", "op": "gt", "value": "many"}]}, "number"),
        (
            {
                "choices_when": [
                    {"when": [{"field": "urgency", "op": "eq", "value": "high"}], "values": ["x"]}
                ]
            },
            "Only choice fields",
        ),
        ({"hide_when": []}, "show_when, require_when and choices_when"),
    ],
)
def test_the_admins_rules_are_checked_before_they_are_kept(hardware, admin_user, logic, message):
    with pytest.raises(ValidationFailed) as error:
        configuration.custom_field_create(actor=admin_user, category=hardware, key="notes", label="备注",
                                          order=15, logic=logic)  # fmt: skip
    assert message in error.value.details["logic"][0]
    assert not hardware.custom_fields.filter(key="notes").exists()


def test_the_field_screen_builds_a_rule_and_refuses_a_bad_one(hardware, admin_browser):
    url = reverse("tickets:field_create", args=[hardware.pk])
    base = {"key": "charger", "label": "充电器", "label_en": "Charger", "field_type": "text", "order": 80,
            "is_active": "on"}  # fmt: skip
    bad = admin_browser.post(url, {**base, "show_field": "kind", "show_op": ""})
    assert bad.status_code == 422 and "Choose what to look at and how." in bad.content.decode()
    good = admin_browser.post(url, {**base, "show_field": "kind", "show_op": "eq", "show_value": "laptop"})
    assert good.status_code == 302
    field = hardware.custom_fields.get(key="charger")
    assert field.logic == {"show_when": [{"field": "kind", "op": "eq", "value": "laptop"}]}
    page = admin_browser.get(reverse("tickets:field_edit", args=[field.pk])).content.decode()
    assert 'value="laptop"' in page


def test_the_form_carries_the_rules_for_the_browser_and_the_api_returns_them(hardware, agent_client, agent):
    page = agent_client.get(reverse("tickets:ticket_new") + f"?category={hardware.pk}").content.decode()
    assert 'id="gd-field-logic"' in page and 'data-gd-field="asset_tag" hidden' in page
    assert "tickets/field_logic.js" in page
    fields = ApiClient(agent).get(f"categories/{hardware.pk}/fields").json()
    assert next(f for f in fields if f["key"] == "phone")["logic"] == {
        "require_when": [{"field": "urgency", "op": "eq", "value": "high"}]
    }


def test_a_condition_on_a_category_holds_for_the_categories_below_it(team, admin_user, agent):
    equipment = CategoryFactory(name="设备", name_en="Equipment", default_team=team)
    computer = CategoryFactory(name="电脑", name_en="Computer", parent=equipment, default_team=team)
    laptop = CategoryFactory(name="笔记本", name_en="Laptop", parent=computer, default_team=team)
    printer = CategoryFactory(name="打印机", name_en="Printer", parent=equipment, default_team=team)
    configuration.custom_field_create(actor=admin_user, category=equipment, key="asset_tag", label="资产编号",
                                      logic={"require_when": [{"field": "@category", "op": "eq", "value": str(computer.pk)}]})  # fmt: skip
    for category in (computer, laptop):
        with pytest.raises(ValidationFailed):
            ticket_create(actor=agent, subject="开不了机", category=category)
    assert ticket_create(actor=agent, subject="卡纸", category=printer).custom_values == {}
