"""Field-level encryption at rest: SM4-GCM (GB/T 32907, the default) or AES-256-GCM, keys from the environment.

A stored value reads `gdenc:1:<algorithm>:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`: the algorithm and
the key that sealed it travel with it, and both are bound to the ciphertext as associated data, so a value
cannot be relabelled. Keys come from `GONGDAN_FIELD_KEYS` (`id:base64-of-32-bytes`, comma-separated, the
first one seals; the others still open what they sealed) and the algorithm from `GONGDAN_FIELD_CIPHER`
(`sm4` or `aes`). Without `GONGDAN_FIELD_KEYS` the key is derived from the site's secret key (and its
fallbacks), under an id that names the secret key's fingerprint. `manage.py rotate_field_keys` re-seals
everything under the first key (decision 0130).

Each algorithm gets its own subkey (HKDF with SM3 for SM4, SHA-256 for AES) of the configured key material,
so the same configured key never serves two ciphers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "gdenc:1:"
ALGORITHMS = ("sm4", "aes")
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class UndecryptableValue(ValueError):
    """The value is sealed but no configured key opens it (or it was altered)."""


@dataclass(frozen=True)
class KeyRing:
    algorithm: str
    keys: tuple[tuple[str, bytes], ...]  # (id, 32 bytes of key material); the first seals

    @property
    def current_id(self) -> str:
        return self.keys[0][0]

    def material(self, key_id: str) -> bytes | None:
        return next((key for kid, key in self.keys if kid == key_id), None)


def parse_keys(text: str) -> tuple[tuple[str, bytes], ...]:
    """`id:base64,id:base64` → ((id, key), …); raises ImproperlyConfigured with the reason."""
    keys: list[tuple[str, bytes]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key_id, sep, encoded = item.partition(":")
        if not sep or not KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                "GONGDAN_FIELD_KEYS: each key is id:base64 with an id of 1-32 letters, digits, '.', '_' or '-'"
            )
        try:
            key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=False)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"GONGDAN_FIELD_KEYS: the key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"GONGDAN_FIELD_KEYS: the key {key_id!r} must be 32 bytes (it is {len(key)})"
            )
        if any(kid == key_id for kid, _key in keys):
            raise ImproperlyConfigured(f"GONGDAN_FIELD_KEYS: the id {key_id!r} is given twice")
        keys.append((key_id, key))
    return tuple(keys)


def _from_secret_keys(secret_keys: tuple[str, ...]) -> tuple[tuple[str, bytes], ...]:
    keys = []
    for secret in secret_keys:
        material = hashlib.sha256(b"gongdan field keys v1\x00" + secret.encode()).digest()
        keys.append(("sk-" + hashlib.sha256(material).hexdigest()[:10], material))
    return tuple(keys)


@lru_cache(maxsize=8)
def _ring(algorithm: str, configured: str, secret_keys: tuple[str, ...]) -> KeyRing:
    if algorithm not in ALGORITHMS:
        raise ImproperlyConfigured("GONGDAN_FIELD_CIPHER must be 'sm4' or 'aes'")
    keys = parse_keys(configured) if configured.strip() else ()
    # The secret-key-derived keys stay readable after real keys are configured, so values sealed before
    # can still be opened (and rotated).
    return KeyRing(algorithm=algorithm, keys=keys + _from_secret_keys(secret_keys))


def key_ring() -> KeyRing:
    return _ring(
        str(getattr(settings, "GONGDAN_FIELD_CIPHER", "sm4")).strip().lower(),
        str(getattr(settings, "GONGDAN_FIELD_KEYS", "")),
        (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())),
    )


@lru_cache(maxsize=64)
def _subkey(algorithm: str, material: bytes) -> bytes:
    digest = hashes.SM3() if algorithm == "sm4" else hashes.SHA256()
    length = 16 if algorithm == "sm4" else 32
    info = b"gongdan field encryption " + algorithm.encode()
    return HKDF(algorithm=digest, length=length, salt=None, info=info).derive(material)


def _encrypt(algorithm: str, key: bytes, nonce: bytes, plain: bytes, aad: bytes) -> bytes:
    if algorithm == "aes":
        return AESGCM(key).encrypt(nonce, plain, aad)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plain) + encryptor.finalize() + encryptor.tag


def _decrypt(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if algorithm == "aes":
        return AESGCM(key).decrypt(nonce, sealed, aad)
    if len(sealed) < TAG_BYTES:
        raise InvalidTag
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(body) + decryptor.finalize()


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def header(value: str) -> tuple[str, str]:
    """(algorithm, key id) of a sealed value."""
    algorithm, key_id, _rest = value.removeprefix(PREFIX).split(":", 2)
    return algorithm, key_id


def is_current(value: str) -> bool:
    """Sealed with today's algorithm and first key: nothing for a rotation to do."""
    ring = key_ring()
    return is_encrypted(value) and header(value) == (ring.algorithm, ring.current_id)


def encrypt(plain: str) -> str:
    ring = key_ring()
    key_id = ring.current_id
    head = f"{PREFIX}{ring.algorithm}:{key_id}:"
    nonce = os.urandom(NONCE_BYTES)
    key = _subkey(ring.algorithm, ring.keys[0][1])
    sealed = _encrypt(ring.algorithm, key, nonce, plain.encode(), head.encode())
    return head + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


def decrypt(value: str) -> str:
    """The clear text of a sealed value; raises UndecryptableValue when no key opens it."""
    try:
        algorithm, key_id, body = value.removeprefix(PREFIX).split(":", 2)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, binascii.Error):
        raise UndecryptableValue("malformed sealed value") from None
    material = key_ring().material(key_id)
    if algorithm not in ALGORITHMS or material is None or len(raw) < NONCE_BYTES + TAG_BYTES:
        raise UndecryptableValue(f"no key {key_id!r} for {algorithm!r}")
    head = f"{PREFIX}{algorithm}:{key_id}:"
    try:
        plain = _decrypt(
            algorithm, _subkey(algorithm, material), raw[:NONCE_BYTES], raw[NONCE_BYTES:], head.encode()
        )
    except InvalidTag:
        raise UndecryptableValue("the value was altered or the key is wrong") from None
    return plain.decode()


def generate_key_line(key_id: str) -> str:
    """A fresh `id:base64` entry for GONGDAN_FIELD_KEYS."""
    if not KEY_ID.match(key_id):
        raise ValueError("a key id is 1-32 letters, digits, '.', '_' or '-'")
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode('ascii')}"
