"""The one filter definition for ticket lists, shared by the agent queue and the API (and later reports).

Parsing is strict: a bad value is a ValidationFailed with the field named, never a silent empty list.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import User
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets.access import team_ids
from gongdan.tickets.models import Category, Status, Ticket
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.search import apply_search

SAVED_VIEWS = {
    "my_open": gettext_lazy("My open tickets"),
    "my_team": gettext_lazy("My teams"),
    "unassigned": gettext_lazy("Unassigned"),
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("All open"),
    "all": gettext_lazy("All tickets"),
}
# sort key → (model field or annotation, descending)
SORTS = {
    "-updated": ("updated_at", True),
    "updated": ("updated_at", False),
    "-created": ("created_at", True),
    "created": ("created_at", False),
    "priority": ("priority_rank", False),
    "-priority": ("priority_rank", True),
    "due": ("due_at", False),
}
DEFAULT_SORT = "-updated"
MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 25


@dataclass
class TicketFilters:
    view: str = ""
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    assignee: str = ""  # a user id, "me" or "none"
    requester: int | None = None
    category: int | None = None  # the category and everything below it
    ticket_type: str = ""
    tag: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    q: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def parse(cls, params: Any) -> TicketFilters:
        """Build from a QueryDict or a plain dict of strings/lists; raises ValidationFailed."""
        errors: dict[str, list[str]] = {}

        def many(name: str) -> list[str]:
            if hasattr(params, "getlist"):
                values = params.getlist(name)
            else:
                raw = params.get(name)
                values = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
            out: list[str] = []
            for value in values:
                out.extend(v.strip() for v in str(value).split(",") if v.strip())
            return out

        def one(name: str) -> str:
            values = many(name)
            return values[0] if values else ""

        def integer(name: str, value: str) -> int | None:
            if not value:
                return None
            number = parse_id(value)
            if number is None:
                errors[name] = [_("Must be a whole number.")]
            return number

        def moment(name: str, end: bool = False) -> datetime | None:
            value = one(name)
            if not value:
                return None
            parsed = None
            try:
                parsed = parse_datetime(value)
                if parsed is None and (day := parse_date(value)) is not None:
                    parsed = datetime.combine(day, datetime.max.time() if end else datetime.min.time())
            except ValueError:
                parsed = None
            if parsed is None:
                errors[name] = [_("Must be a date (YYYY-MM-DD) or a date-time (ISO 8601).")]
                return None
            try:
                if timezone.is_naive(parsed):
                    parsed = timezone.make_aware(parsed)
                parsed.astimezone(UTC)  # stored in UTC: the first and last days of the calendar may not fit
            except (OverflowError, ValueError):
                errors[name] = [_("Out of range: use a date between the years 1 and 9999 in UTC.")]
                return None
            return parsed

        filters = cls()
        filters.view = one("view")
        if filters.view and filters.view not in SAVED_VIEWS:
            errors["view"] = [_("Unknown view.")]
        filters.status = many("status")
        if bad := [s for s in filters.status if s not in Status.values and s != "open"]:
            errors["status"] = [_("Unknown status: %(values)s.") % {"values": ", ".join(bad)}]
        filters.priority = [p.upper() for p in many("priority")]
        filters.team = [v for v in (integer("team", t) for t in many("team")) if v is not None]
        filters.assignee = one("assignee")
        if filters.assignee and filters.assignee not in ("me", "none") and parse_id(filters.assignee) is None:
            errors["assignee"] = [_("Use a user id, “me” or “none”.")]
        filters.requester = integer("requester", one("requester"))
        filters.category = integer("category", one("category"))
        filters.ticket_type = one("type")
        filters.tag = one("tag")[:50]
        filters.created_from = moment("created_from")
        filters.created_to = moment("created_to", end=True)
        filters.updated_from = moment("updated_from")
        filters.updated_to = moment("updated_to", end=True)
        raw_q = params.get("q") or ""  # free text: commas are part of it, unlike the list filters
        filters.q = str(raw_q[0] if isinstance(raw_q, list) and raw_q else raw_q or "")[:200]
        filters.sort = one("sort") or DEFAULT_SORT
        if filters.sort not in SORTS:
            errors["sort"] = [_("Sort by one of: %(values)s.") % {"values": ", ".join(SORTS)}]
        if errors:
            raise ValidationFailed(_("Some filters are not valid."), details=errors)
        return filters

    def apply(self, tickets: QuerySet[Ticket], *, actor: User) -> QuerySet[Ticket]:
        match self.view:
            case "my_open":
                tickets = tickets.filter(assignee=actor, status__in=OPEN_STATUSES)
            case "my_team":
                tickets = tickets.filter(team_id__in=team_ids(actor), status__in=OPEN_STATUSES)
            case "unassigned":
                tickets = tickets.filter(assignee__isnull=True, status__in=OPEN_STATUSES)
            case "overdue":
                # Past the agreed due date, or past an SLA clock's due time (unless the clocks wait).
                now = timezone.now()
                late = Q(due_at__lt=now) | Q(sla_due_at__lt=now, sla_paused=False)
                tickets = tickets.filter(late, status__in=OPEN_STATUSES)
            case "open":
                tickets = tickets.filter(status__in=OPEN_STATUSES)
        if self.status:
            statuses = set(self.status)
            if "open" in statuses:
                statuses = (statuses - {"open"}) | set(OPEN_STATUSES)
            tickets = tickets.filter(status__in=sorted(statuses))
        if self.priority:
            tickets = tickets.filter(priority__code__in=self.priority)
        if self.team:
            tickets = tickets.filter(team_id__in=self.team)
        if self.assignee == "me":
            tickets = tickets.filter(assignee=actor)
        elif self.assignee == "none":
            tickets = tickets.filter(assignee__isnull=True)
        elif self.assignee:
            tickets = tickets.filter(assignee_id=int(self.assignee))
        if self.requester:
            tickets = tickets.filter(requester_id=self.requester)
        if self.category:
            category = Category.objects.filter(pk=self.category).only("path").first()
            tickets = tickets.filter(category__path__startswith=category.path) if category else tickets.none()
        if self.ticket_type:
            tickets = tickets.filter(ticket_type__code=self.ticket_type)
        if self.tag:
            tickets = tickets.filter(tags__name=self.tag.lower())
        for name, lookup in (("created_from", "created_at__gte"), ("created_to", "created_at__lte"),
                             ("updated_from", "updated_at__gte"), ("updated_to", "updated_at__lte")):  # fmt: skip
            if value := getattr(self, name):
                tickets = tickets.filter(**{lookup: value})
        if self.q:
            tickets = apply_search(tickets, self.q, include_internal=actor.is_staff_member)
        return tickets

    def order(self, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
        column, descending = SORTS[self.sort]
        if column == "priority_rank":
            tickets = tickets.annotate(priority_rank=F("priority__rank"))
        if column == "due_at":
            return tickets.order_by(F("due_at").asc(nulls_last=True), "id")
        prefix = "-" if descending else ""
        return tickets.order_by(f"{prefix}{column}", f"{prefix}id")


@dataclass
class Page:
    items: list[Ticket]
    next_cursor: str | None
    has_more: bool


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2 or not isinstance(values[1], int):
            raise ValueError
        return values
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationFailed(
            _("The cursor is not valid."), details={"cursor": [_("Invalid cursor.")]}
        ) from None


def paginate(
    tickets: QuerySet[Ticket], filters: TicketFilters, *, cursor: str = "", limit: int = DEFAULT_PAGE_SIZE
) -> Page:
    """Keyset pagination: the page after `cursor` by (sort column, id); stable while rows are added."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(
            _("The page size must be between 1 and %(max)d.") % {"max": MAX_PAGE_SIZE},
            details={"limit": [_("Out of range.")]},
        )
    column, descending = SORTS[filters.sort]
    ordered = filters.order(tickets)
    if cursor:
        value, last_id = decode_cursor(cursor)
        if column in ("updated_at", "created_at", "due_at") and value is not None:
            value = parse_datetime(str(value))
            if value is None:
                raise ValidationFailed(
                    _("The cursor is not valid."), details={"cursor": [_("Invalid cursor.")]}
                )
        if column == "due_at":
            if value is None:
                ordered = ordered.filter(due_at__isnull=True, id__gt=last_id)
            else:
                ordered = ordered.filter(
                    Q(due_at__gt=value) | Q(due_at=value, id__gt=last_id) | Q(due_at__isnull=True)
                )
        elif descending:
            ordered = ordered.filter(Q(**{f"{column}__lt": value}) | Q(**{column: value, "id__lt": last_id}))
        else:
            ordered = ordered.filter(Q(**{f"{column}__gt": value}) | Q(**{column: value, "id__gt": last_id}))
    rows = list(ordered[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        value = getattr(last, column)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        next_cursor = encode_cursor([value, last.pk])
    return Page(items=rows, next_cursor=next_cursor, has_more=has_more)
