"""Local HTTP receivers standing in for the SaaS we post to. Each one checks the request the way the real
service does (signature, timestamp, JSON shape) and answers as the service answers, so a test sees what a
user would: a post accepted, or refused with the vendor's own error."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """`respond(received) -> (status, body bytes, headers)` decides each answer."""

    respond: Callable[[Received], tuple[int, bytes, dict[str, str]]]
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    hold: threading.Event | None = None  # when set (not yet released), requests wait: a slow receiver

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                got = Received(parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                               {k.lower(): v for k, v in self.headers.items()}, body)  # fmt: skip
                receiver.requests.append(got)
                if receiver.hold is not None:
                    receiver.hold.wait(30)
                status, answer, headers = receiver.respond(got)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            if self.hold is not None:
                self.hold.set()
            self.server.shutdown()
            self.server.server_close()


def ok_json(payload: dict) -> tuple[int, bytes, dict[str, str]]:
    return 200, json.dumps(payload).encode(), {"Content-Type": "application/json"}


# --- vendor fakes -------------------------------------------------------------------------------------------


def dingtalk(secret: str, *, per_minute: int = 20, clock: Callable[[], float] | None = None):
    """DingTalk's robot: signature in the query string over f"{timestamp}\\n{secret}" (timestamp in ms within
    an hour), markdown body; 20 posts a minute per robot, measured on the signed timestamps."""
    sent: list[int] = []

    def respond(got: Received):
        stamp = int(got.query.get("timestamp", "0"))
        now_ms = int((clock or time.time)() * 1000)
        digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        if got.query.get("access_token") != "T0KEN":
            return ok_json({"errcode": 300005, "errmsg": "token is not exist"})
        if (
            abs(now_ms - stamp) > 3600_000 or got.query.get("sign", "") != expected
        ):  # parse_qs undid the urlencoding
            return ok_json({"errcode": 310000, "errmsg": "sign not match"})
        body = got.json
        if (
            body.get("msgtype") != "markdown"
            or not body["markdown"].get("title")
            or not body["markdown"].get("text")
        ):
            return ok_json({"errcode": 40035, "errmsg": "缺少参数 json"})
        if len([s for s in sent if s > stamp - 60_000]) >= per_minute:
            return ok_json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        sent.append(stamp)
        return ok_json({"errcode": 0, "errmsg": "ok"})

    return respond


def feishu(secret: str):
    def respond(got: Received):
        body = got.json
        stamp = int(body.get("timestamp", "0"))
        digest = hmac.new(f"{stamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
        if abs(time.time() - stamp) > 3600 or body.get("sign") != base64.b64encode(digest).decode():
            return ok_json(
                {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                }
            )
        if body.get("msg_type") != "interactive" or "card" not in body:
            return ok_json({"code": 9499, "msg": "Bad Request"})
        return ok_json({"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"})

    return respond


def wecom(key: str):
    def respond(got: Received):
        if got.query.get("key") != key:
            return ok_json({"errcode": 93000, "errmsg": "invalid webhook url"})
        body = got.json
        if body.get("msgtype") != "markdown" or len(body["markdown"]["content"].encode()) > 4096:
            return ok_json({"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        return ok_json({"errcode": 0, "errmsg": "ok"})

    return respond


def slack():
    def respond(got: Received):
        body = got.json
        if not body.get("text") or not all(
            b.get("type") in ("section", "divider") for b in body.get("blocks", [])
        ):
            return 400, b"invalid_payload", {"Content-Type": "text/plain"}
        return 200, b"ok", {"Content-Type": "text/plain"}

    return respond


def verify_standard_webhook(secret: str, got: Received, *, tolerance: int = 300) -> bool:
    """The receiver's side of Standard Webhooks (the snippet docs/notifications.md shows)."""
    msg_id, stamp = got.headers["webhook-id"], got.headers["webhook-timestamp"]
    if abs(time.time() - int(stamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + got.body, hashlib.sha256).digest()
    ).decode()
    return any(
        hmac.compare_digest(expected, sig.split(",", 1)[1])
        for sig in got.headers["webhook-signature"].split()
    )
