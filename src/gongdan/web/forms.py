"""Forms check the shape of what the browser sent; business rules stay in the services."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongdan.core.domain_errors import DomainError

MAX_FILES = 10


class MarksInvalid:
    """After validation, flag each field with an error for styling and screen readers."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name in self.errors:  # type: ignore[attr-defined]
            if name in self.fields:  # type: ignore[attr-defined]
                widget = self.fields[name].widget  # type: ignore[attr-defined]
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"


class LabelledChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return getattr(obj, "label", None) or getattr(obj, "name", None) or str(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("At most %(max)d files at a time.") % {"max": MAX_FILES})
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


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
