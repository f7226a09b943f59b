"""On-call's section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "oncall",
        "oncall:schedule_list",
        "ti-urgent",
        _("On-call"),
        _("Who is paged for urgent tickets: rotations, backups, overrides, repeats."),
        "notifications",
        order=40,
    ),
)
