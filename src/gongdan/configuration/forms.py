"""The shape of what the settings screens accept. Business rules live in the services; a form only checks
types and lengths and passes clean values on. `show_domain_error` puts a service's per-field details next
to the matching fields."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Language, Organisation, Role, ServiceTier, Skill, Team
from gongdan.accounts.services import EMAIL_DOMAIN
from gongdan.assets.models import Location
from gongdan.configuration.selectors import category_tree, descendant_ids, location_tree, tree_rows
from gongdan.core.domain_errors import DomainError
from gongdan.tickets.models import Category, CustomField, FieldType, Priority, TicketType

WIDGET_CLASSES = (
    (forms.CheckboxInput, "form-check-input"),
    (forms.CheckboxSelectMultiple, "form-check-input"),
    (forms.RadioSelect, "form-check-input"),
    (forms.Select, "form-select"),
)


class TablerForm(forms.Form):
    """Adds Tabler's classes to widgets and marks fields with errors as invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = next((c for w, c in WIDGET_CLASSES if isinstance(field.widget, w)), "form-control")
            if getattr(field.widget, "input_type", "") == "color":
                css = "form-control form-control-color"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def show_domain_error(form: forms.Form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's field details next to the fields; anything else goes at the top of the form."""
    aliases = aliases or {}
    placed = False
    for key, messages in (exc.details or {}).items():
        messages = [str(m) for m in (messages if isinstance(messages, list | tuple) else [messages])]
        name = aliases.get(key, key)
        if name in form.fields:
            form.add_error(name, messages)
            placed = True
        else:
            form.add_error(None, [f"{key}: {m}" for m in messages])
    if not placed or str(exc.message) != gettext("Some fields are not valid."):
        form.add_error(None, str(exc.message))


class TreeSelect(forms.Select):
    """A select for a tree: options indented by depth; a node and its descendants can be shown disabled
    (the service still refuses them if a request names one)."""

    def __init__(self, *args: Any, depths: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.depths: dict[str, int] = depths or {}
        self.disabled_values: set[str] = set()

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):  # type: ignore[no-untyped-def]
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        key = str(getattr(value, "value", value))
        depth = self.depths.get(key, 0)
        if depth:
            option["label"] = "\u00a0\u00a0\u00a0" * depth + "└ " + str(label)
        if key in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class TreeChoiceField(forms.ModelChoiceField):
    def __init__(self, rows: Iterable[Any], *, label_of: Any, **kwargs: Any) -> None:
        rows = list(rows)
        self._labels = {r.node.pk: label_of(r.node) for r in rows}
        kwargs.setdefault("required", False)
        kwargs["widget"] = TreeSelect(depths={str(r.node.pk): r.depth for r in rows})
        super().__init__(**kwargs)
        self.choices = [("", "—"), *((r.node.pk, self._labels[r.node.pk]) for r in rows)]

    def label_from_instance(self, obj: Any) -> str:
        return self._labels.get(obj.pk, str(obj))

    def disable_subtree(self, ids: Iterable[int]) -> None:
        self.widget.disabled_values = {str(pk) for pk in ids}


def time_zone_choices() -> list[tuple[str, str]]:
    return [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz or tz == "UTC"]


class TeamsField(forms.ModelMultipleChoiceField):
    """Every team, so editing a user never drops them from an inactive one; inactive ones say so."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.label if obj.is_active else gettext("%(name)s (inactive)") % {"name": obj.label}


# People ---------------------------------------------------------------------------------------------


class UserForm(TablerForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Display name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REQUESTER)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH_HANS)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="Asia/Shanghai")
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="—",
    )
    sees_organisation_tickets = forms.BooleanField(
        label=_("Sees the organisation's tickets"),
        required=False,
        help_text=_("A requester with this grant sees every ticket of their organisation."),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Optional. Without one, the user cannot sign in with a password until one is set."),
    )
    teams = TeamsField(
        label=_("Teams"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            del self.fields["username"]
            self.fields["password"].label = _("New password")
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("role") == Role.REQUESTER and data.get("teams"):
            self.add_error("teams", _("Requesters cannot be in a team; give the user a staff role first."))
        return data

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = (
            "display_name",
            "email",
            "phone",
            "role",
            "language",
            "time_zone",
            "organisation",
            "sees_organisation_tickets",
        )
        return {name: data[name] for name in names}


class SkillLevelsForm(TablerForm):
    LEVELS = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]

    def __init__(self, *args: Any, skills: Iterable[Skill], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skills = list(skills)
        for skill in self.skills:
            self.fields[f"skill_{skill.pk}"] = forms.TypedChoiceField(
                label=skill.label, choices=self.LEVELS, coerce=int, empty_value=None, required=False
            )
            self.fields[f"skill_{skill.pk}"].widget.attrs["class"] = "form-select"

    def levels(self) -> dict[Skill, int]:
        return {
            skill: self.cleaned_data[f"skill_{skill.pk}"]
            for skill in self.skills
            if self.cleaned_data.get(f"skill_{skill.pk}")
        }

    def rows(self) -> list[tuple[Skill, Any]]:
        return [(skill, self[f"skill_{skill.pk}"]) for skill in self.skills]


class TeamForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label=_("Team email"), required=False, max_length=254)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.all()
        rows = tree_rows(teams, sort_key=lambda t: (t.label.lower(), t.pk))
        self.fields["parent"] = TreeChoiceField(
            rows, label_of=lambda t: t.label, label=_("Parent team"), queryset=teams
        )
        if team is not None:
            below = {team.pk}
            changed = True
            while changed:  # teams have no materialised path; walk down from the team
                more = {t.pk for t in teams if t.parent_id in below} - below
                changed = bool(more)
                below |= more
            cast(TreeChoiceField, self.fields["parent"]).disable_subtree(below)
        else:
            del self.fields["is_active"]
        self.order_fields(["name", "name_en", "parent", "description", "email", "is_active"])
        self.fields["parent"].widget.attrs["class"] = "form-select"


class TeamMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), required=False)
    leads = forms.ModelMultipleChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("members", "leads"):
            cast(forms.ModelMultipleChoiceField, self.fields[name]).queryset = candidates


class SkillForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=80)
    name_en = forms.CharField(label=_("Name (English)"), max_length=80, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class OrganisationForm(TablerForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Organisation.Kind.choices)
    service_tier = forms.ChoiceField(label=_("Service tier"), choices=ServiceTier.choices)
    email_domain = forms.CharField(
        label=_("Email domain"),
        max_length=200,
        required=False,
        help_text=_("Requesters whose address ends with this domain belong here, e.g. example.com."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]

    def clean_email_domain(self) -> str:
        value = self.cleaned_data["email_domain"].strip().lower().lstrip("@")
        if value and not EMAIL_DOMAIN.match(value):
            raise forms.ValidationError(_("Enter a domain such as example.com."))
        return value


# Places ---------------------------------------------------------------------------------------------


class LocationForm(TablerForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Location.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=400, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, location: Location | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = TreeChoiceField(
            location_tree(), label_of=lambda n: n.name, label=_("Inside"), queryset=Location.objects.all()
        )
        self.fields["parent"].widget.attrs["class"] = "form-select"
        if location is not None:
            cast(TreeChoiceField, self.fields["parent"]).disable_subtree(descendant_ids(Location, location))
        self.order_fields(["parent", "kind", "name", "code", "address", "latitude", "longitude"])
        for name in ("latitude", "longitude"):
            self.fields[name].widget.attrs["step"] = "0.000001"


# Tickets --------------------------------------------------------------------------------------------


class CategoryForm(TablerForm):
    third_width = ("default_team", "default_priority", "default_type")
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    default_team = forms.ModelChoiceField(
        label=_("Default team"), queryset=Team.objects.order_by("name"), required=False, empty_label="—"
    )
    default_priority = forms.ModelChoiceField(
        label=_("Default priority"),
        queryset=Priority.objects.order_by("rank"),
        required=False,
        empty_label="—",
    )
    default_type = forms.ModelChoiceField(
        label=_("Default type"),
        queryset=TicketType.objects.order_by("order", "code"),
        required=False,
        empty_label="—",
    )
    template = forms.CharField(
        label=_("Description template"),
        strip=False,
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_("Pre-filled description for new tickets in this category (Markdown)."),
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"] = TreeChoiceField(
            category_tree(),
            label_of=lambda n: n.label,
            label=_("Parent category"),
            queryset=Category.objects.all(),
        )
        self.fields["parent"].widget.attrs["class"] = "form-select"
        if category is not None:
            cast(TreeChoiceField, self.fields["parent"]).disable_subtree(descendant_ids(Category, category))
        self.order_fields(
            [
                "name",
                "name_en",
                "parent",
                "order",
                "description",
                "default_team",
                "default_priority",
                "default_type",
                "template",
                "is_active",
            ]
        )


def choices_to_text(choices: list[dict[str, str]]) -> str:
    lines = []
    for choice in choices or []:
        value, label, label_en = choice.get("value", ""), choice.get("label", ""), choice.get("label_en", "")
        lines.append(" | ".join(p for p in (value, label, label_en) if p is not None))
    return "\n".join(lines)


class CustomFieldForm(TablerForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$", _("Use lower-case letters, digits and _; start with a letter.")
            )
        ],
        help_text=_("Lower-case letters, digits and _, starting with a letter. Cannot change later."),
    )
    label = forms.CharField(label=_("Label (Chinese)"), max_length=120)
    label_en = forms.CharField(label=_("Label (English)"), max_length=120, required=False)
    field_type = forms.ChoiceField(label=_("Type"), choices=FieldType.choices, initial=FieldType.TEXT)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        max_length=40_000,
        widget=forms.Textarea(
            attrs={"rows": 5, "class": "font-monospace", "placeholder": "wired | 有线网络 | Wired network"}
        ),
        help_text=_("For choice fields: one per line, as “value | 中文 | English”."),
    )
    help_text = forms.CharField(label=_("Help text"), max_length=300, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, field: CustomField | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field_type"].widget.attrs["data-choice-types"] = "choice multi_choice"
        if field is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("A field's key cannot change: stored values use it.")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("field_type") not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            data["choices"] = ""  # only choice fields keep choices
        return data

    def service_values(self) -> dict[str, Any]:
        values = dict(self.cleaned_data)
        values.pop("key", None)
        return values


class PriorityForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    colour = forms.CharField(label=_("Colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"}))
    is_default = forms.BooleanField(label=_("Default"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colour"].widget.input_type = "color"
        self.fields["colour"].widget.attrs["class"] = "form-control form-control-color"


class TicketTypeForm(TablerForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=120, required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767)
    is_active = forms.BooleanField(label=_("Active"), required=False)


class NumberingForm(TablerForm):
    prefix = forms.CharField(  # type: ignore[assignment]  # a field, taken out of the class by the metaclass
        label=_("Prefix"),
        max_length=10,
        help_text=_("1–10 letters and digits, starting with a letter."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    include_year = forms.BooleanField(label=_("Include the year"), required=False)
    digits = forms.IntegerField(
        label=_("Digits"), min_value=3, max_value=12, help_text=_("Length of the running number, 3 to 12.")
    )
