"""Settings screens for notification rules, chat bots, webhooks (with their delivery log and replay) and the
network allow-list; and the card on each person's profile with their own channels and quiet hours."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import edit_page, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.notifications import selectors, services
from gongdan.notifications.forms import PreferenceForm, RuleForm
from gongdan.notifications.models import NotificationPreference, NotificationRule
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest

# --- rules --------------------------------------------------------------------------------------------------


@admin_required
def rule_list(request: AdminRequest) -> HttpResponse:
    return render_page(request, "notifications/settings/rule_list.html", section="rules",
                       rules=selectors.rule_rows())  # fmt: skip


def _rule_initial(rule: NotificationRule) -> dict[str, Any]:
    return {"name": rule.name, "event": rule.event, "recipients": rule.recipients, "channels": rule.channels,
            "fixed_address": rule.fixed_address, "chat_bots": list(rule.chat_bots.all()),
            "webhooks": list(rule.webhooks.all()), "team": rule.team_id, "priorities": list(rule.priorities.all()),
            "template": rule.template, "is_active": rule.is_active}  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def rule_create(request: AdminRequest) -> HttpResponse:
    return edit_page(request, form_class=RuleForm, instance=None, initial={"template": "standard", "is_active": True},
                 create=services.rule_create, update=services.rule_update, key="rule", section="rules",
                 title=_("New notification rule"), saved=_("Rule %(name)s was saved."),
                 back="notifications:rule_list")  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(NotificationRule, pk=pk)
    return edit_page(request, form_class=RuleForm, instance=rule, initial=_rule_initial(rule),
                 create=services.rule_create, update=services.rule_update, key="rule", section="rules",
                 title=_("Edit notification rule"), saved=_("Rule %(name)s was saved."),
                 back="notifications:rule_list")  # fmt: skip


@admin_required
@require_POST
def rule_delete(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        services.rule_delete(actor=request.user, rule_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The rule was deleted."))
    return redirect("notifications:rule_list")


# --- chat bots ----------------------------------------------------------------------------------------------


# --- webhooks -----------------------------------------------------------------------------------------------


# --- my own choices -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: SignedInRequest) -> HttpResponse:
    """The card on the profile page (loaded by htmx; posts back here and swaps itself)."""
    user = request.user
    current = NotificationPreference.objects.filter(user=user).first()
    initial = {"email": current.email if current else True, "in_app": current.in_app if current else True,
               "quiet_start": current.quiet_start if current else None,
               "quiet_end": current.quiet_end if current else None}  # fmt: skip
    form = PreferenceForm(request.POST or None, initial=initial)
    saved = False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.preference_update(actor=user, **form.cleaned_data)
            except DomainError as exc:
                show_domain_error(form, exc)
                status = 422
            else:
                saved = True
        else:
            status = 422
    return render(request, "notifications/_preferences.html", {"form": form, "saved": saved}, status=status)
