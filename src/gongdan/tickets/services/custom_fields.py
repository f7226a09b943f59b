"""Validation of a ticket's custom field values against its category's form."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Category, CustomField, FieldType
from gongdan.tickets.reference import reference
from gongdan.tickets.services.field_logic import FieldState, evaluate

MAX_TEXT = 2000


def fields_for_category(category: Category | None) -> list[CustomField]:
    """The active fields of the category and of every category above it, parents' first (from the per-process
    copy of the configuration: no query)."""
    if category is None:
        return []
    return list(reference().fields.get(category.pk, []))


def category_context(category: Category | None) -> str:
    """What ``@category`` conditions compare with: the category's id and its parents' ("/3/7/" → "3/7")."""
    return (
        category.path.strip("/")
        if category is not None and category.path.strip("/")
        else str(category.pk if category else "")
    )


def depends_on_priority(category: Category | None) -> bool:
    """Whether a condition of this category's form looks at the priority (a priority change re-checks the form)."""
    return any(c.get("field") == "@priority" for f in fields_for_category(category) for rule in (f.logic or {}).values()
               for c in (x for r in rule for x in (r.get("when", []) if "when" in r else [r])))  # fmt: skip


def form_states(
    category: Category | None, values: dict[str, Any], *, priority_code: str = ""
) -> dict[str, FieldState]:
    return evaluate(fields_for_category(category), values, category_code=category_context(category),
                    priority_code=priority_code)  # fmt: skip


def clean_custom_values(
    category: Category | None,
    values: dict[str, Any] | None,
    *,
    previous: dict[str, Any] | None = None,
    priority_code: str = "",
) -> dict[str, Any]:
    """Merge `values` over `previous`, keep only the category's fields, check types and requirements — as the
    form's conditions make them for these values and this priority (a hidden field's value is dropped).

    Raises ValidationFailed with one message per bad field (keys `custom_fields.<key>`); nothing is saved.
    """
    fields = fields_for_category(category)
    by_key = {f.key: f for f in fields}
    values = dict(values or {})
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in by_key:
            errors[f"custom_fields.{key}"] = [_("This category has no field “%(key)s”.") % {"key": key}]
    merged = {k: v for k, v in (previous or {}).items() if k in by_key}
    merged.update({k: v for k, v in values.items() if k in by_key})
    states = evaluate(fields, merged, category_code=category_context(category), priority_code=priority_code)
    cleaned: dict[str, Any] = {}
    for field in fields:
        state = states[field.key]
        if not state.visible:
            continue
        raw = merged.get(field.key)
        if _is_empty(raw):
            if state.required:
                errors[f"custom_fields.{field.key}"] = [
                    _("“%(label)s” is required.") % {"label": field.display_label}
                ]
            continue
        try:
            cleaned[field.key] = _clean_one(field, raw)
        except ValueError as exc:
            errors[f"custom_fields.{field.key}"] = [str(exc)]
            continue
        if state.choices is not None:
            chosen = cleaned[field.key] if isinstance(cleaned[field.key], list) else [cleaned[field.key]]
            if not set(chosen) <= set(state.choices):
                labels = dict(field.choice_options())
                errors[f"custom_fields.{field.key}"] = [
                    _("Here “%(label)s” can only be: %(choices)s.")
                    % {
                        "label": field.display_label,
                        "choices": ", ".join(labels.get(c, c) for c in state.choices),
                    }
                ]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _clean_one(field: CustomField, raw: Any) -> Any:
    label = field.display_label
    match field.field_type:
        case FieldType.TEXT:
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise ValueError(_("“%(label)s” must be text.") % {"label": label})
            text = str(raw).strip()
            if len(text) > MAX_TEXT:
                raise ValueError(
                    _("“%(label)s” is too long (at most %(max)d characters).")
                    % {"label": label, "max": MAX_TEXT}
                )
            return text
        case FieldType.NUMBER:
            try:
                if isinstance(raw, bool):
                    raise TypeError
                number = float(raw)
            except (TypeError, ValueError):
                raise ValueError(_("“%(label)s” must be a number.") % {"label": label}) from None
            if not math.isfinite(number) or abs(number) > 1e15:
                raise ValueError(_("“%(label)s” must be a number.") % {"label": label})
            return int(number) if number.is_integer() else number
        case FieldType.DATE:
            try:
                return date.fromisoformat(str(raw)).isoformat()
            except ValueError:
                raise ValueError(_("“%(label)s” must be a date (YYYY-MM-DD).") % {"label": label}) from None
        case FieldType.CHOICE:
            allowed = {value for value, _label in field.choice_options()}
            if str(raw) not in allowed:
                raise ValueError(
                    _("“%(value)s” is not one of the choices of “%(label)s”.")
                    % {"value": raw, "label": label}
                )
            return str(raw)
        case FieldType.MULTI_CHOICE:
            items = raw if isinstance(raw, list) else [raw]
            allowed = {value for value, _label in field.choice_options()}
            bad = [str(item) for item in items if str(item) not in allowed]
            if bad:
                raise ValueError(
                    _("“%(value)s” is not one of the choices of “%(label)s”.")
                    % {"value": ", ".join(bad), "label": label}
                )
            return sorted({str(item) for item in items})
        case FieldType.USER:
            user = _find_user(raw)
            if user is None:
                raise ValueError(_("“%(label)s” must name an active user.") % {"label": label})
            return user.pk
    raise ValueError(_("Unknown field type."))


def _find_user(raw: Any) -> User | None:
    users = User.objects.filter(is_active=True)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return users.filter(pk=raw).first()
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if text.isdigit():
            return users.filter(pk=int(text)).first()
        return users.filter(username=text).first()
    return None
