"""Settings screens for notification rules, chat bots, webhooks (with their delivery log and replay) and the
network allow-list; and the card on each person's profile with their own channels and quiet hours."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gongdan.accounts.models import User
from gongdan.admin_console.screens import SettingsScreen
from gongdan.core.domain_errors import DomainError
from gongdan.notifications import selectors, services
from gongdan.notifications.forms import PreferenceForm, RuleForm
from gongdan.notifications.models import NotificationPreference, NotificationRule
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest

# --- rules --------------------------------------------------------------------------------------------------


def _rule_initial(rule: NotificationRule) -> dict[str, Any]:
    return {"name": rule.name, "event": rule.event, "recipients": rule.recipients, "channels": rule.channels,
            "fixed_address": rule.fixed_address, "chat_bots": list(rule.chat_bots.all()),
            "webhooks": list(rule.webhooks.all()), "team": rule.team_id, "priorities": list(rule.priorities.all()),
            "template": rule.template, "is_active": rule.is_active}  # fmt: skip


def _rule_delete(*, actor: User, rule: NotificationRule) -> None:
    services.rule_delete(actor=actor, rule_id=rule.pk)


RULES = SettingsScreen(
    model=NotificationRule, section="rules", form_class=RuleForm, list_url="notifications:rule_list",
    list_template="notifications/settings/rule_list.html", list_name="rules", rows=selectors.rule_rows,
    create=services.rule_create, update=services.rule_update, delete=_rule_delete, instance_key="rule",
    initial=_rule_initial, initial_new=lambda request: {"template": "standard", "is_active": True},
    name_of=lambda rule: rule.name, new_title=gettext_lazy("New notification rule"),
    edit_title=gettext_lazy("Edit notification rule"), saved=gettext_lazy("Rule %(name)s was saved."),
    delete_question=gettext_lazy("Delete this rule?"), deleted=gettext_lazy("The rule was deleted."),
    delete_failed_url=lambda rule: "notifications:rule_list",
)  # fmt: skip
rule_list, rule_create, rule_edit, rule_delete = (
    RULES.list_view,
    RULES.create_view,
    RULES.edit_view,
    RULES.delete_view,
)


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
