"""The generic settings screen (decision 0064), through screens that use it: list, create and edit with a
form and the app's service, delete behind a confirmation and refused while the row is in use."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from gongdan.accounts.models import Skill, Team
from gongdan.sla import services as sla
from gongdan.sla.models import BusinessCalendar
from tests.clients import signed_in
from tests.factories import AgentFactory
from tests.html import field_errors

pytestmark = pytest.mark.django_db


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def calendar(admin_user):
    return sla.calendar_create(
        actor=admin_user, name="上海办公时间", name_en="Shanghai office hours", is_24x7=True
    )


def test_a_skill_is_created_listed_and_edited_through_the_service(admin_browser):
    # Given an admin on the new-skill form
    assert admin_browser.get(reverse("accounts:skill_create")).status_code == 200

    # When they save one, then rename it
    created = admin_browser.post(reverse("accounts:skill_create"), {"name": "网络", "name_en": "Networks"})
    skill = Skill.objects.get(name="网络")
    edit_url = reverse("accounts:skill_edit", args=[skill.pk])
    form = admin_browser.get(edit_url).content.decode()
    saved = admin_browser.post(edit_url, {"name": "网络", "name_en": "Networking", "description": ""})

    # Then each went back to the list with its message, and the edit form showed the stored values
    assert created.status_code == 302 and created["Location"] == reverse("accounts:skill_list")
    assert said(created) == ["Skill Networks was saved."]
    assert 'value="Networks"' in form
    assert saved.status_code == 302 and said(saved) == ["Skill Networking was saved."]
    skill.refresh_from_db()
    assert skill.name_en == "Networking"
    assert "Networking" in admin_browser.get(reverse("accounts:skill_list")).content.decode()


def test_a_refused_save_answers_422_with_the_services_reason_and_writes_nothing(admin_browser):
    Skill.objects.create(name="网络")
    response = admin_browser.post(reverse("accounts:skill_create"), {"name": "网络"})
    assert response.status_code == 422
    assert field_errors(response, "name")
    assert Skill.objects.count() == 1


def test_the_edit_form_shows_fields_the_form_adds_itself(admin_browser, team):
    # A team's parent is a tree select the form builds in __init__: it still shows the stored parent
    child = Team.objects.create(name="二线", parent=team)
    html = admin_browser.get(reverse("accounts:team_edit", args=[child.pk])).content.decode()
    assert f'<option value="{team.pk}" selected' in html


def test_a_new_team_goes_on_to_its_members(admin_browser):
    response = admin_browser.post(reverse("accounts:team_create"), {"name": "桌面支持", "name_en": "Desktop"})
    team = Team.objects.get(name="桌面支持")
    assert response["Location"] == reverse("accounts:team_members", args=[team.pk])
    assert said(response) == ["Team Desktop was created; now choose its members."]


def test_delete_asks_first_then_deletes_through_the_service(admin_browser, calendar):
    url = reverse("sla:calendar_delete", args=[calendar.pk])

    # Following the Delete button asks, and deletes nothing
    page = admin_browser.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "Delete Shanghai office hours?" in html
    assert f'href="{reverse("sla:calendar_edit", args=[calendar.pk])}"' in html  # Cancel goes back
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()

    # Confirming deletes it and says so
    response = admin_browser.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("sla:calendar_list")
    assert said(response) == ["Calendar Shanghai office hours was deleted."]
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_a_row_in_use_is_kept_and_the_page_says_why(admin_browser, admin_user, calendar):
    sla.policy_create(actor=admin_user, name="标准", calendar=calendar)

    response = admin_browser.post(reverse("sla:calendar_delete", args=[calendar.pk]))

    assert response["Location"] == reverse("sla:calendar_edit", args=[calendar.pk])
    assert said(response) == ["This calendar is used by SLA policies; give them another calendar first."]
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_administrators_delete(agent, calendar, client, method):
    url = reverse("sla:calendar_delete", args=[calendar.pk])
    assert getattr(signed_in(agent), method)(url).status_code == 403
    assert getattr(client, method)(url).status_code == 302  # to the sign-in page
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def test_a_chinese_admin_reads_the_confirmation_in_chinese(admin_user, calendar):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    html = signed_in(admin_user).get(reverse("sla:calendar_delete", args=[calendar.pk])).content.decode()
    assert "删除 上海办公时间？" in html and "此操作无法撤销。" in html


def test_the_user_search_answers_htmx_with_the_results_alone(admin_browser):
    AgentFactory(username="li", display_name="李雷")
    url = reverse("accounts:user_list")

    plain = admin_browser.get(url, {"q": "li"})
    htmx = admin_browser.get(url, {"q": "li"}, headers={"HX-Request": "true"})
    boosted = admin_browser.get(url, {"q": "li"}, headers={"HX-Request": "true", "HX-Boosted": "true"})

    assert "<html" in plain.content.decode() and "<html" in boosted.content.decode()
    fragment = htmx.content.decode()
    assert fragment.lstrip().startswith('<div id="user-results">') and "李雷" in fragment
    assert 'name="q"' not in fragment
    assert all("HX-Request" in r["Vary"] for r in (plain, htmx, boosted))


def test_the_people_filter_button_reads_as_a_verb_in_chinese(admin_user):
    # Django's admin catalogue has "Filter" as a noun (过滤器); the button says 筛选
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    html = signed_in(admin_user).get(reverse("accounts:user_list")).content.decode()
    assert "筛选</button>" in html and "过滤器" not in html
