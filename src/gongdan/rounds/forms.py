"""What the rounds screens accept; business rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Asset, Location
from gongdan.maintenance.forms import WEEKDAYS
from gongdan.maintenance.models import ChecklistTemplate, Frequency
from gongdan.rounds.models import Round
from gongdan.rounds.services import MAX_EVERY, MAX_STOPS, StopSpec
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.models import Category
from gongdan.web.forms import TablerForm


class RoundForm(TablerForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    instructions = forms.CharField(label=gettext_lazy("Instructions"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)  # fmt: skip
    every = forms.IntegerField(label=gettext_lazy("Every"), min_value=1, max_value=MAX_EVERY, initial=1)
    frequency = forms.ChoiceField(
        label=gettext_lazy("Unit"), choices=Frequency.choices, initial=Frequency.WEEKS
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On weekdays"), choices=WEEKDAYS, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=gettext_lazy("Weekly rounds only."),
    )  # fmt: skip
    starts_on = forms.DateField(
        label=gettext_lazy("First run on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    calendar = forms.ModelChoiceField(
        label=gettext_lazy("Business calendar"), queryset=BusinessCalendar.objects.all(), required=False,
        help_text=gettext_lazy("A run that falls on a day off moves to the next working day."),
    )  # fmt: skip
    window_start = forms.TimeField(label=gettext_lazy("Starts at"), initial="08:00",
                                   widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    window_hours = forms.IntegerField(label=gettext_lazy("Due within (hours)"), min_value=1, max_value=168,
                                      initial=8)  # fmt: skip
    stops = forms.CharField(
        label=gettext_lazy("Stops"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "One stop a line, in walking order: the code of an asset or a place, then after “|” the name of "
            "the checklist answered there. Example: SZ-AC-01 | 空压机日常巡检 Compressor daily check"
        ),
    )  # fmt: skip
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.filter(is_active=True),
                                  required=False)  # fmt: skip
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Technician"), required=False,
        queryset=User.objects.filter(is_active=True).exclude(role="requester"),
        help_text=gettext_lazy("Leave empty to let anyone of the team take each run."),
    )  # fmt: skip
    requester = forms.ModelChoiceField(
        label=gettext_lazy("Corrective work orders reported for"),
        queryset=User.objects.filter(is_active=True).exclude(role="requester"),
        help_text=gettext_lazy("Who hears when a work order a round opened is done."),
    )  # fmt: skip
    category = forms.ModelChoiceField(label=gettext_lazy("Category of corrective work orders"),
                                      queryset=Category.objects.all(), required=False)  # fmt: skip
    allow_manual_confirm = forms.BooleanField(
        label=gettext_lazy("Allow confirming a stop without its code"), required=False,
        help_text=gettext_lazy("When a label is missing or unreadable the technician may confirm presence with a reason."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def clean_stops(self) -> list[StopSpec]:
        lines = [line for line in self.cleaned_data["stops"].splitlines() if line.strip()]
        if len(lines) > MAX_STOPS:
            raise forms.ValidationError(_("At most %(max)s stops.") % {"max": MAX_STOPS})
        specs: list[StopSpec] = []
        for number, line in enumerate(lines, start=1):
            code, _sep, checklist_name = (part.strip() for part in line.partition("|"))
            asset = Asset.objects.filter(code__iexact=code).select_related("location").first()
            location = None
            if asset is None:
                location = Location.objects.filter(code__iexact=code, is_active=True).order_by("pk").first()
            if asset is None and location is None:
                raise forms.ValidationError(
                    _("Line %(line)s: no asset or place has the code “%(code)s”.")
                    % {"line": number, "code": code}
                )
            checklist = None
            if checklist_name:
                checklist = ChecklistTemplate.objects.filter(name=checklist_name).first()
                if checklist is None:
                    raise forms.ValidationError(
                        _("Line %(line)s: no checklist is named “%(name)s”.")
                        % {"line": number, "name": checklist_name}
                    )
            specs.append(StopSpec(location=location, asset=asset, checklist=checklist))
        if not specs:
            raise forms.ValidationError(_("Add at least one stop."))
        return specs

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values["weekdays"] = list(values.get("weekdays") or [])
        values["instructions"] = values.get("instructions") or ""
        return values


def round_initial(round_: Round) -> dict[str, Any]:
    lines = []
    for stop in round_.stops.select_related("asset", "location", "checklist").order_by("position"):
        code = stop.asset.code if stop.asset is not None else (stop.location.code if stop.location else "")
        lines.append(f"{code} | {stop.checklist.name}" if stop.checklist is not None else code)
    values = {name: getattr(round_, name) for name in (
        "name", "instructions", "every", "frequency", "weekdays", "starts_on", "window_start", "window_hours",
        "allow_manual_confirm", "is_active")}  # fmt: skip
    values.update(calendar=round_.calendar_id, team=round_.team_id, assignee=round_.assignee_id,
                  requester=round_.requester_id, category=round_.category_id, stops="\n".join(lines))  # fmt: skip
    return values
