"""Signed tokens for links we mail: sign-in links and survey links.

A token names a row and is signed with the site's key (django.core.signing) under a salt per purpose, so a
survey token cannot be replayed as a sign-in token; its age is checked on reading. Single use is recorded on
the row it names, never in the token."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

LINK_SALT = "gongdan.portal.magic-link"
SURVEY_SALT = "gongdan.portal.survey"


class TokenInvalid(Exception):
    """Tampered, malformed or for another purpose."""


class TokenExpired(TokenInvalid):
    pass


def make_token(pk: int, *, salt: str) -> str:
    return signing.dumps({"id": pk}, salt=salt, compress=False)


def read_token(token: str, *, salt: str, max_age: int) -> int:
    if not token or len(token) > 300:
        raise TokenInvalid
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenExpired from None
    except signing.BadSignature:
        raise TokenInvalid from None
    pk = data.get("id") if isinstance(data, dict) else None
    if not isinstance(pk, int) or isinstance(pk, bool) or pk <= 0:
        raise TokenInvalid
    return pk


def link_max_age() -> int:
    return int(settings.GONGDAN_PORTAL_LINK_MAX_AGE)


def survey_max_age() -> int:
    return int(settings.GONGDAN_PORTAL_SURVEY_MAX_AGE)
