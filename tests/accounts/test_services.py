"""People, teams, skills and API tokens are changed through accounts.services with clear validation."""

from __future__ import annotations

import pytest

from gongdan.accounts.models import Membership, Role, User
from gongdan.accounts.services import (
    agent_set_skills,
    team_create,
    team_set_members,
    team_update,
    user_create,
    user_deactivate,
    user_update,
)
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_authenticate, api_token_create, api_token_revoke
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from tests.factories import SkillFactory

pytestmark = pytest.mark.django_db


def test_an_admin_creates_an_agent_in_a_team(admin_user, team):
    user = user_create(actor=admin_user, username="zhang.wei", password="A-long-enough-Pa55word", email="Zhang@Example.com",
                       display_name="张伟", role=Role.AGENT, teams=[team])  # fmt: skip
    assert user.email == "zhang@example.com"
    assert user.check_password("A-long-enough-Pa55word")
    assert Membership.objects.filter(user=user, team=team).exists()


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"username": "has space"}, "username"),
        ({"username": "agent"}, "username"),  # taken (case-insensitive)
        ({"email": "not-an-email"}, "email"),
        ({"email": "AGENT@example.com"}, "email"),  # taken
        ({"role": "superhero"}, "role"),
        ({"language": "fr"}, "language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"password": "123"}, "password"),
    ],
)
def test_bad_user_input_is_refused_and_nothing_is_created(admin_user, agent, fields, bad_field):
    values = {"username": "newbie", **fields}
    before = User.objects.count()
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, **values)
    assert bad_field in error.value.details
    assert User.objects.count() == before


def test_only_admins_manage_people(agent, requester):
    with pytest.raises(PermissionDenied):
        user_create(actor=agent, username="sneaky")
    with pytest.raises(PermissionDenied):
        user_update(actor=agent, user=requester, role=Role.ADMIN)


def test_users_change_their_own_profile_but_not_their_role(requester):
    user_update(
        actor=requester, user=requester, language="zh-hans", time_zone="Europe/Berlin", display_name="爱丽丝"
    )
    requester.refresh_from_db()
    assert (requester.language, requester.time_zone, requester.display_name) == (
        "zh-hans",
        "Europe/Berlin",
        "爱丽丝",
    )
    with pytest.raises(PermissionDenied):
        user_update(actor=requester, user=requester, role=Role.AGENT)


def test_deactivation_revokes_tokens_and_blocks_the_api(admin_user, agent):
    _token, raw = api_token_create(actor=agent, name="script")
    assert api_token_authenticate(raw) == agent
    user_deactivate(actor=admin_user, user=agent)
    assert api_token_authenticate(raw) is None
    with pytest.raises(ValidationFailed):
        user_deactivate(actor=admin_user, user=admin_user)


def test_tokens_are_stored_hashed_and_can_be_revoked(agent, other_agent):
    token, raw = api_token_create(actor=agent)
    assert raw.startswith("gd_") and raw not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert api_token_authenticate(raw + "x") is None
    with pytest.raises(NotFound):  # someone else's token is "not found"
        api_token_revoke(actor=other_agent, token=token)
    api_token_revoke(actor=agent, token=token)
    assert api_token_authenticate(raw) is None


def test_teams_members_and_leads(admin_user, agent, lead, requester):
    team = team_create(actor=admin_user, name="网络组", name_en="Network")
    team_set_members(actor=admin_user, team=team, members=[agent], leads=[lead])
    roles = dict(Membership.objects.filter(team=team).values_list("user__username", "team_role"))
    assert roles == {"agent": "member", "lead": "lead"}
    with pytest.raises(ValidationFailed):
        team_set_members(actor=admin_user, team=team, members=[requester])
    with pytest.raises(ValidationFailed):
        team_create(actor=admin_user, name="网络组")
    child = team_create(actor=admin_user, name="无线", parent=team)
    with pytest.raises(ValidationFailed):
        team_update(actor=admin_user, team=team, parent=child)


def test_skill_levels_are_one_to_five(admin_user, agent):
    wifi = SkillFactory(name="无线网络")
    agent_set_skills(actor=admin_user, user=agent, levels={wifi: 4})
    assert agent.agent_skills.get().level == 4
    with pytest.raises(ValidationFailed):
        agent_set_skills(actor=admin_user, user=agent, levels={wifi: 6})


def test_requesters_cannot_be_created_into_a_team(admin_user, team):
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=admin_user, username="carol", role=Role.REQUESTER, teams=[team])
    assert "teams" in error.value.details
    assert not User.objects.filter(username="carol").exists()


def test_organisations_validate_their_email_domain(admin_user):
    from gongdan.accounts.services import organisation_create, organisation_update

    org = organisation_create(actor=admin_user, name="苏州工厂", email_domain="Factory.Example.CN")
    assert org.email_domain == "factory.example.cn"
    with pytest.raises(ValidationFailed) as error:
        organisation_update(actor=admin_user, organisation=org, name="苏州工厂", kind="customer",
                            service_tier="vip", email_domain="not a domain")  # fmt: skip
    assert "email_domain" in error.value.details
    org.refresh_from_db()
    assert org.service_tier == "standard"
