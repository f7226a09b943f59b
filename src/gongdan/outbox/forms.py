"""What the outbox settings screens accept: chat bots, webhooks and the allowed networks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.outbox.models import ChatBot
from gongdan.web.forms import TablerForm


class ChatBotForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Service"), choices=ChatBot.Kind.choices)
    url = forms.CharField(
        label=_("Webhook URL"), max_length=500,
        help_text=_("Copy it from the robot's settings in the group chat."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "url"}),
    )  # fmt: skip
    secret = forms.CharField(
        label=_("Signing secret"), max_length=200, required=False,
        help_text=_("DingTalk (SEC…) and Feishu/Lark sign each message when the robot has signing switched on."),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=[("zh-hans", "简体中文"), ("en", "English")])
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class WebhookForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.CharField(
        label=_("URL"), max_length=500,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", "inputmode": "url"}),
        help_text=_("Private, loopback and link-local addresses are refused unless they are on the allow-list (webhooks page)."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class AllowListForm(TablerForm):
    entries = forms.CharField(
        label=_("Allowed hosts and networks"), required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "autocapitalize": "none", "spellcheck": "false"}),
        help_text=_("One per line: a host name (erp.internal) or a network (10.20.0.0/16, 127.0.0.1)."),
    )  # fmt: skip
