"""The categories section of the configuration file (admin_console.transfer): each category with its form —
its fields and their conditions — named by its path of names ("设备 / 电脑"), its team by name, its priority and
type by code. A condition on the category names categories by path too, never by id."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Team, User
from gongdan.admin_console.transfer import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Change,
    Item,
    TransferSection,
    changed_fields,
)
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.trees import path_ids
from gongdan.tickets.models import Category, CustomField, Priority, TicketType
from gongdan.tickets.services import configuration

SEP = " / "
FIELD_KEYS = ("label", "label_en", "field_type", "required", "choices", "help_text", "order", "is_active",
              "logic", "sensitive", "personal")  # fmt: skip
CATEGORY_KEYS = ("name_en", "description", "default_team", "default_priority", "default_type", "template",
                 "order", "is_active")  # fmt: skip
CATEGORY_DEFAULTS: Item = {"name_en": "", "description": "", "default_team": None, "default_priority": None,
                           "default_type": None, "template": "", "order": 0, "is_active": True}  # fmt: skip
FIELD_DEFAULTS: Item = {"label_en": "", "field_type": "text", "required": False, "choices": [], "help_text": "",
                        "order": 0, "is_active": True, "logic": {}, "sensitive": False, "personal": False}  # fmt: skip


def _paths() -> dict[int, list[str]]:
    rows = {c.pk: c for c in Category.objects.all()}
    return {pk: [rows[i].name for i in path_ids(c.path) if i in rows] for pk, c in rows.items()}


def _swap_categories(logic: dict[str, Any], swap: Any) -> dict[str, Any]:
    """A copy of the rules with every @category value passed through `swap`."""

    def conditions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for c in items or []:
            c = dict(c)
            if c.get("field") == "@category" and c.get("value") is not None:
                value = c["value"]
                c["value"] = [swap(v) for v in value] if isinstance(value, list) else swap(value)
            out.append(c)
        return out

    copy: dict[str, Any] = {}
    for rule in ("show_when", "require_when"):
        if rule in logic:
            copy[rule] = conditions(logic[rule])
    if "choices_when" in logic:
        copy["choices_when"] = [{**r, "when": conditions(r.get("when") or [])} for r in logic["choices_when"]]
    return copy


def _field_item(field: CustomField, paths: dict[int, list[str]]) -> Item:
    def named(value: Any) -> Any:
        pk = int(value) if str(value).isdigit() else None
        return {"category": paths[pk]} if pk in paths else value

    item = {"key": field.key, **{k: getattr(field, k) for k in FIELD_KEYS}}
    item["logic"] = _swap_categories(field.logic or {}, named)
    return item


def _category_item(category: Category, paths: dict[int, list[str]], fields: list[CustomField]) -> Item:
    return {
        "path": paths[category.pk], "name_en": category.name_en, "description": category.description,
        "default_team": category.default_team.name if category.default_team else None,
        "default_priority": category.default_priority.code if category.default_priority else None,
        "default_type": category.default_type.code if category.default_type else None,
        "template": category.template, "order": category.order, "is_active": category.is_active,
        "fields": [_field_item(f, paths) for f in fields],
    }  # fmt: skip


def export_categories() -> list[Item]:
    paths = _paths()
    categories = Category.objects.select_related("default_team", "default_priority", "default_type")
    fields: dict[int, list[CustomField]] = {}
    for field in CustomField.objects.order_by("order", "pk"):
        fields.setdefault(field.category_id, []).append(field)
    ordered = sorted(categories, key=lambda c: (len(paths[c.pk]), paths[c.pk]))
    return [_category_item(c, paths, fields.get(c.pk, [])) for c in ordered]


def _key(item: Item) -> str:
    path = item.get("path")
    return SEP.join(str(p) for p in path) if isinstance(path, list) else str(path)


def _refuse(key: str, message: str, details: dict[str, list[str]] | None = None) -> ValidationFailed:
    text = _("Category “%(key)s”: %(message)s") % {"key": key, "message": message}
    return ValidationFailed(
        text, details={f"categories.{key}.{k}": v for k, v in (details or {"file": [message]}).items()}
    )


def _named(model: Any, column: str, value: Any, key: str) -> Any:
    if value in (None, ""):
        return None
    row = model.objects.filter(**{column: value}).first()
    if row is None:
        raise _refuse(key, _("“%(value)s” does not exist on this site.") % {"value": value})
    return row


def apply_categories(actor: User, items: list[Item]) -> list[Change]:
    changes: list[Change] = []
    for item in items:
        path = item.get("path")
        if not isinstance(path, list) or not path or not all(isinstance(p, str) and p.strip() for p in path):
            raise _refuse(_key(item), _("“path” must be a list of category names, from the top."))
        if not isinstance(item.get("fields", []), list):
            raise _refuse(_key(item), _("“fields” must be a list."))
    done: dict[tuple[str, ...], Category] = {}
    ordered = sorted(items, key=lambda i: len(i["path"]))
    paths = _paths()
    for item in ordered:  # the categories first (a condition may name one further down the file)
        key, path = _key(item), tuple(item["path"])
        parent = None
        if len(path) > 1:
            parent = done.get(path[:-1]) or _find(path[:-1])
            if parent is None:
                raise _refuse(key, _("Its parent category is neither on this site nor in the file."))
        existing = Category.objects.filter(parent=parent, name=path[-1]).first()
        wanted = {**CATEGORY_DEFAULTS, **{k: item.get(k, CATEGORY_DEFAULTS[k]) for k in CATEGORY_KEYS}}
        values = {**wanted, "parent": parent,
                  "default_team": _named(Team, "name", wanted["default_team"], key),
                  "default_priority": _named(Priority, "code", wanted["default_priority"], key),
                  "default_type": _named(TicketType, "code", wanted["default_type"], key)}  # fmt: skip
        try:
            if existing is None:
                category = configuration.category_create(actor=actor, name=path[-1], **values)
                changes.append(Change("categories", key, CREATE))
            else:
                before = {k: v for k, v in _category_item(existing, paths, []).items() if k in CATEGORY_KEYS}
                diff = changed_fields(before, wanted)
                category = (
                    configuration.category_update(actor=actor, category=existing, **values)
                    if diff
                    else existing
                )
                changes.append(Change("categories", key, UPDATE if diff else UNCHANGED, diff))
        except ValidationFailed as exc:
            raise _refuse(key, str(exc.message), exc.details) from None
        done[path] = category
    paths = _paths()
    by_path = {tuple(p): pk for pk, p in paths.items()}
    for item in ordered:
        category = done[tuple(item["path"])]
        changes += _apply_fields(actor, category, _key(item), item.get("fields") or [], by_path, paths)
    return changes


def _find(path: tuple[str, ...]) -> Category | None:
    parent = None
    for name in path:
        parent = Category.objects.filter(parent=parent, name=name).first()
        if parent is None:
            return None
    return parent


def _apply_fields(actor: User, category: Category, key: str, items: list[Any],
                  by_path: dict[tuple[str, ...], int], paths: dict[int, list[str]]) -> list[Change]:  # fmt: skip
    def pk_of(value: Any) -> Any:
        if isinstance(value, dict) and "category" in value:
            pk = by_path.get(tuple(value["category"] or []))
            if pk is None:
                raise _refuse(key, _("A condition names the category “%(path)s”, which is neither on this site "
                                     "nor in the file.") % {"path": SEP.join(map(str, value["category"] or []))})  # fmt: skip
            return str(pk)
        return value

    changes = []
    existing = {f.key: f for f in category.custom_fields.all()}
    ordered = sorted((i for i in items if isinstance(i, dict)), key=lambda i: i.get("order") or 0)
    if len(ordered) != len(items):
        raise _refuse(key, _("Each field must be an object."))
    for item in ordered:
        field_key = str(item.get("key") or "")
        wanted = {**FIELD_DEFAULTS, **{k: item[k] for k in FIELD_KEYS if k in item}}
        logic = wanted["logic"] if isinstance(wanted["logic"], dict) else {}
        values = {**wanted, "logic": _swap_categories(logic, pk_of)}
        label = f"{key} · {field_key}"
        field = existing.get(field_key)
        try:
            if field is None:
                configuration.custom_field_create(actor=actor, category=category, key=field_key, **values)
                changes.append(Change("categories", label, CREATE))
                continue
            before = {k: v for k, v in _field_item(field, paths).items() if k in FIELD_KEYS}
            diff = changed_fields(before, wanted)
            if diff:
                configuration.custom_field_update(actor=actor, field=field, **values)
            changes.append(Change("categories", label, UPDATE if diff else UNCHANGED, diff))
        except ValidationFailed as exc:
            message = "; ".join(m for ms in exc.details.values() for m in ms) or str(exc.message)
            raise _refuse(label, message, exc.details) from None
    return changes


SECTIONS = (
    TransferSection(key="categories", title=gettext_lazy("Categories and their forms"), order=10,
                    export=export_categories, apply=apply_categories, key_of=_key),
)  # fmt: skip
