from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "gongdan.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from gongdan.approvals.personal_data import ApprovalsPersonalData
        from gongdan.core.personal_data import register_personal_data_holder

        register_personal_data_holder(ApprovalsPersonalData())
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.approvals import events
        from gongdan.approvals.models import ApprovalFlow, ApprovalStage
        from gongdan.approvals.navigation import SECTIONS
        from gongdan.approvals.reactions import approvals_react
        from gongdan.approvals.selectors import ticket_approval_panel
        from gongdan.approvals.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.core.config_cache import watch_configuration
        from gongdan.tickets.page import Panel, register_panel, register_timeline
        from gongdan.tickets.reactions import register_reaction
        from gongdan.tickets.workflow_rules import register_approval_gate

        register_sections(SECTIONS)
        register_transfer_sections(TRANSFER_SECTIONS)
        # After routing (10) and SLA (50): a new ticket is routed and its clocks exist before it waits.
        register_reaction("approvals", approvals_react, order=60)
        register_timeline(events.KINDS, icon=events.icon, explain=events.describe_approval_event)
        register_panel(
            Panel("approvals", "approvals/includes/ticket_panel.html", ticket_approval_panel, order=5)
        )
        watch_configuration(ApprovalFlow, ApprovalStage)
        from gongdan.approvals.workflow_gate import TransitionApprovals

        register_approval_gate(TransitionApprovals())
