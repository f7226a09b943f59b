"""A local stand-in for the DingTalk, Feishu and WeCom open APIs, strict about what their documentation asks
for (a request missing a documented field is answered with the platform's error), and the platforms' side of a
callback: signed and encrypted as each documents it — written here from the documentation, not with our
code's helpers, so a mistake in ours cannot cancel itself out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

TOKENS = {"feishu": "t-feishu-token", "wecom": "w-wecom-token", "dingtalk": "d-dingtalk-token"}


class Platform:
    """Serves the three token endpoints and send endpoints; `sent` holds each accepted send call."""

    def __init__(self, *, app_id: str, app_secret: str) -> None:
        self.app_id, self.app_secret = app_id, app_secret
        self.sent: list[dict[str, Any]] = []
        self.token_calls = 0
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/cgi-bin/gettoken":
                    if q.get("corpid") != platform.app_id or q.get("corpsecret") != platform.app_secret:
                        return self._answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
                    platform.token_calls += 1
                    return self._answer(200, {"errcode": 0, "errmsg": "ok", "access_token": TOKENS["wecom"],
                                              "expires_in": 7200})  # fmt: skip
                self._answer(404, {"errcode": 404})

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                q = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                path = parts.path
                if path == "/open-apis/auth/v3/tenant_access_token/internal":
                    if body != {"app_id": platform.app_id, "app_secret": platform.app_secret}:
                        return self._answer(200, {"code": 10014, "msg": "app secret invalid"})
                    platform.token_calls += 1
                    return self._answer(200, {"code": 0, "msg": "ok", "tenant_access_token": TOKENS["feishu"],
                                              "expire": 7200})  # fmt: skip
                if path == "/open-apis/im/v1/messages":
                    ok = (self.headers.get("Authorization") == f"Bearer {TOKENS['feishu']}"
                          and q.get("receive_id_type") in ("user_id", "chat_id", "open_id")
                          and body.get("msg_type") == "interactive" and body.get("receive_id")
                          and isinstance(json.loads(body.get("content") or "null"), dict)
                          and feishu_forms_are_valid(json.loads(body["content"])))  # fmt: skip
                    if not ok:
                        return self._answer(400, {"code": 230001, "msg": "invalid request"})
                    platform.sent.append({"platform": "feishu", "query": q, "body": body})
                    return self._answer(200, {"code": 0, "msg": "success", "data": {"message_id": "om_1"}})
                if path == "/cgi-bin/message/send":
                    card = body.get("template_card") or {}
                    ok = (q.get("access_token") == TOKENS["wecom"] and body.get("touser")
                          and body.get("msgtype") == "template_card" and isinstance(body.get("agentid"), int)
                          and card.get("card_type") == "button_interaction" and card.get("task_id")
                          and (card.get("main_title") or {}).get("title")
                          and all(b.get("key") and len(b["key"]) <= 1024 for b in card.get("button_list", [])))  # fmt: skip
                    if not ok:
                        return self._answer(200, {"errcode": 40058, "errmsg": "invalid parameter"})
                    platform.sent.append({"platform": "wecom", "query": q, "body": body})
                    return self._answer(200, {"errcode": 0, "errmsg": "ok", "msgid": "m1"})
                if path == "/v1.0/oauth2/accessToken":
                    if body != {"appKey": platform.app_id, "appSecret": platform.app_secret}:
                        return self._answer(400, {"code": "invalidClientId", "message": "bad app key"})
                    platform.token_calls += 1
                    return self._answer(200, {"accessToken": TOKENS["dingtalk"], "expireIn": 7200})
                if path == "/v1.0/card/instances/createAndDeliver":
                    ok = (self.headers.get("x-acs-dingtalk-access-token") == TOKENS["dingtalk"]
                          and body.get("cardTemplateId") and body.get("outTrackId")
                          and body.get("callbackType") == "HTTP"
                          and str(body.get("openSpaceId", "")).startswith(("dtv1.card//IM_ROBOT.", "dtv1.card//IM_GROUP."))
                          and isinstance((body.get("cardData") or {}).get("cardParamMap"), dict))  # fmt: skip
                    if not ok:
                        return self._answer(400, {"code": "param.invalid", "message": "invalid"})
                    platform.sent.append({"platform": "dingtalk", "query": q, "body": body})
                    return self._answer(200, {"success": True, "result": {"outTrackId": body["outTrackId"]}})
                self._answer(404, {"code": 404})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _feishu_nodes(element: dict[str, Any]) -> list[dict[str, Any]]:
    found = [element]
    for child in element.get("elements", []):
        found += _feishu_nodes(child)
    for column in element.get("columns", []):
        found += _feishu_nodes(column)
    return found


def feishu_forms_are_valid(card: dict[str, Any]) -> bool:
    """Feishu's rules for a form container (card JSON 2.0, 表单容器): it sits at the card's root, holds no form,
    every interactive element in it has a name unique in the card, it has a submit button, and an input takes at
    most 1,000 characters."""
    root = card.get("body", {}).get("elements", [])
    for element in root:
        for node in _feishu_nodes(element)[1:]:
            if node.get("tag") == "form":
                return False  # a form inside another element
    for form in (e for e in root if e.get("tag") == "form"):
        if not form.get("name"):
            return False
        nodes = _feishu_nodes(form)[1:]
        fields = [n for n in nodes if n.get("tag") in ("input", "button", "select_static", "checker")]
        names = [n.get("name") for n in fields]
        if not all(names) or len(set(names)) != len(names):
            return False
        if not any(n.get("tag") == "button" and n.get("form_action_type") == "submit" for n in nodes):
            return False
        if any(n.get("tag") == "input" and not 1 <= int(n.get("max_length", 1000)) <= 1000 for n in nodes):
            return False
    return True


# --- the platforms' side of a callback --------------------------------------------------------------------------


def feishu_request(body: dict[str, Any], *, encrypt_key: str, timestamp: int | None = None,
                   nonce: str = "") -> tuple[bytes, dict[str, str]]:  # fmt: skip
    """An encrypted Feishu callback body and its signed headers (docs: 接收回调, 加密策略)."""
    key = hashlib.sha256(encrypt_key.encode()).digest()
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(json.dumps(body).encode()) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    raw = json.dumps(
        {"encrypt": base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()}
    ).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    nonce = nonce or os.urandom(8).hex()
    signature = hashlib.sha256((stamp + nonce + encrypt_key).encode() + raw).hexdigest()
    return raw, {"HTTP_X_LARK_REQUEST_TIMESTAMP": stamp, "HTTP_X_LARK_REQUEST_NONCE": nonce,
                 "HTTP_X_LARK_SIGNATURE": signature}  # fmt: skip


def wx_encrypt(message: str, *, aes_key: str, receive_id: str) -> str:
    """WeCom / DingTalk: base64(AES-CBC(key, iv=key[:16], PKCS#7 to 32 bytes (random16 ‖ len ‖ msg ‖ id)))."""
    key = base64.b64decode(aes_key + "=")
    data = os.urandom(16) + struct.pack(">I", len(message.encode())) + message.encode() + receive_id.encode()
    pad = 32 - len(data) % 32
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(data + bytes([pad]) * pad) + enc.finalize()).decode()


def wx_decrypt(encrypted: str, *, aes_key: str) -> tuple[str, str]:
    key = base64.b64decode(aes_key + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    data = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    data = data[: -data[-1]]
    (length,) = struct.unpack(">I", data[16:20])
    return data[20 : 20 + length].decode(), data[20 + length :].decode()


def wx_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324


def wx_query(*, token: str, encrypted: str, name: str, timestamp: str | None = None, nonce: str = "",
             extra: dict[str, str] | None = None) -> str:  # fmt: skip
    stamp = timestamp or str(int(time.time()))
    nonce = nonce or os.urandom(6).hex()
    return urlencode({name: wx_signature(token, stamp, nonce, encrypted), "timestamp": stamp, "nonce": nonce,
                      **(extra or {})})  # fmt: skip


def dingtalk_robot_headers(app_secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time() * 1000))
    mac = hmac.new(app_secret.encode(), f"{stamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    return {"HTTP_TIMESTAMP": stamp, "HTTP_SIGN": base64.b64encode(mac).decode()}
