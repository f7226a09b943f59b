"""Notifications' sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "rules",
        "notifications:rule_list",
        "ti-bell-cog",
        _("Notification rules"),
        _("Who hears about which ticket event, by email, in the app, in a chat group or by webhook."),
        "notifications",
    ),
    Section(
        "chat_bots",
        "notifications:chat_bot_list",
        "ti-message-chatbot",
        _("Chat bots"),
        _("DingTalk, Feishu/Lark, WeCom and Slack group robots that post ticket news."),
        "notifications",
    ),
    Section(
        "webhooks",
        "notifications:webhook_list",
        "ti-webhook",
        _("Webhooks"),
        _("Signed calls to other systems, with a delivery log and replay."),
        "notifications",
    ),
    Section(
        "oncall",
        "notifications:schedule_list",
        "ti-urgent",
        _("On-call"),
        _("Who is paged for urgent tickets: rotations, backups, overrides, repeats."),
        "notifications",
    ),
    Section(
        "outbox",
        "notifications:outbox",
        "ti-mail-forward",
        _("Outbox"),
        _("Every email, chat post and webhook call: delivered, waiting, retrying or given up."),
        "notifications",
    ),
)
