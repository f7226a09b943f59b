"""What the ticket settings screens accept (categories and their fields, priorities, types, numbering); business
rules live in the services, a form only checks types and lengths."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Team
from gongdan.core.trees import descendant_ids
from gongdan.tickets.models import Category, CustomField, FieldType, Priority, TicketType
from gongdan.tickets.selectors import category_tree
from gongdan.web.forms import TablerForm, TreeChoiceField


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


OPERATOR_LABELS = [
    ("eq", _("equal to")), ("ne", _("not equal to")), ("in", _("one of (comma-separated)")),
    ("not_in", _("none of (comma-separated)")), ("gt", _("greater than")), ("gte", _("at least")),
    ("lt", _("less than")), ("lte", _("at most")), ("set", _("filled in")), ("unset", _("empty")),
]  # fmt: skip


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
    sensitive = forms.BooleanField(
        label=_("Sensitive"),
        required=False,
        help_text=_(
            "Stored encrypted (SM4 or AES), masked in lists and exports, shown to staff on request with an "
            "audit entry. Sensitive values cannot be searched or used in rules."
        ),
    )
    personal = forms.BooleanField(
        label=_("Personal data"),
        required=False,
        help_text=_("Says something about a person: exported with them, erased with them and by retention."),
    )

    # The conditions, one per rule (the API takes up to ten per rule; services/field_logic.py).
    show_field = forms.ChoiceField(label=_("Show only when"), required=False)
    show_op = forms.ChoiceField(label=_("is"), required=False)
    show_value = forms.CharField(label=_("value"), required=False, max_length=200)
    require_field = forms.ChoiceField(label=_("Required when"), required=False)
    require_op = forms.ChoiceField(label=_("is"), required=False)
    require_value = forms.CharField(label=_("value"), required=False, max_length=200)
    narrow_field = forms.ChoiceField(label=_("Offer fewer choices when"), required=False)
    narrow_op = forms.ChoiceField(label=_("is"), required=False)
    narrow_value = forms.CharField(label=_("value"), required=False, max_length=200)
    narrow_choices = forms.CharField(label=_("then only these values"), required=False, max_length=2000,
                                     help_text=_("Values from the choices above, separated by commas."))  # fmt: skip

    RULES = (("show", "show_when"), ("require", "require_when"), ("narrow", "choices_when"))

    def __init__(
        self,
        *args: Any,
        field: CustomField | None = None,
        above: list[CustomField] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field_type"].widget.attrs["data-choice-types"] = "choice multi_choice"
        if field is not None:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("A field's key cannot change: stored values use it.")
        targets = [("", "—"), ("@category", _("the category (or one below it)")), ("@priority", _("the priority")),
                   *((f.key, f.display_label) for f in above or [])]  # fmt: skip
        ops = [("", "—"), *OPERATOR_LABELS]
        for prefix, _rule in self.RULES:
            cast(forms.ChoiceField, self.fields[f"{prefix}_field"]).choices = targets
            cast(forms.ChoiceField, self.fields[f"{prefix}_op"]).choices = ops

    BUILDER = ("show_field", "show_op", "show_value", "require_field", "require_op", "require_value", "narrow_field",
               "narrow_op", "narrow_value", "narrow_choices")  # fmt: skip

    def main_fields(self) -> list[Any]:
        return [bound for bound in self if bound.name not in self.BUILDER]

    @staticmethod
    def builder_initial(logic: dict[str, Any]) -> dict[str, Any]:
        """The builder's inputs for stored rules (the first condition of each)."""
        initial: dict[str, Any] = {}
        for prefix, rule in CustomFieldForm.RULES:
            items = logic.get(rule) or []
            if not items:
                continue
            first = items[0]["when"][0] if rule == "choices_when" else items[0]
            value = first.get("value")
            initial.update({f"{prefix}_field": first.get("field"), f"{prefix}_op": first.get("op"),
                            f"{prefix}_value": ", ".join(value) if isinstance(value, list) else (value or "")})  # fmt: skip
            if rule == "choices_when":
                initial["narrow_choices"] = ", ".join(items[0]["values"])
        return initial

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("field_type") not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            data["choices"] = ""  # only choice fields keep choices
        logic: dict[str, Any] = {}
        for prefix, rule in self.RULES:
            target, op = data.pop(f"{prefix}_field", ""), data.pop(f"{prefix}_op", "")
            raw = (data.pop(f"{prefix}_value", "") or "").strip()
            if not target and not op:
                continue
            if not target or not op:
                self.add_error(f"{prefix}_field", _("Choose what to look at and how."))
                continue
            value: Any = [v.strip() for v in raw.split(",") if v.strip()] if op in ("in", "not_in") else raw
            condition = {"field": target, "op": op, "value": value}
            if rule == "choices_when":
                values = [v.strip() for v in (data.get("narrow_choices") or "").split(",") if v.strip()]
                logic[rule] = [{"when": [condition], "values": values}]
            else:
                logic[rule] = [condition]
        data.pop("narrow_choices", None)
        data["logic"] = logic
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


class DeskSettingsForm(TablerForm):
    separate_resolution_note = forms.BooleanField(
        label=_("Require a separate resolution note"),
        required=False,
        help_text=_(
            "Off: “Send and resolve” takes the resolution note from the reply. On: agents write the "
            "resolution note in a field of its own."
        ),
    )
