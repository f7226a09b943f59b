"""What the notification settings accept: rules and each person's own preferences; business rules live in
services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team
from gongdan.notifications.models import PersonChannel, Recipient, RuleEvent, Template
from gongdan.outbox.models import ChatBot, Webhook
from gongdan.tickets.models import Priority
from gongdan.web.forms import TablerForm

# --- rules, chat bots, webhooks, the allow-list, a person's choices ------------------------------------------


class RuleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    event = forms.ChoiceField(label=_("When"), choices=RuleEvent.choices)
    recipients = forms.MultipleChoiceField(
        label=_("Who"), choices=Recipient.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("How people hear about it"),
        choices=PersonChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each person can still switch a channel off or set quiet hours on their profile."),
    )
    fixed_address = forms.EmailField(
        label=_("Also email this address"), required=False, help_text=_("A mailing list or a shared inbox.")
    )
    chat_bots = forms.ModelMultipleChoiceField(
        label=_("Post to chat bots"), queryset=ChatBot.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    webhooks = forms.ModelMultipleChoiceField(
        label=_("Call webhooks"), queryset=Webhook.objects.order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    team = forms.ModelChoiceField(
        label=_("Only for team"), queryset=Team.objects.filter(is_active=True).order_by("name"), required=False,
        empty_label=_("Any team"),
    )  # fmt: skip
    priorities = forms.ModelMultipleChoiceField(
        label=_("Only for priorities"), queryset=Priority.objects.order_by("rank"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: any priority."),
    )  # fmt: skip
    template = forms.ChoiceField(label=_("Template"), choices=Template.choices)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PreferenceForm(TablerForm):
    email = forms.BooleanField(label=_("Email me"), required=False)
    in_app = forms.BooleanField(label=_("Show notices under the bell"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )  # fmt: skip
    quiet_end = forms.TimeField(
        label=_("until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In your time zone. Email waits until the quiet hours end; on-call pages still ring."),
    )  # fmt: skip
