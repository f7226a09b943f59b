"""A technician on an emulated phone answers a preventive maintenance job's checklist in the field app: a
number out of its limits shows as failed, the required steps answered, the job is finished as done."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from gongdan.maintenance.models import PmStatus, PmWorkOrder
from gongdan.maintenance.services import pm
from gongdan.tickets.services import ticket_assign, ticket_transition
from tests.e2e.conftest import close_quietly
from tests.e2e.test_field import phone_context, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pm_job(make_asset, admin_user, team, agent):
    checklist = pm.checklist_create(actor=None, name="空压机保养", steps=[
        pm.StepSpec("排气温度 Discharge temperature", kind="number", unit="°C", minimum=Decimal(60),
                    maximum=Decimal(95)),
        pm.StepSpec("皮带张紧 Belt tension", kind="check"),
    ])  # fmt: skip
    pm.pm_plan_create(actor=admin_user, name="空压机月度保养", asset=make_asset("AC-01"), every=1,
                      frequency="months", starts_on=timezone.localdate(), checklist=checklist,
                      requester=admin_user, team=team)  # fmt: skip
    pm.pm_open_due()
    work_order = PmWorkOrder.objects.get(status=PmStatus.OPEN)
    ticket = ticket_assign(actor=agent, ticket=work_order.ticket, assignee=agent)
    ticket_transition(actor=agent, ticket=ticket, action="start")
    return work_order


def test_the_checklist_is_answered_on_the_phone(browser, live_server, agent, pm_job):
    from playwright.sync_api import expect

    context = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, live_server, agent)
    number = pm_job.ticket.number
    page.goto(f"{live_server.url}/m/jobs/{number}/")
    checklist = page.locator("#fa-pm-checklist")
    expect(checklist).to_contain_text("排气温度 Discharge temperature")

    checklist.get_by_label("排气温度 Discharge temperature").fill("101.5")
    with page.expect_navigation():
        checklist.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/m/jobs/{number}/$"))
    expect(page.locator("#fa-pm-checklist .fa-pm-failed")).to_contain_text("failed")

    with page.expect_navigation():
        page.locator("#fa-pm-checklist").get_by_role("button", name="Pass").click()
    expect(page.locator("#fa-pm-checklist .fa-pm-ok")).to_contain_text("passed")

    answers = {a.step.label: a.passed for a in pm_job.answers.select_related("step")}
    assert answers == {"排气温度 Discharge temperature": False, "皮带张紧 Belt tension": True}
    ticket_transition(actor=agent, ticket=pm_job.ticket, action="resolve", note="done")
    pm_job.refresh_from_db()
    assert pm_job.status == PmStatus.DONE
    close_quietly(context)
