"""The portal's settings screen (administrators, under /settings/portal/)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import render_page
from gongdan.audit.services import audited_configuration_save
from gongdan.portal import services
from gongdan.portal.forms import PortalSettingsForm


@admin_required
def portal_settings_view(request: AdminRequest) -> HttpResponse:
    current = services.portal_settings()
    form = PortalSettingsForm(
        initial={
            "csat_enabled": current.csat_enabled,
            "low_rating_reopen": current.low_rating_reopen,
            "low_rating_notify_lead": current.low_rating_notify_lead,
        }
    )
    if request.method == "POST":
        form = PortalSettingsForm(request.POST)
        if form.is_valid():
            audited_configuration_save(
                actor=request.user, row=current if current.pk else None,
                save=lambda: services.portal_settings_update(actor=request.user, **form.cleaned_data),
            )  # fmt: skip
            messages.success(request, _("Portal settings were saved."))
            return redirect("portal:settings")
    return render_page(request, "portal/settings.html", section="portal", form=form)
