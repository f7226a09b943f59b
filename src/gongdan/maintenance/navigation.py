"""The maintenance sections of the settings screens (registered from the maintenance AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.maintenance.models import ChecklistTemplate, PmPlan

SECTIONS = (
    Section(
        "pm_plans",
        "maintenance:pm_plan_list",
        "ti-calendar-repeat",
        _("Maintenance plans"),
        _("Preventive maintenance by calendar or meter, and the work orders it opens ahead."),
        "places",
        order=30,
        count=lambda: PmPlan.objects.count(),
    ),
    Section(
        "pm_checklists",
        "maintenance:checklist_list",
        "ti-list-check",
        _("Checklists"),
        _("The steps a technician answers on a maintenance work order."),
        "places",
        order=40,
        count=lambda: ChecklistTemplate.objects.count(),
    ),
)
