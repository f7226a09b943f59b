"""A manager opens the dashboard, narrows it with a filter, drills into a chart and downloads the XLSX."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from gongdan.tickets.services import ticket_create, ticket_transition
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_manager_filters_drills_down_and_downloads(
    page, live_server, manager, agent, team, requester, tmp_path
):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    from gongdan.tickets.models import Priority

    p1, p2 = Priority.objects.get(code="P1"), Priority.objects.get(code="P2")
    urgent = ticket_create(
        actor=agent, requester=requester, subject="VPN down / VPN 无法连接", team=team, priority=p1
    )
    ticket_create(actor=agent, requester=requester, subject="Printer jammed", team=team, priority=p2)
    done = ticket_create(actor=agent, requester=requester, subject="Password reset", team=team, priority=p2)
    ticket_transition(actor=agent, ticket=done, action="resolve", note="reset")

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", manager.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Reports").click()
    expect(page).to_have_url(re.compile(r"/reports/$"))
    expect(page.locator("[data-kpi=created] .h1")).to_have_text("3")
    expect(page.locator("[data-kpi=backlog] .h1")).to_have_text("2")

    # A filter applies as soon as it changes (once the page's script, which also draws the charts, runs).
    page.locator("[data-chart=backlog] svg").wait_for()
    page.select_option("#f-priority", str(p1.pk))
    expect(page).to_have_url(re.compile(rf"priority={p1.pk}"))
    expect(page.locator("[data-kpi=created] .h1")).to_have_text("1")

    # Click the "< 1 day" bar of the backlog chart: the list of those tickets opens. (The chart is drawn again
    # after the filter; on a busy machine a click can land while it animates: it is tried again.)
    chart = page.locator("[data-chart=backlog]")
    chart.locator("svg").wait_for()
    drill_down = re.compile(r"/reports/tickets/\?.*metric=backlog.*age=lt1d")
    for _attempt in range(3):
        chart.scroll_into_view_if_needed()  # below the report tabs it may start under the fold
        x, y = page.evaluate(
            """() => {
                const el = document.querySelector('[data-chart=backlog]');
                const chart = echarts.getInstanceByDom(el);
                return chart.convertToPixel({seriesIndex: 0}, [0, 0.5]);
            }"""
        )
        box = chart.bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            page.wait_for_url(drill_down, timeout=3000)
            break
        except PlaywrightTimeout:
            continue
    expect(page).to_have_url(drill_down)
    expect(page.locator("table.gd-report-tickets tbody tr")).to_have_count(1)
    expect(page.locator("table.gd-report-tickets")).to_contain_text(urgent.number)

    with page.expect_download() as download_info:
        page.locator("#export-xlsx").click()
    path = tmp_path / "tickets.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "Number"
    assert [r[0] for r in rows[1:]] == [urgent.number]
