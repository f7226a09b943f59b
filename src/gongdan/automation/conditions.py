"""What a rule's conditions may test, how each is checked when saved and compiled once for every event.

A condition is {"field": …, "op": …, "value": …}; all of a rule's conditions must hold. Fields:

    status, priority, ticket_type, category, team, assignee, channel, organisation   one value each (codes or ids)
    subject, description                                                               text
    tags                                                                               several values
    custom.<key>                                                                       a custom field's value
    event.changed        the fields the triggering event changed (several values)
    event.to_status      the status a state change went to
    event.by             who caused the event: requester, staff or system
    event.decision       an approval's decision (approve, reject, send_back) or outcome (approved, rejected,
                         cancelled), on the "Approval decided" and "Approval finished" triggers
    asset.<field>        the equipment the ticket is about: asset.code, asset.type, asset.location,
                         asset.field.<key> … (automation.asset_fields)

More fields arrive under a prefix with `register_field_source`; a condition on such a field reads it through
that source, so neither this module nor a rule changes when they arrive. A source that knows its fields (the
assets') names them for the rule editor's picker, refuses a name it does not know, and refuses by name a field
no condition may read (a sensitive asset field, decision 0188).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Channel, Status, Ticket, TicketEvent
from gongdan.tickets.reference import reference

MAX_CONDITIONS = 20
MAX_VALUES = 100
MAX_TEXT = 500
KEY = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")

OPERATORS: dict[str, Promise] = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "contains": gettext_lazy("contains"),
    "not_contains": gettext_lazy("does not contain"),
    "starts_with": gettext_lazy("starts with"),
    "gt": gettext_lazy("is more than"),
    "gte": gettext_lazy("is at least"),
    "lt": gettext_lazy("is less than"),
    "lte": gettext_lazy("is at most"),
    "is_set": gettext_lazy("is set"),
    "is_not_set": gettext_lazy("is empty"),
}
LIST_OPS = {"in", "not_in"}
NO_VALUE_OPS = {"is_set", "is_not_set"}
NUMBER_OPS = {"gt", "gte", "lt", "lte"}
TEXT_OPS = {"contains", "not_contains", "starts_with"}


@dataclass
class Subject:
    """What conditions read: the ticket as it is now, and the event that triggered the rule (None for time
    rules and the dry run's "as it is now")."""

    ticket: Ticket
    event: TicketEvent | None = None
    memo: dict[str, Any] = field(default_factory=dict)

    def value(self, key: str, read: Callable[[Subject], Any]) -> Any:
        """A field's value, read once however many rules test it."""
        if key not in self.memo:
            self.memo[key] = read(self)
        return self.memo[key]

    def tags(self) -> list[str]:
        if "_tags" not in self.memo:
            self.memo["_tags"] = sorted(t.name for t in self.ticket.tags.all())
        return list(self.memo["_tags"])


@dataclass(frozen=True)
class FieldDef:
    key: str
    label: str | Promise
    shape: str  # "choice", "text", "multi"
    read: Callable[[Subject], Any]
    options: Callable[[], list[tuple[str, str]]] | None = None
    prepare: Callable[[Any], Any] | None = None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _priority_code(subject: Subject) -> str | None:
    held = reference().priorities.get(subject.ticket.priority_id)
    return held.code if held else None


def _type_code(subject: Subject) -> str | None:
    held = reference().ticket_types.get(subject.ticket.ticket_type_id)
    return held.code if held else None


def _changed(subject: Subject) -> list[str]:
    event = subject.event
    if event is None:
        return []
    if event.kind == "updated":
        return sorted((event.data or {}).get("changes", {}))
    if event.kind == "assigned":
        return ["assignee", "team"]
    if event.kind == "transitioned":
        return ["status"]
    return []


APPROVAL_DECIDED = "approval_decided"
APPROVAL_FINISHED = "approval_finished"
# What "event.decision" reads: the approver's decision, or how the whole request ended. The approvals app sits
# beside this one (neither imports the other), so the words are its events' data, named here.
DECISIONS = {
    "approve": gettext_lazy("approve (one approver)"),
    "reject": gettext_lazy("reject (one approver)"),
    "send_back": gettext_lazy("send back for more information"),
    "approved": gettext_lazy("approved (the request)"),
    "rejected": gettext_lazy("rejected (the request)"),
    "cancelled": gettext_lazy("cancelled (the request)"),
}


def _decision(subject: Subject) -> str | None:
    """The decision on an "approval decided" event, the outcome on an "approval finished" one (a stage approved
    with another to come is not an outcome: None)."""
    event = subject.event
    if event is None or event.kind not in (APPROVAL_DECIDED, APPROVAL_FINISHED):
        return None
    data = event.data or {}
    said = data.get("decision") if event.kind == APPROVAL_DECIDED else data.get("outcome")
    return said if said in DECISIONS else None


def _by(subject: Subject) -> str:
    event = subject.event
    if event is None or event.actor_id is None:
        return "system"
    return "requester" if event.actor_id == subject.ticket.requester_id else "staff"


def _options_of(rows: Iterable[Any], key: Callable[[Any], Any]) -> list[tuple[str, str]]:
    return [(str(key(row)), str(row)) for row in rows]


def _team_options() -> list[tuple[str, str]]:
    return _options_of(reference().teams.values(), lambda t: t.pk)


FIELDS: dict[str, FieldDef] = {
    f.key: f
    for f in (
        FieldDef("status", gettext_lazy("Status"), "choice", lambda s: s.ticket.status,
                 lambda: [(v, str(label)) for v, label in Status.choices]),
        FieldDef("priority", gettext_lazy("Priority"), "choice", _priority_code,
                 lambda: [(p.code, str(p)) for p in reference().priorities.values()]),
        FieldDef("ticket_type", gettext_lazy("Type"), "choice", _type_code,
                 lambda: [(t.code, str(t)) for t in reference().ticket_types.values()]),
        FieldDef("category", gettext_lazy("Category"), "choice", lambda s: _str_or_none(s.ticket.category_id),
                 lambda: _options_of(reference().categories.values(), lambda c: c.pk)),
        FieldDef("team", gettext_lazy("Team"), "choice", lambda s: _str_or_none(s.ticket.team_id), _team_options),
        FieldDef("assignee", gettext_lazy("Assignee (user id)"), "choice",
                 lambda s: _str_or_none(s.ticket.assignee_id)),
        FieldDef("channel", gettext_lazy("Channel"), "choice", lambda s: s.ticket.channel,
                 lambda: [(v, str(label)) for v, label in Channel.choices]),
        FieldDef("organisation", gettext_lazy("Requester's organisation (id)"), "choice",
                 lambda s: _str_or_none(s.ticket.organisation_id)),
        FieldDef("subject", gettext_lazy("Subject"), "text", lambda s: s.ticket.subject),
        FieldDef("description", gettext_lazy("Description"), "text", lambda s: s.ticket.description),
        FieldDef("tags", gettext_lazy("Tags"), "multi", lambda s: s.tags()),
        FieldDef("event.changed", gettext_lazy("Fields the event changed"), "multi", _changed,
                 lambda: [(k, k) for k in ("subject", "description", "category", "ticket_type", "priority",
                                           "team", "assignee", "status", "due_at", "custom_values", "tags")]),
        FieldDef("event.to_status", gettext_lazy("Status changed to"), "choice",
                 lambda s: (s.event.data or {}).get("to") if s.event and s.event.kind == "transitioned" else None,
                 lambda: [(v, str(label)) for v, label in Status.choices]),
        FieldDef("event.by", gettext_lazy("Event caused by"), "choice", _by,
                 lambda: [("requester", str(gettext_lazy("the requester"))), ("staff", str(gettext_lazy("staff"))),
                          ("system", str(gettext_lazy("the system")))]),
        FieldDef("event.decision", gettext_lazy("Approval decision or outcome"), "choice", _decision,
                 lambda: [(code, str(label)) for code, label in DECISIONS.items()]),
    )
}  # fmt: skip


class FieldRefused(Exception):
    """A field its source knows but no condition may read (a sensitive value), with the reason to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SourceField:
    """One field a source knows: how the picker names it, its shape and, for a choice, its values."""

    label: str | Promise
    shape: str = "text"
    options: Callable[[], list[tuple[str, str]]] | None = None
    # The saved value as the reads compare it, worked out once when the rule is compiled (a place's code → its id)
    prepare: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class FieldSource:
    """Fields under a prefix: `read(subject, name)` gives the value of "<prefix>.<name>" for the ticket (None
    when the ticket has none). Without `lookup`, any name is a text field (custom fields: a rule may name one
    before it is created); with it, `lookup(name)` gives the field, None for a name it does not know, or raises
    FieldRefused; `listing()` gives the picker's (key, label) pairs."""

    prefix: str
    label: str | Promise
    read: Callable[[Subject, str], Any]
    lookup: Callable[[str], SourceField | None] | None = None
    listing: Callable[[], list[tuple[str, str]]] | None = None


_sources: dict[str, FieldSource] = {
    "custom": FieldSource("custom", gettext_lazy("Custom field"), lambda s, name: (s.ticket.custom_values or {}).get(name)),
}  # fmt: skip


def register_field_source(source: FieldSource) -> None:
    if not KEY.match(source.prefix) or source.prefix in ("event",) or "." in source.prefix:
        raise ValueError(f"bad automation field prefix {source.prefix!r}")
    held = _sources.get(source.prefix)
    if held is not None and held != source:
        raise ValueError(f"an automation field source {source.prefix!r} is already registered")
    _sources[source.prefix] = source


def field_def(key: str) -> FieldDef | None:
    """The field behind a condition's key: a built-in, or a registered prefix's. Raises FieldRefused for a
    field its source will not let a condition read."""
    if key in FIELDS:
        return FIELDS[key]
    prefix, _dot, name = key.partition(".")
    source = _sources.get(prefix)
    if source is None or not name:
        return None
    if source.lookup is None:
        if not KEY.match(name):
            return None
        return FieldDef(key, f"{source.label}: {name}", "text", lambda s: source.read(s, name))
    known = source.lookup(name)
    if known is None:
        return None
    return FieldDef(
        key, known.label, known.shape, lambda s: source.read(s, name), known.options, known.prepare
    )


def source_field_choices() -> list[tuple[str, str]]:
    """The named fields of the sources that list theirs (the rule editor's picker)."""
    return [pair for source in _sources.values() if source.listing is not None for pair in source.listing()]


def field_choices() -> list[tuple[str, str]]:
    listed = [(key, str(f.label)) for key, f in FIELDS.items()]
    listed += [
        (f"{prefix}.", f"{source.label} …") for prefix, source in _sources.items() if source.listing is None
    ]
    return listed + source_field_choices()


# --- checking what an admin saved ---------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and "," in value:
        return [part.strip() for part in value.split(",")]
    return [value]


def clean_conditions(raw: Any, *, prefix: str = "conditions") -> list[dict[str, Any]]:
    """The normalised list, or ValidationFailed with details keyed `<prefix>.<index>.<field|op|value>`."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        message = _("Conditions must be a list.")
        raise ValidationFailed(message, details={prefix: [message]})
    if len(raw) > MAX_CONDITIONS:
        message = _("A rule has at most %(max)d conditions.") % {"max": MAX_CONDITIONS}
        raise ValidationFailed(message, details={prefix: [message]})
    errors: dict[str, list[str]] = {}
    cleaned: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        where = f"{prefix}.{index}"
        if not isinstance(item, dict):
            errors[f"{where}.field"] = [_("Choose a field.")]
            continue
        key = str(item.get("field") or "").strip()
        try:
            definition = field_def(key)
        except FieldRefused as refused:
            errors[f"{where}.field"] = [refused.message]
            continue
        if definition is None:
            errors[f"{where}.field"] = [_("Unknown field “%(field)s”.") % {"field": key[:60]}]
            continue
        op = str(item.get("op") or "")
        if op not in OPERATORS:
            errors[f"{where}.op"] = [_("Choose how to compare.")]
            continue
        if definition.shape == "multi" and op in NUMBER_OPS | {"starts_with"}:
            errors[f"{where}.op"] = [_("“%(op)s” does not apply to this field.") % {"op": OPERATORS[op]}]
            continue
        value: Any = None
        if op in LIST_OPS:
            values = [str(v).strip() for v in _as_list(item.get("value")) if str(v).strip()]
            if not values:
                errors[f"{where}.value"] = [_("Enter at least one value.")]
            elif len(values) > MAX_VALUES or any(len(v) > MAX_TEXT for v in values):
                errors[f"{where}.value"] = [_("Too many or too long values.")]
            value = list(dict.fromkeys(values))
        elif op in NUMBER_OPS:
            try:
                value = str(Decimal(str(item.get("value")).strip()))
            except (InvalidOperation, ValueError):
                errors[f"{where}.value"] = [_("Enter a number.")]
        elif op not in NO_VALUE_OPS:
            raw_value = item.get("value")
            if isinstance(raw_value, list):
                raw_value = raw_value[0] if len(raw_value) == 1 else ""
            value = str(raw_value if raw_value is not None else "").strip()
            if not value:
                errors[f"{where}.value"] = [_("Enter a value.")]
            elif len(value) > MAX_TEXT:
                errors[f"{where}.value"] = [_("At most %(max)d characters.") % {"max": MAX_TEXT}]
        if definition.options is not None and value and op not in TEXT_OPS | NUMBER_OPS:
            known = {code for code, _label in definition.options()}
            unknown = [v for v in (value if isinstance(value, list) else [value]) if v not in known]
            if unknown:
                errors[f"{where}.value"] = [_("Unknown value “%(value)s”.") % {"value": unknown[0][:60]}]
        cleaned.append({"field": key, "op": op, "value": value})
    if errors:
        raise ValidationFailed(_("Some conditions are not valid."), details=errors)
    return cleaned


# --- compiled once, checked on every event --------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _test(op: str, value: Any) -> Callable[[Any], bool]:
    """The check of one operator against a field's value (str, list of str, number or None), built once."""
    if op == "is_set":
        return lambda got: got not in (None, "", [], {})
    if op == "is_not_set":
        return lambda got: got in (None, "", [], {})
    if op in NUMBER_OPS:
        limit = Decimal(value)
        compare = {"gt": Decimal.__gt__, "gte": Decimal.__ge__, "lt": Decimal.__lt__, "lte": Decimal.__le__}[
            op
        ]

        def numeric(got: Any) -> bool:
            number = _number(got)
            return number is not None and bool(compare(number, limit))

        return numeric
    if op in LIST_OPS:
        wanted = frozenset(str(v).lower() for v in value)
        negate = op == "not_in"

        def member(got: Any) -> bool:
            values = (
                {str(v).lower() for v in got}
                if isinstance(got, list)
                else {str(got).lower()}
                if got is not None
                else set()
            )
            return bool(values & wanted) != negate

        return member
    text = str(value).lower()
    if op in ("eq", "ne"):
        negate = op == "ne"

        def equal(got: Any) -> bool:
            if isinstance(got, list):
                return (text in {str(v).lower() for v in got}) != negate
            return (got is not None and str(got).lower() == text) != negate

        return equal
    if op in ("contains", "not_contains"):
        negate = op == "not_contains"

        def contains(got: Any) -> bool:
            if isinstance(got, list):
                return (text in {str(v).lower() for v in got}) != negate
            return (got is not None and text in str(got).lower()) != negate

        return contains
    return lambda got: got is not None and str(got).lower().startswith(text)


Check = Callable[[Subject], bool]


def compile_conditions(conditions: list[dict[str, Any]]) -> Check:
    """One function that checks all of them (the field lookups and the values' parsing done here, once)."""
    compiled: list[tuple[str, Callable[[Subject], Any], Callable[[Any], bool]]] = []
    for condition in conditions:
        try:
            definition = field_def(condition["field"])
        except FieldRefused:  # made sensitive since the rule was saved: it can never match
            return lambda _subject: False
        if definition is None:  # a source that is gone: the rule can never match
            return lambda _subject: False
        value = condition.get("value")
        if definition.prepare is not None and condition["op"] not in NO_VALUE_OPS:
            value = definition.prepare(value)
        compiled.append((definition.key, definition.read, _test(condition["op"], value)))
    if not compiled:
        return lambda _subject: True
    return lambda subject: all(test(subject.value(key, read)) for key, read, test in compiled)


def describe(condition: dict[str, Any]) -> str:
    try:
        definition = field_def(condition.get("field", ""))
    except FieldRefused:
        definition = None
    label = str(definition.label) if definition else condition.get("field", "")
    value = condition.get("value")
    shown = ", ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return f"{label} {OPERATORS.get(condition.get('op', ''), '')} {shown}".strip()
