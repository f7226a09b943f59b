"""What the password reset pages accept."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from gongdan.web.forms import MarksInvalid


class ResetRequestForm(MarksInvalid, forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(
            attrs={"class": "form-control", "autocomplete": "email", "inputmode": "email", "autofocus": True}
        ),
    )


class NewPasswordForm(MarksInvalid, SetPasswordForm):
    """The new password twice; the policy for the person runs here and again in the service."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
