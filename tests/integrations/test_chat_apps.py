"""Acting from a chat message (issue 15, item 3): DingTalk, Feishu and WeCom apps send cards with buttons
through their APIs (a local stand-in checks each documented request), and their callbacks — signed and
encrypted as each platform documents — approve, acknowledge a page, take a ticket or open one, as the person
linked to the chat account. Bad signatures, stale timestamps, replays and forged buttons do nothing."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from gongdan.approvals.models import ApprovalTask, TaskStatus
from gongdan.integrations.chat import cards
from gongdan.integrations.chat.actions import TAKE, button_value
from gongdan.integrations.models import ChatAccount, ChatApp, ChatCallback, ChatGroup
from gongdan.oncall.models import Page
from gongdan.oncall.services import page_on_call
from gongdan.outbox.models import AllowedNetwork, OutboxMessage
from gongdan.outbox.services import deliver
from gongdan.tickets import pipeline
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import ticket_create
from tests.approvals.conftest import people_stage
from tests.integrations.chat_platform import (
    Platform,
    dingtalk_robot_headers,
    feishu_request,
    wx_decrypt,
    wx_encrypt,
    wx_query,
)

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeCom and DingTalk give them
FEISHU_KEY, VERIFY = "feishu-encrypt-key", "feishu-verification-token"


@pytest.fixture
def platform():
    server = Platform(app_id="app-1", app_secret="secret-1")
    yield server
    server.close()


@pytest.fixture
def chat_app(db, platform):
    AllowedNetwork.objects.create(value="127.0.0.1")  # the local stand-in is on loopback

    def make(kind: str, **values) -> ChatApp:
        token, key = (VERIFY, FEISHU_KEY) if kind == "feishu" else ("callback-token", AES_KEY)
        values = {"name": f"{kind} app", "platform": kind, "app_id": "app-1", "app_secret": "secret-1",
                  "token": token, "aes_key": key, "agent_id": "1000002", "card_template_id": "tpl.schema",
                  "api_base": platform.url, **values}  # fmt: skip
        return ChatApp.objects.create(**values)

    pipeline.run(
        names=[cards.CONSUMER]
    )  # the consumer's cursor starts at the end of the log, before the test
    return make


def cards_now() -> list[OutboxMessage]:
    pipeline.run(names=[cards.CONSUMER])
    return list(OutboxMessage.objects.filter(channel="chatapp").order_by("pk"))


def hook(app: ChatApp) -> str:
    return reverse("integrations:chat_callback", args=[app.pk])


def feishu_click(client, app, *, user: str, value: dict, event_id: str = "ev-1", form: dict | None = None,
                 name: str = "", **sign):  # fmt: skip
    raw, headers = feishu_click_request(
        user=user, value=value, event_id=event_id, form=form, name=name, **sign
    )
    return raw, headers, client.post(hook(app), raw, content_type="application/json", **headers)


def feishu_click_request(*, user: str, value: dict, event_id: str, form: dict | None = None, name: str = "",
                         **sign):  # fmt: skip
    """card.action.trigger as Feishu sends it; a button in a form container adds its name and the form's
    fields (form_value, keyed by each field's name)."""
    action = {"tag": "button", "value": value}
    if form is not None:
        action.update(name=name, form_value=form)
    body = {"schema": "2.0", "header": {"event_id": event_id, "token": VERIFY, "event_type": "card.action.trigger",
            "create_time": str(int(time.time() * 1e6)), "app_id": "app-1", "tenant_key": "t1"},
            "event": {"operator": {"user_id": user, "open_id": "ou_x"}, "token": "c-1",
                      "action": action, "context": {"open_chat_id": "oc_1"}}}  # fmt: skip
    return feishu_request(body, encrypt_key=FEISHU_KEY, **sign)


def feishu_decision_buttons(card: dict) -> dict[str, dict]:
    """The approval card's form: its buttons by name (the comment box is checked too)."""
    (form,) = [e for e in card["body"]["elements"] if e["tag"] == "form"]
    (comment,) = [e for e in form["elements"] if e["tag"] == "input"]
    assert comment["name"] == "comment"
    buttons = [c["elements"][0] for c in form["elements"][1]["columns"]]
    assert all(b["form_action_type"] == "submit" for b in buttons)
    return {b["name"]: b for b in buttons}


# --- Feishu: an approver approves from the card ------------------------------------------------------------------


def test_an_approver_approves_from_a_feishu_card_once(
    client, chat_app, platform, make_flow, file_ticket, approver
):
    app = chat_app("feishu")
    ChatAccount.objects.create(app=app, user=approver, external_id="u-approver")
    make_flow(people_stage(approver))
    ticket = file_ticket()
    # The approval puts one card in the outbox; sending it calls Feishu's token and message APIs as documented
    (message,) = cards_now()
    assert deliver(message.pk) == OutboxMessage.State.SENT
    sent = platform.sent[-1]
    assert sent["query"]["receive_id_type"] == "user_id" and sent["body"]["receive_id"] == "u-approver"
    card = json.loads(sent["body"]["content"])
    buttons = feishu_decision_buttons(card)
    assert [b["text"]["content"] for b in buttons.values()] == ["Approve", "Reject", "Send back"]
    assert ticket.number in card["header"]["title"]["content"]
    # When the approver presses Approve with an empty comment box, Feishu calls back, signed and encrypted
    raw, headers, answer = feishu_click(client, app, user="u-approver", value=buttons["approve"]["behaviors"][0]["value"],
                                        form={"comment": ""}, name="approve")  # fmt: skip
    assert answer.status_code == 200, answer.content
    assert answer.json()["toast"]["type"] == "success"
    task = ApprovalTask.objects.get(step__request__ticket=ticket, approver=approver)
    assert task.status == TaskStatus.APPROVED and task.via == "feishu"
    # The same callback again (a replay) is refused and changes nothing
    again = client.post(hook(app), raw, content_type="application/json", **headers)
    assert again.status_code == 409
    assert ApprovalTask.objects.get(pk=task.pk).decided_at == task.decided_at
    # Feishu's URL check (encrypted, unsigned) is answered with its challenge
    raw, _headers = feishu_request({"challenge": "ch-1", "token": VERIFY, "type": "url_verification"},
                                   encrypt_key=FEISHU_KEY)  # fmt: skip
    assert client.post(hook(app), raw, content_type="application/json").json() == {"challenge": "ch-1"}


def test_an_approver_rejects_from_a_feishu_card_with_the_reason_typed_in_it(
    client, chat_app, platform, make_flow, file_ticket, approver
):
    app = chat_app("feishu")
    ChatAccount.objects.create(app=app, user=approver, external_id="u-approver")
    make_flow(people_stage(approver))
    ticket = file_ticket()
    (message,) = cards_now()
    assert deliver(message.pk) == OutboxMessage.State.SENT
    reject = feishu_decision_buttons(json.loads(platform.sent[-1]["body"]["content"]))["reject"]
    value = reject["behaviors"][0]["value"]
    # Reject with the comment box left empty: the card says why, and nothing is decided
    *_rest, answer = feishu_click(client, app, user="u-approver", value=value, event_id="e-empty",
                                  form={"comment": "   "}, name="reject")  # fmt: skip
    assert answer.json()["toast"] == {"type": "error", "content": "Say why in a comment."}
    task = ApprovalTask.objects.get(step__request__ticket=ticket, approver=approver)
    assert task.status == TaskStatus.PENDING
    # Reject with a reason: the request ends and the ticket is closed with it, as from the web
    *_rest, answer = feishu_click(client, app, user="u-approver", value=value, event_id="e-reason",
                                  form={"comment": "押金未缴，暂不同意。"}, name="reject")  # fmt: skip
    assert answer.json()["toast"] == {"type": "success", "content": f"Rejected: {ticket.number}."}
    task.refresh_from_db()
    assert (task.status, task.comment, task.via) == (TaskStatus.REJECTED, "押金未缴，暂不同意。", "feishu")
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_an_approver_sends_back_from_a_feishu_card_and_the_requester_is_asked(
    client, chat_app, platform, make_flow, file_ticket, approver
):
    app = chat_app("feishu")
    ChatAccount.objects.create(app=app, user=approver, external_id="u-approver")
    make_flow(people_stage(approver))
    ticket = file_ticket()
    (message,) = cards_now()
    assert deliver(message.pk) == OutboxMessage.State.SENT
    send_back = feishu_decision_buttons(json.loads(platform.sent[-1]["body"]["content"]))["send_back"]
    # A comment longer than the service takes is refused with the limit, and nothing changes
    *_rest, answer = feishu_click(client, app, user="u-approver", value=send_back["behaviors"][0]["value"],
                                  event_id="e-long", form={"comment": "x" * 2001}, name="send_back")  # fmt: skip
    assert answer.json()["toast"]["type"] == "error" and "2000" in answer.json()["toast"]["content"]
    assert Ticket.objects.get(pk=ticket.pk).status == "pending_third_party"
    *_rest, answer = feishu_click(client, app, user="u-approver", value=send_back["behaviors"][0]["value"],
                                  event_id="e-ask", form={"comment": "请补充施工图纸。"}, name="send_back")  # fmt: skip
    assert answer.json()["toast"]["type"] == "success"
    ticket.refresh_from_db()
    assert ticket.status == "pending_requester"
    # The question is on the ticket's timeline, which the requester sees, marked as decided from Feishu
    decided = ticket.events.filter(kind="approval_decided").latest("pk")
    assert (decided.data["decision"], decided.data["comment"], decided.data["via"]) == (
        "send_back",
        "请补充施工图纸。",
        "feishu",
    )
    # The same card's Reject is now stale: the stage waits on the requester
    reject = feishu_decision_buttons(json.loads(platform.sent[-1]["body"]["content"]))["reject"]
    *_rest, answer = feishu_click(client, app, user="u-approver", value=reject["behaviors"][0]["value"],
                                  event_id="e-late", form={"comment": "算了"}, name="reject")  # fmt: skip
    assert answer.json()["toast"]["type"] == "error"
    assert Ticket.objects.get(pk=ticket.pk).status == "pending_requester"


def test_feishu_callbacks_that_are_forged_stale_or_from_strangers_do_nothing(
    client, chat_app, make_flow, file_ticket, approver, agent
):
    app = chat_app("feishu")
    ChatAccount.objects.create(app=app, user=approver, external_id="u-approver")
    ChatAccount.objects.create(app=app, user=agent, external_id="u-agent")
    make_flow(people_stage(approver))
    ticket = file_ticket()
    task = ApprovalTask.objects.get(step__request__ticket=ticket, approver=approver)
    good = {"gd": button_value("approve", task.pk, for_user=approver.pk, round=task.round)}
    # A wrong signature, a stale timestamp, a wrong verification token
    raw, headers = feishu_click_request(user="u-approver", value=good, event_id="e-sig")
    headers["HTTP_X_LARK_SIGNATURE"] = "0" * 64
    assert client.post(hook(app), raw, content_type="application/json", **headers).status_code == 403
    *_rest, stale = feishu_click(client, app, user="u-approver", value=good, event_id="e-old",
                                 timestamp=int(time.time()) - 3600)  # fmt: skip
    assert stale.status_code == 403
    app.token = "another-token"
    app.save()
    *_rest, wrong_token = feishu_click(client, app, user="u-approver", value=good, event_id="e-tok")
    assert wrong_token.status_code == 403
    app.token = VERIFY
    app.save()
    # A button value we did not sign, one sent to someone else, and a person with no linked account
    forged = {"gd": button_value("approve", task.pk, for_user=approver.pk, round=task.round)[:-2] + "xx"}
    *_rest, answer = feishu_click(client, app, user="u-approver", value=forged, event_id="e-forged")
    assert answer.json()["toast"]["type"] == "error"
    *_rest, answer = feishu_click(client, app, user="u-agent", value=good, event_id="e-other")
    assert answer.json()["toast"] == {"type": "error", "content": "This card was sent to someone else."}
    *_rest, answer = feishu_click(client, app, user="u-nobody", value=good, event_id="e-nobody")
    # (nobody is known, so the site's language answers)
    assert answer.json()["toast"] == {
        "type": "error",
        "content": "你的聊天账号还没有关联工单系统用户，请联系管理员关联。",
    }
    # A body that is not the encrypted envelope
    assert client.post(hook(app), b"{}", content_type="application/json").status_code == 400
    assert ApprovalTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


# --- WeCom: an on-call person acknowledges a page ---------------------------------------------------------------------


def test_a_paged_person_acknowledges_from_a_wecom_card(client, chat_app, platform, schedule, oncall_people, agent,
                                                       requester, team):  # fmt: skip
    app = chat_app("wecom")
    wang = oncall_people[0]
    ChatAccount.objects.create(app=app, user=wang, external_id="wang")
    # WeCom's URL check: the echostr decrypts to what we must answer
    echo = wx_encrypt("echo-123", aes_key=AES_KEY, receive_id="app-1")
    query = wx_query(token="callback-token", encrypted=echo, name="msg_signature", extra={"echostr": echo})
    answer = client.get(f"{hook(app)}?{query}")
    assert answer.status_code == 200 and answer.content == b"echo-123"
    # A P0 page sends wang a button card through WeCom's message API
    ticket = ticket_create(actor=agent, subject="Core switch down", requester=requester, team=team)
    page = page_on_call(ticket=ticket, reason="P0")
    assert page is not None
    messages = [m for m in cards_now() if m.address == "user:wang"]
    assert messages and deliver(messages[0].pk) == OutboxMessage.State.SENT
    sent = platform.sent[-1]["body"]
    assert sent["touser"] == "wang" and sent["agentid"] == 1000002
    key = sent["template_card"]["button_list"][0]["key"]
    # Pressing the button: WeCom posts the encrypted template_card_event
    event = (f"<xml><ToUserName>app-1</ToUserName><FromUserName>wang</FromUserName><CreateTime>{int(time.time())}"
             f"</CreateTime><MsgType>event</MsgType><Event>template_card_event</Event><EventKey>{key}</EventKey>"
             f"<TaskId>{sent['template_card']['task_id']}</TaskId><AgentID>1000002</AgentID></xml>")  # fmt: skip
    encrypted = wx_encrypt(event, aes_key=AES_KEY, receive_id="app-1")
    envelope = (
        f"<xml><ToUserName>app-1</ToUserName><Encrypt>{encrypted}</Encrypt><AgentID>1000002</AgentID></xml>"
    )
    query = wx_query(token="callback-token", encrypted=encrypted, name="msg_signature")
    bad = query.replace("msg_signature=", "msg_signature=0")
    assert client.post(f"{hook(app)}?{bad}", envelope, content_type="text/xml").status_code == 403
    assert client.post(f"{hook(app)}?{query}", envelope, content_type="text/xml").status_code == 200
    page.refresh_from_db()
    assert page.state == Page.State.ACKNOWLEDGED and page.acknowledged_by == wang
    assert client.post(f"{hook(app)}?{query}", envelope, content_type="text/xml").status_code == 409
    # Encrypted for another corp: refused
    other = wx_encrypt(event, aes_key=AES_KEY, receive_id="another-corp")
    query = wx_query(token="callback-token", encrypted=other, name="msg_signature")
    envelope = f"<xml><Encrypt>{other}</Encrypt></xml>"
    assert client.post(f"{hook(app)}?{query}", envelope, content_type="text/xml").status_code == 403


# --- DingTalk: take a ticket from a group card; open one by writing to the robot ----------------------------------------


def dingtalk_event(client, app, data: dict, **query_values):
    encrypted = wx_encrypt(json.dumps(data), aes_key=AES_KEY, receive_id="app-1")
    query = wx_query(token="callback-token", encrypted=encrypted, name="signature", **query_values)
    return client.post(
        f"{hook(app)}?{query}", json.dumps({"encrypt": encrypted}), content_type="application/json"
    )


def test_an_agent_takes_a_ticket_from_a_dingtalk_group_card(
    client, chat_app, platform, agent, requester, team
):
    app = chat_app("dingtalk")
    ChatAccount.objects.create(app=app, user=agent, external_id="staff-agent")
    ChatGroup.objects.create(app=app, chat_id="cid-it", team=team)
    # DingTalk's URL check is answered with an encrypted "success" it can verify
    answer = dingtalk_event(client, app, {"EventType": "check_url"})
    reply = answer.json()
    assert reply["msg_signature"] and wx_decrypt(reply["encrypt"], aes_key=AES_KEY) == ("success", "app-1")
    # A new unassigned ticket of the team is posted to its group with a Take it button
    ticket = ticket_create(actor=requester, subject="Printer jammed", requester=requester)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None)
    pipeline.run(names=[cards.CONSUMER])
    OutboxMessage.objects.filter(channel="chatapp").delete()
    cards.handle_events(
        list(ticket.events.all())
    )  # the created event once more, now that it sits in the team
    (message,) = OutboxMessage.objects.filter(channel="chatapp")
    assert deliver(message.pk) == OutboxMessage.State.SENT
    sent = platform.sent[-1]["body"]
    assert sent["openSpaceId"] == "dtv1.card//IM_GROUP.cid-it" and sent["cardTemplateId"] == "tpl.schema"
    gd = sent["cardData"]["cardParamMap"]["gd"]
    # The agent presses Take it: DingTalk's actionCallback arrives in the encrypted envelope
    click = {"type": "actionCallback", "outTrackId": sent["outTrackId"], "corpId": "ding1", "userId": "staff-agent",
             "content": json.dumps({"cardPrivateData": {"actionIds": ["take"], "params": {"gd": gd}}})}  # fmt: skip
    assert dingtalk_event(client, app, click).status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == agent and ticket.status == "in_progress"


def dingtalk_signed(data: dict, *, receive_id: str = "app-1", token: str = "callback-token",
                    timestamp: str | None = None) -> tuple[str, str]:  # fmt: skip
    """The query and body DingTalk's event push sends (timestamp in milliseconds, as DingTalk sends it)."""
    encrypted = wx_encrypt(json.dumps(data), aes_key=AES_KEY, receive_id=receive_id)
    stamp = timestamp or str(int(time.time() * 1000))
    query = wx_query(token=token, encrypted=encrypted, name="signature", timestamp=stamp)
    return query, json.dumps({"encrypt": encrypted})


def test_dingtalk_card_callbacks_that_are_forged_stale_for_another_app_or_replayed_do_nothing(
    client, chat_app, agent, requester, team
):
    app = chat_app("dingtalk")
    ChatAccount.objects.create(app=app, user=agent, external_id="staff-agent")
    ticket = ticket_create(actor=requester, subject="Scanner offline", requester=requester)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None)
    click = {"type": "actionCallback", "outTrackId": "chatcard-take-1", "corpId": "ding1", "userId": "staff-agent",
             "content": json.dumps({"cardPrivateData": {"actionIds": ["take"],
                                                        "params": {"gd": button_value(TAKE, ticket.pk)}}})}  # fmt: skip

    def post(query: str, body: str):
        return client.post(f"{hook(app)}?{query}", body, content_type="application/json")

    def untouched() -> bool:
        return Ticket.objects.get(pk=ticket.pk).assignee_id is None

    # A wrong signature (or one made with another token): 403
    query, body = dingtalk_signed(click)
    bad = query.replace("signature=", "signature=0", 1)
    assert post(bad, body).status_code == 403
    assert post(*dingtalk_signed(click, token="another-token")).status_code == 403
    # A stale timestamp, properly signed: 403
    old = str(int((time.time() - 3600) * 1000))
    assert post(*dingtalk_signed(click, timestamp=old)).status_code == 403
    # Encrypted for another app (the app key at the end of the message is not ours): 403
    assert post(*dingtalk_signed(click, receive_id="ding-another-app")).status_code == 403
    # Unsigned, or a body that is not the encrypted envelope
    assert post("", body).status_code == 403
    assert post(query, "not json").status_code == 400
    assert untouched() and not ChatCallback.objects.filter(app=app).exists()
    # The good one takes the ticket; the same request again (a replay) is refused and changes nothing
    assert post(query, body).status_code == 200
    taken = Ticket.objects.get(pk=ticket.pk)
    assert taken.assignee == agent
    assert post(query, body).status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).version == taken.version
    assert ChatCallback.objects.filter(app=app).count() == 1
    # A button value we did not sign is answered (DingTalk expects its "success") but does nothing
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
    forged = {
        **click,
        "content": json.dumps(
            {"cardPrivateData": {"params": {"gd": button_value(TAKE, ticket.pk)[:-2] + "xx"}}}
        ),
    }
    assert post(*dingtalk_signed(forged)).status_code == 200
    assert untouched()
    assert ChatCallback.objects.filter(app=app).latest("pk").outcome.startswith("refused")


def test_a_message_to_the_dingtalk_robot_in_a_team_group_opens_a_ticket(client, chat_app, requester, team):
    app = chat_app("dingtalk")
    ChatAccount.objects.create(app=app, user=requester, external_id="staff-req")
    ChatGroup.objects.create(app=app, chat_id="cid-it", team=team)
    body = {"msgtype": "text", "text": {"content": " 三楼打印机卡纸\n麻烦尽快处理"}, "msgId": "msg-1",
            "senderStaffId": "staff-req", "conversationId": "cid-it", "conversationType": "2"}  # fmt: skip
    headers = dingtalk_robot_headers("secret-1")
    answer = client.post(hook(app), json.dumps(body), content_type="application/json", **headers)
    assert answer.status_code == 200
    ticket = Ticket.objects.get(subject="三楼打印机卡纸")
    assert ticket.requester == requester and ticket.team == team and ticket.channel == "chat"
    assert ticket.number in answer.json()["text"]["content"]
    # The same message again (DingTalk retries) opens nothing more; a wrong or old signature is refused
    assert (
        client.post(hook(app), json.dumps(body), content_type="application/json", **headers).status_code
        == 409
    )
    bad = {**headers, "HTTP_SIGN": "AAAA"}
    assert client.post(hook(app), json.dumps({**body, "msgId": "m2"}), content_type="application/json",
                       **bad).status_code == 403  # fmt: skip
    old = dingtalk_robot_headers("secret-1", timestamp=int((time.time() - 7200) * 1000))
    assert client.post(hook(app), json.dumps({**body, "msgId": "m3"}), content_type="application/json",
                       **old).status_code == 403  # fmt: skip
    # A group nobody configured: the robot stays quiet and opens nothing
    stray = {**body, "msgId": "m4", "conversationId": "cid-other", "text": {"content": "hello"}}
    answer = client.post(
        hook(app), json.dumps(stray), content_type="application/json", **dingtalk_robot_headers("secret-1")
    )
    assert answer.status_code == 200 and not Ticket.objects.filter(subject="hello").exists()
    assert ChatCallback.objects.filter(app=app).count() == 2


def test_a_take_button_for_a_ticket_the_person_may_not_work_is_refused(
    client, chat_app, other_agent, requester, team
):
    app = chat_app("dingtalk")
    ChatAccount.objects.create(app=app, user=other_agent, external_id="staff-other")
    ticket = ticket_create(actor=requester, subject="Door lock broken", requester=requester)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None)
    click = {"type": "actionCallback", "outTrackId": "x", "userId": "staff-other",
             "content": json.dumps({"cardPrivateData": {"params": {"gd": button_value(TAKE, ticket.pk)}}})}  # fmt: skip
    assert dingtalk_event(client, app, click).status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ChatCallback.objects.get(app=app).outcome.startswith("refused")


def test_the_access_token_is_fetched_once_and_a_refused_send_fails_for_good(
    chat_app, platform, agent, requester, team
):
    app = chat_app("dingtalk")
    ChatGroup.objects.create(app=app, chat_id="cid-it", team=team)
    made = []
    for subject in ("A", "B"):
        ticket = ticket_create(actor=requester, subject=subject, requester=requester)
        Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None)
        made.append(ticket)
    pipeline.run(names=[cards.CONSUMER])
    OutboxMessage.objects.filter(channel="chatapp").delete()
    cards.handle_events([e for t in made for e in t.events.all()])
    first, second = OutboxMessage.objects.filter(channel="chatapp").order_by("pk")
    assert deliver(first.pk) == deliver(second.pk) == OutboxMessage.State.SENT
    assert platform.token_calls == 1
    ChatApp.objects.filter(pk=app.pk).update(card_template_id="")
    ticket = ticket_create(actor=requester, subject="C", requester=requester)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=None)
    cards.handle_events(list(ticket.events.all()))
    third = OutboxMessage.objects.filter(channel="chatapp").order_by("pk").last()
    assert deliver(third.pk) == OutboxMessage.State.DEAD
    assert "param.invalid" in OutboxMessage.objects.get(pk=third.pk).last_error


# --- the settings screens ------------------------------------------------------------------------------------------


def test_an_admin_sets_up_a_chat_app_and_bad_settings_are_refused(admin_browser, agent, team, client):
    url = reverse("integrations:chat_app_create")
    values = {"name": "企业微信", "platform": "wecom", "app_id": "ww123", "app_secret": "s", "token": "t",
              "aes_key": "too-short", "agent_id": "abc", "is_active": "on"}  # fmt: skip
    answer = admin_browser.post(url, values)
    assert answer.status_code == 422
    assert "43 letters" in answer.content.decode() and "AgentId" in answer.content.decode()
    assert not ChatApp.objects.exists()
    answer = admin_browser.post(url, {**values, "aes_key": AES_KEY, "agent_id": "1000002"})
    app = ChatApp.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "integrations:chat_app_edit", args=[app.pk]
    )
    page = admin_browser.get(answer["Location"]).content.decode()
    assert f"/hooks/chat/{app.pk}/" in page
    # Link a person, refuse the same platform id twice, add a team group
    add = reverse("integrations:chat_account_add", args=[app.pk])
    admin_browser.post(add, {"user": agent.pk, "external_id": "zhangsan"})
    answer = admin_browser.post(add, {"user": agent.pk, "external_id": "zhangsan"}, follow=True)
    assert "already linked" in answer.content.decode()
    assert ChatAccount.objects.filter(app=app).count() == 1
    admin_browser.post(reverse("integrations:chat_group_add", args=[app.pk]),
                       {"team": team.pk, "chat_id": "wr-it", "post_new_tickets": "on"})  # fmt: skip
    group = ChatGroup.objects.get(app=app)
    assert group.post_new_tickets and not group.open_tickets
    # Agents may not see or change any of it
    client.force_login(agent)
    assert client.get(reverse("integrations:chat_app_list")).status_code == 403
    assert client.post(reverse("integrations:chat_group_remove", args=[group.pk])).status_code == 403
    assert ChatGroup.objects.filter(pk=group.pk).exists()
    # The audit trail has the linked account and the group
    from gongdan.audit.models import AuditEntry

    targets = set(AuditEntry.objects.values_list("object_type", flat=True))
    assert {"integrations.chataccount", "integrations.chatgroup"} <= targets


def test_callbacks_with_fields_of_the_wrong_shape_or_size_are_answered_not_crashed(client, chat_app):
    feishu, dingtalk = chat_app("feishu"), chat_app("dingtalk", name="钉钉")
    body = {"schema": "2.0", "header": {"event_id": "e-odd", "token": VERIFY, "event_type": "card.action.trigger"},
            "event": {"operator": "nobody", "action": ["not", "an", "object"], "context": 7}}  # fmt: skip
    raw, headers = feishu_request(body, encrypt_key=FEISHU_KEY)
    answer = client.post(hook(feishu), raw, content_type="application/json", **headers)
    assert answer.status_code == 200 and answer.json()["toast"]["type"] == "error"
    odd = {"msgtype": "text", "text": "not an object", "msgId": "odd-1", "senderStaffId": "x"}
    answer = client.post(hook(dingtalk), json.dumps(odd), content_type="application/json",
                         **dingtalk_robot_headers("secret-1"))  # fmt: skip
    assert answer.status_code == 200
    big = json.dumps({"encrypt": "A" * 70_000})
    assert client.post(hook(feishu), big, content_type="application/json").status_code == 413
    assert client.post(hook(feishu), b"[1, 2]", content_type="application/json").status_code == 400
    assert client.get(hook(feishu)).status_code == 405
    assert client.post(reverse("integrations:chat_callback", args=[999999]), b"{}",
                       content_type="application/json").status_code == 404  # fmt: skip


def test_an_apps_secrets_are_never_shown_again_and_kept_when_left_empty(admin_browser):
    app = ChatApp.objects.create(name="飞书", platform="feishu", app_id="cli_1", app_secret="s3cret-value-1",
                                 token="verify-token-1", aes_key="encrypt-key-1")  # fmt: skip
    page = admin_browser.get(reverse("integrations:chat_app_edit", args=[app.pk])).content.decode()
    assert "s3cret-value-1" not in page and "verify-token-1" not in page and "encrypt-key-1" not in page
    answer = admin_browser.post(reverse("integrations:chat_app_edit", args=[app.pk]), {
        "name": "飞书 · 工单助手", "platform": "feishu", "app_id": "cli_1", "app_secret": "", "token": "",
        "aes_key": "", "is_active": "on"})  # fmt: skip
    assert answer.status_code == 302
    app.refresh_from_db()
    assert (app.name, app.app_secret, app.token, app.aes_key) == ("飞书 · 工单助手", "s3cret-value-1", "verify-token-1",
                                                                   "encrypt-key-1")  # fmt: skip


def test_a_one_to_one_message_to_the_feishu_bot_opens_a_ticket_for_the_person(client, chat_app, requester):
    app = chat_app("feishu")
    ChatAccount.objects.create(app=app, user=requester, external_id="u-req")
    body = {"schema": "2.0", "header": {"event_id": "m-evt-1", "token": VERIFY, "event_type": "im.message.receive_v1"},
            "event": {"sender": {"sender_id": {"user_id": "u-req"}},
                      "message": {"message_id": "om_1", "chat_id": "oc_p2p", "chat_type": "p2p", "message_type": "text",
                                  "content": json.dumps({"text": "VPN 连不上了"})}}}  # fmt: skip
    raw, headers = feishu_request(body, encrypt_key=FEISHU_KEY)
    assert client.post(hook(app), raw, content_type="application/json", **headers).status_code == 200
    ticket = Ticket.objects.get(subject="VPN 连不上了")
    assert ticket.requester == requester and ticket.team is None and ticket.channel == "chat"
