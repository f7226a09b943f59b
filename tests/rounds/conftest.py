"""Rounds test helpers: a checklist, a round through a compressor and a place, and its run of today."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gongdan.assets.services import location_create
from gongdan.maintenance.models import StepKind
from gongdan.maintenance.services import pm
from gongdan.rounds import services
from gongdan.rounds.models import RoundRun

TODAY = timezone.localdate()


@pytest.fixture
def checklist(db):
    return pm.checklist_create(actor=None, name="空压机巡检 Compressor check", steps=[
        pm.StepSpec("排气温度 Discharge temperature", StepKind.NUMBER, "°C", Decimal(60), Decimal(95)),
        pm.StepSpec("无异响 No unusual noise", StepKind.CHECK),
        pm.StepSpec("备注 Notes", StepKind.NOTE, required=False),
    ])  # fmt: skip


@pytest.fixture
def pump_room(plant):
    return location_create(actor=None, name="泵房 Pump room", kind="room", parent=plant["hall"], code="PR-1",
                           latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))  # fmt: skip


@pytest.fixture
def make_round(admin_user, team, agent, checklist, make_asset, pump_room):
    def make(**fields):
        stops = fields.pop("stops", None)
        if stops is None:
            stops = [services.StopSpec(asset=make_asset("AC-01"), checklist=checklist),
                     services.StopSpec(location=pump_room, checklist=checklist)]  # fmt: skip
        fields.setdefault("name", "空压站周巡检")
        fields.setdefault("every", 1)
        fields.setdefault("frequency", "days")
        fields.setdefault("starts_on", TODAY)
        fields.setdefault("requester", admin_user)
        fields.setdefault("team", team)
        fields.setdefault("assignee", agent)
        return services.round_create(actor=admin_user, stops=stops, **fields)

    return make


@pytest.fixture
def run_today(make_round):
    round_ = make_round()
    run = RoundRun.objects.get(round=round_, due_on=TODAY)
    return run


def steps_of(checklist):
    return {s.kind: s for s in checklist.steps.all()}


def tomorrow():
    return TODAY + timedelta(days=1)
