"""The outbox settings screens: every message and a retry, chat bots, webhooks and their deliveries."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import render_page
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id
from gongdan.outbox import selectors, services
from gongdan.outbox.delivery import channel_for
from gongdan.outbox.forms import AllowListForm, ChatBotForm, WebhookForm
from gongdan.outbox.models import AllowedNetwork, ChatBot, OutboxMessage, Webhook
from gongdan.web.forms import show_domain_error


def _email_problem() -> str:
    """Why mail cannot go out (empty when it can)."""
    email = channel_for("email")
    if email is None or email.is_configured():
        return ""
    return email.not_configured_reason()


@admin_required
def outbox_list(request: AdminRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in OutboxMessage.State.values else ""
    before = parse_id(request.GET.get("before")) or None
    rows, next_before = selectors.outbox_list(actor=request.user, state=state, before=before)
    return render_page(
        request, "outbox/outbox_list.html", section="outbox", rows=rows, state=state,
        states=OutboxMessage.State.choices, next_before=next_before, before=before, counts=selectors.outbox_counts(),
        email_problem=_email_problem(),
    )  # fmt: skip


@admin_required
def outbox_message(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        message = selectors.outbox_message_get(actor=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render_page(
        request,
        "outbox/outbox_message.html",
        section="outbox",
        message=message,
        email_problem=_email_problem(),
    )


@admin_required
@require_POST
def outbox_retry(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        services.outbox_retry(actor=request.user, message_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The message was queued again."))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/settings/outbox/") else "outbox:outbox")


def _bot_initial(bot: ChatBot) -> dict[str, Any]:
    return {"name": bot.name, "kind": bot.kind, "url": bot.url, "secret": bot.secret, "language": bot.language,
            "is_active": bot.is_active}  # fmt: skip


CHAT_BOTS = SettingsScreen(
    model=ChatBot, section="chat_bots", form_class=ChatBotForm, list_url="outbox:chat_bot_list",
    list_template="outbox/chat_bot_list.html", list_name="bots", rows=selectors.chat_bot_rows,
    create=services.chat_bot_create, update=services.chat_bot_update, instance_key="bot",
    initial=_bot_initial, initial_new=lambda request: {"is_active": True, "language": "zh-hans"},
    name_of=lambda bot: bot.name, new_title=gettext_lazy("New chat bot"), edit_title=gettext_lazy("Edit chat bot"),
    saved=gettext_lazy("Chat bot %(name)s was saved."),
)  # fmt: skip
chat_bot_list, chat_bot_create, chat_bot_edit = (
    CHAT_BOTS.list_view,
    CHAT_BOTS.create_view,
    CHAT_BOTS.edit_view,
)


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
                services.allow_list_set(actor=request.user,
                                            entries=allow_form.cleaned_data["entries"].splitlines())  # fmt: skip
            except DomainError as exc:
                show_domain_error(allow_form, exc)
            else:
                messages.success(request, _("The allow-list was saved."))
                return redirect("outbox:webhook_list")
        status = 422
    return render_page(request, "outbox/webhook_list.html", section="webhooks", status=status,
                       hooks=selectors.webhook_rows(), allow_form=allow_form)  # fmt: skip


WEBHOOKS = SettingsScreen(
    model=Webhook, section="webhooks", form_class=WebhookForm, list_url="outbox:webhook_list",
    create=services.webhook_create, update=services.webhook_update, instance_key="hook",
    initial=lambda hook: {"name": hook.name, "url": hook.url, "is_active": hook.is_active},
    initial_new=lambda request: {"is_active": True}, name_of=lambda hook: hook.name,
    new_title=gettext_lazy("New webhook"), edit_title=gettext_lazy("Edit webhook"),
    saved=gettext_lazy("Webhook %(name)s was saved."),
)  # fmt: skip
webhook_create, webhook_edit = WEBHOOKS.create_view, WEBHOOKS.edit_view  # its list also edits the allow-list


@admin_required
def webhook_detail(request: AdminRequest, pk: int) -> HttpResponse:
    """The signing secret, the rules that feed the webhook, and its deliveries with every attempt."""
    hook = get_object_or_404(Webhook, pk=pk)
    before = parse_id(request.GET.get("before")) or None
    rows, next_before = selectors.deliveries(actor=request.user, webhook=hook, before=before)
    return render_page(request, "outbox/webhook_detail.html", section="webhooks", hook=hook,
                       rows=rows, next_before=next_before, before=before,
                       rules=list(hook.notificationrule_set.order_by("name")))  # fmt: skip


@admin_required
@require_POST
def webhook_rotate(request: AdminRequest, pk: int) -> HttpResponse:
    hook = get_object_or_404(Webhook, pk=pk)
    services.webhook_rotate_secret(actor=request.user, hook=hook)
    messages.success(request, _("A new signing secret was made; give it to the receiving system."))
    return redirect("outbox:webhook_detail", pk=hook.pk)


@admin_required
@require_POST
def delivery_replay(request: AdminRequest, pk: int) -> HttpResponse:
    try:
        message = services.delivery_replay(actor=request.user, message_id=pk)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("outbox:webhook_list")
    messages.success(request, _("The delivery was queued again, with the same webhook-id."))
    if message.webhook_id:
        return redirect("outbox:webhook_detail", pk=message.webhook_id)
    return redirect("outbox:chat_bot_list")
