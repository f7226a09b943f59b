"""An admin builds a routing rule in a real browser (htmx adds and removes condition rows), tries it in the
dry run, and an agent switches to away from the user menu. Set GONGDAN_SHOTS=/some/dir to keep screenshots
(English, Chinese, 375 px wide)."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from gongdan.routing.models import AgentPresence, RoutingRule
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.factories import PASSWORD
from tests.peers import require_peer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def in_browser(monkeypatch):
    """Run browser steps in a thread of their own: Playwright's sync API cannot start a second instance in
    a thread where another one (the e2e suite's session-wide browser) already runs its event loop."""
    chromium = require_peer("chromium")
    # The steps switch languages through the ORM while Playwright's loop runs in their thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    def run(steps) -> None:
        failures: list[BaseException] = []

        def work() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.set_default_timeout(15_000)
                    try:
                        steps(page)
                    finally:
                        browser.close()
            except BaseException as exc:
                failures.append(exc)

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        if failures:
            raise failures[0]

    return run


def _sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")


def _shots(page, live_server, name: str, path: str) -> None:
    folder = os.environ.get("GONGDAN_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_admin_builds_a_rule_with_htmx_and_tries_it(
    in_browser, live_server, admin_user, team, agent, category
):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    in_browser(lambda page: _build_rule(page, live_server, admin_user, team, category))

    rule = RoutingRule.objects.get()
    assert rule.conditions == [{"kind": "category", "negate": False, "values": [category.pk]}]
    in_browser(lambda page: _dry_run(page, live_server, admin_user, agent, category, rule))


def _build_rule(page, live_server, admin_user, team, category) -> None:
    from playwright.sync_api import expect

    _sign_in(page, live_server, admin_user)

    # Build a rule: add a category condition and a words condition, remove the second, save.
    page.goto(f"{live_server.url}/settings/routing/rules/new/")
    page.fill("input[name=name]", "网络故障 → IT")
    page.select_option("select[name=team]", str(team.pk))
    page.select_option("#new-kind", "category")
    page.get_by_role("button", name="Add condition").click()
    expect(page.locator("[data-condition]")).to_have_count(1)
    page.locator("[data-condition] select").select_option(str(category.pk))
    page.select_option("#new-kind", "words")
    page.get_by_role("button", name="Add condition").click()
    expect(page.locator("[data-condition]")).to_have_count(2)
    page.get_by_role("button", name=re.compile("Remove the condition")).nth(1).click()
    expect(page.locator("[data-condition]")).to_have_count(1)
    page.locator(".card-footer .btn-primary").click()
    expect(page).to_have_url(re.compile(r"/settings/routing/rules/$"))


def _dry_run(page, live_server, admin_user, agent, category, rule) -> None:
    from playwright.sync_api import expect

    _sign_in(page, live_server, admin_user)
    # The dry run says the agent would get a network ticket.
    page.goto(f"{live_server.url}/settings/routing/dry-run/")
    page.fill("input[name=subject]", "断网")
    page.select_option("select[name=category]", str(category.pk))
    page.get_by_role("button", name="Try it").click()
    expect(page.locator("[data-chosen]")).to_contain_text(agent.name)

    if os.environ.get("GONGDAN_SHOTS"):
        page.set_viewport_size({"width": 1280, "height": 900})
        for lang in ("en", "zh-hans"):
            admin_user.language = lang
            admin_user.save(update_fields=["language"])
            for name, path in (("rules", "/settings/routing/rules/"), ("rule", f"/settings/routing/rules/{rule.pk}/"),
                               ("agents", "/settings/routing/agents/"), ("settings", "/settings/routing/"),
                               ("schedule", "/settings/routing/schedules/new/")):  # fmt: skip
                _shots(page, live_server, f"{name}-{lang}", path)
        page.goto(f"{live_server.url}/settings/routing/dry-run/")
        page.fill("input[name=subject]", "断网")
        page.select_option("select[name=category]", str(category.pk))
        page.locator("input[name=subject]").press("Enter")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=f"{os.environ['GONGDAN_SHOTS']}/dryrun-zh-hans.png", full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})
        _shots(page, live_server, "rules-375", "/settings/routing/rules/")
        _shots(page, live_server, "rule-375", f"/settings/routing/rules/{rule.pk}/")
        _shots(page, live_server, "agents-375", "/settings/routing/agents/")


def test_an_agent_goes_away_from_their_availability_page(in_browser, live_server, agent):
    in_browser(lambda page: _go_away(page, live_server, agent))

    assert AgentPresence.objects.get(user=agent).status == "away"


def _go_away(page, live_server, agent) -> None:
    from playwright.sync_api import expect

    _sign_in(page, live_server, agent)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/routing/presence/")
    page.locator("label", has_text="Away").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("input[value=away]")).to_be_checked()
    if folder := os.environ.get("GONGDAN_SHOTS"):
        page.screenshot(path=f"{folder}/presence-375.png", full_page=True)
