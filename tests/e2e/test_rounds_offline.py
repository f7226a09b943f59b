"""A round walked without signal (decision 0183): the technician opens the round online (its stops' pages are
kept by the service worker), loses the connection, checks in at both stops and answers their checklists —
one item failing — and when the connection is back the outbox sends it all in order: both stops recorded at
the times they were recorded, and the failing item's corrective work order opened, once."""

from __future__ import annotations

import re
import time

import pytest

from gongdan.rounds.models import RoundRun, StopAnswer, Submission, VisitStatus
from gongdan.tickets.models import Ticket
from tests.e2e.conftest import close_quietly
from tests.e2e.test_field import phone_context, sign_in, wait_for_service_worker
from tests.rounds.conftest import TODAY, checklist, make_round, pump_room  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _wait_for(page, predicate, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(200)


def _answer(page, temperature: str, noise: str) -> None:
    form = page.locator("#rd-checklist")
    form.get_by_label("排气温度 Discharge temperature", exact=True).fill(temperature)
    form.get_by_text(noise, exact=True).click()
    with page.expect_navigation():
        form.get_by_role("button", name=re.compile("Save")).click()


def test_a_round_walked_offline_is_recorded_when_the_phone_is_back_online(
    browser,
    live_server,
    agent,
    make_round,  # noqa: F811
):
    from playwright.sync_api import expect

    round_ = make_round()
    run = RoundRun.objects.get(round=round_, due_on=TODAY)
    first, second = run.visits.order_by("position")
    context = phone_context(browser, live_server)
    page = context.new_page()
    sign_in(page, live_server, agent)
    wait_for_service_worker(page)

    page.goto(f"{live_server.url}/m/rounds/{run.pk}/")  # opened online: its stops are kept on the phone
    expect(page.locator("body[data-pages-cached='1']")).to_have_count(1)

    context.set_offline(True)
    page.goto(f"{live_server.url}/m/rounds/{run.pk}/stops/{first.pk}/")
    expect(page.locator("#rd-stop-label")).to_contain_text("AC-01")
    page.fill("#rd-code", f"{live_server.url}/a/AC-01/")
    page.locator("#rd-check-in").get_by_role("button", name="Check in").click()
    expect(page.locator("#rd-checklist")).to_be_visible()
    expect(page.locator("#rd-waiting")).to_be_visible()
    _answer(page, "103", "Pass")  # out of limits (60–95 °C): a finding

    page.wait_for_url(re.compile(rf"/stops/{second.pk}/$"))
    expect(page.locator("#rd-stop-label")).to_contain_text("泵房")
    page.fill("#rd-code", "PR-1")
    page.locator("#rd-check-in").get_by_role("button", name="Check in").click()
    expect(page.locator("#rd-checklist")).to_be_visible()
    _answer(page, "80", "Pass")
    page.wait_for_url(re.compile(rf"/m/rounds/{run.pk}/$"))
    expect(page.locator("#fa-sync")).to_contain_text("4 to sync")
    expect(page.locator("#rd-stops .rd-waiting:visible")).to_have_count(2)
    assert not Submission.objects.exists() and not Ticket.objects.exists()  # nothing reached the server
    offline_until = time.time()

    context.set_offline(False)
    _wait_for(page, lambda: Submission.objects.count() == 4)
    expect(page.locator("#fa-sync")).to_be_hidden()
    expect(page.locator("#rd-stops .rd-stop-done")).to_have_count(
        2
    )  # the page reloads with what was recorded
    expect(page.locator("#rd-stops .fa-chip-danger")).to_have_count(1)

    ticket = Ticket.objects.get()
    assert ticket.asset.code == "AC-01" and "103" in ticket.subject
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == VisitStatus.DONE and first.proof == "qr"
    # the stops keep the times the phone recorded, not the time they reached the server
    assert first.arrived_at.timestamp() < offline_until and second.checked_at.timestamp() < offline_until
    assert first.arrived_at <= first.checked_at <= second.arrived_at <= second.checked_at
    assert StopAnswer.objects.get(visit=first, ticket__isnull=False).ticket == ticket

    page.goto(f"{live_server.url}/m/rounds/{run.pk}/stops/{first.pk}/")
    expect(page.locator(".rd-ticket")).to_contain_text(ticket.number)
    close_quietly(context)
