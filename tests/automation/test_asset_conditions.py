"""Conditions on the equipment a ticket is about (issue 15 item 5): the asset's type, place and custom fields,
refused by name when a field is sensitive or unknown, read without a query per rule."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from gongdan.assets.services import asset_field_create, asset_field_update, location_create
from gongdan.automation import services
from gongdan.automation.conditions import Subject, clean_conditions, compile_conditions
from gongdan.automation.engine import fresh_ticket, handle_events
from gongdan.automation.forms import condition_field_choices
from gongdan.automation.models import Rule
from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def tags(ticket) -> list[str]:
    return sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def test_a_rule_on_the_asset_type_and_an_asset_field_fires_only_for_tickets_on_such_assets(
    make_rule, make_ticket, make_asset, line_type, settle
):
    # Given "created, asset is a compressor running on ISO 68 oil → tag oil-68"
    make_rule("Compressors on ISO 68", "created", [{"type": "add_tags", "tags": ["oil-68"]}], [
        {"field": "asset.type", "op": "eq", "value": "compressor"},
        {"field": "asset.field.oil", "op": "eq", "value": "ISO 68"},
    ])  # fmt: skip
    on_68 = make_asset("AC-68", custom_values={"power_kw": 55, "oil": "ISO 68"})
    on_46 = make_asset("AC-46", custom_values={"power_kw": 55, "oil": "ISO 46"})
    line = make_asset("LINE-1", asset_type=line_type)
    # When tickets are reported on each, and one on no equipment at all
    hit = make_ticket("Compressor overheats", asset=on_68)
    other_oil = make_ticket("Compressor noisy", asset=on_46)
    other_type = make_ticket("Line stopped", asset=line)
    no_asset = make_ticket("Printer jammed")
    settle()
    # Then only the ticket on the ISO 68 compressor is tagged
    assert tags(hit) == ["oil-68"]
    assert tags(other_oil) == tags(other_type) == tags(no_asset) == []


def test_the_asset_place_matches_its_own_place_and_every_place_above_it(make_asset, make_ticket, plant):
    plant["site"].code, plant["hall"].code = "EAST", "HALL-1"
    for place in plant.values():
        place.save(update_fields=["code"])
    room = location_create(actor=None, name="配电室", kind="room", parent=plant["hall"])
    ticket = make_ticket("Breaker tripped", asset=make_asset("AC-9", location=room))
    in_site = compile_conditions(clean_conditions([{"field": "asset.location", "op": "eq", "value": "EAST"}]))
    in_hall = compile_conditions(
        clean_conditions([{"field": "asset.location", "op": "in", "value": ["HALL-1"]}])
    )
    elsewhere = compile_conditions(
        clean_conditions([{"field": "asset.location", "op": "not_in", "value": ["EAST"]}])
    )
    subject = Subject(fresh_ticket(ticket.pk))
    assert in_site(subject) and in_hall(subject)
    assert not elsewhere(subject)
    # a ticket without an asset is in no place, so "not in EAST" holds and "is EAST" does not
    bare = Subject(fresh_ticket(make_ticket("No equipment").pk))
    assert elsewhere(bare) and not in_site(bare)


def test_a_sensitive_asset_field_is_refused_naming_it(admin_user, compressor_type):
    asset_field_create(actor=None, asset_type=compressor_type, key="vendor_pin", label="厂家密码",
                       label_en="Vendor PIN", sensitive=True)  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        services.rule_create(actor=admin_user, name="PIN rule", trigger="created", actions=[
            {"type": "add_tags", "tags": ["x"]}], conditions=[
            {"field": "asset.field.vendor_pin", "op": "eq", "value": "1234"}])  # fmt: skip
    message = refused.value.details["conditions.0.field"][0]
    assert "Vendor PIN" in message and "sensitive" in message
    # nor does the rule editor offer it, while it offers the other asset fields
    offered = dict(condition_field_choices())
    assert "asset.field.vendor_pin" not in offered
    assert offered["asset.field.oil"] == "Asset field: Oil"
    assert offered["asset.type"] == "Asset: type (code)"
    with translation.override("zh-hans"):
        offered = dict(condition_field_choices())
    assert offered["asset.type"] == "资产：类型（代码）"
    assert offered["asset.field.oil"] == "资产字段：润滑油"


def test_a_rule_saved_before_its_field_became_sensitive_no_longer_matches(
    make_asset, make_ticket, compressor_type, admin_user
):
    check = compile_conditions(clean_conditions([{"field": "asset.field.oil", "op": "is_set"}]))
    ticket = make_ticket("Oil leak", asset=make_asset("AC-2", custom_values={"power_kw": 5, "oil": "ISO 46"}))
    assert check(Subject(fresh_ticket(ticket.pk)))
    oil = compressor_type.fields.get(key="oil")
    asset_field_update(actor=admin_user, asset_field=oil, sensitive=True)
    assert not compile_conditions([{"field": "asset.field.oil", "op": "is_set", "value": None}])(
        Subject(fresh_ticket(ticket.pk))
    )


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ({"field": "asset.colour", "op": "eq", "value": "red"}, "Unknown field “asset.colour”."),
        ({"field": "asset.field.nope", "op": "eq", "value": "x"}, "Unknown field “asset.field.nope”."),
        ({"field": "asset.type", "op": "eq", "value": "boiler"}, "Unknown value “boiler”."),
        (
            {"field": "asset.location", "op": "gt", "value": "1"},
            "“is more than” does not apply to this field.",
        ),
    ],
)
def test_unknown_asset_fields_and_values_are_refused_by_name(compressor_type, condition, said):
    with pytest.raises(ValidationFailed) as refused:
        clean_conditions([condition])
    assert [said] in refused.value.details.values()


def test_asset_conditions_add_no_query_per_rule(make_rule, make_ticket, make_asset, plant, settle):
    plant["site"].code = "EAST"
    plant["site"].save(update_fields=["code"])

    def queries_for_one_event(rule_count: int, *, on_asset: bool) -> int:
        for index in range(rule_count):
            conditions = [{"field": "priority", "op": "eq", "value": "P1"}]
            if on_asset:
                conditions = [
                    {"field": "asset.type", "op": "eq", "value": "compressor"},
                    {"field": "asset.field.power_kw", "op": "gt", "value": str(1000 + index)},
                    {"field": "asset.criticality", "op": "in", "value": ["A", "B"]},
                    {"field": "asset.location", "op": "in", "value": ["EAST"]},
                ]
            make_rule(f"Rule {index}", "created", [{"type": "add_tags", "tags": [f"r{index}"]}], conditions)
        make_ticket("Compressor stopped", asset=make_asset(f"AC-{rule_count}{on_asset}", criticality="A"))
        event = TicketEvent.objects.filter(kind="created").latest("pk")
        handle_events([event])  # the rules compiled and cached, as on a running site
        with CaptureQueriesContext(connection) as done:
            assert handle_events([event]) == 0
        Rule.objects.all().delete()
        # (the configuration version is read each time in a test: its changes never commit)
        return len([q for q in done.captured_queries if "core_configurationversion" not in q["sql"]])

    # the ticket comes with its asset, type and place in its one query: twenty rules reading them cost no more
    # than one rule that reads none
    assert queries_for_one_event(20, on_asset=True) == queries_for_one_event(1, on_asset=False)
