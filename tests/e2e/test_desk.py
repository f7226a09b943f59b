"""The agent's common path in four actions, and the "?" list of shortcuts (issue 16)."""

from __future__ import annotations

import re

import pytest

from gongdan.tickets import services
from gongdan.tickets.models import Status, Ticket
from tests.e2e.conftest import close_quietly
from tests.factories import PASSWORD, AgentFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


class Actions:
    """Counts what the agent does: each click and each shortcut is one action; typing text is not."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def press(self, locator, keys: str) -> None:
        self.count += 1
        locator.press(keys)


def test_take_reply_and_resolve_in_four_actions(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    # Given a new request in the agent's team, and the agent on the queue
    ticket = services.ticket_create(actor=requester, subject="打印机卡纸 / Printer jammed", category=category)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all")
    actions = Actions(page)

    # 1. "Take it" on the queue row: the ticket is the agent's, in progress, and opens
    row = page.locator("tr", has_text=ticket.number)
    actions.click(row.get_by_role("button", name=re.compile("Take it")))
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.number}/$"))
    expect(page.locator("main")).to_contain_text("You took this ticket.")
    expect(page.locator("#ticket-header [data-status]")).to_have_attribute("data-status", "in_progress")

    # 2. Into the composer, and write the reply
    actions.click(page.locator("#reply-body"))
    page.keyboard.type("Replaced the fuser unit; printing works again.")

    # 3.-4. Open the split button, "Send and resolve"
    actions.click(page.locator("[data-gd-send-more]"))
    actions.click(page.get_by_role("button", name="Send and resolve"))
    expect(page.locator("#ticket-header [data-status]")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#ticket-timeline")).to_contain_text("Replaced the fuser unit")

    assert actions.count <= 4
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.status) == (agent, Status.RESOLVED)
    assert stored.resolution == "Replaced the fuser unit; printing works again."


def test_shortcuts_take_reply_and_resolve(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    ticket = services.ticket_create(actor=requester, subject="VPN drops", category=category)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    page.wait_for_load_state("networkidle")
    actions = Actions(page)

    actions.press(page.locator("body"), "t")  # take it (htmx)
    expect(page.locator("#ticket-messages")).to_contain_text("You took this ticket.")
    expect(page.locator("#ticket-header [data-status]")).to_have_attribute("data-status", "in_progress")
    actions.press(page.locator("body"), "r")  # to the reply box
    expect(page.locator("#reply-body")).to_be_focused()
    page.keyboard.type("Reinstalled the VPN client.")
    actions.press(page.locator("#reply-body"), "Control+Shift+Enter")  # send and resolve
    expect(page.locator("#ticket-header [data-status]")).to_have_attribute("data-status", "resolved")

    assert actions.count == 3
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.status, stored.resolution) == (
        agent,
        Status.RESOLVED,
        "Reinstalled the VPN client.",
    )


def test_question_mark_lists_the_shortcuts(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    services.ticket_create(actor=requester, subject="Printer jammed", category=category)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all")
    page.wait_for_load_state("networkidle")

    page.keyboard.press("?")

    dialog = page.locator("#gd-shortcuts")
    expect(dialog).to_be_visible()
    for text in (
        "Next / previous ticket",
        "Take it",
        "Write a reply",
        "Write an internal note",
        "Send and resolve",
    ):
        expect(dialog).to_contain_text(text)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # j moves to the first row, o opens it
    page.keyboard.press("j")
    expect(page.locator("#queue-results tbody tr").first).to_have_class(re.compile("gd-row-current"))
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(r"/tickets/GD-\d{4}-\d{6}/$"))


def test_properties_save_as_they_change_and_undo(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    from gongdan.tickets.models import Priority

    ticket = services.ticket_create(actor=requester, subject="Scanner offline", category=category)
    before = ticket.priority
    urgent = Priority.objects.get(code="P1")
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    expect(page.get_by_role("button", name="Save changes")).to_be_hidden()

    # Changing the priority saves it at once
    page.select_option("#prop-priority", str(urgent.pk))
    expect(page.locator("#properties-status")).to_contain_text("Changes saved.")
    expect(page.locator("#ticket-header")).to_contain_text("P1")
    assert Ticket.objects.get(pk=ticket.pk).priority == urgent

    # Another change right after uses the new version (no conflict)
    version = page.locator("#properties-version").input_value()
    page.locator(".gd-more-props > summary").click()  # due date, location and tags are folded
    page.fill("#prop-tags", "scanner, floor-3")
    page.locator("#prop-tags").press("Tab")
    expect(page.locator("#properties-version")).not_to_have_value(version)
    expect(page.locator("#properties-status")).to_contain_text("Changes saved.")
    assert sorted(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == [
        "floor-3",
        "scanner",
    ]

    # Undo puts the tags back
    page.locator("[data-gd-undo]").click()
    expect(page.locator("#properties-status")).to_contain_text("Change undone.")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.priority == urgent and not stored.tags.exists()
    assert before != urgent


def test_the_queue_shows_fifteen_rows_at_1440_by_900(browser, live_server, agent, requester, category):
    # Given 20 open tickets in the agent's team
    for i in range(20):
        services.ticket_create(
            actor=requester, subject=f"打印机卡纸 #{i} / Printer jammed on floor {i}", category=category
        )
    context = browser.new_context(locale="en-US", viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, live_server, agent)
        page.goto(f"{live_server.url}/?view=all")

        # Then at least 15 rows are wholly on the first screen, and the table does not scroll sideways
        bottoms = page.locator("#queue-results tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().bottom)"
        )
        assert sum(1 for bottom in bottoms if bottom <= 900) >= 15, bottoms
        wrapper = page.locator("#queue-results .table-responsive")
        assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
        # and the bulk bar waits until a row is ticked
        expect_hidden = page.locator("[data-bulk-panel]")
        assert not expect_hidden.is_visible()
        page.locator("#queue-results tbody tr").first.locator("input[name=ticket]").check()
        assert expect_hidden.is_visible()
    finally:
        close_quietly(context)


def test_people_picker_filters_by_typing_and_saves(page, live_server, agent, team, requester, category):
    from playwright.sync_api import expect

    # Given a ticket of the team and, among its agents, two whose names share nothing with "Zhao"
    ticket = services.ticket_create(actor=requester, subject="Projector flickers", category=category)
    zhao = AgentFactory(username="zhao", display_name="Zhao Lei")
    for user in (
        zhao,
        AgentFactory(username="qian", display_name="Qian Mei"),
        AgentFactory(username="sun", display_name="Sun Hao"),
    ):
        team.memberships.create(user=user)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.number}/")

    # When the agent presses "a", types part of a name and presses Enter
    page.keyboard.press("a")
    search = page.locator("#prop-assignee-ts-control")
    expect(search).to_be_focused()
    page.keyboard.type("zha")
    options = page.locator("#prop-assignee-ts-dropdown .option")
    # Then only the matching person is offered, and picking saves at once
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Zhao Lei")
    page.keyboard.press("Enter")
    expect(page.locator("#properties-status")).to_contain_text("Changes saved.")
    assert Ticket.objects.get(pk=ticket.pk).assignee == zhao

    # Undo puts "Unassigned" back, and the picker shows it after the panel is swapped
    page.locator("[data-gd-undo]").click()
    expect(page.locator("#properties-status")).to_contain_text("Change undone.")
    assert Ticket.objects.get(pk=ticket.pk).assignee is None
    expect(page.locator("#prop-assignee + .ts-wrapper .item")).to_have_text("Unassigned")

    # Watchers take several people, each typed and picked, each saved
    watchers = page.locator("#prop-watchers-ts-control")
    picked = page.locator("#prop-watchers + .ts-wrapper .item")
    for count, (fragment, name) in enumerate((("qia", "Qian Mei"), ("sun h", "Sun Hao"))):
        expect(picked).to_have_count(count)  # the panel has settled from the last save
        watchers.click()
        expect(watchers).to_be_focused()
        page.keyboard.type(fragment)
        expect(page.locator("#prop-watchers-ts-dropdown .option")).to_have_text([name])
        version = page.locator("#properties-version").input_value()
        page.keyboard.press("Enter")
        expect(page.locator("#properties-version")).not_to_have_value(version)
    expect(page.locator("#properties-status")).to_contain_text("Changes saved.")
    stored = Ticket.objects.get(pk=ticket.pk)
    assert sorted(stored.watchers.values_list("username", flat=True)) == ["qian", "sun"]
    expect(picked).to_have_count(2)


def test_an_agent_saves_the_current_filters_as_a_view_tab(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    from gongdan.tickets.models import SavedView

    # Given the queue filtered by a search
    services.ticket_create(actor=requester, subject="Printer on floor 3 jams", category=category)
    services.ticket_create(actor=requester, subject="VPN drops", category=category)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all&q=printer")

    # When the agent saves it as a view from the dialog
    page.get_by_role("button", name="Save or manage views").click()
    page.fill("#view-new-name", "Printers")
    page.locator("#views-dialog").get_by_role("button", name="Save", exact=True).first.click()

    # Then it is a tab of the bar, open, showing what it saved
    tab = page.locator("[data-gd-saved-view]", has_text="Printers")
    expect(tab).to_have_attribute("aria-current", "page")
    expect(page.locator("#queue-results tbody tr")).to_have_count(1)
    assert SavedView.objects.get().query == "view=all&q=printer"
    page.goto(f"{live_server.url}/?view=open")
    page.locator("[data-gd-saved-view]", has_text="Printers").click()
    expect(page.locator("#queue-results")).to_contain_text("Printer on floor 3 jams")
    expect(page.locator("#queue-results")).not_to_contain_text("VPN drops")


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_the_ticket_properties_fit_one_screen_at_1440_by_900(
    browser, live_server, agent, requester, category, locale
):
    # Given a ticket with a long description and an SLA panel, in either language
    ticket = services.ticket_create(
        actor=requester, subject="会议室投影仪闪烁 / Projector flickers", category=category,
        description="\n\n".join(f"Paragraph {i}: the projector flickers when the laptop is plugged in." for i in range(8)),
    )  # fmt: skip
    agent.language = "zh-hans" if locale == "zh-CN" else "en"
    agent.save(update_fields=["language"])
    context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in_any_language(page, live_server, agent)
        page.goto(f"{live_server.url}/tickets/{ticket.number}/")
        page.wait_for_load_state("networkidle")

        # Then status, priority, category, team, assignee and watchers are wholly on the first screen
        for selector in ("#ticket-header [data-status]", "#prop-category", "#prop-priority", "#prop-team",
                         "#prop-assignee + .ts-wrapper", "#prop-watchers + .ts-wrapper"):  # fmt: skip
            box = page.locator(selector).bounding_box()
            assert box is not None, selector
            assert box["y"] >= 0 and box["y"] + box["height"] <= 900, (selector, box)
        # and the SLA panel follows the properties
        properties = page.locator("#properties-form").bounding_box()
        sla = page.locator("#ticket-sla").bounding_box()
        assert properties and sla and sla["y"] > properties["y"]

        # At phone width the page does not scroll sideways and the properties come before the SLA too
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        properties = page.locator("#properties-form").bounding_box()
        sla = page.locator("#ticket-sla").bounding_box()
        assert properties and sla and sla["y"] > properties["y"]
    finally:
        close_quietly(context)


def sign_in_any_language(page, live_server, user) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))


def test_j_and_k_walk_the_queue_the_agent_came_from(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    # Given three tickets, newest first in the queue
    tickets = [
        services.ticket_create(actor=requester, subject=f"Printer {i} jammed", category=category)
        for i in range(3)
    ]
    newest_first = [t.number for t in reversed(tickets)]
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all&q=printer")
    page.wait_for_load_state("networkidle")

    # When the agent opens the first and presses j twice, then k
    page.locator("#queue-results tbody tr").first.locator(".gd-subject a").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{newest_first[0]}/$"))
    expect(page.locator("[data-gd-queue-position]")).to_have_text("1 / 3")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/tickets/{newest_first[1]}/$"))
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/tickets/{newest_first[2]}/$"))
    expect(page.locator("[data-gd-queue-position]")).to_have_text("3 / 3")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")  # the last one: nowhere further
    page.wait_for_timeout(300)
    expect(page).to_have_url(re.compile(rf"/tickets/{newest_first[2]}/$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/tickets/{newest_first[1]}/$"))
    # and the breadcrumb leads back to the filtered queue it came from
    expect(page.locator("[data-gd-queue-link]")).to_have_attribute("href", "/?view=all&q=printer")
    # "?" lists the keys for the ticket page
    page.keyboard.press("?")
    expect(page.locator("#gd-shortcuts")).to_contain_text("Next / previous ticket of the queue you came from")


def test_density_toggle_and_a_views_columns(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    from gongdan.tickets.models import SavedView

    services.ticket_create(actor=requester, subject="Printer jammed", category=category)
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all")
    table = page.locator(".gd-queue-table")
    compact_height = page.locator("#queue-results tbody tr").first.bounding_box()["height"]

    # Comfortable rows are roomier, and the choice is kept on the account
    page.locator("[data-gd-density=comfortable]").click()
    expect(table).to_have_class(re.compile("gd-queue-table--comfortable"))
    assert page.locator("#queue-results tbody tr").first.bounding_box()["height"] > compact_height
    agent.refresh_from_db()
    assert agent.queue_density == "comfortable"
    page.locator("[data-gd-density=compact]").click()
    expect(table).not_to_have_class(re.compile("gd-queue-table--comfortable"))

    # A view saved with only some columns shows only those
    page.get_by_role("button", name="Save or manage views").click()
    page.fill("#view-new-name", "Lean")
    for column in ("status", "priority", "requester", "assignee", "updated"):
        page.locator(f"#view-new-col-{column}").uncheck()
    page.locator("#view-new-col-created").check()
    page.locator("#views-dialog").get_by_role("button", name="Save", exact=True).first.click()
    expect(page.locator("[data-gd-saved-view]", has_text="Lean")).to_have_attribute("aria-current", "page")
    expect(page.locator(".gd-queue-table thead th[scope=col]")).to_have_text(
        ["Number", "Subject", "Created", "Due / SLA"]
    )
    assert SavedView.objects.get().column_list == ["created", "due"]


def test_merge_from_the_queue_in_three_actions(page, live_server, agent, requester, category):
    from playwright.sync_api import expect

    # Given a request and its duplicate, reported later, on the queue
    kept = services.ticket_create(actor=requester, subject="Printer on floor 3 jammed", category=category)
    duplicate = services.ticket_create(
        actor=requester, subject="Floor 3 printer jams again", category=category
    )
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/?view=all")
    page.wait_for_load_state("networkidle")
    actions = Actions(page)

    # 1.-2. Tick both rows: the bulk bar opens with the older ticket chosen as the one to keep
    for ticket in (duplicate, kept):
        actions.click(page.locator("tr", has_text=ticket.number).locator("input[name=ticket]"))
    expect(page.locator("#bulk-merge-into")).to_have_value(kept.number)
    # 3. Merge
    actions.click(page.locator("[data-gd-merge]"))
    expect(page.locator("main")).to_contain_text("1 ticket updated.")

    assert actions.count == 3
    stored = Ticket.objects.get(pk=duplicate.pk)
    assert (stored.duplicate_of_id, stored.status) == (kept.pk, Status.CLOSED)
