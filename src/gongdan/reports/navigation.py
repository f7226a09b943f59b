"""Reports' section of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import Section

REPORTS = _("Reports")

SECTIONS = (
    Section(
        "report_subscriptions",
        "reports:subscription_list",
        "ti-mail-forward",
        _("Report subscriptions"),
        _("Who receives the daily, weekly and monthly reports by email, in their own language."),
        REPORTS,
    ),
)
