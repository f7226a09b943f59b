"""A technician on an emulated phone walks an inspection round: today's rounds from the job list, a wrong
code refused, the right one checks in with the phone's position, a failed item opens a corrective work order
shown on the stop and on the web report, and finishing reports the stop not visited."""

from __future__ import annotations

import re

import pytest

from gongdan.rounds.models import RoundRun, RunStatus, VisitStatus
from gongdan.tickets.models import Ticket
from tests.e2e.conftest import close_quietly
from tests.e2e.test_field import phone_context, sign_in
from tests.rounds.conftest import TODAY, checklist, make_round, pump_room  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_round_with_a_failing_item_is_walked_on_the_phone(browser, live_server, agent, make_round):  # noqa: F811
    from playwright.sync_api import expect

    round_ = make_round()
    run = RoundRun.objects.get(round=round_, due_on=TODAY)
    context = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, live_server, agent)

    with page.expect_navigation():
        page.locator("#fa-rounds-link").click()
    expect(page.locator("#rd-runs")).to_contain_text("空压站周巡检")
    with page.expect_navigation():
        page.locator("#rd-runs a").first.click()
    with page.expect_navigation():
        page.locator("#rd-stops a").first.click()
    expect(page.locator("#rd-stop-label")).to_contain_text("AC-01")

    page.fill("#rd-code", "PR-1")  # the pump room's code, not this stop's
    with page.expect_navigation():
        page.locator("#rd-check-in").get_by_role("button", name="Check in").click()
    expect(page.locator("#rd-error")).to_contain_text("This code is not this stop's")

    page.fill("#rd-code", f"{live_server.url}/a/AC-01/")  # what the camera reads from the asset's label
    with page.expect_navigation():
        page.locator("#rd-check-in").get_by_role("button", name="Check in").click()
    checklist_form = page.locator("#rd-checklist")
    expect(checklist_form).to_be_visible()
    checklist_form.get_by_label("排气温度 Discharge temperature", exact=True).fill("103")
    checklist_form.get_by_text("Pass", exact=True).click()
    with page.expect_navigation():
        checklist_form.get_by_role("button", name=re.compile("Save")).click()
    expect(page.locator(".rd-message-warning")).to_contain_text("Corrective work orders opened")
    ticket = Ticket.objects.get()
    expect(page.locator(".rd-message-warning")).to_contain_text(ticket.number)

    visit = run.visits.get(position=1)
    assert visit.status == VisitStatus.DONE and visit.proof == "qr" and visit.latitude is not None
    assert ticket.asset.code == "AC-01" and "103" in ticket.subject

    page.goto(f"{live_server.url}/m/rounds/{run.pk}/")
    with page.expect_navigation():
        page.get_by_role("button", name="Finish the round").click()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE

    page.goto(f"{live_server.url}/rounds/runs/{run.pk}/")
    expect(page.locator("#rounds-skipped")).to_have_text("1")
    expect(page.locator("#rounds-out-of-limits")).to_have_text("1")
    expect(page.locator("#rounds-work-orders")).to_contain_text(ticket.number)
    close_quietly(context)
