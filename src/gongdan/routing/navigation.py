"""Routing's sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "routing_rules",
        "routing:rule_list",
        "ti-route-2",
        _("Routing rules"),
        _("Which team and which person get a new ticket, in the order the rules are tried."),
        "routing_sla",
    ),
    Section(
        "routing_dry_run",
        "routing:dry_run",
        "ti-flask",
        _("Routing dry run"),
        _("Try a sample ticket: see the matching rule, the candidates and who would get it."),
        "routing_sla",
    ),
    Section(
        "routing_agents",
        "routing:agent_list",
        "ti-clock-hour-9",
        _("Agents and shifts"),
        _("Who is available, away or off shift now, and the weekly work schedules."),
        "routing_sla",
    ),
    Section(
        "routing_settings",
        "routing:settings",
        "ti-adjustments",
        _("Routing settings"),
        _("Skills a kind of work needs, and what happens to tickets when an agent goes away."),
        "routing_sla",
    ),
)
