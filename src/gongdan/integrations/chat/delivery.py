"""The outbox channel "chatapp": a card with a button sent through a chat app's API, to one person or a group.

The message's body holds the card (title, lines, link, button) as JSON and its address says where it goes
("user:<id>" or "chat:<id>"); the wire format is built at send time for the app's platform:

- Feishu: ``POST /open-apis/auth/v3/tenant_access_token/internal`` for a token, then
  ``POST /open-apis/im/v1/messages?receive_id_type=user_id|chat_id`` with an ``interactive`` card whose button
  has ``behaviors: [{type: callback, value}]`` (card JSON 2.0); an approval's card puts a comment box and its
  three buttons in a ``form`` container, so the comment comes back with the press.
- WeCom: ``GET /cgi-bin/gettoken?corpid&corpsecret``, then ``POST /cgi-bin/message/send`` with a
  ``template_card`` of type ``button_interaction`` (the button's ``key`` comes back in the callback). WeCom's
  group chats take no button cards: a group gets a ``markdown`` message with the link.
- DingTalk: ``POST /v1.0/oauth2/accessToken``, then ``POST /v1.0/card/instances/createAndDeliver`` with the
  app's card template, ``callbackType: HTTP`` and the card's fields in ``cardParamMap`` (the template's button
  sends back ``gd``), to the robot's chat with the person (``IM_ROBOT``) or a group (``IM_GROUP``).

An access token is kept on the app's row (sealed) until a minute before it expires. A refused token, a 4xx
or the platform's error code fails the message for good; 5xx, 429 and connection trouble are retried."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from gongdan.integrations.models import ChatApp, ChatPlatform
from gongdan.outbox.delivery import PermanentFailure, TemporaryFailure, network, register
from gongdan.outbox.models import OutboxMessage

API = {
    ChatPlatform.FEISHU: "https://open.feishu.cn",
    ChatPlatform.WECOM: "https://qyapi.weixin.qq.com",
    ChatPlatform.DINGTALK: "https://api.dingtalk.com",
}


def base(app: ChatApp) -> str:
    return (app.api_base or API[ChatPlatform(app.platform)]).rstrip("/")


def _call(method: str, url: str, payload: dict[str, Any] | None = None, headers: dict[str, str] | None = None
          ) -> dict[str, Any]:  # fmt: skip
    import urllib3  # loaded by the call itself; not at every start (decision 0176)

    try:
        if method == "GET":
            reply = network.get(url, headers=headers)
        else:
            body = json.dumps(payload or {}, ensure_ascii=False).encode()
            reply = network.post(url, body=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                          **(headers or {})})  # fmt: skip
    except network.Refused as error:
        raise PermanentFailure(str(error)) from error
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
    if reply.status == 429 or reply.status >= 500:
        raise TemporaryFailure(f"HTTP {reply.status}: {reply.text[:200]}")
    try:
        answer = json.loads(reply.body or b"{}")
    except ValueError as error:
        raise TemporaryFailure(f"unreadable reply: {reply.text[:200]}") from error
    if reply.status >= 400 or not isinstance(answer, dict):
        raise PermanentFailure(f"HTTP {reply.status}: {reply.text[:200]}")
    code = answer.get("code", answer.get("errcode", 0))
    if code not in (0, None, "0"):
        raise PermanentFailure(
            f"error {code}: {answer.get('msg') or answer.get('errmsg') or answer.get('message')}"
        )
    return answer


def access_token(app: ChatApp, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if app.access_token and app.access_token_expires_at and app.access_token_expires_at > now:
        return app.access_token
    platform = ChatPlatform(app.platform)
    if platform == ChatPlatform.FEISHU:
        answer = _call("POST", f"{base(app)}/open-apis/auth/v3/tenant_access_token/internal",
                       {"app_id": app.app_id, "app_secret": app.app_secret})  # fmt: skip
        token, seconds = answer.get("tenant_access_token"), answer.get("expire", 7200)
    elif platform == ChatPlatform.WECOM:
        query = urlencode({"corpid": app.app_id, "corpsecret": app.app_secret})
        answer = _call("GET", f"{base(app)}/cgi-bin/gettoken?{query}")
        token, seconds = answer.get("access_token"), answer.get("expires_in", 7200)
    else:
        answer = _call("POST", f"{base(app)}/v1.0/oauth2/accessToken",
                       {"appKey": app.app_id, "appSecret": app.app_secret})  # fmt: skip
        token, seconds = answer.get("accessToken"), answer.get("expireIn", 7200)
    if not isinstance(token, str) or not token:
        raise PermanentFailure("the platform gave no access token")
    app.access_token = token
    app.access_token_expires_at = now + dt.timedelta(seconds=max(int(seconds or 0) - 60, 60))
    with transaction.atomic():
        ChatApp.objects.filter(pk=app.pk).update(access_token=app.access_token,
                                                 access_token_expires_at=app.access_token_expires_at)  # fmt: skip
    return token


def _feishu_card(card: dict[str, Any]) -> dict[str, Any]:
    text = "\n".join(
        [*card.get("lines", []), f"[{card['link_label']}]({card['url']})" if card.get("url") else ""]
    )
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": text.strip()}]
    if card.get("form"):
        elements.append(_feishu_form(card["form"]))
    if card.get("button"):
        elements.append({"tag": "button", "type": "primary",
                         "text": {"tag": "plain_text", "content": card["button"]["label"]},
                         "behaviors": [{"type": "callback", "value": {"gd": card["button"]["value"]}}]})  # fmt: skip
    return {"schema": "2.0", "header": {"title": {"tag": "plain_text", "content": card["title"][:100]},
            "template": "blue"}, "body": {"elements": elements}}  # fmt: skip


def _feishu_form(form: dict[str, Any]) -> dict[str, Any]:
    """A form container (card JSON 2.0): a comment box and submit buttons, each with its signed value. Pressing
    one sends the button's value and the form's fields (`form_value.comment`) in the card.action.trigger
    callback; a form sits at the card's root and every field in it has a name."""
    buttons = [{"tag": "column", "width": "auto", "elements": [{
        "tag": "button", "name": button["name"], "type": button["style"], "form_action_type": "submit",
        "text": {"tag": "plain_text", "content": button["label"]},
        "behaviors": [{"type": "callback", "value": {"gd": button["value"]}}]}]}
        for button in form["buttons"]]  # fmt: skip
    return {"tag": "form", "name": "decide", "elements": [
        {"tag": "input", "name": "comment", "input_type": "multiline_text", "rows": 2, "width": "fill",
         "max_length": form["comment_max"], "placeholder": {"tag": "plain_text", "content": form["comment_label"]}},
        {"tag": "column_set", "flex_mode": "flow", "horizontal_spacing": "8px", "columns": buttons},
    ]}  # fmt: skip


def build(app: ChatApp, message: OutboxMessage, card: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The URL (without the token) and body of the send call."""
    kind, _sep, target = message.address.partition(":")
    platform = ChatPlatform(app.platform)
    if platform == ChatPlatform.FEISHU:
        id_type = "chat_id" if kind == "chat" else "user_id"
        return (f"{base(app)}/open-apis/im/v1/messages?receive_id_type={id_type}",
                {"receive_id": target, "msg_type": "interactive", "content": json.dumps(_feishu_card(card))})  # fmt: skip
    if platform == ChatPlatform.WECOM:
        if kind == "chat":
            text = "\n".join(
                [f"**{card['title']}**", *card.get("lines", []), f"[{card['link_label']}]({card['url']})"]
            )
            return f"{base(app)}/cgi-bin/appchat/send", {"chatid": target, "msgtype": "markdown",
                                                           "markdown": {"content": text}}  # fmt: skip
        template: dict[str, Any] = {
            "card_type": "button_interaction",
            "main_title": {"title": card["title"][:36], "desc": " ".join(card.get("lines", []))[:44]},
            "task_id": message.idempotency_key[-128:].replace(":", "-"),
            "card_action": {"type": 1, "url": card["url"]},
            "button_list": [{"text": card["button"]["label"][:10], "style": 1, "key": card["button"]["value"]}]
            if card.get("button") else [],
        }  # fmt: skip
        return f"{base(app)}/cgi-bin/message/send", {"touser": target, "msgtype": "template_card",
                                                       "agentid": int(app.agent_id or 0), "template_card": template}  # fmt: skip
    params = {"title": card["title"], "content": "\n".join(card.get("lines", [])), "url": card["url"],
              "link_label": card["link_label"], "button_label": (card.get("button") or {}).get("label", ""),
              "gd": (card.get("button") or {}).get("value", "")}  # fmt: skip
    space = f"dtv1.card//IM_GROUP.{target}" if kind == "chat" else f"dtv1.card//IM_ROBOT.{target}"
    body: dict[str, Any] = {
        "cardTemplateId": app.card_template_id, "outTrackId": message.idempotency_key[-64:],
        "callbackType": "HTTP", "cardData": {"cardParamMap": params}, "openSpaceId": space, "userIdType": 1,
    }  # fmt: skip
    if kind == "chat":
        body["imGroupOpenSpaceModel"] = {"supportForward": False}
        body["imGroupOpenDeliverModel"] = {"robotCode": app.agent_id or app.app_id}
    else:
        body["imRobotOpenSpaceModel"] = {"supportForward": False}
        body["imRobotOpenDeliverModel"] = {"spaceType": "IM_ROBOT", "robotCode": app.agent_id or app.app_id}
    return f"{base(app)}/v1.0/card/instances/createAndDeliver", body


class ChatAppChannel:
    name = OutboxMessage.Channel.CHAT_APP.value

    def is_configured(self) -> bool:
        return True

    def not_configured_reason(self) -> str:
        return ""

    def send(self, message: OutboxMessage) -> None:
        app_id = str((message.headers or {}).get("chat_app") or "")
        app = ChatApp.objects.filter(pk=int(app_id)).first() if app_id.isdigit() else None
        if app is None or not app.is_active:
            raise PermanentFailure("the chat app was deleted or switched off")
        try:
            card = json.loads(message.body_text)
        except ValueError as error:
            raise PermanentFailure("the card is not JSON") from error
        url, body = build(app, message, card)
        token = access_token(app)
        platform = ChatPlatform(app.platform)
        if platform == ChatPlatform.FEISHU:
            _call("POST", url, body, {"Authorization": f"Bearer {token}"})
        elif platform == ChatPlatform.WECOM:
            _call("POST", f"{url}?{urlencode({'access_token': token})}", body)
        else:
            _call("POST", url, body, {"x-acs-dingtalk-access-token": token})


register(ChatAppChannel())
