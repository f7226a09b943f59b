"""What the on-call settings screens accept: schedules and overrides."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import STAFF_ROLES, Team, User
from gongdan.web.forms import TablerForm


def time_zone_choices() -> list[tuple[str, str]]:
    """The zone database's names, listed when a form is shown (a walk of the zone files, not at every start)."""
    return [(z, z) for z in sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})]


class PeopleField(forms.CharField):
    """People in order, one username per line (the order of the rotation)."""

    widget = forms.Textarea(attrs={"rows": 4, "autocapitalize": "none", "spellcheck": "false"})

    def to_python(self, value: Any) -> list[User]:  # type: ignore[override]
        names = [line.strip() for line in (value or "").replace(",", "\n").splitlines() if line.strip()]
        if len(names) > 100:
            raise forms.ValidationError(gettext("At most 100 people."))
        found = {u.username: u for u in User.objects.filter(username__in=[n[:150] for n in names])}
        unknown = [n for n in names if n not in found]
        if unknown:
            raise forms.ValidationError(gettext("Unknown user: %(names)s") % {"names": ", ".join(unknown)})
        return [found[n] for n in names]

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(u.username if isinstance(u, User) else str(u) for u in value)
        return value


class ScheduleForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Global (teams without a schedule)"),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="Asia/Shanghai")
    rotation_days = forms.IntegerField(
        label=_("Rotation length (days)"), min_value=1, max_value=366, initial=7,
        help_text=_("How long each person stays on call: 1 for daily, 7 for weekly."),
    )  # fmt: skip
    handoff_time = forms.TimeField(
        label=_("Handoff time"),
        initial=dt.time(9, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first person in the rotation starts on this day at the handoff time."),
    )  # fmt: skip
    primary = PeopleField(
        label=_("Rotation (primary)"),
        help_text=_("Usernames, one per line, in the order they take turns."),
    )
    backup = PeopleField(
        label=_("Backup rotation"),
        required=False,
        help_text=_("Optional. Paged too when the primary has not acknowledged after the repeats below."),
    )
    repeat_interval_minutes = forms.IntegerField(
        label=_("Repeat every (minutes)"), min_value=1, max_value=1440, initial=5
    )
    escalate_after_repeats = forms.IntegerField(
        label=_("Page the backup after (repeats)"), min_value=1, max_value=100, initial=2
    )
    max_repeats = forms.IntegerField(label=_("Stop repeating after"), min_value=1, max_value=1000, initial=36)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    third_width = ("rotation_days", "handoff_time", "start_date", "repeat_interval_minutes",
                   "escalate_after_repeats", "max_repeats")  # fmt: skip

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {key: data[key] for key in (
            "name", "team", "time_zone", "rotation_days", "handoff_time", "start_date", "primary", "backup",
            "repeat_interval_minutes", "escalate_after_repeats", "max_repeats", "is_active")}  # fmt: skip


class OverrideForm(TablerForm):
    user = forms.ModelChoiceField(
        label=_("Person"),
        queryset=User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username"),
        empty_label=_("Choose who covers"),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    third_width = ("user", "starts_at", "ends_at")
