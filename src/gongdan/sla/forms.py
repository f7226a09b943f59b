"""What the SLA settings screens accept. Shapes and lengths only; the services check the business rules."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Organisation, ServiceTier, Team
from gongdan.assets.models import AssetType, Criticality, Location
from gongdan.sla import business_time
from gongdan.sla.models import BusinessCalendar, ClockKind, DayKind, EscalationAction
from gongdan.sla.services import CONDITION_KEYS, PAUSABLE
from gongdan.tickets.models import Category, Priority, TicketType
from gongdan.tickets.models.ticket import Status
from gongdan.web.forms import TablerForm

WEEKDAYS = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday"))
HOURS_HELP = _("For example 09:00-12:00, 13:30-18:00. Empty: a day off.")


class CalendarForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64, initial="Asia/Shanghai",
                                help_text=_("An IANA name such as Asia/Shanghai or America/New_York."))  # fmt: skip
    is_24x7 = forms.BooleanField(label=_("24×7: every hour of every day counts"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=label, required=False, max_length=200, help_text=HOURS_HELP if day == 0 else ""
            )
            self.fields[f"day_{day}"].widget.attrs.update(
                {"class": "form-control", "placeholder": "09:00-18:00"}
            )
        self.order_fields(
            ["name", "name_en", "time_zone", "is_24x7", *[f"day_{d}" for d in range(7)], "description"]
        )

    def clean_time_zone(self) -> str:
        value = self.cleaned_data["time_zone"].strip()
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError(_("Unknown time zone."))
        return value

    def weekly(self) -> dict[int, str]:
        return {day: self.cleaned_data.get(f"day_{day}", "") for day in range(7)}

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": calendar.name, "name_en": calendar.name_en, "time_zone": calendar.time_zone,
                                   "is_24x7": calendar.is_24x7, "description": calendar.description}  # fmt: skip
        for day in range(7):
            initial[f"day_{day}"] = business_time.format_hours(
                (calendar.weekly_hours or {}).get(str(day), [])
            )
        return initial


class DayForm(TablerForm):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    hours = forms.CharField(label=_("Working hours (make-up day)"), max_length=200, required=False,
                            help_text=_("Empty: the calendar's usual weekday hours."))  # fmt: skip


class IcalUploadForm(TablerForm):
    file = forms.FileField(label=_("iCalendar file (.ics)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is too large (at most 1 MB)."))
        return upload


def _choices(queryset: Any, value: str = "pk") -> list[tuple[Any, str]]:
    return [(getattr(row, value), str(row)) for row in queryset]


class PolicyForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=100_000, initial=100,
                               help_text=_("Policies are tried from the lowest number; the first that matches applies."))  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    calendar = forms.ModelChoiceField(label=_("Calendar"), queryset=BusinessCalendar.objects.order_by("name"))
    pause_statuses = forms.MultipleChoiceField(
        label=_("Statuses that pause the clocks"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(s, Status(s).label) for s in PAUSABLE],
    )  # fmt: skip
    priorities = forms.MultipleChoiceField(
        label=_("Priorities"), required=False, widget=forms.CheckboxSelectMultiple
    )
    ticket_types = forms.MultipleChoiceField(
        label=_("Ticket types"), required=False, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.TypedMultipleChoiceField(label=_("Categories (with their subcategories)"), required=False,
                                                coerce=int, widget=forms.SelectMultiple(attrs={"size": 6}))  # fmt: skip
    organisations = forms.TypedMultipleChoiceField(label=_("Requester organisations"), required=False, coerce=int,
                                                   widget=forms.SelectMultiple(attrs={"size": 6}))  # fmt: skip
    service_tiers = forms.MultipleChoiceField(label=_("Service tiers"), required=False,
                                              widget=forms.CheckboxSelectMultiple, choices=ServiceTier.choices)  # fmt: skip
    asset_types = forms.TypedMultipleChoiceField(label=_("Asset types"), required=False, coerce=int,
                                                 widget=forms.SelectMultiple(attrs={"size": 4}))  # fmt: skip
    criticalities = forms.MultipleChoiceField(label=_("Asset criticality"), required=False,
                                              widget=forms.CheckboxSelectMultiple, choices=Criticality.choices)  # fmt: skip
    locations = forms.TypedMultipleChoiceField(label=_("Locations (and inside)"), required=False, coerce=int,
                                               widget=forms.SelectMultiple(attrs={"size": 6}))  # fmt: skip
    stage_minutes = forms.IntegerField(label=_("Stage target for every team (business minutes)"), required=False,
                                       min_value=1, help_text=_("Empty: no stage (OLA) clocks, except teams listed below."))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.priority_rows = list(Priority.objects.order_by("rank"))
        self.team_rows = list(Team.objects.filter(is_active=True).order_by("name"))
        choices: dict[str, list[tuple[Any, str]]] = {
            "priorities": [(p.code, str(p)) for p in self.priority_rows],
            "ticket_types": [(t.code, t.label) for t in TicketType.objects.order_by("order", "code")],
            "categories": [(c.pk, ("— " * c.depth) + c.label) for c in Category.objects.order_by("path")],
            "organisations": _choices(Organisation.objects.order_by("name")),
            "asset_types": [(t.pk, t.label) for t in AssetType.objects.all()],
            "locations": [
                (loc.pk, ("— " * max(loc.path.count("/") - 2, 0)) + loc.name)
                for loc in Location.objects.order_by("path")
            ],
        }
        for name, rows in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)  # declared above
            field.choices = rows
        self.target_fields: list[tuple[Priority, list[forms.BoundField]]] = []
        for priority in self.priority_rows:
            names = [f"{kind}_{priority.code}" for kind in ("first", "next", "resolution")]
            for name in names:
                self.fields[name] = forms.IntegerField(required=False, min_value=1, max_value=60 * 24 * 366)
                self.fields[name].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})
        for team in self.team_rows:
            name = f"stage_{team.pk}"
            self.fields[name] = forms.IntegerField(
                required=False, min_value=1, max_value=60 * 24 * 366, label=team.label
            )
            self.fields[name].widget.attrs.update({"class": "form-control", "inputmode": "numeric"})

    def main_fields(self) -> list[forms.BoundField]:
        names = ["name", "name_en", "order", "calendar", "is_active", "pause_statuses", "stage_minutes"]
        return [self[n] for n in names]

    def condition_fields(self) -> list[forms.BoundField]:
        return [
            self[n]
            for n in (
                "priorities",
                "ticket_types",
                "service_tiers",
                "categories",
                "organisations",
                "asset_types",
                "criticalities",
                "locations",
            )
        ]

    def target_rows(self) -> list[tuple[Priority, list[forms.BoundField]]]:
        return [
            (p, [self[f"{k}_{p.code}"] for k in ("first", "next", "resolution")]) for p in self.priority_rows
        ]

    def stage_rows(self) -> list[forms.BoundField]:
        return [self[f"stage_{t.pk}"] for t in self.team_rows]

    def conditions(self) -> dict[str, list[Any]]:
        return {key: list(self.cleaned_data.get(key) or []) for key in
                CONDITION_KEYS}  # fmt: skip

    def targets(self) -> dict[int, tuple[Any, Any, Any]]:
        data = self.cleaned_data
        return {
            p.pk: (data.get(f"first_{p.code}"), data.get(f"next_{p.code}"), data.get(f"resolution_{p.code}"))
            for p in self.priority_rows
        }

    def stage_targets(self) -> dict[int, Any]:
        return {t.pk: self.cleaned_data.get(f"stage_{t.pk}") for t in self.team_rows}

    @staticmethod
    def initial_for(policy: Any) -> dict[str, Any]:
        conditions = policy.conditions or {}
        initial: dict[str, Any] = {
            "name": policy.name, "name_en": policy.name_en, "order": policy.order, "is_active": policy.is_active,
            "calendar": policy.calendar_id, "pause_statuses": policy.pause_statuses,
            "stage_minutes": policy.stage_minutes, **{k: conditions.get(k, []) for k in CONDITION_KEYS},
        }  # fmt: skip
        for target in policy.targets.select_related("priority"):
            code = target.priority.code
            initial[f"first_{code}"] = target.first_response_minutes
            initial[f"next_{code}"] = target.next_response_minutes
            initial[f"resolution_{code}"] = target.resolution_minutes
        for stage in policy.stage_targets.all():
            initial[f"stage_{stage.team_id}"] = stage.minutes
        return initial


class StepForm(TablerForm):
    target = forms.ChoiceField(label=_("Clock"), choices=ClockKind.choices)
    trigger = forms.ChoiceField(label=_("When"), choices=[("percent", _("Percent of the target")),
                                                          ("before", _("minutes before due")),
                                                          ("after", _("minutes after due"))])  # fmt: skip
    value = forms.IntegerField(label=_("Value"), min_value=0, max_value=1000 * 60)
    action = forms.ChoiceField(label=_("Action"), choices=EscalationAction.choices)
    team = forms.ModelChoiceField(label=_("Team (for reassign)"), required=False, empty_label="—",
                                  queryset=Team.objects.filter(is_active=True).order_by("name"))  # fmt: skip
    raise_to = forms.ModelChoiceField(label=_("Raise to"), required=False, empty_label=_("One level more urgent"),
                                      queryset=Priority.objects.order_by("rank"))  # fmt: skip
    priority = forms.ModelChoiceField(label=_("Only for priority"), required=False, empty_label=_("Any priority"),
                                      queryset=Priority.objects.order_by("rank"))  # fmt: skip

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        trigger, value = data["trigger"], data["value"]
        return {
            "target": data["target"],
            "action": data["action"],
            "percent": value if trigger == "percent" else None,
            "minutes_from_due": None if trigger == "percent" else (-value if trigger == "before" else value),
            "team": data.get("team"),
            "raise_to": data.get("raise_to"),
            "priority": data.get("priority"),
        }
