"""The automation's sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "automation_rules",
        "automation:rule_list",
        "ti-robot",
        _("Automation rules"),
        _("When something happens to a ticket, or it waits too long: check conditions, then act."),
        "tickets",
        order=80,
    ),
    Section(
        "automation_macros",
        "automation:macro_list",
        "ti-wand",
        _("Macros"),
        _("A reply template plus field changes that agents apply in one click."),
        "tickets",
        order=81,
    ),
)
