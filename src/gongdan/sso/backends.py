"""How single sign-on meets Django's authentication: LDAP checks a typed password like any other backend
(so django-axes counts its failures and refuses a locked-out account first), and the redirect providers sign
the person in with `SsoBackend` once the provider has vouched for them (views)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.sso import ldap_directory, selectors, services
from gongdan.sso.profiles import SignInRefused

log = logging.getLogger(__name__)


class SsoBackend(ModelBackend):
    """Names the way in on the session (and in the audit trail); never checks a password itself."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:  # fmt: skip
        return None


class LdapBackend(ModelBackend):
    """After the local password check (ModelBackend comes first): an account with a local password signs in
    with it even when the directory is down, and directory accounts have no local password."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:  # fmt: skip
        if request is None or not username or not password:
            return None
        for provider in selectors.enabled_ldap_providers():
            try:
                profile = ldap_directory.authenticate(provider, username, password)
            except ldap_directory.DirectoryUnreachable as exc:
                log.warning("LDAP provider %s unreachable: %s", provider.slug, exc)
                request.sign_in_notice = _(  # type: ignore[attr-defined]
                    "The company directory (%(name)s) cannot be reached, so directory accounts cannot sign in "
                    "right now. Accounts with a local password still can."
                ) % {"name": provider.label}
                services.sso_failure_record(
                    provider=provider, code="directory_unreachable", username=username
                )
                continue
            if profile is None:
                continue
            try:
                user = services.sso_account(provider=provider, profile=profile)
            except SignInRefused as refused:
                request.sign_in_notice = refused.message  # type: ignore[attr-defined]
                services.sso_failure_record(provider=provider, code=refused.code, username=username)
                return None
            return user if self.user_can_authenticate(user) else None
        return None
