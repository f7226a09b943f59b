"""Bearer tokens: made for a person (shown once), revoked, and checked on every API call. Only a token's
SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.api.models import ApiToken
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from gongdan.accounts.models import User

TOKEN_PREFIX = "gd_"  # noqa: S105 (a marker, not a secret)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User, user: User | None = None, name: str = "") -> tuple[ApiToken, str]:
    """Returns the row and the token itself, which is never stored and shown only this once."""
    user = user or actor
    if user.pk != actor.pk and not actor.is_admin:
        raise PermissionDenied(_("Only administrators can do that."))
    if not user.is_active:
        raise ValidationFailed(_("The account is deactivated."), details={"user": [_("Deactivated.")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=(name or "").strip()[:100], key_hash=_hash_token(raw), prefix=raw[:10]
    )
    audit_record(kind=audit_kinds.TOKEN_ISSUE, actor=actor, object_type="api.apitoken", object_id=token.pk,
                 object_repr=token.prefix, detail={"user_id": user.pk, "username": user.get_username(),
                                                   "name": token.name})  # fmt: skip
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_admin:
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(kind=audit_kinds.TOKEN_REVOKE, actor=actor, object_type="api.apitoken", object_id=token.pk,
                     object_repr=token.prefix, detail={"user_id": token.user_id, "name": token.name})  # fmt: skip
    return token


def api_token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None. Touches last_used_at at most once a minute."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
