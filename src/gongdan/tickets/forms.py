"""The agent's forms: a new ticket, and the choices (categories, places, staff) other screens reuse."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.assets.models import Asset, AssetStatus, Location
from gongdan.core.bilingual import pick_label
from gongdan.tickets.models import Category, Priority, TicketType
from gongdan.web.forms import LabelledChoiceField, MarksInvalid, MultipleFileField
from gongdan.web.templatetags.gongdan_web import indent


def category_choices(*, also: int | None = None) -> list[tuple[str, str]]:
    """("", "—") then every active category as a tree (plus `also`, e.g. a ticket's retired one)."""
    active = Q(is_active=True) | Q(pk=also) if also else Q(is_active=True)
    rows = (
        Category.objects.filter(active).order_by("path", "order").values_list("id", "path", "name", "name_en")
    )
    return [("", "—")] + [
        (str(pk), f"{indent(max(path.count('/') - 2, 0))}{pick_label(name, name_en)}")
        for pk, path, name, name_en in rows
    ]


def location_choices() -> list[tuple[str, str]]:
    rows = Location.objects.filter(is_active=True).order_by("path").values_list("id", "path", "name")
    return [("", "—")] + [
        (str(pk), f"{indent(max(path.count('/') - 2, 0))}{name}") for pk, path, name in rows
    ]


def staff_users() -> Any:
    # Only what an <option> shows: whole user rows for a few hundred staff cost more than the page.
    return (
        User.objects.filter(is_active=True, role__in=["agent", "team_lead", "manager", "admin"])
        .only("id", "username", "display_name", "first_name", "last_name", "role", "is_active")
        .order_by("display_name", "username")
    )


def staff_choices() -> list[tuple[int, str]]:
    """(id, name) of every active staff member, for select lists (no User objects built)."""
    rows = staff_users().values_list("id", *User.NAME_COLUMNS)
    return [(pk, User.name_from(*names)) for pk, *names in rows]


class TicketCreateForm(MarksInvalid, forms.Form):
    """The fixed part of the new-ticket form; the category's own fields are rendered beside it."""

    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=50_000,
                                  widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "id_description_helptext"}))  # fmt: skip
    ticket_type = LabelledChoiceField(label=_("Type"), queryset=TicketType.objects.none(), required=False,
                                      empty_label=_("Category default"))  # fmt: skip
    priority = forms.ModelChoiceField(label=pgettext_lazy("ticket field", "Priority"), queryset=Priority.objects.none(), required=False,
                                      empty_label=_("Category default"))  # fmt: skip
    team = LabelledChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False,
                               empty_label=_("Category default"))  # fmt: skip
    assignee = LabelledChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False,
                                   empty_label=_("Nobody yet"))  # fmt: skip
    requester = LabelledChoiceField(label=_("Requester"), queryset=User.objects.none(), required=False,
                                    empty_label=_("Me"))  # fmt: skip
    due_at = forms.DateTimeField(label=_("Due"), required=False,
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])  # fmt: skip
    asset = forms.CharField(label=_("Asset"), required=False, max_length=60,
                            help_text=_("The code of the machine or equipment, if it is about one."))  # fmt: skip
    location = forms.ChoiceField(label=_("Location"), required=False)
    location_text = forms.CharField(label=_("Or describe where"), required=False, max_length=300)
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000,
                           help_text=_("Separate tags with commas."))  # fmt: skip
    files = MultipleFileField(label=_("Photos and files"), required=False)  # type: ignore[assignment]

    STAFF_ONLY = ("priority", "team", "assignee", "requester", "due_at", "tags")

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        fields: dict[str, Any] = self.fields  # the concrete field classes are declared above
        fields["category"].choices = category_choices()
        fields["location"].choices = location_choices()
        fields["ticket_type"].queryset = TicketType.objects.filter(is_active=True)
        if actor.is_staff_member:
            fields["priority"].queryset = Priority.objects.all()
            fields["team"].queryset = Team.objects.filter(is_active=True)
            fields["assignee"].queryset = staff_users()
            fields["requester"].queryset = User.objects.filter(is_active=True).order_by(
                "display_name", "username"
            )
        else:
            for name in self.STAFF_ONLY:
                del self.fields[name]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]

    def clean_category(self) -> Category | None:
        value = self.cleaned_data.get("category")
        return Category.objects.filter(pk=int(value), is_active=True).first() if value else None

    def clean_asset(self) -> Asset | None:
        code = (self.cleaned_data.get("asset") or "").strip()
        if not code:
            return None
        asset = Asset.objects.select_related("location").filter(code__iexact=code).first()
        if asset is None or asset.status == AssetStatus.RETIRED:
            raise forms.ValidationError(_("No asset in use has this code."))
        return asset

    def clean_location(self) -> Location | None:
        value = self.cleaned_data.get("location")
        return Location.objects.filter(pk=int(value), is_active=True).first() if value else None
