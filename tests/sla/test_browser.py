"""An admin builds a business calendar with a make-up working day and an SLA policy with an escalation step in
a real browser; a ticket then shows its clocks on the ticket page and in the queue. Set GONGDAN_SHOTS=/some/dir
to keep screenshots."""

from __future__ import annotations

import pytest

from gongdan.sla.models import BusinessCalendar, CalendarDay, EscalationStep, SlaPolicy
from gongdan.tickets.models import Priority
from gongdan.tickets.services import ticket_create
from tests.routing.test_browser import _shots, _sign_in, in_browser  # noqa: F401 — the fixture is used

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_admin_sets_up_a_calendar_and_a_policy_and_the_ticket_shows_its_clocks(
    in_browser,  # noqa: F811
    live_server,
    admin_user,
    requester,
    category,
):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])

    def steps(page) -> None:
        _sign_in(page, live_server, admin_user)
        # A calendar: weekdays 09:00–18:00 in Shanghai, and a Saturday that is a working day.
        page.goto(f"{live_server.url}/settings/sla/calendars/new/")
        page.fill("#id_name", "办公时间")
        page.fill("#id_name_en", "Office hours")
        page.fill("#id_time_zone", "Asia/Shanghai")
        for day in range(5):
            page.fill(f"#id_day_{day}", "09:00-18:00")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        assert "/settings/sla/calendars/" in page.url and page.url.rstrip("/").split("/")[-1].isdigit()
        day_form = page.locator("form[action$='/days/']")
        day_form.locator("[name=date]").fill("2027-02-20")
        day_form.locator("[name=kind]").select_option("workday")
        day_form.locator("[name=name]").fill("春节调休")
        day_form.get_by_role("button", name="Add day").click()
        page.wait_for_load_state("networkidle")
        assert "春节调休" in page.content()

        # A policy for P2 on that calendar: respond in 30, resolve in 240 business minutes, leads told at 80 %.
        page.goto(f"{live_server.url}/settings/sla/policies/new/")
        page.fill("#id_name", "打印机")
        page.fill("#id_name_en", "Printers")
        page.fill("#id_order", "0")
        page.select_option("#id_calendar", label="Office hours")
        page.locator("input[name=priorities][value=P2]").check()
        page.fill("#id_first_P2", "30")
        page.fill("#id_resolution_P2", "240")
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.rstrip("/").split("/")[-1].isdigit(), page.url
        step_form = page.locator("form[action$='/steps/']")
        step_form.locator("[name=target]").select_option("resolution")
        step_form.locator("[name=trigger]").select_option("percent")
        step_form.locator("[name=value]").fill("80")
        step_form.locator("[name=action]").select_option("notify_team_leads")
        step_form.get_by_role("button", name="Add step").click()
        page.wait_for_load_state("networkidle")
        assert "80" in page.locator("main").inner_text()

        page.goto(f"{live_server.url}/settings/sla/policies/")
        listing = page.locator("main").inner_text()
        assert "Printers" in listing and "Priorities: P2" in listing

        _shots(page, live_server, "sla-policies-en", "/settings/sla/policies/")

    in_browser(steps)

    calendar = BusinessCalendar.objects.get(name_en="Office hours")
    assert CalendarDay.objects.filter(calendar=calendar, kind="workday", date="2027-02-20").exists()
    policy = SlaPolicy.objects.get(name_en="Printers")
    assert policy.calendar == calendar and policy.conditions.get("priorities") == ["P2"]
    assert EscalationStep.objects.filter(policy=policy, percent=80, action="notify_team_leads").exists()

    ticket = ticket_create(
        actor=admin_user, requester=requester, subject="Printer on floor 3 jams", category=category,
        priority=Priority.objects.get(code="P2"),
    )  # fmt: skip

    def ticket_page(page) -> None:
        _sign_in(page, live_server, admin_user)
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        panel = page.locator("#ticket-sla").inner_text()
        assert "First response" in panel and "Resolution" in panel and "4 h" in panel, panel
        page.goto(f"{live_server.url}/")
        badge = page.locator("tr", has_text=ticket.number).locator(".sla-badge")
        assert "left" in badge.inner_text() or "over" in badge.inner_text(), badge.inner_text()
        _shots(page, live_server, "sla-ticket-en", f"/tickets/{ticket.number}/")

    in_browser(ticket_page)
