"""Approvals' section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "approval_flows",
        "approvals:flow_list",
        "ti-checkup-list",
        _("Approval flows"),
        _("Who approves which tickets (审批流): stages, approvers, deadlines on the business calendar."),
        "tickets",
        order=60,
    ),
)
