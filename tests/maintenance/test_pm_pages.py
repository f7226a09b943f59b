"""The preventive maintenance screens: the list with its filters, the checklist on the ticket page, and the
plan and checklist settings screens (audited, bad input refused with nothing written)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongdan.audit.models import AuditEntry
from gongdan.maintenance.models import ChecklistTemplate, PmPlan, PmStatus, PmWorkOrder
from gongdan.maintenance.services import pm
from gongdan.tickets.services import ticket_assign
from tests.clients import signed_in


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


@pytest.fixture
def plan_on(admin_user, team):
    def make(asset, **fields):
        fields.setdefault("name", f"月度保养 {asset.code}")
        fields.setdefault("every", 1)
        fields.setdefault("frequency", "months")
        fields.setdefault("starts_on", timezone.localdate())
        return pm.pm_plan_create(actor=admin_user, asset=asset, requester=admin_user, team=team, **fields)

    return make


def test_the_list_shows_due_and_overdue_work_orders_in_few_queries(agent_client, make_asset, plan_on,
                                                                   django_assert_max_num_queries):  # fmt: skip
    for n in range(12):
        plan_on(make_asset(f"AC-{n:02}"))
    late = plan_on(make_asset("AC-99"), name="逾期计划", starts_on=timezone.localdate() - timedelta(days=3))
    PmWorkOrder.objects.filter(plan=late).update(status=PmStatus.SCHEDULED)
    PmWorkOrder.objects.create(plan=late, asset=late.asset, planned_on=timezone.localdate() - timedelta(days=3),
                               due_on=timezone.localdate() - timedelta(days=3),
                               opens_on=timezone.localdate() - timedelta(days=3))  # fmt: skip

    with django_assert_max_num_queries(12):
        response = agent_client.get(reverse("maintenance:pm_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "AC-00" in body and "AC-11" in body

    overdue = agent_client.get(reverse("maintenance:pm_list"), {"state": "overdue"}).content.decode()
    assert "逾期计划" in overdue and "AC-00" not in overdue
    assert 'id="pm-overdue-count">1<' in overdue


def test_a_bad_state_is_a_400_and_requesters_are_refused(agent_client, requester_client):
    assert agent_client.get(reverse("maintenance:pm_list"), {"state": "exploded"}).status_code == 400
    assert requester_client.get(reverse("maintenance:pm_list")).status_code == 403


def test_the_checklist_is_answered_on_the_ticket_page(agent_client, agent, make_asset, plan_on):
    checklist = pm.checklist_create(actor=None, name="电梯月检", steps=[
        pm.StepSpec("曳引机油位", kind="number", minimum=1, maximum=3, unit="cm"),
        pm.StepSpec("门锁动作正常", kind="check"),
    ])  # fmt: skip
    plan_on(make_asset("LIFT-1"), checklist=checklist)
    pm.pm_open_due()
    work_order = PmWorkOrder.objects.get(status=PmStatus.OPEN)
    ticket = ticket_assign(actor=agent, ticket=work_order.ticket, assignee=agent)
    level, lock = checklist.steps.all()

    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert 'id="pm-checklist"' in page and "曳引机油位" in page

    url = reverse("maintenance:pm_checklist_answer", args=[ticket.number, level.pk])
    bad = agent_client.post(url, {"number": "lots"})
    assert bad.status_code == 303 and not work_order.answers.exists()
    agent_client.post(url, {"number": "4.5"})
    agent_client.post(
        reverse("maintenance:pm_checklist_answer", args=[ticket.number, lock.pk]), {"passed": "pass"}
    )

    answers = {a.step_id: a.passed for a in work_order.answers.all()}
    assert answers == {level.pk: False, lock.pk: True}
    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert "failed" in page


def test_an_admin_creates_a_plan_and_a_checklist_on_the_settings_screens_and_both_are_audited(
    admin_client, admin_user, make_asset
):
    asset = make_asset("AC-01")
    response = admin_client.post(reverse("maintenance:checklist_create"), {
        "name": "空压机保养", "steps": "排气温度 | number | 60 | 95 | °C\n皮带无裂纹\n现场照片 | photo | optional",
    })  # fmt: skip
    assert response.status_code == 302
    checklist = ChecklistTemplate.objects.get()
    assert [(s.kind, s.required) for s in checklist.steps.all()] == [
        ("number", True),
        ("check", True),
        ("photo", False),
    ]

    response = admin_client.post(reverse("maintenance:pm_plan_create"), {
        "name": "空压机 500 小时保养", "asset": asset.pk, "trigger": "either", "every": 1, "frequency": "months",
        "starts_on": timezone.localdate().isoformat(), "schedule": "floating", "meter": "run_hours",
        "meter_every": "500", "lead_days": 3, "checklist": checklist.pk, "requester": admin_user.pk,
        "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PmPlan.objects.get()
    assert plan.trigger == "either" and PmWorkOrder.objects.filter(plan=plan).count() == 1
    kinds = set(AuditEntry.objects.filter(kind="config.create").values_list("object_type", flat=True))
    assert {"maintenance.pmplan", "maintenance.checklisttemplate"} <= kinds

    listing = admin_client.get(reverse("maintenance:pm_plan_list")).content.decode()
    assert "空压机 500 小时保养" in listing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"asset": ""}, "Choose one asset or one asset type."),
        ({"trigger": "meter", "meter": ""}, "A meter plan needs a meter and a positive interval."),
        ({"frequency": "months", "weekdays": ["2"]}, "Weekdays apply to a weekly plan only."),
        ({"every": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_plan_on_the_screen_is_a_400_and_writes_nothing(
    admin_client, admin_user, make_asset, change, message
):
    asset = make_asset("AC-01")
    data = {"name": "计划", "asset": asset.pk, "trigger": "calendar", "every": 1, "frequency": "months",
            "starts_on": timezone.localdate().isoformat(), "schedule": "fixed", "lead_days": 0,
            "requester": admin_user.pk, **change}  # fmt: skip
    audit_before = AuditEntry.objects.count()
    response = admin_client.post(reverse("maintenance:pm_plan_create"), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not PmPlan.objects.exists() and not PmWorkOrder.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_bad_checklist_line_is_refused(admin_client):
    response = admin_client.post(
        reverse("maintenance:checklist_create"), {"name": "x", "steps": "温度 | number | hot"}
    )
    assert response.status_code == 422
    assert "is not a number" in response.content.decode()
    assert not ChecklistTemplate.objects.exists()


def test_the_asset_page_shows_its_next_maintenance(
    agent_client, make_asset, plan_on, django_assert_max_num_queries
):
    asset = make_asset("AC-01")
    plan_on(asset, name="空压机月度保养")
    with django_assert_max_num_queries(27):
        body = agent_client.get(reverse("assets:asset_detail", args=["ac-01"])).content.decode()
    assert 'id="asset-pm"' in body and "空压机月度保养" in body
