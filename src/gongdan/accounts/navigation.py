"""The people sections of the settings screens (registered from the accounts AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Organisation, Skill, Team, User
from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "users",
        "accounts:user_list",
        "ti-users",
        _("Users"),
        _("Accounts, roles, languages and skills of everyone who signs in."),
        "people",
        order=10,
        count=lambda: User.objects.filter(is_active=True).count(),
    ),
    Section(
        "teams",
        "accounts:team_list",
        "ti-users-group",
        _("Teams"),
        _("Teams and departments that own a queue, with their members and leads."),
        "people",
        order=20,
        count=lambda: Team.objects.filter(is_active=True).count(),
    ),
    Section(
        "skills",
        "accounts:skill_list",
        "ti-certificate",
        _("Skills"),
        _("What agents are good at, for routing work to the right person."),
        "people",
        order=30,
        count=lambda: Skill.objects.count(),
    ),
    Section(
        "organisations",
        "accounts:organisation_list",
        "ti-building",
        _("Organisations"),
        _("Customer companies and internal departments, with their service tier."),
        "people",
        order=40,
        count=lambda: Organisation.objects.count(),
    ),
)
