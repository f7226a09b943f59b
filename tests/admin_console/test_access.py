"""Only administrators reach the settings screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.accounts.models import User
from gongdan.assets.models import Location
from gongdan.sla.models import BusinessCalendar, SlaPolicy
from gongdan.tickets.models import Priority
from tests.factories import CategoryFactory, CustomFieldFactory, SkillFactory

PAGES = [
    "admin_console:index",
    "accounts:user_list",
    "accounts:user_create",
    "accounts:team_list",
    "accounts:team_create",
    "accounts:skill_list",
    "accounts:skill_create",
    "accounts:organisation_list",
    "accounts:organisation_create",
    "assets:location_list",
    "assets:location_create",
    "tickets:category_list",
    "tickets:category_create",
    "tickets:priority_list",
    "tickets:ticket_type_list",
    "tickets:numbering",
    "tickets:workflow",
    # on the generic screen (decision 0064)
    "channels:mailbox_list",
    "channels:mailbox_create",
    "outbox:chat_bot_list",
    "outbox:chat_bot_create",
    "outbox:webhook_create",
    "notifications:rule_list",
    "notifications:rule_create",
    "oncall:schedule_create",
    "routing:schedule_list",
    "routing:schedule_create",
    "sla:calendar_list",
    "sla:calendar_create",
    "sla:policy_list",
    "sla:policy_create",
]


@pytest.fixture
def object_pages(agent, team, organisation):
    category = CategoryFactory(name="网络")
    field = CustomFieldFactory(category=category)
    skill = SkillFactory(name="网络")
    calendar = BusinessCalendar.objects.first() or BusinessCalendar.objects.create(
        name="全天候", is_24x7=True
    )
    policy = SlaPolicy.objects.create(name="标准", calendar=calendar)
    location = Location.objects.create(name="总部", code="HQ", kind=Location.Kind.SITE)
    return [
        reverse("sla:calendar_edit", args=[calendar.pk]),
        reverse("sla:calendar_delete", args=[calendar.pk]),
        reverse("sla:policy_edit", args=[policy.pk]),
        reverse("sla:policy_delete", args=[policy.pk]),
        reverse("assets:location_edit", args=[location.pk]),
        reverse("accounts:user_edit", args=[agent.pk]),
        reverse("accounts:user_skills", args=[agent.pk]),
        reverse("accounts:team_edit", args=[team.pk]),
        reverse("accounts:team_members", args=[team.pk]),
        reverse("accounts:skill_edit", args=[skill.pk]),
        reverse("accounts:organisation_edit", args=[organisation.pk]),
        reverse("tickets:category_edit", args=[category.pk]),
        reverse("tickets:field_create", args=[category.pk]),
        reverse("tickets:field_edit", args=[field.pk]),
    ]


@pytest.mark.parametrize("role_fixture", ["agent", "requester", "manager", "lead"])
def test_non_admins_get_403_on_every_page(client, request, role_fixture, object_pages):
    client.force_login(request.getfixturevalue(role_fixture))
    for url in [reverse(name) for name in PAGES] + object_pages:
        assert client.get(url).status_code == 403, url


def test_signed_out_visitors_are_sent_to_sign_in(client, object_pages):
    for url in [reverse(name) for name in PAGES] + object_pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url
        assert "next=" in response["Location"]


def test_admin_opens_every_page(admin_browser, object_pages):
    for url in [reverse(name) for name in PAGES] + object_pages:
        assert admin_browser.get(url).status_code == 200, url


def test_an_agent_cannot_change_anything_by_posting(client, agent):
    client.force_login(agent)
    before = User.objects.count()
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "mallory", "role": "admin", "language": "en", "time_zone": "UTC"},
    )
    assert response.status_code == 403
    assert User.objects.count() == before
    p0 = Priority.objects.get(code="P0")
    response = client.post(
        reverse("tickets:priority_edit", args=[p0.pk]),
        {f"p{p0.pk}-name": "x", f"p{p0.pk}-colour": "#000000"},
    )
    assert response.status_code == 403
    p0.refresh_from_db()
    assert p0.name == "紧急"


def test_a_deactivated_admin_is_refused(client, admin_user):
    client.force_login(admin_user)
    User.objects.filter(pk=admin_user.pk).update(is_active=False)
    assert client.get(reverse("admin_console:index")).status_code in (302, 403)


def test_settings_home_lists_every_section(admin_browser):
    html = admin_browser.get(reverse("admin_console:index")).content.decode()
    for key in (
        "users",
        "teams",
        "skills",
        "organisations",
        "categories",
        "priorities",
        "ticket_types",
        "numbering",
        "workflow",
        "locations",
    ):
        assert f'data-section="{key}"' in html
