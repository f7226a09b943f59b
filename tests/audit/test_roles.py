"""Separated administration (三权分立): the system, security and audit administrators are different people,
each limited to their duty, unless the site allows combining them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from gongdan.accounts.models import Role, User
from gongdan.accounts.services import user_create, user_deactivate, user_update
from gongdan.audit import kinds
from gongdan.audit.models import AuditEntry
from gongdan.audit.selectors import EntryFilters, entry_page
from gongdan.audit.services import audit_chain_pending
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_duty_is_held_by_its_own_role(admin_user, security_admin, auditor):
    assert admin_user.is_admin and not admin_user.is_security_admin and not admin_user.is_audit_admin
    assert (
        security_admin.is_security_admin and not security_admin.is_admin and not security_admin.is_audit_admin
    )
    assert auditor.is_audit_admin and not auditor.is_admin and not auditor.is_security_admin


def test_a_small_site_may_let_its_system_administrator_hold_every_duty(settings, admin_user):
    settings.GONGDAN_ADMIN_DUTIES_COMBINED = True
    assert admin_user.is_admin and admin_user.is_security_admin and admin_user.is_audit_admin


def test_the_system_administrator_cannot_make_anyone_a_security_or_audit_administrator(admin_user, agent):
    with pytest.raises(PermissionDenied):
        user_update(actor=admin_user, user=agent, role=Role.AUDIT_ADMIN)
    with pytest.raises(PermissionDenied):
        user_create(actor=admin_user, username="spy", role=Role.AUDIT_ADMIN)
    with pytest.raises(PermissionDenied):
        user_update(actor=admin_user, user=admin_user, role=Role.AUDIT_ADMIN)
    agent.refresh_from_db()
    assert agent.role == Role.AGENT and not User.objects.filter(username="spy").exists()


def test_the_system_administrator_cannot_take_over_the_auditors_account(admin_user, auditor):
    with pytest.raises(PermissionDenied):
        user_update(actor=admin_user, user=auditor, password="a-new-long-password-42")
    with pytest.raises(PermissionDenied):
        user_update(actor=admin_user, user=auditor, email="mine@example.com")
    with pytest.raises(PermissionDenied):
        user_deactivate(actor=admin_user, user=auditor)
    auditor.refresh_from_db()
    assert auditor.is_active and auditor.email == "auditor@example.com"


def test_the_security_administrator_gives_and_takes_duties_and_it_is_recorded(security_admin, agent):
    user_update(actor=security_admin, user=agent, role=Role.AUDIT_ADMIN)
    agent.refresh_from_db()
    assert agent.is_audit_admin and not agent.is_staff
    entry = AuditEntry.objects.filter(kind=kinds.ROLE_CHANGE).get()
    assert entry.actor_username == "security" and entry.actor_role == Role.SECURITY_ADMIN
    assert entry.object_id == str(agent.pk)
    assert entry.detail == {"before": {"role": "agent"}, "after": {"role": "audit_admin"}}


def test_the_security_administrator_changes_roles_but_not_profiles_or_configuration(security_admin, agent):
    with pytest.raises(PermissionDenied):
        user_update(actor=security_admin, user=agent, email="x@example.com")
    with pytest.raises(PermissionDenied):
        user_update(actor=security_admin, user=agent, password="a-new-long-password-42")
    with pytest.raises(ValidationFailed):
        user_update(actor=security_admin, user=security_admin, role=Role.AUDIT_ADMIN)


def test_the_superuser_made_an_auditor_is_no_longer_a_system_administrator(settings, security_admin):
    first = UserFactory(username="root", role="admin", is_superuser=True, is_staff=True)
    user_update(actor=security_admin, user=first, role=Role.AUDIT_ADMIN)
    first.refresh_from_db()
    assert first.is_audit_admin and not first.is_admin and not first.is_superuser


def test_only_the_audit_administrator_reads_the_trail(admin_user, security_admin, auditor):
    user_create(actor=admin_user, username="newbie", role=Role.AGENT)
    audit_chain_pending()  # as the chainer does after the commit
    for outsider in (admin_user, security_admin):
        with pytest.raises(PermissionDenied):
            entry_page(actor=outsider, filters=EntryFilters())
    rows, _next = entry_page(actor=auditor, filters=EntryFilters(kind=kinds.USER_CREATE))
    assert [row.object_repr for row in rows] == ["newbie"]


@pytest.mark.parametrize(("command", "role"), [("create_security_admin", "security_admin"),
                                                ("create_audit_admin", "audit_admin")])  # fmt: skip
def test_the_commands_create_each_duty_holder(command, role):
    out = StringIO()
    call_command(command, "duty1", stdout=out)
    user = User.objects.get(username="duty1")
    assert user.role == role and user.has_usable_password() and not user.is_superuser
    assert "duty1 / " in out.getvalue()
    assert AuditEntry.objects.filter(kind=kinds.USER_CREATE, object_repr="duty1").exists()


def test_the_first_start_says_how_to_create_the_other_two_administrators():
    out = StringIO()
    call_command("bootstrap", stdout=out)
    text = out.getvalue()
    assert "create_security_admin" in text and "create_audit_admin" in text
    assert User.objects.get(username="admin").is_admin
