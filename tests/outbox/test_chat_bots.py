"""Chat bots: each service's fake checks the exact JSON and the signature it documents; DingTalk's 20 posts
a minute are kept by merging, and no message is dropped."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications import services as notification_services
from gongdan.notifications.models import NotificationRule
from gongdan.notifications.rules import process_events
from gongdan.outbox import services as outbox_services
from gongdan.outbox.models import AllowedNetwork, ChatBot, DeliveryAttempt, OutboxMessage
from gongdan.outbox.services import deliver, deliver_due, outbox_enqueue
from gongdan.tickets.services import ticket_create
from tests.outbox import receivers
from tests.outbox.receivers import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings, db):
    settings.SITE_URL = "https://desk.example"
    NotificationRule.objects.all().delete()
    AllowedNetwork.objects.create(value="127.0.0.1")


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(respond) -> Receiver:
        made.append(Receiver(respond).start())
        return made[-1]

    yield make
    for r in made:
        r.stop()


def bot_with_rule(admin_user, **fields) -> ChatBot:
    bot = outbox_services.chat_bot_create(actor=admin_user, **fields)
    notification_services.rule_create(actor=admin_user, name=f"to {bot.name}", event="created", recipients=[], channels=[],
                             chat_bots=[bot])  # fmt: skip
    return bot


def run(capture) -> None:
    with capture(execute=True):
        process_events()


def test_dingtalk_gets_a_signed_markdown_message_with_the_ticket_link(
    receiver, admin_user, agent, team, django_capture_on_commit_callbacks
):
    server = receiver(receivers.dingtalk("SECtestsecret"))
    bot = bot_with_rule(admin_user, name="IT 群", kind="dingtalk", url=server.url("/robot/send?access_token=T0KEN"),
                        secret="SECtestsecret", language="zh-hans")  # fmt: skip
    ticket = ticket_create(actor=agent, subject="打印机卡纸", team=team)
    run(django_capture_on_commit_callbacks)
    (got,) = server.requests
    body = got.json
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == f"{ticket.number} 来自 Agent 的新工单"
    assert f"[打开工单](https://desk.example/tickets/{ticket.number}/)" in body["markdown"]["text"]
    assert "打印机卡纸" in body["markdown"]["text"]
    assert OutboxMessage.objects.get(chat_bot=bot).state == "sent"
    assert DeliveryAttempt.objects.get().response_excerpt == '{"errcode": 0, "errmsg": "ok"}'


def test_a_wrong_dingtalk_secret_is_a_permanent_failure_with_the_vendors_reason(
    receiver, admin_user, agent, team, django_capture_on_commit_callbacks
):
    server = receiver(receivers.dingtalk("SECright"))
    bot_with_rule(admin_user, name="IT", kind="dingtalk", url=server.url("/robot/send?access_token=T0KEN"),
                  secret="SECwrong")  # fmt: skip
    ticket_create(actor=agent, subject="x", team=team)
    run(django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(channel="chat")
    assert message.state == "dead"
    assert "310000" in message.last_error and "sign not match" in message.last_error


def test_feishu_gets_a_signed_card(receiver, admin_user, agent, team, django_capture_on_commit_callbacks):
    server = receiver(receivers.feishu("testsecret"))
    bot_with_rule(admin_user, name="飞书", kind="feishu", url=server.url("/open-apis/bot/v2/hook/abc"),
                  secret="testsecret", language="en")  # fmt: skip
    ticket = ticket_create(actor=agent, subject="Door sensor", team=team)
    run(django_capture_on_commit_callbacks)
    (got,) = server.requests
    body = got.json
    assert set(body) == {"timestamp", "sign", "msg_type", "card"}
    assert body["card"]["header"] == {"title": {"tag": "plain_text", "content": f"{ticket.number} New ticket from Agent"},
                                      "template": "blue"}  # fmt: skip
    div, action = body["card"]["elements"]
    assert div["text"]["tag"] == "lark_md" and "Door sensor" in div["text"]["content"]
    assert action["actions"][0]["url"] == f"https://desk.example/tickets/{ticket.number}/"
    assert OutboxMessage.objects.get(channel="chat").state == "sent"


def test_wecom_gets_exactly_this_markdown(
    receiver, admin_user, agent, team, django_capture_on_commit_callbacks
):
    server = receiver(receivers.wecom("K3Y"))
    bot_with_rule(
        admin_user,
        name="企业微信",
        kind="wecom",
        url=server.url("/cgi-bin/webhook/send?key=K3Y"),
        language="en",
    )
    ticket = ticket_create(actor=agent, subject="Lift stuck", team=team)
    run(django_capture_on_commit_callbacks)
    (got,) = server.requests
    assert got.json == {"msgtype": "markdown", "markdown": {"content": (
        f"**{ticket.number} New ticket from Agent**\n\nTicket {ticket.number}: Lift stuck\n\n"
        f"[Open the ticket](https://desk.example/tickets/{ticket.number}/)")}}  # fmt: skip


def test_slack_gets_blocks_and_an_archived_channel_switches_the_bot_off(
    receiver, admin_user, agent, team, django_capture_on_commit_callbacks
):
    server = receiver(receivers.slack())
    bot = bot_with_rule(
        admin_user, name="Slack", kind="slack", url=server.url("/services/T1/B2/x"), language="en"
    )
    ticket = ticket_create(actor=agent, subject="Disk <full> & slow", team=team)
    run(django_capture_on_commit_callbacks)
    (got,) = server.requests
    assert got.json["text"] == f"{ticket.number} New ticket from Agent"
    (block,) = got.json["blocks"]
    assert block["type"] == "section" and block["text"]["type"] == "mrkdwn"
    assert "Disk &lt;full&gt; &amp; slow" in block["text"]["text"]
    assert f"<https://desk.example/tickets/{ticket.number}/|Open the ticket>" in block["text"]["text"]
    # When Slack says the channel is archived, the message is dead and the bot is switched off with the reason
    server.respond = lambda got: (410, b"channel_is_archived", {})
    ticket_create(actor=agent, subject="second", team=team)
    run(django_capture_on_commit_callbacks)  # within Slack's one post a second: held back a moment
    second = OutboxMessage.objects.get(chat_bot=bot, state="pending")
    assert deliver(second.pk, now=timezone.now() + dt.timedelta(seconds=2)) == "dead"
    bot.refresh_from_db()
    assert not bot.is_active and "410" in bot.disabled_reason


def test_dingtalk_rate_limit_is_kept_by_merging_and_nothing_is_dropped(receiver, admin_user, agent, team):
    # Given a DingTalk robot whose fake enforces 20 posts per minute on the signed timestamps
    clock = {"now": timezone.now()}
    server = receiver(receivers.dingtalk("SECs", clock=lambda: clock["now"].timestamp()))
    bot = outbox_services.chat_bot_create(actor=admin_user, name="Storm", kind="dingtalk",
                                       url=server.url("/robot/send?access_token=T0KEN"), secret="SECs")  # fmt: skip
    start = clock["now"]
    # When 45 messages arrive one per second, each delivered as soon as it is written
    numbers = [f"GD-2026-{i:06d}" for i in range(1, 46)]
    for i, number in enumerate(numbers):
        clock["now"] = start + dt.timedelta(seconds=i)
        message = outbox_enqueue(channel="chat", address=bot.name, subject=number, body_text="",
                                 headers={"title": number, "lines": [f"alert {number}"], "url": "https://d/x"},
                                 chat_bot=bot, idempotency_key=f"storm{i}")  # fmt: skip
        deliver(message.pk, now=clock["now"])
    # And the consumer keeps coming back for three minutes
    for second in range(45, 240, 5):
        clock["now"] = start + dt.timedelta(seconds=second)
        deliver_due(now=clock["now"])
    # Then every message went out exactly once, DingTalk never said "too fast", and no minute saw 20+ posts
    assert set(OutboxMessage.objects.values_list("state", "last_error")) == {("sent", "")}
    texts = [r.json["markdown"]["text"] for r in server.requests]
    for number in numbers:
        assert sum(len(re.findall(rf"alert {number}\b", t)) for t in texts) == 1, number
    stamps = sorted(int(r.query["timestamp"]) for r in server.requests)
    assert all(len([s for s in stamps if t <= s < t + 60_000]) <= 20 for t in stamps)
    assert DeliveryAttempt.objects.exclude(error="").count() == 0
    assert len(server.requests) < len(numbers)  # merged: fewer posts than messages


def test_a_bot_url_must_be_the_services_and_reachable(admin_user):
    AllowedNetwork.objects.all().delete()
    with pytest.raises(ValidationFailed) as internal:
        outbox_services.chat_bot_create(actor=admin_user, name="x", kind="dingtalk",
                                     url="http://127.0.0.1/robot/send?access_token=1")  # fmt: skip
    assert "url" in internal.value.details
    with pytest.raises(ValidationFailed) as wrong:
        outbox_services.chat_bot_create(actor=admin_user, name="x", kind="dingtalk", secret="nope",
                                     url="https://oapi.dingtalk.com/robot/send")  # fmt: skip
    assert set(wrong.value.details) == {"secret", "url"}
    with pytest.raises(ValidationFailed) as unsigned:
        outbox_services.chat_bot_create(actor=admin_user, name="x", kind="slack", secret="s",
                                     url="https://hooks.slack.com/services/T/B/x")  # fmt: skip
    assert "secret" in unsigned.value.details
    assert not ChatBot.objects.exists()


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_markup_typed_into_a_subject_stays_text_in_a_group_chat(kind):
    from types import SimpleNamespace

    from gongdan.outbox.delivery.chat import Part, build_request

    bot = SimpleNamespace(kind=kind, url="https://chat.example/hook", secret="")
    part = Part(title="GD-1 [click me](https://evil.example) <font color=red>x</font>",
                lines=["see [here](https://evil.example)"], url="https://desk.example/tickets/GD-1/",
                link_label="Open the ticket")  # fmt: skip
    _url, body = build_request(bot, [part], now=0.0)
    # the markdown the service renders (titles of the message/card are plain-text fields)
    if kind == "dingtalk":
        text = body["markdown"]["text"]
    elif kind == "wecom":
        text = body["markdown"]["content"]
    else:
        text = json.dumps([e["text"]["content"] for e in body["card"]["elements"] if e["tag"] == "div"])
    assert "](https://evil.example)" not in text and "<font" not in text
    assert "click me" in text and "[Open the ticket](https://desk.example/tickets/GD-1/)" in text
