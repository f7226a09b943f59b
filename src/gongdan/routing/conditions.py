"""The conditions a routing rule checks, as validated JSON, and how they match a ticket.

A rule's conditions are a list; all must hold. Each item has a `kind`, its own keys and an optional
`"negate": true`:

    {"kind": "ticket_type",  "values": [type ids]}
    {"kind": "category",     "values": [category ids]}      the category or anything below it
    {"kind": "priority",     "values": [priority ids]}
    {"kind": "organisation", "values": [organisation ids]}  the requester's organisation
    {"kind": "service_tier", "values": ["vip", …]}           the requester organisation's tier
    {"kind": "channel",      "values": ["email", …]}
    {"kind": "location",     "values": [location ids]}      the location or anything inside it
    {"kind": "asset_type",   "values": [asset type ids]}    the type of the ticket's asset
    {"kind": "criticality",  "values": ["A", "B", "C"]}     the criticality of the ticket's asset
    {"kind": "custom_field", "key": "floor", "op": "equals" | "contains", "values": ["3", …]}
    {"kind": "words",        "words": ["断网", "vpn"], "within": "subject" | "description" | "both"}
    {"kind": "time",         "days": [0-6, Monday = 0], "start": "HH:MM", "end": "HH:MM",
                             "time_zone": "Asia/Shanghai"}    an end before the start runs past midnight
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import Organisation, ServiceTier
from gongdan.assets.models import AssetType, Criticality, Location
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.trees import path_ids
from gongdan.tickets.models import Category, Channel, Priority, Ticket, TicketType

MAX_CONDITIONS = 20
MAX_VALUES = 200
MAX_WORDS = 50
MAX_WORD_LENGTH = 100
TIME_FORMAT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

KINDS = {
    "ticket_type": gettext_lazy("Type"),
    "category": gettext_lazy("Category (and below)"),
    "priority": gettext_lazy("Priority"),
    "organisation": gettext_lazy("Requester's organisation"),
    "service_tier": gettext_lazy("Service tier"),
    "channel": gettext_lazy("Channel"),
    "location": gettext_lazy("Location (and inside)"),
    "asset_type": gettext_lazy("Asset type"),
    "criticality": gettext_lazy("Asset criticality"),
    "custom_field": gettext_lazy("Custom field"),
    "words": gettext_lazy("Words in subject or description"),
    "time": gettext_lazy("Time of day and weekday"),
}
ID_KINDS: dict[str, Any] = {  # kind → model
    "ticket_type": TicketType,
    "category": Category,
    "priority": Priority,
    "organisation": Organisation,
    "location": Location,
    "asset_type": AssetType,
}
CODE_KINDS: dict[str, list[str]] = {
    "service_tier": ServiceTier.values,
    "channel": Channel.values,
    "criticality": Criticality.values,
}
WITHIN = ("subject", "description", "both")
OPS = ("equals", "contains")
known_time_zones = functools.cache(zoneinfo.available_timezones)


class _Errors:
    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, index: int, field: str, message: str) -> None:
        self.details.setdefault(f"conditions.{index}.{field}", []).append(message)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(raw: Any, index: int, errors: _Errors) -> list[int]:
    ids: list[int] = []
    for item in _as_list(raw):
        try:
            number = int(item)
        except (TypeError, ValueError):
            errors.add(index, "values", _("“%(value)s” is not an id.") % {"value": item})
            continue
        if number not in ids:
            ids.append(number)
    return ids


def clean_conditions(raw: Any) -> list[dict[str, Any]]:
    """Check the shape and the referenced rows; return the normalised list or raise ValidationFailed with
    details keyed `conditions.<index>.<field>`."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ValidationFailed(
            _("Conditions must be a list."), details={"conditions": [_("Conditions must be a list.")]}
        )
    if len(raw) > MAX_CONDITIONS:
        message = _("A rule has at most %(max)d conditions.") % {"max": MAX_CONDITIONS}
        raise ValidationFailed(message, details={"conditions": [message]})
    errors = _Errors()
    cleaned: list[dict[str, Any]] = []
    wanted_ids: dict[str, set[int]] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("kind") not in KINDS:
            errors.add(index, "kind", _("Choose what the condition checks."))
            cleaned.append({})
            continue
        kind = item["kind"]
        condition: dict[str, Any] = {"kind": kind, "negate": bool(item.get("negate", False))}
        if kind in ID_KINDS:
            ids = _ids(item.get("values"), index, errors)
            if not ids:
                errors.add(index, "values", _("Choose at least one value."))
            wanted_ids.setdefault(kind, set()).update(ids)
            condition["values"] = ids
        elif kind in CODE_KINDS:
            codes = [str(v) for v in _as_list(item.get("values"))]
            if not codes:
                errors.add(index, "values", _("Choose at least one value."))
            for code in codes:
                if code not in CODE_KINDS[kind]:
                    errors.add(index, "values", _("Unknown value “%(value)s”.") % {"value": code})
            condition["values"] = list(dict.fromkeys(codes))
        elif kind == "custom_field":
            key = str(item.get("key") or "").strip()
            if not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", key):
                errors.add(index, "key", _("Enter the field's key (letters, digits, - and _)."))
            op = item.get("op") or "equals"
            if op not in OPS:
                errors.add(index, "op", _("Choose “equals” or “contains”."))
            values = [str(v).strip() for v in _as_list(item.get("values")) if str(v).strip()]
            if not values:
                errors.add(index, "values", _("Enter at least one value."))
            condition.update(key=key, op=op, values=values)
        elif kind == "words":
            words = [" ".join(str(w).split()).lower() for w in _as_list(item.get("words"))]
            words = list(dict.fromkeys(w for w in words if w))
            if not words:
                errors.add(index, "words", _("Enter at least one word."))
            if len(words) > MAX_WORDS or any(len(w) > MAX_WORD_LENGTH for w in words):
                errors.add(
                    index,
                    "words",
                    _("At most %(count)d words of at most %(length)d characters.")
                    % {"count": MAX_WORDS, "length": MAX_WORD_LENGTH},
                )
            within = item.get("within") or "both"
            if within not in WITHIN:
                errors.add(index, "within", _("Choose subject, description or both."))
            condition.update(words=words, within=within)
        elif kind == "time":
            days: list[int] = []
            for day in _as_list(item.get("days")):
                try:
                    number = int(day)
                except (TypeError, ValueError):
                    number = -1
                if not 0 <= number <= 6:
                    errors.add(index, "days", _("Weekdays are 0 (Monday) to 6 (Sunday)."))
                elif number not in days:
                    days.append(number)
            if not days:
                errors.add(index, "days", _("Choose at least one weekday."))
            for field in ("start", "end"):
                if not TIME_FORMAT.match(str(item.get(field) or "")):
                    errors.add(index, field, _("Enter a time as HH:MM, e.g. 09:00."))
            if item.get("start") and item.get("start") == item.get("end"):
                errors.add(index, "end", _("The end must differ from the start."))
            time_zone = str(item.get("time_zone") or "Asia/Shanghai")
            if time_zone not in known_time_zones():
                errors.add(index, "time_zone", _("Unknown time zone."))
            condition.update(
                days=sorted(days), start=item.get("start"), end=item.get("end"), time_zone=time_zone
            )
        if len(condition.get("values", [])) > MAX_VALUES:
            errors.add(index, "values", _("At most %(max)d values.") % {"max": MAX_VALUES})
        cleaned.append(condition)
    for kind, wanted_set in wanted_ids.items():
        found = set(ID_KINDS[kind].objects.filter(pk__in=wanted_set).values_list("pk", flat=True))
        for index, condition in enumerate(cleaned):
            if condition.get("kind") == kind:
                for missing in sorted(set(condition["values"]) - found):
                    errors.add(index, "values", _("#%(id)d does not exist.") % {"id": missing})
    if errors.details:
        raise ValidationFailed(_("Some conditions are not valid."), details=errors.details)
    return cleaned


@dataclass
class TicketFacts:
    """What the conditions look at, read once per decision (no queries while matching)."""

    ticket_type_id: int | None
    category_ids: frozenset[int]
    priority_id: int | None
    organisation_id: int | None
    service_tier: str
    channel: str
    location_ids: frozenset[int]
    asset_type_id: int | None
    criticality: str
    custom_values: dict[str, Any]
    subject: str
    description: str
    now: datetime

    @classmethod
    def of(cls, ticket: Ticket, *, now: datetime) -> TicketFacts:
        category = ticket.category if ticket.category_id else None
        location = ticket.location if ticket.location_id else None
        organisation = ticket.organisation if ticket.organisation_id else None
        asset = ticket.asset if ticket.asset_id else None
        return cls(
            ticket_type_id=ticket.ticket_type_id,
            # a node and its ancestors ("/3/7/" → {3, 7}): "in the subtree of X" is "X among them"
            category_ids=frozenset(path_ids(category.path)) if category else frozenset(),
            priority_id=ticket.priority_id,
            organisation_id=ticket.organisation_id,
            service_tier=organisation.service_tier if organisation else "",
            channel=ticket.channel,
            location_ids=frozenset(path_ids(location.path)) if location else frozenset(),
            asset_type_id=asset.asset_type_id if asset else None,
            criticality=asset.criticality if asset else "",
            custom_values=ticket.custom_values or {},
            subject=(ticket.subject or "").lower(),
            description=(ticket.description or "").lower(),
            now=now,
        )


def _text_values(value: Any) -> list[str]:
    return [str(v).strip().lower() for v in _as_list(value) if v is not None and str(v).strip()]


def _parse_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _test(condition: dict[str, Any]) -> Callable[[TicketFacts], bool]:
    kind = condition["kind"]
    values = condition.get("values", [])
    if kind == "ticket_type":
        wanted = frozenset(values)
        return lambda f: f.ticket_type_id in wanted
    if kind == "category":
        wanted = frozenset(values)
        return lambda f: not wanted.isdisjoint(f.category_ids)
    if kind == "priority":
        wanted = frozenset(values)
        return lambda f: f.priority_id in wanted
    if kind == "organisation":
        wanted = frozenset(values)
        return lambda f: f.organisation_id in wanted
    if kind == "service_tier":
        wanted = frozenset(values)
        return lambda f: f.service_tier in wanted
    if kind == "channel":
        wanted = frozenset(values)
        return lambda f: f.channel in wanted
    if kind == "location":
        wanted = frozenset(values)
        return lambda f: not wanted.isdisjoint(f.location_ids)
    if kind == "asset_type":
        wanted = frozenset(values)
        return lambda f: f.asset_type_id in wanted
    if kind == "criticality":
        wanted = frozenset(values)
        return lambda f: f.criticality in wanted
    if kind == "custom_field":
        key, contains = condition["key"], condition["op"] == "contains"
        wanted_texts = [str(v).lower() for v in values]

        def custom(f: TicketFacts) -> bool:
            have = _text_values(f.custom_values.get(key))
            if contains:
                return any(w in h for h in have for w in wanted_texts)
            return not set(have).isdisjoint(wanted_texts)

        return custom
    if kind == "words":
        words, within = condition["words"], condition["within"]

        def has_words(f: TicketFacts) -> bool:
            text = (
                f.subject
                if within == "subject"
                else f.description
                if within == "description"
                else f"{f.subject}\n{f.description}"
            )
            return any(w in text for w in words)

        return has_words
    if kind == "time":
        days = frozenset(condition["days"])
        start, end = _parse_time(condition["start"]), _parse_time(condition["end"])
        zone = zoneinfo.ZoneInfo(condition["time_zone"])

        def in_window(f: TicketFacts) -> bool:
            local = f.now.astimezone(zone)
            moment = local.time().replace(tzinfo=None)
            if start < end:
                return local.weekday() in days and start <= moment < end
            # Past midnight: the early hours belong to the window that opened the day before.
            if moment >= start:
                return local.weekday() in days
            return moment < end and (local.weekday() - 1) % 7 in days

        return in_window
    raise ValueError(kind)


def compile_conditions(conditions: list[dict[str, Any]]) -> Callable[[TicketFacts], bool]:
    tests = []
    for condition in conditions:
        test = _test(condition)
        if condition.get("negate"):
            test = (lambda t: lambda f: not t(f))(test)
        tests.append(test)
    return lambda facts: all(t(facts) for t in tests)


def describe_condition(condition: dict[str, Any], labels: dict[tuple[str, int], str] | None = None) -> str:
    """One line for the rules list, e.g. "Service tier: VIP" or "not Words: 断网, vpn"."""
    labels = labels or {}
    kind = condition.get("kind", "")
    title = str(KINDS.get(kind, kind))
    if kind in ID_KINDS:
        shown = ", ".join(labels.get((kind, v), f"#{v}") for v in condition.get("values", []))
    elif kind == "service_tier":
        shown = ", ".join(str(ServiceTier(v).label) for v in condition.get("values", []))
    elif kind == "channel":
        shown = ", ".join(str(Channel(v).label) for v in condition.get("values", []))
    elif kind == "criticality":
        shown = ", ".join(str(Criticality(v).label) for v in condition.get("values", []))
    elif kind == "custom_field":
        op = _("contains") if condition.get("op") == "contains" else "="
        shown = f"{condition.get('key')} {op} {' / '.join(condition.get('values', []))}"
    elif kind == "words":
        shown = ", ".join(condition.get("words", []))
    elif kind == "time":
        names = weekday_names()
        days = ", ".join(names[d] for d in condition.get("days", []))
        shown = f"{days} {condition.get('start')}–{condition.get('end')} ({condition.get('time_zone')})"
    else:
        shown = ""
    text = f"{title}: {shown}"
    return _("not %(condition)s") % {"condition": text} if condition.get("negate") else text


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def condition_labels(conditions_lists: list[list[dict[str, Any]]]) -> dict[tuple[str, int], str]:
    """Names for the ids the given conditions mention: one query per kind in use."""
    wanted: dict[str, set[int]] = {}
    for conditions in conditions_lists:
        for condition in conditions:
            if condition.get("kind") in ID_KINDS:
                wanted.setdefault(condition["kind"], set()).update(condition.get("values", []))
    labels: dict[tuple[str, int], str] = {}
    for kind, ids in wanted.items():
        for row in ID_KINDS[kind].objects.filter(pk__in=ids):
            labels[(kind, row.pk)] = str(row)
    return labels
