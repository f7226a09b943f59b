"""Model fields whose values are encrypted at rest: the credentials Gongdan must be able to use again (an
IMAP password, an OAuth client secret and tokens, a chat bot's signing secret and webhook URL, an outgoing
webhook's signing secret).

A database dump or backup then holds `gdenc:1:<algorithm>:<key id>:…` instead of the secret: the field
encryption of `gongdan.core.field_crypto` (SM4-GCM or AES-256-GCM, keys from GONGDAN_FIELD_KEYS, decision
0130). Values sealed by the first scheme (`sealed:v1:<Fernet token>`, a key derived from SECRET_KEY) still
open and are re-sealed by the migrations and by `manage.py rotate_field_keys`. A value stored before sealing
(plain text) is read as it is and sealed the next time it is saved.

A value that cannot be opened (the secret key changed without a fallback) reads as "" and is logged: the
admin re-enters it. Sealed values are random, so they cannot be looked up with filter(field=…).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from gongdan.core import field_crypto

LEGACY_PREFIX = "sealed:v1:"
log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _fernet(secret_keys: tuple[str, ...]) -> MultiFernet:
    keys = [
        Fernet(
            base64.urlsafe_b64encode(hmac.digest(key.encode(), b"gongdan sealed fields v1", hashlib.sha256))
        )
        for key in secret_keys
    ]
    return MultiFernet(keys)


def _keys() -> MultiFernet:
    return _fernet((settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def seal(value: str) -> str:
    """The stored form of `value` ("" stays "": nothing to hide, and forms test for emptiness)."""
    if not value:
        return value
    return field_crypto.encrypt(value)


def unseal(stored: str, *, where: str = "") -> str:
    if stored and field_crypto.is_encrypted(stored):
        try:
            return field_crypto.decrypt(stored)
        except field_crypto.UndecryptableValue:
            log.error(
                "cannot open the sealed value of %s: is its key missing from GONGDAN_FIELD_KEYS?", where
            )
            return ""
    if not stored or not stored.startswith(LEGACY_PREFIX):
        return stored  # empty, or written before sealing
    try:
        return _keys().decrypt(stored.removeprefix(LEGACY_PREFIX).encode("ascii")).decode()
    except (InvalidToken, ValueError):
        log.error("cannot open the sealed value of %s: was SECRET_KEY changed without a fallback?", where)
        return ""


class SealedMixin:
    """Encrypts on the way to the database, decrypts on the way back. The column is text whatever the
    field's max_length, which still limits what a form accepts (a sealed value is about 1.4 × longer)."""

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def cast_db_type(self, connection: Any) -> str | None:
        return models.TextField().cast_db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        model = getattr(self, "model", None)
        return unseal(value, where=f"{model._meta.label if model else '?'}.{getattr(self, 'name', '?')}")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        return seal(value) if isinstance(value, str) else value


class SealedCharField(SealedMixin, models.CharField):
    pass


class SealedURLField(SealedMixin, models.URLField):
    pass


class SealedTextField(SealedMixin, models.TextField):
    pass


def seal_existing(model: Any, *fields: str) -> int:
    """Write every stored value of `fields` again, sealed (for data migrations: the values read back as
    they are while plain). Returns the rows written."""
    changed = 0
    for row in model.objects.values("pk", *fields):
        values = {f: row[f] for f in fields if row[f]}
        if values:
            model.objects.filter(pk=row["pk"]).update(**values)
            changed += 1
    return changed
