from __future__ import annotations

from django.urls import reverse

from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_authenticate
from tests.factories import PASSWORD

PROFILE = reverse("accounts:profile")
TOKENS = reverse("accounts:profile_tokens")


def test_profile_saves_details_and_switches_the_language(agent_client, agent):
    response = agent_client.post(
        PROFILE,
        {
            "form": "profile",
            "display_name": "王工",
            "phone": "13800000000",
            "language": "zh-hans",
            "time_zone": "Asia/Urumqi",
        },
        follow=True,
    )
    html = response.content.decode()
    agent.refresh_from_db()
    assert (agent.display_name, agent.phone, agent.language, agent.time_zone) == (
        "王工", "13800000000", "zh-hans", "Asia/Urumqi"
    )  # fmt: skip
    assert "个人资料已保存" in html
    assert "修改密码" in html


def test_unknown_time_zone_is_a_field_error(agent_client, agent):
    response = agent_client.post(
        PROFILE, {"form": "profile", "display_name": "A", "language": "en", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "Unknown time zone." in response.content.decode()
    agent.refresh_from_db()
    assert agent.time_zone == "Asia/Shanghai"


def test_change_password_keeps_you_signed_in(agent_client, agent):
    new = "a much longer passphrase 42"
    response = agent_client.post(
        PROFILE, {"form": "password", "old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(new)
    assert agent_client.get(PROFILE).status_code == 200


def test_change_password_checks_the_old_one_and_strength(agent_client, agent):
    response = agent_client.post(
        PROFILE, {"form": "password", "old_password": "wrong", "new_password1": "x", "new_password2": "x"}
    )
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_tokens_are_shown_once_and_can_be_revoked(agent_client, agent):
    response = agent_client.post(TOKENS, {"op": "create", "name": "monitoring"})
    assert response.status_code == 200
    raw = response.context["new_token"]["raw"]
    assert raw in response.content.decode()
    assert api_token_authenticate(raw) == agent
    assert raw not in agent_client.get(PROFILE).content.decode()  # never again
    token = ApiToken.objects.get(user=agent)
    assert "monitoring" in agent_client.get(PROFILE).content.decode()
    response = agent_client.post(TOKENS, {"op": "revoke", "token": token.pk}, follow=True)
    assert "was revoked" in response.content.decode()
    assert api_token_authenticate(raw) is None


def test_cannot_revoke_someone_elses_token(agent_client, requester):
    from gongdan.api.services import api_token_create

    token, raw = api_token_create(actor=requester, name="theirs")
    response = agent_client.post(TOKENS, {"op": "revoke", "token": token.pk}, follow=True)
    assert "Token not found." in response.content.decode()
    assert api_token_authenticate(raw) == requester
