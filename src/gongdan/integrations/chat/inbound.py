"""A chat platform's callback request → one verified `Inbound`, or a `Refused` with the status to answer.

Each reader checks the platform's signature over the exact bytes received, the timestamp's age, and only
then decrypts and reads the JSON or XML. What the platform expects back (a challenge echoed, an encrypted
"success", a toast) is built by `reply()` from the same reader, so a handler never speaks the wrong dialect.
A replayed callback is refused by `actions` through the key each reader gives (the platform's event or
message id, or its nonce with the timestamp)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from gongdan.integrations.chat import crypto
from gongdan.integrations.models import ChatApp, ChatPlatform

MAX_BODY = 64 * 1024
# DingTalk documents an hour for robot messages; the others sign a timestamp without a stated window: five
# minutes, as webhooks do elsewhere (GONGDAN_CHAT_CALLBACK_MAX_AGE).
ROBOT_MAX_AGE = 3600


def _xml(data: bytes) -> Any:
    """Parse a platform's XML without entities, DTDs or network access (lxml imported here, when a message
    comes in, not at start: decision 0176)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Inbound:
    kind: (
        str  # "challenge" (URL verification), "action" (a card button), "message" (text to the bot), "other"
    )
    key: str = ""  # what makes this callback unique (replays are refused on it)
    user: str = ""  # the person's id on the platform
    value: dict[str, Any] = field(default_factory=dict)  # a button's value
    text: str = ""  # a message's text, or the comment typed in a card's form
    chat_id: str = ""
    challenge: str = ""
    # DingTalk/WeCom reply encryption needs the request's nonce; DingTalk robots answer in the same request.
    extra: dict[str, str] = field(default_factory=dict)


def max_age() -> int:
    return int(getattr(settings, "GONGDAN_CHAT_CALLBACK_MAX_AGE", 300))


def _fresh(timestamp: str, *, ms: bool = False, window: int | None = None) -> None:
    try:
        stamp = int(timestamp) / (1000 if ms else 1)
    except ValueError as error:
        raise Refused(400, "bad timestamp") from error
    if abs(time.time() - stamp) > (window or max_age()):
        raise Refused(403, "stale timestamp")


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as error:
        raise Refused(400, "not JSON") from error
    if not isinstance(data, dict):
        raise Refused(400, "not a JSON object")
    return data


def _obj(data: Any, key: str) -> dict[str, Any]:
    """`data[key]` when both are JSON objects, else an empty one (a field of the wrong type reads as absent)."""
    found = data.get(key) if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def read(app: ChatApp, request: HttpRequest) -> Inbound:
    if len(request.body) > MAX_BODY:
        raise Refused(413, "too large")
    reader = {ChatPlatform.FEISHU: _feishu, ChatPlatform.WECOM: _wecom, ChatPlatform.DINGTALK: _dingtalk}
    return reader[ChatPlatform(app.platform)](app, request)


# --- Feishu ---------------------------------------------------------------------------------------------------


def _feishu(app: ChatApp, request: HttpRequest) -> Inbound:
    if request.method != "POST":
        raise Refused(405, "POST only")
    raw = request.body
    data = _json(raw)
    timestamp = request.headers.get("X-Lark-Request-Timestamp", "")
    nonce = request.headers.get("X-Lark-Request-Nonce", "")
    signature = request.headers.get("X-Lark-Signature", "")
    if app.aes_key:
        # With an Encrypt Key every callback is encrypted and signed (the URL check is not signed).
        if "encrypt" not in data:
            raise Refused(400, "expected an encrypted body")
        try:
            data = crypto.feishu_decrypt(str(data["encrypt"]), app.aes_key)
        except crypto.BadCrypto as error:
            raise Refused(400, f"does not decrypt: {error}") from error
        if data.get("type") != "url_verification":
            if not (timestamp and nonce and signature):
                raise Refused(403, "unsigned")
            expected = crypto.feishu_signature(timestamp, nonce, app.aes_key, raw)
            if not crypto.hmac.compare_digest(expected, signature):
                raise Refused(403, "signature mismatch")
            _fresh(timestamp)
    header = _obj(data, "header")
    token = data.get("token") or header.get("token", "")
    if app.token and not crypto.hmac.compare_digest(str(token), app.token):
        raise Refused(403, "verification token mismatch")
    if data.get("type") == "url_verification":
        return Inbound("challenge", challenge=str(data.get("challenge", "")))
    event = _obj(data, "event")
    kind = header.get("event_type", "")
    event_id = str(header.get("event_id") or f"{nonce}:{timestamp}")
    if kind == "card.action.trigger":
        action = _obj(event, "action")
        operator, value, context = _obj(event, "operator"), _obj(action, "value"), _obj(event, "context")
        # A button inside a form container sends the form's fields in form_value, keyed by their names.
        comment = _obj(action, "form_value").get("comment")
        return Inbound("action", key=f"e:{event_id}", user=str(operator.get("user_id", "")), value=value,
                       text=comment if isinstance(comment, str) else "",
                       chat_id=str(context.get("open_chat_id", "")))  # fmt: skip
    if kind == "im.message.receive_v1":
        message, sender = _obj(event, "message"), _obj(_obj(event, "sender"), "sender_id")
        text = ""
        if message.get("message_type") == "text":
            try:
                text = str(json.loads(message.get("content") or "{}").get("text", ""))
            except (ValueError, AttributeError):
                text = ""
        return Inbound("message", key=f"m:{message.get('message_id') or event_id}", user=str(sender.get("user_id", "")),
                       text=_without_mentions(text),
                       chat_id=str(message.get("chat_id", "")) if message.get("chat_type") == "group" else "")  # fmt: skip
    return Inbound("other", key=f"e:{event_id}")


def _without_mentions(text: str) -> str:
    """Feishu writes a mention of the bot as @_user_1; DingTalk sends the text after the @name."""
    words = [w for w in text.split() if not w.startswith("@_user_")]
    return " ".join(words).strip()


# --- WeCom ------------------------------------------------------------------------------------------------------


def _query(request: HttpRequest) -> dict[str, str]:
    # The platforms send base64 with '+' in the query: read it as sent (Django's QueryDict would make a space).
    raw = request.META.get("QUERY_STRING", "")
    parsed = parse_qs(raw.replace("+", "%2B"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _wecom_crypt(app: ChatApp) -> crypto.MsgCrypt:
    try:
        return crypto.MsgCrypt(app.token, app.aes_key, app.app_id)
    except crypto.BadCrypto as error:
        raise Refused(503, f"the app's callback settings are incomplete: {error}") from error


def _xml_text(root: Any, tag: str) -> str:
    found = root.find(tag)
    return (found.text or "") if found is not None else ""


def _wecom(app: ChatApp, request: HttpRequest) -> Inbound:
    q = _query(request)
    signature, timestamp, nonce = q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise Refused(403, "unsigned")
    mc = _wecom_crypt(app)
    if request.method == "GET":  # the URL check: decrypt echostr and answer it as plain text
        echo = q.get("echostr", "")
        try:
            mc.check(signature, timestamp, nonce, echo)
            return Inbound("challenge", challenge=mc.decrypt(echo))
        except crypto.BadCrypto as error:
            raise Refused(403, str(error)) from error
    if request.method != "POST":
        raise Refused(405, "GET or POST only")
    from lxml.etree import XMLSyntaxError

    try:
        envelope = _xml(request.body)
    except XMLSyntaxError as error:
        raise Refused(400, "not XML") from error
    encrypt = _xml_text(envelope, "Encrypt")
    try:
        mc.check(signature, timestamp, nonce, encrypt)
        _fresh(timestamp)
        message = _xml(mc.decrypt(encrypt).encode())
    except crypto.BadCrypto as error:
        raise Refused(403, str(error)) from error
    except XMLSyntaxError as error:
        raise Refused(400, "the message is not XML") from error
    user = _xml_text(message, "FromUserName")
    extra = {"nonce": nonce, "timestamp": timestamp}
    if _xml_text(message, "MsgType") == "event" and _xml_text(message, "Event") == "template_card_event":
        return Inbound("action", key=f"n:{nonce}:{timestamp}:{signature}", user=user,
                       value={"gd": _xml_text(message, "EventKey")}, extra=extra)  # fmt: skip
    if _xml_text(message, "MsgType") == "text":
        return Inbound("message", key=f"m:{_xml_text(message, 'MsgId') or nonce}", user=user,
                       text=_xml_text(message, "Content").strip(), extra=extra)  # fmt: skip
    return Inbound("other", key=f"n:{nonce}:{timestamp}:{signature}", extra=extra)


# --- DingTalk ----------------------------------------------------------------------------------------------------


def _dingtalk(app: ChatApp, request: HttpRequest) -> Inbound:
    if request.method != "POST":
        raise Refused(405, "POST only")
    if request.headers.get("sign"):  # a message to the app's robot (HTTP mode)
        timestamp, sign = request.headers.get("timestamp", ""), request.headers["sign"]
        expected = crypto.dingtalk_robot_sign(timestamp, app.app_secret)
        if not crypto.hmac.compare_digest(expected, sign):
            raise Refused(403, "signature mismatch")
        _fresh(timestamp, ms=True, window=ROBOT_MAX_AGE)
        data = _json(request.body)
        text = str(_obj(data, "text").get("content", "")) if data.get("msgtype") == "text" else ""
        return Inbound("message", key=f"m:{data.get('msgId', '')}", user=str(data.get("senderStaffId", "")),
                       text=text.strip(),
                       chat_id=str(data.get("conversationId", "")) if str(data.get("conversationType")) == "2" else "",
                       extra={"robot": "1"})  # fmt: skip
    q = _query(request)
    signature, timestamp, nonce = q.get("signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    if not (signature and timestamp and nonce):
        raise Refused(403, "unsigned")
    try:
        mc = crypto.MsgCrypt(app.token, app.aes_key, app.app_id)
    except crypto.BadCrypto as error:
        raise Refused(503, f"the app's callback settings are incomplete: {error}") from error
    encrypt = str(_json(request.body).get("encrypt", ""))
    try:
        mc.check(signature, timestamp, nonce, encrypt)
        _fresh(timestamp, ms=len(timestamp) > 10)
        data = _json(mc.decrypt(encrypt).encode())
    except crypto.BadCrypto as error:
        raise Refused(403, str(error)) from error
    extra = {"nonce": nonce, "timestamp": timestamp}
    if data.get("EventType") == "check_url":
        return Inbound("challenge", extra=extra)
    if data.get("type") == "actionCallback":
        try:
            content = json.loads(data.get("content") or "{}")
            params = _obj(_obj(content, "cardPrivateData"), "params")
        except (ValueError, TypeError):
            params = {}
        return Inbound("action", key=f"n:{nonce}:{timestamp}", user=str(data.get("userId", "")),
                       value=params, extra=extra)  # fmt: skip
    return Inbound("other", key=f"n:{nonce}:{timestamp}", extra=extra)


# --- replies -------------------------------------------------------------------------------------------------------


def reply(app: ChatApp, inbound: Inbound, text: str, *, ok: bool) -> HttpResponse:
    """What the platform expects back, carrying `text` where it can show it to the person."""
    platform = ChatPlatform(app.platform)
    if platform == ChatPlatform.FEISHU:
        if inbound.kind == "challenge":
            return JsonResponse({"challenge": inbound.challenge})
        if inbound.kind == "action":
            return JsonResponse({"toast": {"type": "success" if ok else "error", "content": text}})
        return JsonResponse({})
    if platform == ChatPlatform.WECOM:
        if inbound.kind == "challenge":
            return HttpResponse(inbound.challenge, content_type="text/plain")
        return HttpResponse("", content_type="text/plain")  # "an empty reply": nothing more to show
    if inbound.extra.get("robot"):
        return JsonResponse({"msgtype": "text", "text": {"content": text}} if text else {})
    mc = crypto.MsgCrypt(app.token, app.aes_key, app.app_id)
    stamp, nonce = str(int(time.time() * 1000)), inbound.extra.get("nonce", "")
    encrypted = mc.encrypt("success")
    return JsonResponse({"msg_signature": crypto.sha1_signature(app.token, stamp, nonce, encrypted),
                         "timeStamp": stamp, "nonce": nonce, "encrypt": encrypted})  # fmt: skip
