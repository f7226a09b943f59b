from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "gongdan.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.core.config_cache import watch_configuration
        from gongdan.core.encrypted_stores import EncryptedStore, register_encrypted_store
        from gongdan.core.personal_data import register_personal_data_holder, register_retention_holder
        from gongdan.tickets.models import (
            Category,
            CustomField,
            DeskSettings,
            Priority,
            TicketNumbering,
            TicketType,
            WorkflowState,
            WorkflowTransition,
        )
        from gongdan.tickets.navigation import SECTIONS
        from gongdan.tickets.services.personal_data import TicketsPersonalData, TicketsRetention
        from gongdan.tickets.services.sensitive_values import ticket_custom_values_reseal
        from gongdan.tickets.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.tickets.workflow_transfer import SECTIONS as WORKFLOW_SECTIONS

        register_sections(SECTIONS)
        from gongdan.audit.kinds import register_kind
        from gongdan.tickets.services import workflows

        register_kind(workflows.AUDIT_DRAFT, _("Workflow draft saved"))
        register_kind(workflows.AUDIT_PUBLISH, _("Workflow version published"))
        register_kind(workflows.AUDIT_DISCARD, _("Workflow draft discarded"))
        register_kind(workflows.AUDIT_RESTORE, _("Workflow version restored as the draft"))
        register_transfer_sections(TRANSFER_SECTIONS)
        register_transfer_sections(WORKFLOW_SECTIONS)
        watch_configuration(
            Category,
            CustomField,
            Priority,
            TicketType,
            WorkflowTransition,
            WorkflowState,
            TicketNumbering,
            DeskSettings,
        )
        register_personal_data_holder(TicketsPersonalData())
        register_retention_holder(TicketsRetention())
        register_encrypted_store(
            EncryptedStore(
                label="tickets.Ticket (sensitive custom values)", rotate=ticket_custom_values_reseal
            )
        )
