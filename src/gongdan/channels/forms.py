"""The shape of what the mailbox settings screen accepts; business rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team
from gongdan.channels.models import Mailbox
from gongdan.channels.services import SECRET_FIELDS
from gongdan.tickets.models import Category, Priority
from gongdan.web.forms import TablerForm


class SecretInput(forms.PasswordInput):
    """Never renders a stored secret back; shows that one is stored instead."""

    def __init__(self, *, stored: bool = False) -> None:
        placeholder = _("Stored — leave empty to keep it") if stored else ""
        super().__init__(
            render_value=False, attrs={"autocomplete": "new-password", "placeholder": placeholder}
        )


class MailboxForm(TablerForm):
    third_width = ("host", "port", "security", "default_category", "default_team", "default_priority")

    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.EmailField(
        label=_("Support address"), help_text=Mailbox._meta.get_field("address").help_text
    )
    host = forms.CharField(label=_("IMAP server"), max_length=255)
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=993)
    security = forms.ChoiceField(
        label=_("Security"), choices=Mailbox.Security.choices, initial=Mailbox.Security.TLS
    )
    username = forms.CharField(label=_("User name"), max_length=255)
    auth_method = forms.ChoiceField(label=_("Sign-in method"), choices=Mailbox.Auth.choices)
    password = forms.CharField(label=_("Password"), max_length=500, required=False)
    oauth_access_token = forms.CharField(
        label=_("Access token"), required=False, help_text=_("Only for “XOAUTH2 with a stored access token”.")
    )
    oauth_token_url = forms.URLField(
        label=_("Token endpoint"), max_length=500, required=False,
        help_text=_("e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token or https://oauth2.googleapis.com/token"),
    )  # fmt: skip
    oauth_client_id = forms.CharField(label=_("Client ID"), max_length=255, required=False)
    oauth_client_secret = forms.CharField(label=_("Client secret"), max_length=500, required=False)
    oauth_refresh_token = forms.CharField(label=_("Refresh token"), required=False)
    oauth_scope = forms.CharField(
        label=_("Scope"), max_length=500, required=False,
        help_text=_("e.g. https://outlook.office365.com/IMAP.AccessAsUser.All offline_access, or https://mail.google.com/"),
    )  # fmt: skip
    folder = forms.CharField(label=_("Folder"), max_length=200, initial="INBOX")
    processed_folder = forms.CharField(
        label=_("Move processed mail to"), max_length=200, required=False, initial="Gongdan",
        help_text=Mailbox._meta.get_field("processed_folder").help_text,
    )  # fmt: skip
    default_category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True), required=False,
        empty_label=_("None"),
    )  # fmt: skip
    default_team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.filter(is_active=True).order_by("name"), required=False,
        empty_label=_("The category's team"),
    )  # fmt: skip
    default_priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.order_by("rank"), required=False,
        empty_label=_("The category's priority"),
    )  # fmt: skip
    max_mail_bytes = forms.IntegerField(
        label=_("Largest mail accepted (MB)"), min_value=1, max_value=200, initial=25
    )
    sender_limit_per_hour = forms.IntegerField(
        label=_("Mails per sender per hour"), min_value=1, max_value=10_000, initial=20,
        help_text=Mailbox._meta.get_field("sender_limit_per_hour").help_text,
    )  # fmt: skip
    ignore_cc_only = forms.BooleanField(
        label=_("Ignore mail where our address is only in Cc"), required=False
    )
    is_active = forms.BooleanField(label=_("Active: poll this mailbox"), required=False, initial=True)

    def __init__(self, *args: Any, mailbox: Mailbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in SECRET_FIELDS:
            stored = bool(mailbox is not None and getattr(mailbox, name))
            self.fields[name].widget = SecretInput(stored=stored)
            self.fields[name].widget.attrs["class"] = "form-control"

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["max_mail_bytes"] = values["max_mail_bytes"] * 1024 * 1024
        return values


def initial_for(mailbox: Mailbox) -> dict[str, Any]:
    names = [n for n in MailboxForm.base_fields if n not in SECRET_FIELDS]
    initial = {n: getattr(mailbox, n) for n in names if n != "max_mail_bytes"}
    initial["max_mail_bytes"] = max(1, mailbox.max_mail_bytes // (1024 * 1024))
    return initial
