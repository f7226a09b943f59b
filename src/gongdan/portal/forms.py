"""Forms check the shape of what the browser sent; business rules stay in the services.

Every public form carries a honeypot: a field people never see (hidden by the stylesheet, out of the tab
order, with autocomplete off) that naive bots fill in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongdan.assets.models import Asset, AssetStatus, Location
from gongdan.tickets.forms import category_choices, location_choices
from gongdan.tickets.models import Category
from gongdan.web.forms import MultipleFileField

HONEYPOT = "website"


class PortalForm(forms.Form):
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == HONEYPOT:
                field.widget.attrs.update({"tabindex": "-1", "autocomplete": "off", "class": "form-control"})
                continue
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                continue
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


class EmailForm(PortalForm):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email", "autofocus": True}),
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class LookupForm(PortalForm):
    number = forms.CharField(
        label=_("Request number"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "GD-2026-000123", "autocapitalize": "characters"}),
    )
    email = forms.EmailField(
        label=_("The email address you used"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )


class RequestForm(PortalForm):
    """What a requester fills in; the category's own questions are rendered beside it."""

    category = forms.ChoiceField(label=_("What is it about?"), required=False)
    subject = forms.CharField(
        label=_("In a few words, what is wrong?"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "placeholder": _("e.g. The printer on floor 3 jams")}
        ),
    )
    description = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, since when, what you already tried."),
    )
    location = forms.ChoiceField(label=_("Where?"), required=False)
    location_text = forms.CharField(
        label=_("Or describe the place"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Building B, room 204")}),
    )
    files = MultipleFileField(label=_("Photos and files"), required=False)  # type: ignore[assignment]
    # Filled from an asset's QR label (/a/<code>/ → ?asset=<code>): the request is about that machine.
    asset = forms.CharField(required=False, max_length=60, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["category"].choices = category_choices()
        fields["location"].choices = location_choices()

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category")
        return Category.objects.filter(pk=int(value), is_active=True).first() if value else None

    def clean_location(self) -> Location | None:
        value = self.cleaned_data.get("location")
        return Location.objects.filter(pk=int(value), is_active=True).first() if value else None

    def clean_asset(self) -> Asset | None:
        return asset_in_use(self.cleaned_data.get("asset") or "")

    def asset_shown(self) -> Asset | None:
        """The asset the form is about, for the page to name it (bound or initial)."""
        return asset_in_use(str(self["asset"].value() or ""))


def asset_in_use(code: str) -> Asset | None:
    code = code.strip()[:60]
    if not code:
        return None
    return (
        Asset.objects.select_related("location")
        .filter(code__iexact=code)
        .exclude(status=AssetStatus.RETIRED)
        .first()
    )


class WalkUpForm(PortalForm):
    """Reporting without an account: who you are, how we reach you, what is wrong, a photo."""

    description = forms.CharField(
        label=_("What is wrong?"),
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("e.g. The lift stops between floors 3 and 4")}
        ),
    )
    photo = forms.FileField(label=_("A photo (optional)"), required=False)
    name = forms.CharField(
        label=_("Your name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "placeholder": "138 1234 5678"}
        ),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("We mail you the link to follow your report. Give a phone number, an email, or both."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    photo.widget.attrs.update({"accept": "image/*", "capture": "environment"})


class WalkUpReplyForm(PortalForm):
    body = forms.CharField(
        label=_("A note for the technician"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photo = forms.FileField(label=_("A photo (optional)"), required=False)
    photo.widget.attrs.update({"accept": "image/*"})


class ReplyForm(PortalForm):
    body = forms.CharField(
        label=_("Your reply"), required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    files = MultipleFileField(label=_("Photos and files"), required=False)  # type: ignore[assignment]


class StillBrokenForm(PortalForm):
    note = forms.CharField(
        label=_("What is still wrong?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


RATING_CHOICES = [
    (5, _("5 · Excellent")),
    (4, _("4 · Good")),
    (3, _("3 · OK")),
    (2, _("2 · Poor")),
    (1, _("1 · Very poor")),
]


class SurveyForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Your rating"), choices=RATING_CHOICES, coerce=int)
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class PortalSettingsForm(forms.Form):
    csat_enabled = forms.BooleanField(
        label=_("Ask requesters to rate resolved tickets (email and portal)"), required=False
    )
    low_rating_reopen = forms.BooleanField(label=_("A rating of 1 or 2 reopens the ticket"), required=False)
    low_rating_notify_lead = forms.BooleanField(
        label=_("A rating of 1 or 2 alerts the team lead (administrators when the ticket has no team)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-check-input"
