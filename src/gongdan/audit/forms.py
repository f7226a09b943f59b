"""The audit screen's filters: parsed here, so a bad date or address is a field error, not a 500."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.audit import kinds
from gongdan.audit.selectors import EntryFilters


class EntryFilterForm(forms.Form):
    who = forms.CharField(label=_("Who (username)"), required=False, max_length=150)
    kind = forms.ChoiceField(label=pgettext_lazy("audit", "What"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=100,
                                  help_text=_("For example tickets.category"))  # fmt: skip
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    address = forms.GenericIPAddressField(label=_("Address"), required=False, unpack_ipv4=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("Any")), *kinds.choices()]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end is before the start."))
        return cleaned

    def filters(self) -> EntryFilters:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()

        def moment(day: Any) -> datetime | None:
            return datetime.combine(day, time.min, tzinfo=zone) if day else None

        end = moment(data.get("end"))
        return EntryFilters(
            who=data.get("who", "").strip(), kind=data.get("kind", ""),
            object_type=data.get("object_type", "").strip(), object_id=data.get("object_id", "").strip(),
            start=moment(data.get("start")), end=end + timedelta(days=1) if end else None,
            address=data.get("address") or "",
        )  # fmt: skip
