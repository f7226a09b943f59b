"""What the approval screens accept. Shapes and lengths only; the services check the business rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Role, Team, User
from gongdan.approvals.models import ApproverKind, ConditionOperator, Decision, StageMode
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import Category, TicketType
from gongdan.web.forms import TablerForm

MAX_IMPORT_BYTES = 100_000


class FlowForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    code = forms.SlugField(
        label=_("Code"), max_length=60, help_text=_("Names the flow in exports and the API.")
    )
    ticket_type = forms.ModelChoiceField(label=_("Ticket type"), required=False, empty_label=_("Any type"),
                                         queryset=TicketType.objects.filter(is_active=True))  # fmt: skip
    category = forms.ModelChoiceField(label=_("Category (and below)"), required=False, empty_label=_("Any category"),
                                      queryset=Category.objects.filter(is_active=True))  # fmt: skip
    calendar = forms.ModelChoiceField(label=_("Business calendar for deadlines"), required=False,
                                      empty_label=_("Round the clock"), queryset=BusinessCalendar.objects.all())  # fmt: skip
    start_on_create = forms.BooleanField(label=_("Start when a matching ticket is created"), required=False,
                                         initial=True)  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=0,
                               help_text=_("When several flows match a ticket, the lowest order wins."))  # fmt: skip
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class StageForm(TablerForm):
    name = forms.CharField(label=_("Stage name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Stage name (English)"), max_length=120, required=False)
    approver_kind = forms.ChoiceField(label=_("Approvers"), choices=ApproverKind.choices)
    approver_role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", "—"), *Role.choices])
    approver_team = forms.ModelChoiceField(label=_("Team"), required=False, empty_label="—",
                                           queryset=Team.objects.filter(is_active=True))  # fmt: skip
    approver_people = forms.CharField(label=_("People (user names, comma-separated)"), required=False,
                                      max_length=1000)  # fmt: skip
    mode = forms.ChoiceField(label=_("How they decide"), choices=StageMode.choices, initial=StageMode.ALL)
    required_count = forms.IntegerField(label=_("Approvals needed (N of them)"), min_value=1, max_value=50,
                                        initial=1)  # fmt: skip
    condition_field = forms.CharField(label=_("Only when field (key)"), required=False, max_length=50,
                                      widget=forms.TextInput(attrs={"placeholder": "cost"}))  # fmt: skip
    condition_operator = forms.ChoiceField(label=_("Operator"), required=False,
                                           choices=[("", "—"), *ConditionOperator.choices])  # fmt: skip
    condition_value = forms.CharField(label=_("Value"), required=False, max_length=200,
                                      widget=forms.TextInput(attrs={"placeholder": "10000"}))  # fmt: skip
    deadline_hours = forms.IntegerField(label=_("Deadline (working hours)"), required=False, min_value=1,
                                        max_value=2160)  # fmt: skip
    escalate_after_hours = forms.IntegerField(label=_("Escalate after (more working hours)"), required=False,
                                              min_value=1, max_value=2160)  # fmt: skip

    def clean_approver_people(self) -> list[User]:
        names = [
            n.strip() for n in self.cleaned_data["approver_people"].replace("，", ",").split(",") if n.strip()
        ]
        if len(names) > 50:
            raise forms.ValidationError(_("At most 50 people."))
        found = {u.username: u for u in User.objects.filter(username__in=names, is_active=True)}
        missing = [n for n in names if n not in found]
        if missing:
            raise forms.ValidationError(
                _("No active person named %(names)s.") % {"names": ", ".join(missing)}
            )
        return [found[n] for n in dict.fromkeys(names)]


class DecisionForm(TablerForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Required when you reject or send back."))  # fmt: skip


class DelegationForm(TablerForm):
    delegate = forms.CharField(label=_("Delegate (user name or email)"), max_length=254)
    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean_delegate(self) -> User:
        value = self.cleaned_data["delegate"].strip()
        person = User.objects.filter(is_active=True).filter(username=value).first() or (
            User.objects.filter(is_active=True, email__iexact=value).first() if "@" in value else None
        )
        if person is None:
            raise forms.ValidationError(_("No active person with this user name or email."))
        return person


class ImportForm(TablerForm):
    file = forms.FileField(label=_("Exported flow (JSON)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 100 KB)."))
        return upload
