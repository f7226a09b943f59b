from __future__ import annotations

import pytest

from gongdan.approvals import services
from gongdan.tickets.models import Ticket
from tests.factories import CategoryFactory, CustomFieldFactory, UserFactory


@pytest.fixture
def renovation(team):
    """A category whose tickets need approval, with a number field the finance stage looks at."""
    category = CategoryFactory(name="装修申请", name_en="Renovation", default_team=team)
    CustomFieldFactory(category=category, key="cost", label="费用", label_en="Cost", field_type="number")
    return category


@pytest.fixture
def approver(db):
    return UserFactory(username="approver_a", role="team_lead", display_name="Approver A")


@pytest.fixture
def approver_b(db):
    return UserFactory(username="approver_b", role="team_lead", display_name="Approver B")


@pytest.fixture
def approver_c(db):
    return UserFactory(username="approver_c", role="agent", display_name="Approver C")


@pytest.fixture
def make_flow(admin_user, renovation):
    """A flow on the renovation category with the stages given (each a dict of stage values)."""

    def make(*stages: dict, code: str = "reno", **flow_values):
        flow_values.setdefault("category", renovation)
        flow = services.flow_create(actor=admin_user, name="装修审批", name_en="Renovation approval", code=code,
                                    **flow_values)  # fmt: skip
        for index, stage in enumerate(stages, start=1):
            stage.setdefault("name", f"阶段 {index}")
            stage.setdefault("name_en", f"Stage {index}")
            services.stage_create(actor=admin_user, flow=flow, **stage)
        return flow

    return make


def people_stage(*people, mode="all", **extra):
    return {"approver_kind": "people", "approver_people": list(people), "mode": mode, **extra}


@pytest.fixture
def file_ticket(make_ticket, renovation, requester):
    """A renovation ticket filed by its requester (the flow starts on create)."""

    def make(cost: int | None = None, **kwargs):
        values = {"cost": cost} if cost is not None else {}
        ticket = make_ticket("Replace the bathroom tiles", actor=requester, team=None, category=renovation,
                             custom_values=values, **kwargs)  # fmt: skip
        return Ticket.objects.get(pk=ticket.pk)

    return make
