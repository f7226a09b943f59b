"""Custom fields per category: types, required checks, inheritance, and nothing saved on a bad value."""

from __future__ import annotations

import pytest

from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import ticket_create, ticket_update
from tests.factories import CategoryFactory, CustomFieldFactory

pytestmark = pytest.mark.django_db

CHOICES = [
    {"value": "hp", "label": "惠普", "label_en": "HP"},
    {"value": "canon", "label": "佳能", "label_en": "Canon"},
]


@pytest.fixture
def printer_category(category, agent):
    printers = CategoryFactory(
        name="打印机", name_en="Printer", parent=category, default_team=category.default_team
    )
    CustomFieldFactory(category=category, key="floor", label="楼层", label_en="Floor", field_type="number",
                       required=True)  # fmt: skip
    CustomFieldFactory(category=printers, key="brand", label="品牌", label_en="Brand", field_type="choice",
                       choices=CHOICES, required=True)  # fmt: skip
    CustomFieldFactory(category=printers, key="trays", label="纸盒", label_en="Trays", field_type="multi_choice",
                       choices=[{"value": "1"}, {"value": "2"}])  # fmt: skip
    CustomFieldFactory(
        category=printers, key="bought", label="购买日期", label_en="Bought", field_type="date"
    )
    CustomFieldFactory(category=printers, key="owner", label="负责人", label_en="Owner", field_type="user")
    CustomFieldFactory(category=printers, key="model", label="型号", label_en="Model", field_type="text")
    return printers


def test_valid_values_are_cleaned_and_stored(requester, agent, printer_category):
    ticket = ticket_create(
        actor=requester,
        subject="卡纸",
        category=printer_category,
        custom_values={"floor": "3", "brand": "hp", "trays": ["2", "1", "2"], "bought": "2024-02-29",
                       "owner": agent.username, "model": "  LaserJet 400 "},
    )  # fmt: skip
    assert ticket.custom_values == {"floor": 3, "brand": "hp", "trays": ["1", "2"], "bought": "2024-02-29",
                                    "owner": agent.pk, "model": "LaserJet 400"}  # fmt: skip


def test_required_fields_inherited_from_the_parent_category_are_enforced(requester, printer_category):
    with pytest.raises(ValidationFailed) as error:
        ticket_create(
            actor=requester, subject="卡纸", category=printer_category, custom_values={"brand": "hp"}
        )
    assert list(error.value.details) == ["custom_fields.floor"]
    assert "Floor" in error.value.details["custom_fields.floor"][0]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("floor", "three"),
        ("floor", float("nan")),
        ("floor", True),
        ("brand", "epson"),
        ("trays", ["1", "9"]),
        ("bought", "2024-02-30"),
        ("owner", "nobody"),
        ("model", {"nested": "object"}),
        ("model", "x" * 2001),
        ("unknown_key", "x"),
    ],
)
def test_bad_values_are_refused_field_by_field(requester, printer_category, key, value):
    values = {"floor": 3, "brand": "hp", key: value}
    with pytest.raises(ValidationFailed) as error:
        ticket_create(actor=requester, subject="卡纸", category=printer_category, custom_values=values)
    assert f"custom_fields.{key}" in error.value.details
    assert not Ticket.objects.exists()


def test_changing_category_revalidates_the_form(requester, agent, category, printer_category):
    ticket = ticket_create(actor=requester, subject="Network", category=category, custom_values={"floor": 2})
    with pytest.raises(ValidationFailed) as error:
        ticket_update(actor=agent, ticket=ticket, changes={"category": printer_category})
    assert "custom_fields.brand" in error.value.details
    ticket = ticket_update(actor=agent, ticket=ticket, changes={"category": printer_category,
                                                                  "custom_values": {"brand": "canon"}})  # fmt: skip
    assert ticket.custom_values == {"floor": 2, "brand": "canon"}


def test_inactive_fields_are_not_asked_for(requester, category):
    CustomFieldFactory(
        category=category, key="old", label="旧", field_type="text", required=True, is_active=False
    )
    ticket = ticket_create(actor=requester, subject="ok", category=category)
    assert ticket.custom_values == {}
