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
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.notifications import integrations, selectors
from gongdan.notifications.forms import AllowListForm, ChatBotForm, PreferenceForm, RuleForm, WebhookForm
from gongdan.notifications.models import (
    AllowedNetwork,
    ChatBot,
    NotificationPreference,
    NotificationRule,
    Webhook,
)
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


def _edit(
    request: AdminRequest, *, form_class: Any, instance: Any, initial: dict[str, Any], create: Any, update: Any,
    key: str, section: str, title: str, saved: str, back: str, extra: dict[str, Any] | None = None,
) -> HttpResponse:  # fmt: skip
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if instance is None:
                    instance = create(actor=request.user, **form.service_values())
                else:
                    instance = update(actor=request.user, **{key: instance}, **form.service_values())
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, saved % {"name": instance.name})
                return redirect(back)
    else:
        form = form_class(initial=initial)
    return render_page(request, "admin_console/form_page.html", section=section, form=form, title=title,
                       cancel_url=back, status=form_status(request, form), **(extra or {}))  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def rule_create(request: AdminRequest) -> HttpResponse:
    return _edit(request, form_class=RuleForm, instance=None, initial={"template": "standard", "is_active": True},
                 create=integrations.rule_create, update=integrations.rule_update, key="rule", section="rules",
                 title=_("New notification rule"), saved=_("Rule %(name)s was saved."),
                 back="notifications:rule_list")  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: AdminRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(NotificationRule, pk=pk)
    return _edit(request, form_class=RuleForm, instance=rule, initial=_rule_initial(rule),
                 create=integrations.rule_create, update=integrations.rule_update, key="rule", section="rules",
                 title=_("Edit notification rule"), saved=_("Rule %(name)s was saved."),
                 back="notifications:rule_list")  # fmt: skip


@admin_required
@require_POST
def rule_delete(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        integrations.rule_delete(actor=request.user, rule_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The rule was deleted."))
    return redirect("notifications:rule_list")


# --- chat bots ----------------------------------------------------------------------------------------------


@admin_required
def chat_bot_list(request: AdminRequest) -> HttpResponse:
    return render_page(request, "notifications/settings/chat_bot_list.html", section="chat_bots",
                       bots=selectors.chat_bot_rows())  # fmt: skip


def _bot_initial(bot: ChatBot) -> dict[str, Any]:
    return {"name": bot.name, "kind": bot.kind, "url": bot.url, "secret": bot.secret, "language": bot.language,
            "is_active": bot.is_active}  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def chat_bot_create(request: AdminRequest) -> HttpResponse:
    return _edit(request, form_class=ChatBotForm, instance=None, initial={"is_active": True, "language": "zh-hans"},
                 create=integrations.chat_bot_create, update=integrations.chat_bot_update, key="bot",
                 section="chat_bots", title=_("New chat bot"), saved=_("Chat bot %(name)s was saved."),
                 back="notifications:chat_bot_list")  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def chat_bot_edit(request: AdminRequest, pk: int) -> HttpResponse:
    bot = get_object_or_404(ChatBot, pk=pk)
    return _edit(request, form_class=ChatBotForm, instance=bot, initial=_bot_initial(bot),
                 create=integrations.chat_bot_create, update=integrations.chat_bot_update, key="bot",
                 section="chat_bots", title=_("Edit chat bot"), saved=_("Chat bot %(name)s was saved."),
                 back="notifications:chat_bot_list")  # fmt: skip


# --- webhooks -----------------------------------------------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_list(request: AdminRequest) -> HttpResponse:
    """The webhooks, and the allow-list (hosts and networks the SSRF guard lets through)."""
    current = "\n".join(AllowedNetwork.objects.values_list("value", flat=True))
    allow_form = AllowListForm(request.POST or None, initial={"entries": current})
    status = 200
    if request.method == "POST":
        if allow_form.is_valid():
            try:
                integrations.allow_list_set(actor=request.user,
                                            entries=allow_form.cleaned_data["entries"].splitlines())  # fmt: skip
            except DomainError as exc:
                show_domain_error(allow_form, exc)
            else:
                messages.success(request, _("The allow-list was saved."))
                return redirect("notifications:webhook_list")
        status = 422
    return render_page(request, "notifications/settings/webhook_list.html", section="webhooks", status=status,
                       hooks=selectors.webhook_rows(), allow_form=allow_form)  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_create(request: AdminRequest) -> HttpResponse:
    return _edit(request, form_class=WebhookForm, instance=None, initial={"is_active": True},
                 create=integrations.webhook_create, update=integrations.webhook_update, key="hook",
                 section="webhooks", title=_("New webhook"), saved=_("Webhook %(name)s was saved."),
                 back="notifications:webhook_list")  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def webhook_edit(request: AdminRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    return _edit(request, form_class=WebhookForm, instance=hook,
                 initial={"name": hook.name, "url": hook.url, "is_active": hook.is_active},
                 create=integrations.webhook_create, update=integrations.webhook_update, key="hook",
                 section="webhooks", title=_("Edit webhook"), saved=_("Webhook %(name)s was saved."),
                 back="notifications:webhook_list")  # fmt: skip


@admin_required
def webhook_detail(request: AdminRequest, pk: int) -> HttpResponse:
    """The signing secret, the rules that feed the webhook, and its deliveries with every attempt."""
    hook = get_object_or_404(Webhook, pk=pk)
    try:
        before = int(request.GET.get("before", "") or 0) or None
    except ValueError:
        before = None
    rows, next_before = selectors.deliveries(actor=request.user, webhook=hook, before=before)
    return render_page(request, "notifications/settings/webhook_detail.html", section="webhooks", hook=hook,
                       rows=rows, next_before=next_before, before=before,
                       rules=list(hook.notificationrule_set.order_by("name")))  # fmt: skip


@admin_required
@require_POST
def webhook_rotate(request: AdminRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    integrations.webhook_rotate_secret(actor=request.user, hook=hook)
    messages.success(request, _("A new signing secret was made; give it to the receiving system."))
    return redirect("notifications:webhook_detail", pk=hook.pk)


@admin_required
@require_POST
def delivery_replay(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        message = integrations.delivery_replay(actor=request.user, message_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("notifications:webhook_list")
    messages.success(request, _("The delivery was queued again, with the same webhook-id."))
    if message.webhook_id:
        return redirect("notifications:webhook_detail", pk=message.webhook_id)
    return redirect("notifications:chat_bot_list")


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
                integrations.preference_update(actor=user, **form.cleaned_data)
            except DomainError as exc:
                show_domain_error(form, exc)
                status = 422
            else:
                saved = True
        else:
            status = 422
    return render(request, "notifications/_preferences.html", {"form": form, "saved": saved}, status=status)
