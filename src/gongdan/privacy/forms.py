from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.privacy.models import MAX_MONTHS
from gongdan.web.forms import TablerForm


class RetentionForm(TablerForm):
    closed_ticket_months = forms.IntegerField(
        label=_("Months after closing"),
        min_value=0,
        max_value=MAX_MONTHS,
        help_text=_(
            "Closed tickets older than this lose personal and sensitive custom values, attachments and the free-text "
            "location; numbers, history and figures stay. 0 keeps them."
        ),
    )


class CategoryRetentionForm(TablerForm):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    months = forms.IntegerField(
        label=_("Months after closing"),
        min_value=0,
        max_value=MAX_MONTHS,
        help_text=_("0 removes the category's own rule."),
    )

    def __init__(self, *args: object, categories: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = categories  # type: ignore[attr-defined]


class EraseForm(TablerForm):
    confirm = forms.CharField(
        label=_("Type the username to confirm"),
        max_length=150,
        help_text=_("Erasure cannot be undone."),
    )
