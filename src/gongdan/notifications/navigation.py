"""Notifications' sections of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import Section

NOTIFICATIONS = _("Notifications")

SECTIONS = (
    Section(
        "oncall",
        "notifications:schedule_list",
        "ti-urgent",
        _("On-call"),
        _("Who is paged for urgent tickets: rotations, backups, overrides, repeats."),
        NOTIFICATIONS,
    ),
    Section(
        "outbox",
        "notifications:outbox",
        "ti-mail-forward",
        _("Outbox"),
        _("Every email the system sends: delivered, waiting, retrying or given up."),
        NOTIFICATIONS,
    ),
)
