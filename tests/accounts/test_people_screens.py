"""Users, teams, skills and organisations through the settings screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.accounts.models import AgentSkill, Membership, Organisation, Skill, Team, User
from gongdan.accounts.services import agent_set_skills
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_create
from tests.factories import AgentFactory, OrganisationFactory, RequesterFactory, SkillFactory, TeamFactory
from tests.html import field_errors, form_errors

NEW_USER = {
    "username": "zhang.wei",
    "display_name": "张伟",
    "email": "Zhang.Wei@Example.com",
    "phone": "+86 138 0000 0000",
    "role": "agent",
    "language": "zh-hans",
    "time_zone": "Asia/Shanghai",
    "password": "a sturdy pass phrase 42",
}


# Users ----------------------------------------------------------------------------------------------


def test_admin_creates_an_agent_with_teams_and_a_password(admin_browser, team, organisation):
    response = admin_browser.post(
        reverse("accounts:user_create"),
        {**NEW_USER, "teams": [team.pk], "organisation": organisation.pk},
    )

    user = User.objects.get(username="zhang.wei")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_edit", args=[user.pk])
    assert (user.display_name, user.email, user.role, user.organisation) == (
        "张伟",
        "zhang.wei@example.com",
        "agent",
        organisation,
    )
    assert user.check_password("a sturdy pass phrase 42")
    assert list(user.teams.all()) == [team]


def test_a_user_created_without_a_password_cannot_sign_in_with_one(admin_browser):
    admin_browser.post(reverse("accounts:user_create"), {**NEW_USER, "password": "", "role": "requester"})

    user = User.objects.get(username="zhang.wei")
    assert not user.has_usable_password()


def test_duplicate_username_is_shown_next_to_the_field_and_nothing_is_saved(admin_browser, agent):
    before = User.objects.count()

    response = admin_browser.post(reverse("accounts:user_create"), {**NEW_USER, "username": "AGENT"})

    assert response.status_code == 422
    assert field_errors(response, "username") == ["This username is taken."]
    assert User.objects.count() == before
    assert 'value="张伟"' in response.content.decode()  # what was typed is kept


def test_bad_email_is_refused(admin_browser):
    response = admin_browser.post(reverse("accounts:user_create"), {**NEW_USER, "email": "not-an-email"})

    assert response.status_code == 422
    assert field_errors(response, "email") == ["Enter a valid email address."]
    assert not User.objects.filter(username="zhang.wei").exists()


def test_email_taken_by_someone_else_is_refused(admin_browser, agent):
    response = admin_browser.post(reverse("accounts:user_create"), {**NEW_USER, "email": agent.email.upper()})

    assert field_errors(response, "email") == ["Another user has this email address."]
    assert not User.objects.filter(username="zhang.wei").exists()


def test_weak_password_is_refused(admin_browser):
    response = admin_browser.post(reverse("accounts:user_create"), {**NEW_USER, "password": "123"})

    assert response.status_code == 422
    assert field_errors(response, "password")
    assert not User.objects.filter(username="zhang.wei").exists()


def test_a_requester_cannot_be_put_in_a_team(admin_browser, team):
    response = admin_browser.post(
        reverse("accounts:user_create"), {**NEW_USER, "role": "requester", "teams": [team.pk]}
    )

    assert response.status_code == 422
    assert field_errors(response, "teams")
    assert not User.objects.filter(username="zhang.wei").exists()


def _edit_data(user: User, **changes):
    data = {
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "language": user.language,
        "time_zone": user.time_zone,
        "teams": [t.pk for t in user.teams.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_edits_a_user_and_moves_them_between_teams(admin_browser, agent, team, other_team, lead):
    response = admin_browser.post(
        reverse("accounts:user_edit", args=[agent.pk]),
        _edit_data(agent, display_name="Agent Smith", role="team_lead", teams=[other_team.pk]),
    )

    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.display_name, agent.role) == ("Agent Smith", "team_lead")
    assert list(agent.teams.all()) == [other_team]
    # The team they left keeps its other people and their roles.
    assert Membership.objects.get(team=team, user=lead).team_role == "lead"


def test_a_failed_edit_changes_nothing(admin_browser, agent, team, other_team):
    response = admin_browser.post(
        reverse("accounts:user_edit", args=[agent.pk]),
        _edit_data(agent, display_name="Changed", teams=[other_team.pk], password="short"),
    )

    assert response.status_code == 422
    assert field_errors(response, "password")
    agent.refresh_from_db()
    assert agent.display_name == "Agent"
    assert list(agent.teams.all()) == [team]


def test_admin_cannot_remove_their_own_admin_role(admin_browser, admin_user):
    response = admin_browser.post(
        reverse("accounts:user_edit", args=[admin_user.pk]), _edit_data(admin_user, role="agent")
    )

    assert response.status_code == 422
    assert "You cannot remove your own administrator role." in form_errors(response)
    admin_user.refresh_from_db()
    assert admin_user.role == "admin"


def test_deactivate_stops_sign_in_and_revokes_tokens_then_reactivate(admin_browser, admin_user, agent):
    token, _raw = api_token_create(actor=agent)

    response = admin_browser.post(reverse("accounts:user_deactivate", args=[agent.pk]), follow=True)

    agent.refresh_from_db()
    assert not agent.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert "can no longer sign in" in response.content.decode()

    admin_browser.post(reverse("accounts:user_reactivate", args=[agent.pk]))
    agent.refresh_from_db()
    assert agent.is_active


def test_deactivate_needs_post_and_refuses_yourself(admin_browser, admin_user):
    assert admin_browser.get(reverse("accounts:user_deactivate", args=[admin_user.pk])).status_code == 405

    response = admin_browser.post(reverse("accounts:user_deactivate", args=[admin_user.pk]), follow=True)

    assert "You cannot deactivate yourself." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_admin_sets_an_agents_skills_with_levels(admin_browser, agent):
    network, printers, linux = (
        SkillFactory(name="网络"),
        SkillFactory(name="打印机"),
        SkillFactory(name="Linux"),
    )
    agent_set_skills(actor=None, user=agent, levels={linux: 2})
    url = reverse("accounts:user_skills", args=[agent.pk])

    response = admin_browser.post(
        url, {f"skill_{network.pk}": "5", f"skill_{printers.pk}": "2", f"skill_{linux.pk}": ""}
    )

    assert response.status_code == 302
    assert dict(AgentSkill.objects.filter(user=agent).values_list("skill__name", "level")) == {
        "网络": 5,
        "打印机": 2,
    }
    page = admin_browser.get(reverse("accounts:user_edit", args=[agent.pk])).content.decode()
    assert "Level 5 of 5" in page


def test_a_skill_level_outside_1_to_5_is_refused(admin_browser, agent):
    skill = SkillFactory(name="网络")

    response = admin_browser.post(
        reverse("accounts:user_skills", args=[agent.pk]), {f"skill_{skill.pk}": "9"}
    )

    assert response.status_code == 422
    assert not AgentSkill.objects.filter(user=agent).exists()


def test_requesters_have_no_skills_page(admin_browser, requester):
    response = admin_browser.get(reverse("accounts:user_skills", args=[requester.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_edit", args=[requester.pk])


def test_user_list_searches_filters_and_paginates(
    admin_browser, agent, requester, django_assert_max_num_queries
):
    for n in range(30):
        AgentFactory(username=f"tech{n:02d}", display_name=f"Technician {n}")
    RequesterFactory(username="gone", is_active=False)
    url = reverse("accounts:user_list")

    with django_assert_max_num_queries(12):
        page1 = admin_browser.get(url, {"role": "agent"}).content.decode()
    assert "@tech00" in page1 and "@tech29" not in page1
    assert "Next" in page1
    page2 = admin_browser.get(url, {"role": "agent", "page": 2}).content.decode()
    assert "@tech29" in page2 and "role=agent" in page2

    found = admin_browser.get(url, {"q": "alice@"}).content.decode()
    assert "@alice" in found and "@agent" not in found
    assert "@gone" not in admin_browser.get(url).content.decode()
    inactive = admin_browser.get(url, {"active": "inactive"}).content.decode()
    assert "@gone" in inactive and "@alice" not in inactive
    assert admin_browser.get(url, {"page": "999", "role": "bogus", "active": "x"}).status_code == 200


# Teams ----------------------------------------------------------------------------------------------


def test_admin_creates_a_team_inside_another(admin_browser, team):
    response = admin_browser.post(
        reverse("accounts:team_create"),
        {
            "name": "网络组",
            "name_en": "Network",
            "email": "net@example.com",
            "parent": team.pk,
            "description": "",
        },
    )

    created = Team.objects.get(name="网络组")
    assert response["Location"] == reverse("accounts:team_members", args=[created.pk])
    assert (created.name_en, created.parent, created.email) == ("Network", team, "net@example.com")


def test_duplicate_team_name_is_refused(admin_browser, team):
    response = admin_browser.post(reverse("accounts:team_create"), {"name": team.name})

    assert response.status_code == 422
    assert field_errors(response, "name") == ["This name is taken."]
    assert Team.objects.filter(name=team.name).count() == 1


def test_a_team_cannot_move_inside_its_own_child(admin_browser, team):
    child = TeamFactory(name="子组", parent=team)

    response = admin_browser.post(
        reverse("accounts:team_edit", args=[team.pk]),
        {"name": team.name, "name_en": team.name_en, "parent": child.pk, "is_active": "on"},
    )

    assert response.status_code == 422
    assert "A team cannot be inside itself." in form_errors(response)
    team.refresh_from_db()
    assert team.parent is None


def test_admin_edits_and_deactivates_a_team(admin_browser, team):
    response = admin_browser.post(
        reverse("accounts:team_edit", args=[team.pk]),
        {"name": "IT 服务台", "name_en": "IT Service Desk", "description": "一线", "email": ""},
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.name_en, team.description, team.is_active) == (
        "IT 服务台",
        "IT Service Desk",
        "一线",
        False,
    )


def test_admin_sets_team_members_and_leads(admin_browser, team, agent, lead, other_agent):
    response = admin_browser.post(
        reverse("accounts:team_members", args=[team.pk]),
        {"members": [other_agent.pk], "leads": [agent.pk]},
    )

    assert response.status_code == 302
    roles = dict(Membership.objects.filter(team=team).values_list("user__username", "team_role"))
    assert roles == {"other_agent": "member", "agent": "lead"}  # a lead is a member; lead was removed
    listing = admin_browser.get(reverse("accounts:team_list")).content.decode()
    assert "Agent" in listing


def test_a_requester_cannot_be_added_to_a_team(admin_browser, team, requester):
    response = admin_browser.post(
        reverse("accounts:team_members", args=[team.pk]), {"members": [requester.pk]}
    )

    assert response.status_code == 422
    assert not Membership.objects.filter(user=requester).exists()


def test_team_members_page_lists_staff_with_current_members_ticked(admin_browser, team, agent, requester):
    html = admin_browser.get(reverse("accounts:team_members", args=[team.pk])).content.decode()

    assert f'name="members" value="{agent.pk}" data-member-of="{agent.pk}" checked' in html
    assert "@alice" not in html


# Skills and organisations ---------------------------------------------------------------------------


def test_admin_creates_and_renames_a_skill(admin_browser):
    admin_browser.post(reverse("accounts:skill_create"), {"name": "网络", "name_en": "Networking"})
    skill = Skill.objects.get(name="网络")

    response = admin_browser.post(
        reverse("accounts:skill_edit", args=[skill.pk]), {"name": "网络运维", "name_en": "Network ops"}
    )

    assert response.status_code == 302
    skill.refresh_from_db()
    assert (skill.name, skill.name_en) == ("网络运维", "Network ops")
    assert "网络运维" in admin_browser.get(reverse("accounts:skill_list")).content.decode()


def test_duplicate_skill_name_is_refused(admin_browser):
    SkillFactory(name="网络")

    response = admin_browser.post(reverse("accounts:skill_create"), {"name": "网络"})

    assert field_errors(response, "name") == ["This name is taken."]
    assert Skill.objects.filter(name="网络").count() == 1


def test_admin_creates_and_edits_an_organisation(admin_browser):
    admin_browser.post(
        reverse("accounts:organisation_create"),
        {
            "name": "华南物流",
            "kind": "customer",
            "service_tier": "vip",
            "email_domain": "@HuaNan.example.com",
        },
    )
    org = Organisation.objects.get(name="华南物流")
    assert (org.kind, org.service_tier, org.email_domain) == ("customer", "vip", "huanan.example.com")

    response = admin_browser.post(
        reverse("accounts:organisation_edit", args=[org.pk]),
        {"name": "华南物流集团", "kind": "customer", "service_tier": "priority", "email_domain": ""},
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.service_tier, org.email_domain, org.is_active) == (
        "华南物流集团",
        "priority",
        "",
        False,
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "华东制造", "kind": "internal", "service_tier": "standard"}, "name", "This name is taken."),
        (
            {
                "name": "新公司",
                "kind": "internal",
                "service_tier": "standard",
                "email_domain": "not a domain",
            },
            "email_domain",
            "Enter a domain such as example.com.",
        ),
        ({"name": "新公司", "kind": "alien", "service_tier": "standard"}, "kind", None),
    ],
)
def test_bad_organisation_input_is_refused(admin_browser, organisation, data, field, message):
    before = Organisation.objects.count()

    response = admin_browser.post(reverse("accounts:organisation_create"), data)

    assert response.status_code == 422
    errors = field_errors(response, field)
    assert errors and (message is None or errors == [message])
    assert Organisation.objects.count() == before


def test_renaming_an_organisation_to_a_taken_name_is_refused(admin_browser, organisation):
    other = OrganisationFactory(name="其他公司")

    response = admin_browser.post(
        reverse("accounts:organisation_edit", args=[other.pk]),
        {"name": organisation.name, "kind": "internal", "service_tier": "standard", "is_active": "on"},
    )

    assert field_errors(response, "name") == ["This name is taken."]
    other.refresh_from_db()
    assert other.name == "其他公司"
