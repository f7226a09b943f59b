"""Conditional fields (issue 15, item 4): a custom field shown, required or given fewer choices depending on
the fields above it, the ticket's category or its priority.

A field's `logic` holds up to three rules, each a list of conditions that must all hold:

    {"show_when":    [{"field": "kind", "op": "eq", "value": "laptop"}],
     "require_when": [{"field": "@priority", "op": "in", "value": ["P0", "P1"]}],
     "choices_when": [{"when": [{"field": "site", "op": "eq", "value": "sz"}], "values": ["a", "b"]}]}

A condition names a field *above* this one (so the form reads top to bottom and no loop can form), or
``@category`` (the category's code) or ``@priority`` (the priority's code). A hidden field counts as empty for
the fields below it, is never required, and any value sent for it is dropped. The server (`evaluate`, used by
`clean_custom_values` on every path: agent form, portal, phone app, API) is the authority; the forms run
`static/tickets/field_logic.js`, which reads the same JSON and follows the same rules, to show and hide as
people type. The API returns each field's `logic` so other clients can do the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gongdan.tickets.models import CustomField, FieldType

OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "set", "unset")
RULES = ("show_when", "require_when", "choices_when")
PROPERTIES = ("@category", "@priority")
MAX_CONDITIONS = 10


@dataclass(frozen=True)
class FieldState:
    visible: bool = True
    required: bool = False
    choices: tuple[str, ...] | None = None  # None: all of the field's choices


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _number(value: Any) -> float | None:
    try:
        return float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def holds(condition: dict[str, Any], value: Any) -> bool:
    op, wanted = condition.get("op"), condition.get("value")
    if op == "set":
        return not _empty(value)
    if op == "unset":
        return _empty(value)
    if _empty(value):
        return op in ("ne", "not_in")
    items = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if op in ("eq", "ne"):
        hit = str(wanted) in items
        return hit if op == "eq" else not hit
    if op in ("in", "not_in"):
        options = {str(v) for v in wanted} if isinstance(wanted, list) else {str(wanted)}
        hit = any(item in options for item in items)
        return hit if op == "in" else not hit
    left, right = _number(value), _number(wanted)
    if left is None or right is None:
        return False
    return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}.get(
        str(op), False
    )


def _all(conditions: Any, known: dict[str, Any]) -> bool:
    return all(holds(c, known.get(c.get("field"))) for c in conditions or [])


def evaluate(
    fields: list[CustomField], values: dict[str, Any], *, category_code: str = "", priority_code: str = ""
) -> dict[str, FieldState]:
    """Each field's state for these values, top to bottom (a hidden field reads as empty below it)."""
    # The category and the ones above it ("3/7": a condition on 3 holds for 7 too), as the browser reads it.
    known: dict[str, Any] = {
        "@category": [c for c in category_code.split("/") if c],
        "@priority": priority_code,
    }
    states: dict[str, FieldState] = {}
    for field in fields:
        logic = field.logic or {}
        visible = not logic.get("show_when") or _all(logic["show_when"], known)
        required = visible and (
            field.required or (bool(logic.get("require_when")) and _all(logic["require_when"], known))
        )
        choices = None
        if visible:
            for rule in logic.get("choices_when") or []:
                if _all(rule.get("when"), known):
                    choices = tuple(str(v) for v in rule.get("values") or [])
                    break
        states[field.key] = FieldState(visible=visible, required=required, choices=choices)
        known[field.key] = values.get(field.key) if visible else None
    return states


def clean_logic(
    logic: Any, *, field_type: str, choices: list[dict[str, Any]], above: list[CustomField]
) -> dict[str, Any]:
    """The admin's rules, checked: conditions name a field above or a property, use a known operator and a
    value of the right shape; narrowed choices are the field's own. Raises ValueError with what is wrong."""
    if logic in (None, "", {}):
        return {}
    if not isinstance(logic, dict) or set(logic) - set(RULES):
        raise ValueError(_("The rules must be show_when, require_when and choices_when."))
    names = {f.key: f for f in above}
    cleaned: dict[str, Any] = {}

    def conditions(items: Any) -> list[dict[str, Any]]:
        if not isinstance(items, list) or not items or len(items) > MAX_CONDITIONS:
            raise ValueError(_("A rule needs one to ten conditions."))
        out = []
        for item in items:
            if not isinstance(item, dict):
                raise ValueError(_("A condition names a field, an operator and a value."))
            name, op, value = item.get("field"), item.get("op"), item.get("value")
            if name not in names and name not in PROPERTIES:
                raise ValueError(
                    _(
                        "A condition can only use a field above this one, the category or the priority: “%(name)s”."
                    )
                    % {"name": name}
                )
            if op not in OPS:
                raise ValueError(_("Unknown operator “%(op)s”.") % {"op": op})
            if op in ("set", "unset"):
                value = None
            elif op in ("in", "not_in"):
                if not isinstance(value, list) or not value or len(value) > 100:
                    raise ValueError(_("“in” and “not in” need a list of values."))
                value = [str(v)[:200] for v in value]
            elif op in ("gt", "gte", "lt", "lte"):
                if _number(value) is None:
                    raise ValueError(_("A comparison needs a number."))
            elif value is None or isinstance(value, dict | list):
                raise ValueError(_("A condition needs a value."))
            else:
                value = str(value)[:200]
            out.append({"field": name, "op": op, "value": value})
        return out

    for rule in ("show_when", "require_when"):
        if logic.get(rule):
            cleaned[rule] = conditions(logic[rule])
    if logic.get("choices_when"):
        if field_type not in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            raise ValueError(_("Only choice fields can narrow their choices."))
        own = {str(c.get("value")) for c in choices}
        rules = logic["choices_when"]
        if not isinstance(rules, list) or len(rules) > MAX_CONDITIONS:
            raise ValueError(_("Up to ten choice rules."))
        narrowed = []
        for rule in rules:
            values = rule.get("values") if isinstance(rule, dict) else None
            if not isinstance(values, list) or not values or not {str(v) for v in values} <= own:
                raise ValueError(_("Narrowed choices must be some of the field's own choices."))
            narrowed.append({"when": conditions(rule.get("when")), "values": [str(v) for v in values]})
        cleaned["choices_when"] = narrowed
    return cleaned
