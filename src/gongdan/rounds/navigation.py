"""The rounds section of the settings screens (registered from the rounds AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.rounds.models import Round

SECTIONS = (
    Section(
        "rounds",
        "rounds:round_list",
        "ti-route",
        _("Inspection rounds"),
        _("Routes of places and machines walked on a schedule, with a checklist at each stop."),
        "places",
        order=35,
        count=lambda: Round.objects.count(),
    ),
)
