"""Password-reset tokens (decision 0119): signed with the site's key, timestamped, and bound to what the
account's credentials are now — the password hash and `credentials_version`. Nothing is stored: any later
credential change (the reset itself, a password change, a role change, a deactivation) changes the
fingerprint, so a token works once and dies with the credentials it was issued for. Its age is checked
against the policy's `reset_link_minutes` (30 by default)."""

from __future__ import annotations

import hmac

from django.core import signing
from django.utils.crypto import salted_hmac

from gongdan.accounts.models import User
from gongdan.accounts.password_policy import policy

SALT = "gongdan.accounts.password-reset"
MAX_TOKEN_LENGTH = 300


class TokenInvalid(Exception):
    """Tampered, malformed, used, or issued before a later credential change."""


class TokenExpired(TokenInvalid):
    pass


def _fingerprint(user: User) -> str:
    material = f"{user.pk}\0{user.password}\0{user.credentials_version}\0{int(user.is_active)}"
    return salted_hmac(SALT, material, algorithm="sha256").hexdigest()[:32]


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT, compress=False)


def max_age() -> int:
    return int(policy().reset_link_minutes) * 60


def read_token(token: str, *, lock: bool = False) -> User:
    """The user the token is good for. `lock`: take the user's row for update (the caller is in a
    transaction), so two uses of one token cannot both pass the check."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    pk, fingerprint = (data.get("u"), data.get("f")) if isinstance(data, dict) else (None, None)
    if not isinstance(pk, int) or isinstance(pk, bool) or not isinstance(fingerprint, str):
        raise TokenInvalid
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=pk, is_active=True).first()
    if (
        user is None
        or not user.has_usable_password()
        or not hmac.compare_digest(fingerprint, _fingerprint(user))
    ):
        raise TokenInvalid
    return user
