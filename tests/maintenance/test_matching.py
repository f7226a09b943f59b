"""Routing rules and SLA policies match on the ticket's asset (type, criticality) and its location."""

from __future__ import annotations

import pytest

from gongdan.core.domain_errors import ValidationFailed
from gongdan.routing import services as routing
from gongdan.sla import services as sla
from gongdan.sla.models import BusinessCalendar, SlaClock
from gongdan.tickets.models import Priority
from tests.factories import TeamFactory


def test_a_routing_rule_matches_the_asset_type_criticality_and_location(
    admin_user, make_asset, make_ticket, requester, compressor_type, line_type, plant
):
    facilities = TeamFactory(name="设备科", name_en="Maintenance")
    routing.rule_create(actor=admin_user, name="Critical compressors", team=facilities, conditions=[
        {"kind": "asset_type", "values": [compressor_type.pk]},
        {"kind": "criticality", "values": ["A"]},
        {"kind": "location", "values": [plant["site"].pk]},
    ])  # fmt: skip
    critical = make_asset("AC-01", criticality="A")
    ordinary = make_asset("AC-02", criticality="C")
    line = make_asset("L1", asset_type=line_type, name="Line", criticality="A")

    def routed(asset):
        return make_ticket("It stopped", asset=asset, team=None, actor=requester).team

    assert routed(critical) == facilities
    assert routed(ordinary) != facilities
    assert routed(line) != facilities


def test_an_sla_policy_matches_the_asset_criticality_and_location(
    admin_user, make_asset, make_ticket, compressor_type, plant
):
    policy = sla.policy_create(
        actor=admin_user, name="关键设备", name_en="Critical equipment", order=0,
        calendar=BusinessCalendar.objects.get(is_24x7=True),
        conditions={"criticalities": ["A"], "asset_types": [compressor_type.pk], "locations": [plant["site"].pk]},
        targets=dict.fromkeys(Priority.objects.all(), (15, 30, 120)),
    )  # fmt: skip
    critical = make_ticket("It stopped", asset=make_asset("AC-01", criticality="A"))
    ordinary = make_ticket("It is loud", asset=make_asset("AC-02", criticality="B"))
    no_asset = make_ticket("Printer jammed")

    assert SlaClock.objects.filter(ticket=critical, policy=policy).exists()
    assert not SlaClock.objects.filter(ticket=ordinary, policy=policy).exists()
    assert not SlaClock.objects.filter(ticket=no_asset, policy=policy).exists()


def test_conditions_naming_unknown_asset_types_are_refused(admin_user):
    with pytest.raises(ValidationFailed):
        sla.clean_conditions({"asset_types": [999999]})
    with pytest.raises(ValidationFailed):
        sla.clean_conditions({"criticalities": ["Z"]})
    with pytest.raises(ValidationFailed):
        routing.rule_create(actor=admin_user, name="x", team=TeamFactory(name="t"),
                            conditions=[{"kind": "criticality", "values": ["Z"]}])  # fmt: skip
