"""What the meter screens accept; business rules (limits in order, topic filters, paths) live in the services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.meters.models import Meter, MeterKind
from gongdan.web.forms import TablerForm


class MeterForm(TablerForm):
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Unique on this asset, e.g. temp."))
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeterKind.choices)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    low_limit = forms.FloatField(label=_("Low limit"), required=False)
    high_limit = forms.FloatField(label=_("High limit"), required=False)
    hysteresis = forms.FloatField(
        label=_("Hysteresis"), required=False, min_value=0,
        help_text=_("Back to normal only once the value is this far inside the limit."),
    )  # fmt: skip
    rate_limit = forms.FloatField(
        label=_("Largest change within the window"), required=False, help_text=_("Leave empty for none.")
    )
    rate_window_seconds = forms.IntegerField(label=_("Window (seconds)"), required=False, min_value=1)
    opens_work_orders = forms.BooleanField(label=_("Open a work order when out of limits"), required=False)
    mqtt_topic = forms.CharField(
        label=_("MQTT topic"),
        max_length=200,
        required=False,
        help_text=_("e.g. plant/ac-01/state; + and # allowed."),
    )
    mqtt_value_path = forms.CharField(
        label=_("Value field"),
        max_length=100,
        required=False,
        help_text=_("Where the value is, e.g. $.temp."),
    )
    mqtt_time_path = forms.CharField(
        label=_("Time field"), max_length=100, required=False,
        help_text=_("Optional, e.g. $.ts (ISO 8601 or seconds since 1970); else the time it arrived."),
    )  # fmt: skip
    model_node = forms.CharField(
        label=_("3D model node"), max_length=60, required=False,
        help_text=_("The node of the asset's 3D model its hotspot sits on."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False)

    @classmethod
    def initial_of(cls, meter: Meter | None) -> dict[str, Any]:
        if meter is None:
            return {"opens_work_orders": True, "is_active": True, "hysteresis": 0}
        return {name: getattr(meter, name) for name in cls.base_fields}


class ReadingForm(TablerForm):
    meter = forms.TypedChoiceField(label=_("Meter"), coerce=int)
    value = forms.FloatField(label=_("Value"))
    at = forms.DateTimeField(
        label=_("Read at"), required=False, help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip

    def __init__(self, *args: Any, meters: list[Meter], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["meter"]).choices = [
            (m.pk, f"{m.name} ({m.unit})" if m.unit else m.name) for m in meters
        ]
