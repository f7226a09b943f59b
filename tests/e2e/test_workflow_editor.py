"""The workflow editor in a real browser: an admin draws a three-state workflow with an approval on a
transition (add states, connect them by dragging, edit the transition in the side panel) and publishes it.
Set GONGDAN_SHOTS=/some/dir to keep screenshots in English and Chinese."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from gongdan.approvals import services as approvals
from gongdan.tickets.models import TicketType, VersionStatus, WorkflowTransition, WorkflowVersion
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def drag(page, source: tuple[float, float], target: tuple[float, float]) -> None:
    page.mouse.move(*source)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(
            source[0] + (target[0] - source[0]) * step / 10, source[1] + (target[1] - source[1]) * step / 10
        )
    page.mouse.up()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_admin_draws_a_three_state_workflow_with_an_approval_and_publishes_it(
    browser, live_server, language
):
    from playwright.sync_api import expect

    tag = language.replace("-", "_")
    admin = UserFactory(username=f"wfadmin_{tag}", role="admin", language=language)
    approver = UserFactory(username=f"pm_{tag}", role="team_lead")
    permit = TicketType.objects.create(code=f"permit_{tag}", name="装修审批", name_en="Renovation permit")
    flow = approvals.flow_create(actor=admin, name="装修审批", name_en="Renovation approval", code=f"reno_{tag}",
                                 ticket_type=permit, start_on_create=False)  # fmt: skip
    approvals.stage_create(actor=admin, flow=flow, name="物业经理", name_en="Property manager",
                           approver_kind="people", approver_people=[approver], mode="all")  # fmt: skip
    start = {"states": [{"code": "filed", "name": "已提交", "name_en": "Filed", "status": "new", "x": 100, "y": 150}],
             "transitions": []}  # fmt: skip
    from gongdan.tickets.services import workflows

    workflows.workflow_draft_save(actor=admin, ticket_type=permit, definition=start)

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/?next=/settings/workflow/{permit.code}/")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(re.compile(r"/settings/workflow/"))
    canvas = page.locator("#wf-canvas")
    expect(canvas.locator("canvas").first).to_be_visible()

    # Two more states: "works" (in progress) and "done" (resolved), named in the side panel
    for code, name, status in (("works", "施工中", "in_progress"), ("done", "已完工", "resolved")):
        page.click("[data-wf=add-state]")
        page.fill("#wf-state-code", code)
        page.fill("#wf-state-name", name)
        page.fill("#wf-state-name-en", code.title())
        page.select_option("#wf-state-status", status)
    # Place them apart by dragging (the new states appear in the middle of the view)
    positions = page.evaluate("""() => {
        const cy = document.getElementById('wf-canvas')._cyreg.cy;
        const box = document.getElementById('wf-canvas').getBoundingClientRect();
        const at = (code) => { const p = cy.nodes().filter((n) => n.data('code') === code).renderedPosition(); return [box.x + p.x, box.y + p.y]; };
        return {filed: at('filed'), works: at('works'), done: at('done'), box: [box.x, box.y, box.width, box.height]};
    }""")
    x, y, width, height = positions["box"]
    drag(page, positions["done"], (x + width * 0.8, y + height * 0.5))
    drag(page, positions["works"], (x + width * 0.5, y + height * 0.2))
    coordinates = page.evaluate("""() => {
        const cy = document.getElementById('wf-canvas')._cyreg.cy;
        const box = document.getElementById('wf-canvas').getBoundingClientRect();
        const at = (code) => { const p = cy.nodes().filter((n) => n.data('code') === code).renderedPosition(); return [box.x + p.x, box.y + p.y]; };
        return {filed: at('filed'), works: at('works'), done: at('done')};
    }""")

    # Connect filed → works (the approval step) and works → done, drawing with the mouse in Connect mode
    for source, target, action in (("filed", "works", "send_for_approval"), ("works", "done", "finish")):
        page.click("[data-wf=connect]")
        drag(page, coordinates[source], coordinates[target])
        expect(page.locator("#wf-tr-action")).to_be_visible()
        page.fill("#wf-tr-action", action)
        page.fill("#wf-tr-name", "送审" if action != "finish" else "完工")
        page.fill("#wf-tr-name-en", action.replace("_", " ").capitalize())
        if action == "send_for_approval":
            page.select_option("#wf-tr-approval", flow.code)
            page.check("input[name=roles][value=requester]")
    shot(page, f"workflow-editor-{tag}")

    page.click("[data-wf=validate]")
    expect(page.locator("#wf-problems .alert-success")).to_be_visible()
    page.click("[data-wf=publish]")
    page.wait_for_url(re.compile(r"/versions/$"))
    shot(page, f"workflow-versions-{tag}")

    version = WorkflowVersion.objects.get(ticket_type=permit, status=VersionStatus.PUBLISHED)
    assert [s["code"] for s in version.definition["states"]] == ["filed", "works", "done"]
    guarded = WorkflowTransition.objects.get(ticket_type=permit, action="send_for_approval")
    assert (guarded.from_state, guarded.to_state, guarded.approval) == ("filed", "works", flow.code)
    assert "requester" in guarded.allowed_roles
    context.close()
