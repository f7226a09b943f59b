from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.web.forms import MarksInvalid


class CodeForm(MarksInvalid, forms.Form):
    code = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        help_text=_("The 6 digits your authenticator app shows now, or one of your recovery codes."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"class": "form-control gd-code-input", "autocomplete": "one-time-code",
                                                 "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"})  # fmt: skip


class PolicyForm(forms.Form):
    required_roles = forms.MultipleChoiceField(
        label=_("Roles that must use two-factor sign-in"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["required_roles"].choices = choices  # type: ignore[attr-defined]
