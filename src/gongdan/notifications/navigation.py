"""Notifications' section of the settings screens (registered from its AppConfig.ready)."""

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
        order=10,
    ),
)
