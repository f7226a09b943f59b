"""Integrations' section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "integrations",
        "integrations:integration_list",
        "ti-plug-connected",
        _("Integrations"),
        _(
            "Monitoring alerts (Alertmanager, Zabbix), CRM/ERP records and Open311 requests that become tickets."
        ),
        "channels",
    ),
    Section(
        "chat_apps",
        "integrations:chat_app_list",
        "ti-message-chatbot",
        _("Chat apps"),
        _(
            "DingTalk, Feishu and WeCom apps: approve, acknowledge and take tickets from a card; message the bot to open one."
        ),
        "channels",
    ),
)
