"""Single sign-on in a real browser: the sign-in page's "Sign in with Acme" button, the provider's own login
and consent pages (panva's oidc-provider), and back into the queue as the role the groups claim maps to.
Set GONGDAN_SHOTS=/some/dir to keep screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gongdan.accounts.models import Role, User
from gongdan.sso.models import MappingRule, ProviderKind
from gongdan.sso.services import provider_create, rule_create
from tests.factories import TeamFactory
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET, start_oidc_provider

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.peer("oidc-provider")]
SHOTS = os.environ.get("GONGDAN_SHOTS", "")


@pytest.fixture
def provider_for(live_server):
    process, issuer = start_oidc_provider(f"{live_server.url}/sso/acme/callback/")
    yield issuer
    process.kill()
    process.wait(5)


def test_signing_in_through_the_providers_pages_lands_in_the_queue_as_the_mapped_role(page, live_server,
                                                                                      provider_for):  # fmt: skip
    from playwright.sync_api import expect

    it_team = TeamFactory(name="IT 支持", name_en="IT")
    provider = provider_create(actor=None, kind=ProviderKind.OIDC, name="Acme 账号", name_en="Acme", slug="acme",
                               issuer=provider_for, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               scopes="openid profile email groups", is_enabled=True, create_users=True)  # fmt: skip
    rule_create(actor=None, provider=provider, claim="groups", operator=MappingRule.Operator.CONTAINS,
                value="it-support", role=Role.AGENT, team=it_team)  # fmt: skip

    page.set_default_timeout(60_000)  # the provider's pages and ours, on a busy machine
    page.goto(f"{live_server.url}/login/")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/sso-login-oidc.png")
    page.get_by_role("link", name="Sign in with Acme").click()
    # the provider's own login page, then its consent page
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("whatever")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.locator("body")).to_contain_text("Alice Agent")
    user = User.objects.get(username="alice")
    assert user.role == Role.AGENT and user.teams.filter(pk=it_team.pk).exists()


@pytest.mark.parametrize(("language", "locale", "width", "height"),
                         [("en", "en-US", 1440, 900), ("zh-hans", "zh-CN", 390, 844),
                          ("en", "en-US", 390, 844), ("zh-hans", "zh-CN", 1440, 900)])  # fmt: skip
def test_the_sign_in_buttons_and_the_provider_screen_fit_the_screen(browser, live_server, language, locale, width,
                                                                    height):  # fmt: skip
    from playwright.sync_api import expect

    from tests.e2e.conftest import close_quietly
    from tests.factories import PASSWORD, UserFactory

    it_team = TeamFactory(name="IT 支持", name_en="IT")
    corp = provider_create(actor=None, kind=ProviderKind.OIDC, name="集团统一身份", name_en="Group identity",
                           slug="corp-id", issuer="https://id.example.com/realms/group", client_id="gongdan",
                           client_secret="x", is_enabled=True, create_users=True)  # fmt: skip
    rule_create(actor=None, provider=corp, claim="groups", operator=MappingRule.Operator.CONTAINS,
                value="it-support", role=Role.AGENT, team=it_team)  # fmt: skip
    provider_create(actor=None, kind=ProviderKind.DINGTALK, name="钉钉", name_en="DingTalk", slug="dingtalk",
                    client_id="ding", client_secret="x", is_enabled=True)  # fmt: skip
    admin = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True, language=language)
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    tag = f"{language}-{width}"
    try:
        page.goto(f"{live_server.url}/login/")
        button = "Sign in with Group identity" if language == "en" else "使用集团统一身份登录"
        expect(page.get_by_role("link", name=button)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"sso-login-{tag}")
        page.locator("input[name=username]").fill(admin.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action='/login/'] button[type=submit]").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/settings/sso/")
        expect(page.locator("[data-provider=corp-id]")).to_be_visible()
        _shot(page, f"sso-providers-{tag}")
        page.goto(f"{live_server.url}/settings/sso/{corp.pk}/")
        expect(page.locator("[data-rule]")).to_contain_text("it-support")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        _shot(page, f"sso-provider-{tag}", full=True)
    finally:
        close_quietly(context)


def _shot(page, name: str, *, full: bool = False) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=full)
