"""What the integration settings screens accept. Shapes and lengths only; the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team, User
from gongdan.integrations.models import ALERT_KINDS, ChatPlatform, FieldTarget, Integration, Kind
from gongdan.tickets.models import Category, Priority, TicketType
from gongdan.web.forms import TablerForm


class IntegrationForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address name"), max_length=50, required=False,
        help_text=_("Part of the endpoint's address; letters, digits and hyphens. Empty: made from the name."),
    )  # fmt: skip
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.filter(is_active=True), required=False
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Ticket type"), queryset=TicketType.objects.none(), required=False
    )
    default_priority = forms.ModelChoiceField(
        label=_("Default priority"), queryset=Priority.objects.all(), required=False,
        help_text=_("For severities missing from the table below. Empty: the category's, else the site's default."),
    )  # fmt: skip
    severity_label = forms.CharField(
        label=_("Severity label"), max_length=60, initial="severity",
        help_text=_("The alert label that carries the severity."),
    )  # fmt: skip
    resolve_on_recovery = forms.BooleanField(
        label=_("Resolve the ticket when the alert resolves"), required=False, initial=True
    )
    external_id_path = forms.CharField(
        label=_("Where the record's id is"), max_length=200, initial="external_id",
        help_text=_("A JSON path such as Id, CaseNumber or data.NotificationNumber."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, kind: str, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["slug"]
        if kind != Kind.ALERTMANAGER:
            del self.fields["severity_label"]
        if kind not in ALERT_KINDS:
            del self.fields["resolve_on_recovery"]
        if kind != Kind.INBOUND:
            del self.fields["external_id_path"]
        if kind == Kind.OPEN311:
            del self.fields["category"]  # each service names its own category
            del self.fields["default_priority"]

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(integration: Integration) -> dict[str, Any]:
        return {
            "name": integration.name, "category": integration.category_id, "team": integration.team_id,
            "ticket_type": integration.ticket_type_id, "default_priority": integration.default_priority_id,
            "severity_label": integration.severity_label, "resolve_on_recovery": integration.resolve_on_recovery,
            "external_id_path": integration.external_id_path, "is_active": integration.is_active,
        }  # fmt: skip


class SeverityForm(TablerForm):
    value = forms.CharField(label=_("Severity as sent"), max_length=60)
    priority = forms.ModelChoiceField(label=_("Priority"), queryset=Priority.objects.all())


class FieldMappingForm(TablerForm):
    source_path = forms.CharField(label=_("JSON path"), max_length=200)
    target = forms.ChoiceField(label=_("Ticket field"), choices=FieldTarget.choices)
    custom_key = forms.SlugField(label=_("Custom field key"), max_length=50, required=False)


class ServiceForm(TablerForm):
    service_code = forms.CharField(label=_("Service code"), max_length=50)
    service_name = forms.CharField(label=_("Service name"), max_length=120)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.filter(is_active=True))
    group = forms.CharField(label=_("Group"), max_length=120, required=False)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    keywords = forms.CharField(label=_("Keywords"), max_length=200, required=False)


KEEP_SECRET = _("Never shown again once saved; left empty when editing, the stored one is kept.")


class ChatAppForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    platform = forms.ChoiceField(label=_("Platform"), choices=ChatPlatform.choices)
    app_id = forms.CharField(label=_("App id"), max_length=120,
                             help_text=_("DingTalk: AppKey (Client ID). Feishu: App ID. WeCom: the corp id (CorpID)."))  # fmt: skip
    app_secret = forms.CharField(
        label=_("App secret"), max_length=200, required=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=format_lazy("{} {}", _("DingTalk: AppSecret. Feishu: App Secret. WeCom: the app's Secret."), KEEP_SECRET),
    )  # fmt: skip
    token = forms.CharField(
        label=_("Callback token"), max_length=200, required=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=format_lazy("{} {}", _("DingTalk and WeCom: the Token of the callback settings. Feishu: the Verification Token."), KEEP_SECRET),
    )  # fmt: skip
    aes_key = forms.CharField(
        label=_("Encryption key"), max_length=200, required=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=format_lazy("{} {}", _("DingTalk and WeCom: the EncodingAESKey (43 characters). Feishu: the Encrypt Key."), KEEP_SECRET),
    )  # fmt: skip
    agent_id = forms.CharField(label=_("Agent id or robot code"), max_length=120, required=False,
                               help_text=_("WeCom: the app's AgentId. DingTalk: the robot code (usually the AppKey)."))  # fmt: skip
    card_template_id = forms.CharField(label=_("Card template"), max_length=200, required=False,
                                       help_text=_("DingTalk only: the id of the interactive card template with the buttons (see the docs)."))  # fmt: skip
    api_base = forms.CharField(label=_("API address"), max_length=200, required=False,
                               help_text=_("Leave empty for the platform's public API; set it only for a private deployment."))  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ChatAccountForm(TablerForm):
    user = forms.ModelChoiceField(
        label=_("Person"), queryset=User.objects.filter(is_active=True).order_by("display_name", "username")
    )
    external_id = forms.CharField(label=_("User id on the platform"), max_length=200)


class ChatGroupForm(TablerForm):
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"))
    chat_id = forms.CharField(label=_("Group id"), max_length=200,
                              help_text=_("DingTalk: openConversationId. Feishu: chat_id (oc_…). WeCom: the app chat id."))  # fmt: skip
    post_new_tickets = forms.BooleanField(
        label=_("Post new unassigned tickets with a Take it button"), required=False, initial=True
    )
    open_tickets = forms.BooleanField(
        label=_("A message to the bot opens a ticket"), required=False, initial=True
    )
