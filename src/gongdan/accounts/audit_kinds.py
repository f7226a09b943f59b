"""The audit entries the accounts app adds to the ones the audit app names (registered in AccountsConfig)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.audit.kinds import register_kind

USER_RENAME = "user.rename"
PASSWORD_CHANGE = "password.change"  # noqa: S105 (a kind, not a secret)
PASSWORD_RESET = "password.reset"  # noqa: S105 (a kind, not a secret)
SIGN_IN_POLICY = "sign_in_policy.change"
USER_UNLOCK = "user.unlock"


def register() -> None:
    register_kind(USER_RENAME, _("User renamed"))
    register_kind(PASSWORD_CHANGE, _("Password changed"))
    register_kind(PASSWORD_RESET, _("Password reset by mailed link"))
    register_kind(SIGN_IN_POLICY, _("Sign-in policy changed"))
    register_kind(USER_UNLOCK, _("Sign-in lockout lifted"))
