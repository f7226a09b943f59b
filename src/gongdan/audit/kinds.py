"""What an audit entry can record. The audit app names the kinds the issue lists; a higher app adds its own
with `register_kind` from its AppConfig.ready() (the trail refuses a kind nobody registered, so a typo in a
caller fails its test instead of writing an entry nobody can find)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SIGN_IN_SUCCESS = "sign_in.success"
SIGN_IN_FAILURE = "sign_in.failure"
SIGN_IN_LOCKOUT = "sign_in.lockout"
SIGN_IN_MFA = "sign_in.mfa"
SIGN_OUT = "sign_out"
ROLE_CHANGE = "role.change"
USER_CREATE = "user.create"
USER_DEACTIVATE = "user.deactivate"
USER_REACTIVATE = "user.reactivate"
CONFIG_CREATE = "config.create"
CONFIG_UPDATE = "config.update"
CONFIG_DELETE = "config.delete"
DATA_EXPORT = "data.export"
TOKEN_ISSUE = "token.issue"  # noqa: S105 (a kind, not a secret)
TOKEN_REVOKE = "token.revoke"  # noqa: S105 (a kind, not a secret)
RESTRICTED_ACCESS = "restricted.access"
AUDIT_PURGE = "audit.purge"

MAX_KIND_LENGTH = 32  # an RFC 5424 MSGID holds at most 32 characters

_kinds: dict[str, Promise | str] = {
    SIGN_IN_SUCCESS: _("Signed in"),
    SIGN_IN_FAILURE: _("Sign-in failed"),
    SIGN_IN_LOCKOUT: _("Sign-in locked out"),
    SIGN_IN_MFA: _("Second factor checked"),
    SIGN_OUT: _("Signed out"),
    ROLE_CHANGE: _("Role or permission changed"),
    USER_CREATE: _("User created"),
    USER_DEACTIVATE: _("User deactivated"),
    USER_REACTIVATE: _("User reactivated"),
    CONFIG_CREATE: _("Configuration created"),
    CONFIG_UPDATE: _("Configuration changed"),
    CONFIG_DELETE: _("Configuration deleted"),
    DATA_EXPORT: _("Data exported"),
    TOKEN_ISSUE: _("API token issued"),
    TOKEN_REVOKE: _("API token revoked"),
    RESTRICTED_ACCESS: _("Restricted data accessed"),
    AUDIT_PURGE: _("Old audit entries purged"),
}


def register_kind(kind: str, label: Promise | str) -> None:
    if not kind or len(kind) > MAX_KIND_LENGTH or not kind.isascii() or " " in kind:
        raise ValueError(f"an audit kind is 1–{MAX_KIND_LENGTH} printable ASCII characters: {kind!r}")
    held = _kinds.get(kind)
    if held is not None and str(held) != str(label):
        raise ValueError(f"audit kind {kind!r} is already registered")
    _kinds[kind] = label


def is_known(kind: str) -> bool:
    return kind in _kinds


def label(kind: str) -> str:
    return str(_kinds.get(kind, kind))


def choices() -> list[tuple[str, str]]:
    return sorted(((kind, str(text)) for kind, text in _kinds.items()), key=lambda item: item[0])
