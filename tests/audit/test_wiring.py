"""What the rest of the site records: sign-ins and sign-outs, people and their roles, API tokens, every
change made through the settings screens (with before/after), and ticket data exports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from gongdan.accounts.services import user_create, user_deactivate, user_reactivate, user_update
from gongdan.api.services import api_token_create, api_token_revoke
from gongdan.audit import kinds
from gongdan.audit.models import AuditEntry
from gongdan.audit.services import audit_chain_pending
from gongdan.audit.verification import verify_chain
from gongdan.sla.models import BusinessCalendar
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def entries(kind: str) -> list[AuditEntry]:
    audit_chain_pending()  # as the chainer does after the commit
    return list(AuditEntry.objects.filter(kind=kind).order_by("seq"))


def test_sign_in_success_failure_and_sign_out_are_recorded_with_where_from(agent, settings):
    settings.GONGDAN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
                    HTTP_USER_AGENT="Firefox/140")  # fmt: skip
    client.post(reverse("accounts:login"), {"username": "agent", "password": "wrong"})
    client.post(reverse("accounts:login"), {"username": "agent", "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    (failure,) = entries(kinds.SIGN_IN_FAILURE)
    (success,) = entries(kinds.SIGN_IN_SUCCESS)
    (sign_out,) = entries(kinds.SIGN_OUT)
    assert failure.actor_id is None and failure.actor_username == "agent"
    assert success.actor_id == agent.pk and success.actor_role == "agent"
    assert sign_out.actor_id == agent.pk
    # Behind the trusted proxy the client is the right-most address the proxy did not add itself
    assert {e.address for e in (failure, success, sign_out)} == {"203.0.113.9"}
    assert success.user_agent == "Firefox/140"
    assert verify_chain().ok


def test_a_forwarded_address_from_an_untrusted_peer_is_not_believed(agent, settings):
    settings.GONGDAN_TRUSTED_PROXIES = []
    client = Client(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    client.post(reverse("accounts:login"), {"username": "agent", "password": "wrong"})
    assert entries(kinds.SIGN_IN_FAILURE)[0].address == "192.0.2.7"


def test_people_and_roles(admin_user):
    user = user_create(actor=admin_user, username="wang", role="agent")
    user_update(actor=admin_user, user=user, role="team_lead", display_name="王")
    user_update(actor=admin_user, user=user, display_name="王五")  # not a permission: no role.change
    user_deactivate(actor=admin_user, user=user)
    user_reactivate(actor=admin_user, user=user)
    (created,) = entries(kinds.USER_CREATE)
    assert created.actor_username == "admin" and created.object_repr == "wang"
    assert created.detail["after"]["role"] == "agent"
    (change,) = entries(kinds.ROLE_CHANGE)
    assert change.detail == {"before": {"role": "agent"}, "after": {"role": "team_lead"}}
    assert entries(kinds.USER_DEACTIVATE)[0].object_id == str(user.pk)
    assert entries(kinds.USER_REACTIVATE)[0].object_id == str(user.pk)


def test_api_tokens_issued_and_revoked(agent):
    token, raw = api_token_create(actor=agent, name="script")
    api_token_revoke(actor=agent, token=token)
    api_token_revoke(actor=agent, token=token)  # already revoked: nothing new happened
    (issued,) = entries(kinds.TOKEN_ISSUE)
    (revoked,) = entries(kinds.TOKEN_REVOKE)
    assert issued.object_id == revoked.object_id == str(token.pk)
    assert raw not in str(issued.detail) and issued.detail["name"] == "script"


def test_settings_screens_record_create_edit_and_delete_with_before_and_after(admin_browser):
    week = {f"day_{d}": "09:00-18:00" for d in range(5)}
    new = {"name": "工作日", "name_en": "Weekdays", "time_zone": "Asia/Shanghai", "description": "", **week}
    admin_browser.post(reverse("sla:calendar_create"), new)
    calendar = BusinessCalendar.objects.get(name="工作日")
    admin_browser.post(reverse("sla:calendar_edit", args=[calendar.pk]), {**new, "name_en": "Working days"})
    admin_browser.post(reverse("sla:calendar_delete", args=[calendar.pk]))
    assert not BusinessCalendar.objects.filter(pk=calendar.pk).exists()
    (created,) = entries(kinds.CONFIG_CREATE)
    (updated,) = entries(kinds.CONFIG_UPDATE)
    (deleted,) = entries(kinds.CONFIG_DELETE)
    assert created.object_type == updated.object_type == deleted.object_type == "sla.businesscalendar"
    assert created.object_id == updated.object_id == deleted.object_id == str(calendar.pk)
    assert created.detail["after"]["name_en"] == "Weekdays"
    assert updated.detail == {"before": {"name_en": "Weekdays"}, "after": {"name_en": "Working days"}}
    assert deleted.detail["before"]["name_en"] == "Working days"
    assert {created.actor_username, updated.actor_username, deleted.actor_username} == {"admin"}


def test_a_refused_change_leaves_no_entry(admin_browser):
    admin_browser.post(reverse("sla:calendar_create"), {"name": "", "time_zone": "Nowhere/Else"})
    assert not AuditEntry.objects.filter(kind__startswith="config.").exists()


def test_ticket_exports_are_recorded(manager, make_ticket):
    make_ticket()
    client = Client()
    client.force_login(manager)
    response = client.get(reverse("reports:queue_export", args=["csv"]))
    assert response.status_code == 200
    (export,) = entries(kinds.DATA_EXPORT)
    assert export.actor_username == "manager" and export.object_type == "reports.queue"
    assert export.detail["format"] == "csv"


def test_settings_views_with_their_own_pages_record_before_and_after(admin_browser):
    # Numbering has its own page (not the generic screen): audited through audited_configuration_save.
    response = admin_browser.post(
        reverse("tickets:numbering"), {"prefix": "IT", "include_year": "on", "digits": 5}
    )
    assert response.status_code == 302
    (change,) = entries(kinds.CONFIG_UPDATE)
    assert change.object_type == "tickets.ticketnumbering"
    assert change.detail["after"] == {"prefix": "IT", "digits": 5}
    assert change.detail["before"]["prefix"] != "IT"
