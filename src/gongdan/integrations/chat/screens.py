"""Settings → Chat apps: the apps, and on each app's page who is who on it and the team groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.core.domain_errors import DomainError
from gongdan.integrations.chat import services
from gongdan.integrations.forms import ChatAccountForm, ChatAppForm, ChatGroupForm
from gongdan.integrations.models import ChatAccount, ChatApp, ChatGroup
from gongdan.notifications.kinds import site_url

FIELDS = ("name", "platform", "app_id", "app_secret", "token", "aes_key", "agent_id", "card_template_id", "api_base",
          "is_active")  # fmt: skip


def _context(request: AdminRequest, app: ChatApp | None) -> dict[str, Any]:
    if app is None:
        return {}
    return {
        "chat_app": app,
        "callback_url": site_url(reverse("integrations:chat_callback", args=[app.pk])),
        "accounts": app.accounts.select_related("user").order_by("user__display_name"),
        "groups": app.groups.select_related("team").order_by("team__name"),
        "callbacks": app.callbacks.all()[:20],
        "account_form": ChatAccountForm(),
        "group_form": ChatGroupForm(),
    }


CHAT_APPS = SettingsScreen(
    model=ChatApp, section="chat_apps", form_class=ChatAppForm, list_url="integrations:chat_app_list",
    list_template="integrations/chat/app_list.html", list_name="apps",
    rows=lambda: ChatApp.objects.annotate(people=Count("accounts", distinct=True), chats=Count("groups", distinct=True)),
    create=services.chat_app_create, update=services.chat_app_update, delete=services.chat_app_delete,
    instance_key="app", edit_url="integrations:chat_app_edit", form_template="integrations/chat/app_form.html",
    form_context=_context, initial=lambda app: {name: getattr(app, name) for name in FIELDS if name not in services.SECRETS},
    initial_new=lambda request: {"is_active": True}, name_of=lambda app: app.name,
    new_title=gettext_lazy("New chat app"), edit_title=gettext_lazy("Chat app: %(name)s"),
    saved=gettext_lazy("Chat app “%(name)s” was saved."), after_create=lambda app: ("integrations:chat_app_edit", app.pk),
    delete_question=gettext_lazy("Delete this chat app?"),
    delete_warning=gettext_lazy("Its cards stop working and the linked accounts and groups are removed."),
    deleted=gettext_lazy("Chat app “%(name)s” was deleted."),
)  # fmt: skip
chat_app_list, chat_app_create, chat_app_edit, chat_app_delete = (
    CHAT_APPS.list_view, CHAT_APPS.create_view, CHAT_APPS.edit_view, CHAT_APPS.delete_view
)  # fmt: skip


def _errors(request: AdminRequest, error: DomainError) -> None:
    details = "; ".join(str(m) for messages_ in error.details.values() for m in messages_)
    messages.error(request, details or str(error.message))


def _add(request: AdminRequest, pk: int, form_class: type[ChatAccountForm] | type[ChatGroupForm], add: Any,
         done: str, incomplete: str) -> HttpResponse:  # fmt: skip
    app = get_object_or_404(ChatApp, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, incomplete)
    else:
        try:
            add(actor=request.user, app=app, **form.cleaned_data)
        except DomainError as error:
            _errors(request, error)
        else:
            messages.success(request, done)
    return redirect("integrations:chat_app_edit", app.pk)


@admin_required
@require_POST
def chat_account_add(request: AdminRequest, pk: int) -> HttpResponse:
    return _add(request, pk, ChatAccountForm, services.chat_account_add, _("The account was linked."),
                _("Choose a person and give their user id on the platform."))  # fmt: skip


@admin_required
@require_POST
def chat_group_add(request: AdminRequest, pk: int) -> HttpResponse:
    return _add(request, pk, ChatGroupForm, services.chat_group_add, _("The group was added."),
                _("Choose a team and give the group's id."))  # fmt: skip


@admin_required
@require_POST
def chat_account_remove(request: AdminRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChatAccount, pk=pk)
    services.chat_account_remove(actor=request.user, account=account)
    messages.success(request, _("The account was unlinked."))
    return redirect("integrations:chat_app_edit", account.app_id)


@admin_required
@require_POST
def chat_group_remove(request: AdminRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(ChatGroup, pk=pk)
    services.chat_group_remove(actor=request.user, group=group)
    messages.success(request, _("The group was removed."))
    return redirect("integrations:chat_app_edit", group.app_id)
