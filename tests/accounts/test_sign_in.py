from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


def test_sign_in_lands_on_the_queue(agent):
    client = Client()
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    response = client.post(reverse("accounts:login"), {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:queue")
    assert client.get(reverse("tickets:queue")).status_code == 200


def test_wrong_password_shows_an_error_and_stays_signed_out(agent):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert client.get(reverse("tickets:queue")).status_code == 302


def test_queue_needs_sign_in():
    response = Client().get(reverse("tickets:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sign_out_is_post_only(agent_client):
    assert agent_client.get(reverse("accounts:logout")).status_code == 405
    assert agent_client.get(reverse("tickets:queue")).status_code == 200
    response = agent_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert agent_client.get(reverse("tickets:queue")).status_code == 302


def test_signed_out_language_switch_sets_the_cookie_and_returns(db):
    client = Client()
    response = client.post(
        reverse("accounts:set_language"), {"language": "en", "next": reverse("accounts:login")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Sign in to Gongdan" in client.get(reverse("accounts:login")).content.decode()
    client.post(reverse("accounts:set_language"), {"language": "zh-hans", "next": reverse("accounts:login")})
    assert "登录" in client.get(reverse("accounts:login")).content.decode()


def test_language_switch_refuses_to_redirect_off_site(db):
    response = Client().post(
        reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("tickets:queue")


def test_unknown_language_is_refused(agent_client, agent):
    agent_client.post(reverse("accounts:set_language"), {"language": "xx"})
    agent.refresh_from_db()
    assert agent.language == "en"


def test_signed_in_language_switch_is_saved_on_the_user(agent_client, agent):
    agent_client.post(
        reverse("accounts:set_language"), {"language": "zh-hans", "next": reverse("tickets:queue")}
    )
    agent.refresh_from_db()
    assert agent.language == "zh-hans"
    assert "工单队列" in agent_client.get(reverse("tickets:queue")).content.decode()


def test_error_pages_are_friendly_in_both_languages(agent_client, agent):
    response = agent_client.get("/no-such-page/here")
    assert response.status_code == 404
    assert "This page doesn't exist" in response.content.decode()
    agent_client.post(reverse("accounts:set_language"), {"language": "zh-hans"})
    assert "页面不存在" in agent_client.get("/no-such-page/here").content.decode()


def test_admin_sees_settings_and_agents_do_not(admin_user, agent_client):
    from tests.clients import signed_in

    assert (
        reverse("admin_console:index") in signed_in(admin_user).get(reverse("tickets:queue")).content.decode()
    )
    assert reverse("admin_console:index") not in agent_client.get(reverse("tickets:queue")).content.decode()


def test_server_error_page_renders_without_a_request_in_both_languages():
    from django.template import loader
    from django.utils import translation

    with translation.override("en"):
        assert "Something went wrong on our side" in loader.get_template("500.html").render()
    with translation.override("zh-hans"):
        assert "服务器出现了问题" in loader.get_template("500.html").render()


def test_a_requester_signing_in_on_the_staff_page_lands_on_the_portal(requester):
    # Given a requester with a password, on the staff sign-in page
    client = Client()
    # When they sign in without a `next`
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    # Then they land on the portal, which answers them
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    # and the staff's home sends them there too, while a query still lists their own tickets
    assert client.get(reverse("tickets:queue"))["Location"] == reverse("portal:home")
    assert client.get(reverse("tickets:queue"), {"view": "all"}).status_code == 200


def test_a_requester_signing_in_with_a_next_goes_there(requester):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "alice", "password": PASSWORD, "next": "/portal/new/"}
    )
    assert response["Location"] == "/portal/new/"
