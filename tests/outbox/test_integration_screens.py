"""Admin screens for rules, chat bots and webhooks (delivery log, replay, allow-list); each person's own
notification choices on the profile page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from gongdan.notifications.models import NotificationPreference, NotificationRule
from gongdan.outbox import services as outbox_services
from gongdan.outbox.models import AllowedNetwork, ChatBot, DeliveryAttempt, OutboxMessage, Webhook
from gongdan.tickets.services import ticket_create
from tests.clients import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


def test_an_admin_adds_a_rule_and_sees_it_listed(admin_client, team):
    form = {"name": "P0 to the NOC", "event": "created", "recipients": ["team_lead"], "channels": ["email"],
            "fixed_address": "noc@example.org", "team": str(team.pk), "template": "brief", "is_active": "on"}  # fmt: skip
    response = admin_client.post(reverse("notifications:rule_create"), form)
    assert response.status_code == 302
    rule = NotificationRule.objects.get(name="P0 to the NOC")
    assert (rule.recipients, rule.channels, rule.team, rule.template) == (
        ["team_lead"],
        ["email"],
        team,
        "brief",
    )
    page = admin_client.get(reverse("notifications:rule_list")).content.decode()
    assert "P0 to the NOC" in page and "noc@example.org" in page


def test_a_rule_without_any_target_is_sent_back_with_the_reason(admin_client):
    before = NotificationRule.objects.count()
    response = admin_client.post(reverse("notifications:rule_create"),
                                 {"name": "empty", "event": "created", "template": "standard"})  # fmt: skip
    assert response.status_code == 422
    assert "A rule must send something" in response.content.decode()
    assert NotificationRule.objects.count() == before


def test_the_rules_page_speaks_chinese(admin_user, admin_client):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])
    page = admin_client.get(
        reverse("notifications:rule_list"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "通知规则" in page and "工单已指派" in page


def test_an_admin_adds_a_chat_bot_and_a_bad_url_is_refused(admin_client):
    bad = admin_client.post(reverse("outbox:chat_bot_create"), {
        "name": "IT", "kind": "dingtalk", "url": "http://169.254.169.254/robot/send?access_token=x",
        "language": "zh-hans", "is_active": "on"})  # fmt: skip
    assert bad.status_code == 422
    assert "non-public address" in bad.content.decode()
    AllowedNetwork.objects.create(value="127.0.0.1")
    good = admin_client.post(reverse("outbox:chat_bot_create"), {
        "name": "IT", "kind": "dingtalk", "url": "http://127.0.0.1:9/robot/send?access_token=x", "secret": "SECx",
        "language": "zh-hans", "is_active": "on"})  # fmt: skip
    assert good.status_code == 302
    assert "DingTalk custom robot" in admin_client.get(reverse("outbox:chat_bot_list")).content.decode()
    assert ChatBot.objects.get().secret == "SECx"


def test_the_webhook_page_shows_the_secret_each_attempt_and_replays(admin_client, admin_user, agent, team,
                                                                    django_assert_max_num_queries):  # fmt: skip
    outbox_services.allow_list_set(actor=admin_user, entries=["127.0.0.1"])
    hook = outbox_services.webhook_create(actor=admin_user, name="ERP", url="http://127.0.0.1:9/in")
    ticket = ticket_create(actor=agent, subject="x", team=team)
    for i in range(5):
        message = OutboxMessage.objects.create(channel="webhook", address=hook.url, subject="ticket.created",
                                               body_text="{}", webhook=hook, ticket=ticket, idempotency_key=f"msg_{i}",
                                               state="dead", attempts=2)  # fmt: skip
        DeliveryAttempt.objects.create(message=message, attempt=1, status_code=503, response_excerpt="busy")
        DeliveryAttempt.objects.create(message=message, attempt=2, error="ConnectionRefusedError: refused")
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("outbox:webhook_detail", args=[hook.pk]))
    text = page.content.decode()
    assert hook.secret in text and "503" in text and "busy" in text and "ConnectionRefusedError" in text
    assert "msg_4" in text
    replay = admin_client.post(reverse("outbox:delivery_replay", args=[message.pk]))
    assert replay.status_code == 302
    message.refresh_from_db()
    assert (message.state, message.attempts, message.idempotency_key) == ("pending", 0, "msg_4")


def test_the_allow_list_is_edited_on_the_webhooks_page(admin_client):
    response = admin_client.post(reverse("outbox:webhook_list"), {"entries": "10.0.0.0/8\nerp.internal"})
    assert response.status_code == 302
    assert sorted(AllowedNetwork.objects.values_list("value", flat=True)) == ["10.0.0.0/8", "erp.internal"]
    bad = admin_client.post(reverse("outbox:webhook_list"), {"entries": "10.0.0.0/8\nbad host!"})
    assert bad.status_code == 422
    assert "bad host!" in bad.content.decode()
    assert AllowedNetwork.objects.count() == 2


def test_agents_cannot_open_these_screens(agent):
    client = signed_in(agent)
    for name in (
        "notifications:rule_list",
        "outbox:chat_bot_list",
        "outbox:webhook_list",
        "notifications:rule_create",
    ):
        assert client.get(reverse(name)).status_code in (403, 404)
    assert not Webhook.objects.exists()


def test_a_person_sets_quiet_hours_and_switches_email_off_on_their_profile(agent):
    client = signed_in(agent)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("notifications:preferences") in profile
    card = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="quiet_start"' in card
    saved = client.post(reverse("notifications:preferences"),
                        {"in_app": "on", "quiet_start": "22:00", "quiet_end": "07:30"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert saved.status_code == 200 and "were saved" in saved.content.decode()
    preference = NotificationPreference.objects.get(user=agent)
    assert (preference.email, preference.in_app) == (False, True)
    assert (preference.quiet_start, preference.quiet_end) == (dt.time(22), dt.time(7, 30))
    half = client.post(reverse("notifications:preferences"), {"email": "on", "quiet_start": "22:00"})
    assert half.status_code == 422
    assert NotificationPreference.objects.get(user=agent).quiet_end == dt.time(7, 30)
