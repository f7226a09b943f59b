"""Reports' section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "report_subscriptions",
        "reports:subscription_list",
        "ti-mail-forward",
        _("Report subscriptions"),
        _("Who receives the daily, weekly and monthly reports by email, in their own language."),
        "reports",
    ),
)
