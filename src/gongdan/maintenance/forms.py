"""What the maintenance settings screens accept; business rules live in the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Asset, AssetType
from gongdan.maintenance.models import ChecklistTemplate, Frequency, Schedule, StepKind, Trigger
from gongdan.maintenance.services.pm import MAX_EVERY, MAX_LEAD_DAYS, StepSpec
from gongdan.sla.models import BusinessCalendar
from gongdan.web.forms import TablerForm

WEEKDAYS = [
    (0, gettext_lazy("Monday")), (1, gettext_lazy("Tuesday")), (2, gettext_lazy("Wednesday")),
    (3, gettext_lazy("Thursday")), (4, gettext_lazy("Friday")), (5, gettext_lazy("Saturday")),
    (6, gettext_lazy("Sunday")),
]  # fmt: skip
MAX_STEPS = 50


class PmPlanForm(TablerForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    asset = forms.ModelChoiceField(label=gettext_lazy("Asset"), queryset=Asset.objects.exclude(status="retired"),
                                   required=False)  # fmt: skip
    asset_type = forms.ModelChoiceField(
        label=gettext_lazy("or every asset of the type"), queryset=AssetType.objects.all(), required=False
    )
    trigger = forms.ChoiceField(label=gettext_lazy("Trigger"), choices=Trigger.choices)
    every = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, max_value=MAX_EVERY, initial=1)
    frequency = forms.ChoiceField(
        label=gettext_lazy("Unit"), choices=Frequency.choices, initial=Frequency.MONTHS
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On weekdays"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("Weekly plans only."),
    )  # fmt: skip
    starts_on = forms.DateField(
        label=gettext_lazy("First due on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    schedule = forms.ChoiceField(label=gettext_lazy("Schedule"), choices=Schedule.choices)
    calendar = forms.ModelChoiceField(
        label=gettext_lazy("Business calendar"), queryset=BusinessCalendar.objects.all(), required=False,
        help_text=gettext_lazy("A due date on a day off moves to the next working day."),
    )  # fmt: skip
    meter = forms.CharField(label=gettext_lazy("Meter"), max_length=60, required=False,
                            help_text=gettext_lazy("The code of the asset's meter, for example hours."))  # fmt: skip
    meter_every = forms.DecimalField(label=gettext_lazy("Every (meter units)"), required=False, min_value=Decimal(0),
                                     max_digits=14, decimal_places=3)  # fmt: skip
    meter_start = forms.DecimalField(label=gettext_lazy("Meter reading at the start"), required=False,
                                     initial=0, max_digits=16, decimal_places=3)  # fmt: skip
    lead_days = forms.IntegerField(label=gettext_lazy("Lead time (days)"), min_value=0, max_value=MAX_LEAD_DAYS,
                                   initial=3)  # fmt: skip
    checklist = forms.ModelChoiceField(label=gettext_lazy("Checklist"), queryset=ChecklistTemplate.objects.all(),
                                       required=False)  # fmt: skip
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.filter(is_active=True),
                                  required=False)  # fmt: skip
    requester = forms.ModelChoiceField(
        label=gettext_lazy("Reported for"), queryset=User.objects.filter(is_active=True).exclude(role="requester"),
        help_text=gettext_lazy("The work orders' requester: who hears when they are done."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("asset")) == bool(data.get("asset_type")):
            self.add_error("asset", _("Choose one asset or one asset type."))
        return data

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["meter"] = values.get("meter") or ""
        values["meter_start"] = values.get("meter_start") or Decimal(0)
        values["weekdays"] = list(values.get("weekdays") or [])
        return values


class ChecklistForm(TablerForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    steps = forms.CharField(
        label=gettext_lazy("Steps"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "One step a line: the label, then after “|” its kind (check, number, photo, note), for a number "
            "its limits and unit, and “optional” if it may be left out. Example: 排气温度 | number | 60 | 95 | °C"
        ),
    )

    def clean_steps(self) -> list[StepSpec]:
        specs: list[StepSpec] = []
        lines = [line for line in self.cleaned_data["steps"].splitlines() if line.strip()]
        if len(lines) > MAX_STEPS:
            raise forms.ValidationError(_("At most %(max)s steps.") % {"max": MAX_STEPS})
        for number, line in enumerate(lines, start=1):
            parts = [p.strip() for p in line.split("|")]
            optional = "optional" in parts[1:] or "可选" in parts[1:]
            parts = [p for p in parts if p not in ("optional", "可选")]
            label, kind = parts[0], (parts[1] if len(parts) > 1 and parts[1] else StepKind.CHECK)
            if kind not in StepKind.values:
                raise forms.ValidationError(
                    _("Line %(line)s: the kind is one of check, number, photo, note.") % {"line": number}
                )
            limits: list[Decimal | None] = []
            for raw in parts[2:4]:
                try:
                    limits.append(Decimal(raw) if raw else None)
                except InvalidOperation as exc:
                    raise forms.ValidationError(
                        _("Line %(line)s: “%(value)s” is not a number.") % {"line": number, "value": raw}
                    ) from exc
            limits += [None] * (2 - len(limits))
            unit = parts[4][:20] if len(parts) > 4 else ""
            specs.append(StepSpec(label=label[:200], kind=kind, minimum=limits[0], maximum=limits[1], unit=unit,
                                  required=not optional))  # fmt: skip
        if not specs:
            raise forms.ValidationError(_("Add at least one step."))
        return specs
