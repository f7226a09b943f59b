"""The first start creates the administrator once; later starts leave it alone and never show a password again."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongdan.accounts.models import Role, User


def run_bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_admin_is_created_with_the_password_from_the_environment(monkeypatch):
    # Given an operator who chose the admin password
    monkeypatch.setenv("GONGDAN_ADMIN_PASSWORD", "Kettle-Harbour-42")
    # When the site starts for the first time
    output = run_bootstrap()
    # Then "admin" is a superuser administrator who can sign in with it, and the password is not echoed
    admin = User.objects.get(username="admin")
    assert admin.role == Role.ADMIN and admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password("Kettle-Harbour-42")
    assert "GONGDAN_ADMIN_PASSWORD" in output
    assert "Kettle-Harbour-42" not in output


@pytest.mark.django_db
def test_random_password_is_printed_once_and_works(monkeypatch):
    monkeypatch.delenv("GONGDAN_ADMIN_PASSWORD", raising=False)
    output = run_bootstrap()
    match = re.search(r"admin / (\S+)", output)
    assert match, output
    assert User.objects.get(username="admin").check_password(match.group(1))
    # A second start prints nothing and keeps the same password.
    assert run_bootstrap() == ""
    assert User.objects.filter(username="admin").count() == 1
    assert User.objects.get(username="admin").check_password(match.group(1))


@pytest.mark.django_db
def test_later_starts_do_not_change_the_admin_even_with_a_new_password(monkeypatch):
    monkeypatch.setenv("GONGDAN_ADMIN_PASSWORD", "Kettle-Harbour-42")
    run_bootstrap()
    monkeypatch.setenv("GONGDAN_ADMIN_PASSWORD", "Another-Secret-99")
    assert run_bootstrap() == ""
    assert User.objects.get(username="admin").check_password("Kettle-Harbour-42")


@pytest.mark.django_db
def test_an_existing_superuser_means_no_second_admin(admin_user, monkeypatch):
    admin_user.username = "root"
    admin_user.save()
    monkeypatch.delenv("GONGDAN_ADMIN_PASSWORD", raising=False)
    assert run_bootstrap() == ""
    assert not User.objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_a_weak_admin_password_is_refused_and_nothing_is_created(monkeypatch):
    monkeypatch.setenv("GONGDAN_ADMIN_PASSWORD", "123")
    with pytest.raises(CommandError, match="GONGDAN_ADMIN_PASSWORD"):
        run_bootstrap()
    assert not User.objects.filter(username="admin").exists()
