"""Callback signatures and encryption of the three chat platforms, each as documented:

- **Feishu / Lark** (open.feishu.cn, "接收回调" / "Encrypt Key"): the header ``X-Lark-Signature`` is
  ``sha256_hex(timestamp + nonce + encrypt_key + raw_body)`` with ``X-Lark-Request-Timestamp`` and
  ``X-Lark-Request-Nonce``; an encrypted body is ``{"encrypt": base64(iv ‖ AES-256-CBC(sha256(key), iv,
  PKCS#7(json)))}``.
- **WeCom and DingTalk app callbacks** (WeCom "加解密方案说明", DingTalk "事件订阅 HTTP 推送"): the query's
  ``msg_signature`` / ``signature`` is ``sha1_hex(sorted([token, timestamp, nonce, encrypt]) joined)``; the
  message is ``base64(AES-256-CBC(key, iv=key[:16], PKCS#7₃₂(random16 ‖ len₄ ‖ msg ‖ receive_id)))`` where
  ``key = base64decode(EncodingAESKey + "=")`` and the receive id is the corp id (WeCom) or the app key
  (DingTalk). Replies are encrypted the same way.
- **DingTalk robot messages** (HTTP mode): headers ``timestamp`` (ms) and ``sign`` =
  ``base64(HMAC-SHA256(key=appSecret, msg=timestamp + "\\n" + appSecret))``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class BadCrypto(Exception):
    """A signature that does not match, or a body that does not decrypt to what it must."""


def _cbc(key: bytes, iv: bytes) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(key), modes.CBC(iv))


# --- Feishu -------------------------------------------------------------------------------------------------


def feishu_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def feishu_decrypt(encrypted: str, encrypt_key: str) -> dict[str, Any]:
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as error:
        raise BadCrypto("not base64") from error
    if len(raw) < 32 or len(raw) % 16:
        raise BadCrypto("bad length")
    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = _cbc(key, raw[:16]).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
        data = json.loads(plain)
    except ValueError as error:
        raise BadCrypto("does not decrypt") from error
    if not isinstance(data, dict):
        raise BadCrypto("not an object")
    return data


def feishu_encrypt(data: dict[str, Any], encrypt_key: str) -> str:
    """The platform's side (for tests and the local simulator)."""
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(json.dumps(data).encode()) + padder.finalize()
    encryptor = _cbc(key, iv).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


# --- WeCom and DingTalk app callbacks ---------------------------------------------------------------------------


def sha1_signature(token: str, timestamp: str, nonce: str, encrypt: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypt])).encode()).hexdigest()  # noqa: S324 (the platforms' documented scheme)


class MsgCrypt:
    """WeCom's and DingTalk's message encryption (the same scheme; only the receive id differs)."""

    BLOCK = 32

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise BadCrypto("the EncodingAESKey must have 43 characters")
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadCrypto("the EncodingAESKey is not base64") from error
        self.token, self.receive_id = token, receive_id

    def check(self, signature: str, timestamp: str, nonce: str, encrypt: str) -> None:
        expected = sha1_signature(self.token, timestamp, nonce, encrypt)
        if not hmac.compare_digest(expected, signature.lower()):
            raise BadCrypto("signature mismatch")

    def decrypt(self, encrypt: str) -> str:
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadCrypto("not base64") from error
        if not raw or len(raw) % 16:
            raise BadCrypto("bad length")
        decryptor = _cbc(self.key, self.key[:16]).decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        pad = padded[-1]
        if not 1 <= pad <= self.BLOCK or padded[-pad:] != bytes([pad]) * pad:
            raise BadCrypto("bad padding")
        content = padded[16:-pad]
        if len(content) < 4:
            raise BadCrypto("too short")
        (length,) = struct.unpack(">I", content[:4])
        message, receive_id = content[4 : 4 + length], content[4 + length :]
        if len(message) != length or receive_id.decode("utf-8", "replace") != self.receive_id:
            raise BadCrypto("for another receiver")
        return message.decode("utf-8")

    def encrypt(self, message: str) -> str:
        body = message.encode()
        content = os.urandom(16) + struct.pack(">I", len(body)) + body + self.receive_id.encode()
        pad = self.BLOCK - len(content) % self.BLOCK
        encryptor = _cbc(self.key, self.key[:16]).encryptor()
        return base64.b64encode(
            encryptor.update(content + bytes([pad]) * pad) + encryptor.finalize()
        ).decode()


# --- DingTalk robot messages -------------------------------------------------------------------------------------


def dingtalk_robot_sign(timestamp_ms: str, app_secret: str) -> str:
    mac = hmac.new(app_secret.encode(), f"{timestamp_ms}\n{app_secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()
