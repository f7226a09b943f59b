"""The outbox's sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "chat_bots",
        "outbox:chat_bot_list",
        "ti-message-chatbot",
        _("Chat bots"),
        _("DingTalk, Feishu/Lark, WeCom and Slack group robots that post ticket news."),
        "notifications",
        order=20,
    ),
    Section(
        "webhooks",
        "outbox:webhook_list",
        "ti-webhook",
        _("Webhooks"),
        _("Signed calls to other systems, with a delivery log and replay."),
        "notifications",
        order=30,
    ),
    Section(
        "outbox",
        "outbox:outbox",
        "ti-mail-forward",
        _("Outbox"),
        _("Every email, chat post and webhook call: delivered, waiting, retrying or given up."),
        "notifications",
        order=50,
    ),
)
