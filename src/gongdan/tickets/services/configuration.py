"""Changes to what an admin configures: categories and their forms, priorities, ticket types, numbering, the
desk settings."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.accounts.services import require_admin
from gongdan.audit.kinds import CONFIG_UPDATE
from gongdan.audit.services import audit_record
from gongdan.core.config_cache import configuration_changed
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.trees import path_ids
from gongdan.tickets.models import (
    Category,
    CustomField,
    DeskSettings,
    FieldType,
    Priority,
    Ticket,
    TicketNumbering,
    TicketType,
)
from gongdan.tickets.services.field_logic import clean_logic

CATEGORY_FIELDS = ("name", "name_en", "parent", "description", "default_team", "default_priority", "default_type",
                   "template", "order", "is_active")  # fmt: skip
FIELD_FIELDS = (
    "key",
    "label",
    "label_en",
    "field_type",
    "required",
    "choices",
    "help_text",
    "order",
    "is_active",
    "logic",
    "sensitive",
    "personal",
)
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)


def _check_category(values: dict[str, Any], *, existing: Category | None) -> None:
    errors: dict[str, list[str]] = {}
    if unknown := set(values) - set(CATEGORY_FIELDS):
        errors.update({f: [_("Unknown or read-only field.")] for f in unknown})
    name = (values.get("name", existing.name if existing else "") or "").strip()
    parent = values.get("parent", existing.parent if existing else None)
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 120 or len(values.get("name_en", "") or "") > 120:
        errors["name"] = [_("Too long.")]
    else:
        siblings = Category.objects.filter(parent=parent, name=name)
        if existing is not None:
            siblings = siblings.exclude(pk=existing.pk)
        if siblings.exists():
            errors["name"] = [_("Another category here has this name.")]
    ancestor = parent
    while existing is not None and ancestor is not None:
        if ancestor.pk == existing.pk:
            errors["parent"] = [_("A category cannot be inside itself.")]
            break
        ancestor = ancestor.parent
    if len(values.get("template", "") or "") > 20_000:
        errors["template"] = [_("Too long.")]
    _errors(errors)


@transaction.atomic
def category_create(*, actor: User | None, name: str, **values: Any) -> Category:
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    values["name"] = (name or "").strip()
    values["name_en"] = (values.get("name_en") or "").strip()
    _check_category(values, existing=None)
    category = Category.objects.create(**values)
    parent_path = category.parent.path if category.parent is not None else "/"
    category.path = f"{parent_path}{category.pk}/"
    category.save(update_fields=["path"])
    return category


@transaction.atomic
def category_update(*, actor: User, category: Category, **values: Any) -> Category:
    """Moving a category moves its whole subtree: every descendant's path is rewritten in one UPDATE."""
    configuration_changed()
    require_admin(actor)
    for key in ("name", "name_en"):
        if key in values:
            values[key] = (values[key] or "").strip()
    _check_category(values, existing=category)
    old_path = category.path
    for field, value in values.items():
        setattr(category, field, value)
    parent_path = category.parent.path if category.parent is not None else "/"
    category.path = f"{parent_path}{category.pk}/"
    category.save()
    if category.path != old_path:
        Category.objects.filter(path__startswith=old_path).exclude(pk=category.pk).update(
            path=Concat(Value(category.path), Substr("path", len(old_path) + 1))
        )
    return category


def _clean_choices(raw: Any) -> list[dict[str, str]]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):  # one choice per line: "value | 中文 | English" or just a label
        items = []
        for line in raw.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            if len(parts) == 1:
                items.append({"value": parts[0], "label": parts[0], "label_en": parts[0]})
            else:
                items.append(
                    {
                        "value": parts[0],
                        "label": parts[1],
                        "label_en": parts[2] if len(parts) > 2 else parts[1],
                    }
                )
        raw = items
    if not isinstance(raw, list) or not all(
        isinstance(c, dict) and str(c.get("value", "")).strip() for c in raw
    ):
        raise ValidationFailed(
            _("Some fields are not valid."), details={"choices": [_("Each choice needs a value.")]}
        )
    values = [str(c["value"]).strip() for c in raw]
    if len(values) != len(set(values)):
        raise ValidationFailed(
            _("Some fields are not valid."), details={"choices": [_("Choice values must differ.")]}
        )
    if len(values) > 200:
        raise ValidationFailed(
            _("Some fields are not valid."), details={"choices": [_("At most 200 choices.")]}
        )
    return [
        {"value": str(c["value"]).strip()[:100], "label": str(c.get("label") or c["value"]).strip()[:120],
         "label_en": str(c.get("label_en") or c.get("label") or c["value"]).strip()[:120]}
        for c in raw
    ]  # fmt: skip


def _check_field(
    values: dict[str, Any], *, category: Category, existing: CustomField | None
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    if unknown := set(values) - set(FIELD_FIELDS):
        errors.update({f: [_("Unknown or read-only field.")] for f in unknown})
    key = (values.get("key", existing.key if existing else "") or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,49}", key):
        errors["key"] = [_("Use lower-case letters, digits and _; start with a letter.")]
    else:
        clash = CustomField.objects.filter(category=category, key=key)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            errors["key"] = [_("This category already has a field with this key.")]
    if "label" in values or existing is None:
        if not (values.get("label") or "").strip():
            errors["label"] = [_("This field is required.")]
    field_type = values.get("field_type", existing.field_type if existing else FieldType.TEXT)
    if field_type not in FieldType.values:
        errors["field_type"] = [_("Unknown field type.")]
    _errors(errors)
    if "choices" in values:
        values["choices"] = _clean_choices(values["choices"])
    choices = values.get("choices", existing.choices if existing else [])
    if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) and not choices:
        _errors({"choices": [_("A choice field needs at least one choice.")]})
    values["key"] = key
    if "logic" in values:
        above = fields_above(category, existing, order=values.get("order", existing.order if existing else 0))
        try:
            values["logic"] = clean_logic(
                values["logic"], field_type=field_type, choices=choices, above=above
            )
        except ValueError as error:
            _errors({"logic": [str(error)]})
    return values


def fields_above(category: Category, field: CustomField | None, *, order: int) -> list[CustomField]:
    """The fields a condition of `field` may look at: those before it on the category's form (parents' first)."""
    mine = (order, field.pk if field else 1 << 62)
    return [f for f in _form_of(category) if (field is None or f.pk != field.pk)
            and (f.category_id != category.pk or (f.order, f.pk) < mine)]  # fmt: skip


def _form_of(category: Category) -> list[CustomField]:
    """The category's form as stored now (parents' fields first), not the per-process copy."""
    ids = path_ids(category.path) or [category.pk]
    depth = {cid: i for i, cid in enumerate(ids)}
    rows = list(CustomField.objects.filter(category_id__in=ids, is_active=True))
    return sorted(rows, key=lambda f: (depth.get(f.category_id, 0), f.order, f.pk))


@transaction.atomic
def custom_field_create(*, actor: User | None, category: Category, **values: Any) -> CustomField:
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    values = _check_field(values, category=category, existing=None)
    return CustomField.objects.create(category=category, **values)


@transaction.atomic
def custom_field_update(*, actor: User | None, field: CustomField, **values: Any) -> CustomField:
    """Changing a key would orphan stored values, so keys are fixed once created. `actor=None` is the system."""
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    if "key" in values and values["key"] != field.key:
        raise ValidationFailed(
            _("Some fields are not valid."), details={"key": [_("A field's key cannot change.")]}
        )
    values = _check_field(values, category=field.category, existing=field)
    for name, value in values.items():
        setattr(field, name, value)
    field.save()
    return field


@transaction.atomic
def priority_update(*, actor: User, priority: Priority, **values: Any) -> Priority:
    configuration_changed()
    require_admin(actor)
    errors: dict[str, list[str]] = {}
    if unknown := set(values) - {"name", "name_en", "colour", "is_default"}:
        errors.update({f: [_("Unknown or read-only field.")] for f in unknown})
    if "name" in values and not (values["name"] or "").strip():
        errors["name"] = [_("This field is required.")]
    if "colour" in values and not HEX_COLOUR.match(values["colour"] or ""):
        errors["colour"] = [_("Use a colour like #d63939.")]
    _errors(errors)
    if values.get("is_default"):
        Priority.objects.exclude(pk=priority.pk).update(is_default=False)
    for name, value in values.items():
        setattr(priority, name, value.strip() if isinstance(value, str) else value)
    priority.save()
    return priority


@transaction.atomic
def ticket_type_update(*, actor: User, ticket_type: TicketType, **values: Any) -> TicketType:
    configuration_changed()
    require_admin(actor)
    if unknown := set(values) - {"name", "name_en", "is_active", "order"}:
        _errors({f: [_("Unknown or read-only field.")] for f in unknown})
    if "name" in values and not (values["name"] or "").strip():
        _errors({"name": [_("This field is required.")]})
    for name, value in values.items():
        setattr(ticket_type, name, value.strip() if isinstance(value, str) else value)
    ticket_type.save()
    return ticket_type


@transaction.atomic
def ticket_type_create(
    *, actor: User | None, code: str, name: str, name_en: str = "", order: int = 0
) -> TicketType:
    """A new type; it follows the default workflow until a workflow of its own is published."""
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
        errors["code"] = [_("Lower-case letters, digits and _, starting with a letter.")]
    elif code == "default" or TicketType.objects.filter(code=code).exists():
        errors["code"] = [_("This code is taken.")]
    if not name:
        errors["name"] = [_("This field is required.")]
    if errors:
        _errors(errors)
    return TicketType.objects.create(code=code, name=name, name_en=(name_en or "").strip(), order=order)


@transaction.atomic
def numbering_update(*, actor: User, prefix: str, include_year: bool, digits: int) -> TicketNumbering:
    """New numbers use the new format; existing tickets keep theirs (numbers never change)."""
    configuration_changed()
    require_admin(actor)
    prefix = (prefix or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
        errors["prefix"] = [_("1–10 letters and digits, starting with a letter.")]
    if isinstance(digits, bool) or not isinstance(digits, int) or not 3 <= digits <= 12:
        errors["digits"] = [_("From 3 to 12.")]
    _errors(errors)
    numbering, _created = TicketNumbering.objects.update_or_create(
        pk=1, defaults={"prefix": prefix, "include_year": include_year, "digits": digits}
    )
    return numbering


@transaction.atomic
def desk_settings_update(*, actor: User, separate_resolution_note: bool) -> DeskSettings:
    """Site-wide behaviour of the agent's desk; read by every composer submit through the reference cache."""
    configuration_changed()
    require_admin(actor)
    if not isinstance(separate_resolution_note, bool):
        _errors({"separate_resolution_note": [_("Choose yes or no.")]})
    desk, _created = DeskSettings.objects.update_or_create(
        pk=1, defaults={"separate_resolution_note": separate_resolution_note}
    )
    return desk


def _own_references(field: CustomField) -> set[str]:
    """The keys of other fields this field's rules look at."""
    logic = field.logic or {}
    keys: set[str] = set()
    for rule in ("show_when", "require_when"):
        keys.update(str(c.get("field")) for c in logic.get(rule) or [])
    for narrowed in logic.get("choices_when") or []:
        keys.update(str(c.get("field")) for c in narrowed.get("when") or [])
    return {key for key in keys if not key.startswith("@")}


@transaction.atomic
def custom_field_reorder(*, actor: User | None, category: Category, keys: list[str]) -> list[CustomField]:
    """Put the category's own fields in this order (the form builder's drag and its up/down buttons).

    `keys` names every field of the category once. A field's rules look only upwards (decision 0106), so an
    order that puts a field above one its rules read is refused, naming both; nothing is saved then. The change
    is one audit entry: the order before and after."""
    if actor is not None:
        require_admin(actor)
    rows = list(CustomField.objects.select_for_update().filter(category=category).order_by("order", "pk"))
    by_key = {f.key: f for f in rows}
    wanted = [str(k) for k in keys] if isinstance(keys, list | tuple) else []
    if len(wanted) != len(set(wanted)) or set(wanted) != set(by_key):
        _errors({"order": [_("The order must name each of the category's fields once.")]})
    position = {key: index for index, key in enumerate(wanted)}
    for key in wanted:
        field = by_key[key]
        if not field.is_active:
            continue
        for needed in sorted(_own_references(field)):
            other = by_key.get(needed)
            if other is not None and other.is_active and position[needed] > position[key]:
                _errors({"order": [_("“%(field)s” depends on “%(other)s”, which would come after it. Move "
                                     "“%(other)s” above it first.") % {"field": field.display_label,
                                                                      "other": other.display_label}]})  # fmt: skip
    before = [f.key for f in rows]
    if before == wanted:
        return rows
    changed = []
    for index, key in enumerate(wanted):
        field = by_key[key]
        if field.order != (index + 1) * 10:
            field.order = (index + 1) * 10
            changed.append(field)
    configuration_changed()
    CustomField.objects.bulk_update(changed, ["order"])
    audit_record(kind=CONFIG_UPDATE, actor=actor, object_type="tickets.category", object_id=category.pk,
                 object_repr=str(category), detail={"before": {"field_order": before},
                                                    "after": {"field_order": wanted}})  # fmt: skip
    return [by_key[key] for key in wanted]


@transaction.atomic
def custom_field_delete(*, actor: User | None, field: CustomField) -> None:
    """Remove a field from its category's form. Refused while a field's rules (here or in a category below)
    look at it, or while tickets hold a value in it (make it inactive instead: the values stay readable)."""
    if actor is not None:
        require_admin(actor)
    category = field.category
    below = CustomField.objects.filter(category__path__startswith=category.path).exclude(pk=field.pk)
    for other in below:
        if field.key in _own_references(other):
            _errors({"field": [_("“%(other)s” has a rule that looks at this field; change that rule first.")
                               % {"other": other.display_label}]})  # fmt: skip
    if Ticket.objects.filter(
        category__path__startswith=category.path, custom_values__has_key=field.key
    ).exists():
        _errors({"field": [_("Tickets hold values in this field. Make it inactive instead: it leaves the form "
                             "and the values stay readable.")]})  # fmt: skip
    configuration_changed()
    field.delete()
