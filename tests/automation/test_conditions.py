"""Each condition operator on each shape of field (one value, text, several values, custom and registered
fields), checked when saved and compiled once."""

from __future__ import annotations

import pytest

from gongdan.automation.conditions import (
    FieldSource,
    Subject,
    clean_conditions,
    compile_conditions,
    register_field_source,
)
from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Priority
from gongdan.tickets.services import ticket_edit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_ticket):
    made = make_ticket(
        "VPN 断网 on floor 3", priority=Priority.objects.get(code="P1"), tags=["vpn", "network"]
    )
    made.custom_values = {"cost": 12000, "room": "A-301"}  # as a category's form would have stored them
    return made


CASES = [
    ({"field": "priority", "op": "eq", "value": "P1"}, True),
    ({"field": "priority", "op": "ne", "value": "P1"}, False),
    ({"field": "priority", "op": "in", "value": ["P0", "P1"]}, True),
    ({"field": "priority", "op": "not_in", "value": "P0, P1"}, False),
    ({"field": "subject", "op": "contains", "value": "断网"}, True),
    ({"field": "subject", "op": "not_contains", "value": "vpn"}, False),
    ({"field": "subject", "op": "starts_with", "value": "vpn"}, True),
    ({"field": "tags", "op": "contains", "value": "vpn"}, True),
    ({"field": "tags", "op": "in", "value": ["printer", "network"]}, True),
    ({"field": "tags", "op": "not_in", "value": ["printer"]}, True),
    ({"field": "custom.cost", "op": "gt", "value": "10000"}, True),
    ({"field": "custom.cost", "op": "gte", "value": "12000"}, True),
    ({"field": "custom.cost", "op": "lt", "value": "12000"}, False),
    ({"field": "custom.cost", "op": "lte", "value": "12000"}, True),
    ({"field": "custom.room", "op": "is_set", "value": None}, True),
    ({"field": "custom.deposit", "op": "is_not_set", "value": None}, True),
    ({"field": "assignee", "op": "is_not_set", "value": None}, True),
    ({"field": "status", "op": "eq", "value": "new"}, True),
    ({"field": "event.by", "op": "eq", "value": "system"}, True),
]


@pytest.mark.parametrize(("condition", "holds"), CASES, ids=[f"{c['field']}-{c['op']}" for c, _h in CASES])
def test_each_operator(ticket, condition, holds):
    check = compile_conditions(clean_conditions([condition]))
    assert check(Subject(ticket)) is holds


def test_what_the_event_changed(ticket, agent):
    ticket_edit(actor=agent, ticket=ticket, changes={"priority": Priority.objects.get(code="P2")})
    event = ticket.events.filter(kind="updated").latest("pk")
    changed = compile_conditions(
        clean_conditions([{"field": "event.changed", "op": "contains", "value": "priority"}])
    )
    by_staff = compile_conditions(clean_conditions([{"field": "event.by", "op": "eq", "value": "staff"}]))
    assert changed(Subject(ticket, event)) and by_staff(Subject(ticket, event))


def test_another_app_adds_fields_under_its_prefix(ticket):
    register_field_source(
        FieldSource("laptop", "Laptop", lambda subject, name: {"model": "ThinkPad X1"}.get(name))
    )
    check = compile_conditions(
        clean_conditions([{"field": "laptop.model", "op": "contains", "value": "thinkpad"}])
    )
    assert check(Subject(ticket))


@pytest.mark.parametrize(
    ("condition", "where"),
    [
        ({"field": "nope", "op": "eq", "value": "x"}, "conditions.0.field"),
        ({"field": "priority", "op": "like", "value": "x"}, "conditions.0.op"),
        ({"field": "priority", "op": "eq", "value": "P9"}, "conditions.0.value"),
        ({"field": "priority", "op": "eq", "value": ""}, "conditions.0.value"),
        ({"field": "custom.cost", "op": "gt", "value": "lots"}, "conditions.0.value"),
        ({"field": "tags", "op": "gt", "value": "1"}, "conditions.0.op"),
    ],
)
def test_bad_conditions_are_refused_naming_the_row_and_part(condition, where):
    with pytest.raises(ValidationFailed) as refused:
        clean_conditions([condition])
    assert where in refused.value.details
