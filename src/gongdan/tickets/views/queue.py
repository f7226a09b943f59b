"""The queue: saved views, filters, sorting and keyset pages of tickets, and bulk changes for staff."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from gongdan.accounts.models import QueueDensity, Team, User
from gongdan.accounts.services import user_set_queue_density
from gongdan.accounts.views.auth import safe_next
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets.access import can_take, team_ids
from gongdan.tickets.bulk import BulkOperation, bulk_operation, bulk_operations
from gongdan.tickets.filters import DEFAULT_PAGE_SIZE, SAVED_VIEWS, SORTS, TicketFilters, paginate
from gongdan.tickets.forms import category_choices, staff_choices, staff_users
from gongdan.tickets.models import Priority, Status, TicketType, WorkflowTransition
from gongdan.tickets.models.saved_view import DEFAULT_COLUMNS, QueueColumn
from gongdan.tickets.selectors import saved_view_list, ticket_get, ticket_list
from gongdan.tickets.services import ticket_assign, ticket_merge, ticket_transition, ticket_update
from gongdan.web.http import SignedInRequest, wants_fragment

REQUESTER_VIEWS = ("open", "all")
SORT_LABELS = {
    "-updated": gettext_lazy("Recently updated"),
    "updated": gettext_lazy("Least recently updated"),
    "-created": gettext_lazy("Newest"),
    "created": gettext_lazy("Oldest"),
    "priority": gettext_lazy("Most urgent first"),
    "-priority": gettext_lazy("Least urgent first"),
    "due": gettext_lazy("Due soonest"),
}
# What a queue row shows (and the keyset sorts by): not descriptions, search text or whole user rows.
QUEUE_RELATED = ("priority", "category", "team", "assignee", "requester")
QUEUE_COLUMNS = (
    "number", "subject", "status", "version", "updated_at", "created_at", "due_at",
    "sla_due_at", "sla_warn_at", "sla_paused", "sla_breached",
    "priority__code", "priority__name", "priority__name_en", "priority__colour", "priority__rank",
    "category__name", "category__name_en", "team__name", "team__name_en",
    *(f"{person}__{column}" for person in ("requester", "assignee") for column in User.NAME_COLUMNS),
)  # fmt: skip
MAX_BACK = 30  # earlier-page cursors kept in the URL for "newer"
FIRST_PAGE = "~"
MAX_BULK = 200
FILTER_LABELS = {
    "view": gettext_lazy("View"),
    "status": gettext_lazy("Status"),
    "priority": pgettext_lazy("ticket field", "Priority"),
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "requester": gettext_lazy("Requester"),
    "category": gettext_lazy("Category"),
    "type": gettext_lazy("Type"),
    "tag": gettext_lazy("Tag"),
    "created_from": gettext_lazy("Created from"),
    "created_to": gettext_lazy("Created until"),
    "updated_from": gettext_lazy("Updated from"),
    "updated_to": gettext_lazy("Updated until"),
    "q": gettext_lazy("Search"),
    "sort": gettext_lazy("Sort"),
    "cursor": gettext_lazy("Page"),
    "limit": gettext_lazy("Page size"),
}


def saved_views_for(user: User) -> list[tuple[str, Any]]:
    if user.is_staff_member:
        return list(SAVED_VIEWS.items())
    return [(key, SAVED_VIEWS[key]) for key in REQUESTER_VIEWS]


def _without(params: Any, *names: str) -> str:
    copy = params.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()


@login_required
def queue(request: SignedInRequest) -> HttpResponse:
    actor = request.user
    params = request.GET.copy()
    if not params:  # a bare visit opens the open tickets
        params["view"] = "open"
    errors: dict[str, list[str]] = {}
    error_message = ""
    page = None
    filters = TicketFilters()
    back = [c for c in params.get("back", "").split(".") if c][-MAX_BACK:]
    cursor = params.get("cursor", "")
    try:
        filters = TicketFilters.parse(params)
        if not actor.is_staff_member and filters.view not in ("", *REQUESTER_VIEWS):
            raise ValidationFailed(_("Unknown view."), details={"view": [_("Unknown view.")]})
        tickets = ticket_list(actor=actor, filters=filters)
        tickets = tickets.select_related(None).select_related(*QUEUE_RELATED).only(*QUEUE_COLUMNS)
        page = paginate(tickets, filters, cursor=cursor, limit=DEFAULT_PAGE_SIZE)
        for row in page.items:  # "Take it" on the row: the row's own columns and the actor's cached teams
            row.can_take = can_take(actor, row)  # type: ignore[attr-defined]
    except ValidationFailed as exc:
        error_message, errors = str(exc.message), exc.details
    base_query = _without(params, "cursor", "back")
    next_url = newer_url = ""
    if page is not None and page.next_cursor:
        next_params = params.copy()
        next_params["cursor"] = page.next_cursor
        next_params["back"] = ".".join([*back, cursor or FIRST_PAGE][-MAX_BACK:])
        next_url = "?" + next_params.urlencode()
    if cursor:
        newer_params = params.copy()
        newer_params.pop("cursor", None)
        newer_params.pop("back", None)
        earlier = back[-1] if back else FIRST_PAGE
        if earlier != FIRST_PAGE:
            newer_params["cursor"] = earlier
        if back[:-1]:
            newer_params["back"] = ".".join(back[:-1])
        newer_url = "?" + newer_params.urlencode()
    context: dict[str, Any] = {
        "page": page,
        "tickets": page.items if page else [],
        "filters": filters,
        # Missing keys read as "" / []: a failed template lookup on a QueryDict costs a dir() call, and
        # the filter panel reads a dozen of them.
        "params": defaultdict(str, params.dict()),
        "errors": defaultdict(list, errors),
        "error_items": [(FILTER_LABELS.get(k, k), m) for k, msgs in errors.items() for m in msgs],
        "error_message": error_message,
        "saved_views": saved_views_for(actor),
        "current_view": "" if params.get("saved") else params.get("view", ""),
        "current_saved": params.get("saved", ""),
        "next_url": next_url,
        "newer_url": newer_url,
        "base_query": base_query,
        "is_staff": actor.is_staff_member,
        "ticket_base": reverse("tickets:ticket_detail", args=["-"])[:-2],  # + number + "/"
        "sort_options": [(key, SORT_LABELS.get(key, key)) for key in SORTS],
        "status_options": Status.choices,
        "priority_options": list(Priority.objects.all()),
        # A requester's list keeps the default columns.
        "columns": set(DEFAULT_COLUMNS),
    }
    if actor.is_staff_member:
        own_views = list(saved_view_list(actor=actor))
        current = next((v for v in own_views if str(v.pk) == context["current_saved"]), None)
        context |= {
            "own_views": own_views,
            "columns": set(current.column_list if current else DEFAULT_COLUMNS),
            "column_options": QueueColumn.choices,
            "default_columns": DEFAULT_COLUMNS,
            "comfortable": actor.queue_density == QueueDensity.COMFORTABLE,
            "view_query": _without(params, "cursor", "back", "saved"),
            # One query whatever the number of views (the dialog lists it once per view).
            "my_teams": [(t.pk, t.label) for t in Team.objects.filter(pk__in=team_ids(actor))],
        }
        more = ("team", "assignee", "category", "type", "tag", "created_from", "created_to", "updated_from",
                "updated_to", "more")  # fmt: skip
        # The "More filters" and "Bulk actions" panels start closed and load their select lists when
        # opened (the queue is the hottest page; a few hundred agents in two lists cost more than the rows).
        context |= _panel_options(actor) | {
            "more_filters_open": any(params.get(name) for name in more),
            "active_filters": sum(1 for name in ("status", "priority", *more[:-1]) if params.get(name))
            + (1 if params.get("sort", "-updated") != "-updated" else 0),
            "filters_open": bool(errors),
            "bulk_open": bool(params.get("bulk")),
        }
    template = "tickets/queue.html#results" if wants_fragment(request) else "tickets/queue.html"
    response = render(request, template, context, status=400 if errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def queue_density(request: SignedInRequest) -> HttpResponse:
    """Compact or comfortable rows: the person's own choice, kept with their account."""
    if not request.user.is_staff_member:
        raise HttpForbidden
    try:
        user_set_queue_density(actor=request.user, density=request.POST.get("density", ""))
    except ValidationFailed as exc:
        return HttpResponse(str(exc.message), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponseRedirect(safe_next(request))


def _panel_options(actor: User) -> dict[str, Any]:
    """Option lists of the closed panels, as callables: a template evaluates only those it renders."""
    return {
        "bulk_extras": lambda: [
            {"template": op.template, "context": op.context(actor)} for op in bulk_operations()
        ],
        "team_options": lambda: [(team.pk, team.label) for team in Team.objects.filter(is_active=True)],
        "agent_options": staff_choices,
        "category_options": lambda: [("", _("Any")), *category_choices()[1:]],
        "type_options": lambda: [(t.code, t.label) for t in TicketType.objects.filter(is_active=True)],
        "action_options": _transition_actions,
    }


PANELS = {"filters": "tickets/queue.html#more_filter_selects", "bulk": "tickets/queue.html#bulk_fields"}


@login_required
def queue_panel(request: SignedInRequest, name: str) -> HttpResponse:
    """The body of a closed queue panel, fetched by htmx when an agent opens it."""
    actor = request.user
    if not actor.is_staff_member:
        raise HttpForbidden
    if name not in PANELS:
        raise Http404
    context = _panel_options(actor) | {
        "params": defaultdict(str),
        "priority_options": list(Priority.objects.all()),
    }
    return render(request, PANELS[name], context)


def _transition_actions() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for transition in WorkflowTransition.objects.filter(ticket_type__isnull=True).order_by("order", "id"):
        seen.setdefault(transition.action, transition.label)
    return list(seen.items())


@login_required
@require_POST
def bulk_action(request: SignedInRequest) -> HttpResponse:
    """Apply one change to many tickets, each through its service; report what worked and what didn't."""
    actor = request.user
    if not actor.is_staff_member:
        raise HttpForbidden
    redirect = HttpResponseRedirect(safe_next(request))
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("ticket") if n.strip()))[:MAX_BULK]
    operation = request.POST.get("operation", "")
    if not numbers:
        messages.warning(request, _("Select at least one ticket."))
        return redirect
    registered = bulk_operation(operation)
    if registered is not None:
        return _registered_bulk(request, registered, numbers, redirect)
    try:
        change = _bulk_change(request, operation)
        if operation == "merge":  # the ticket kept is not merged into itself
            numbers = _merged_numbers(request, numbers)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect
    updated, failures = 0, []
    for number in numbers:
        try:
            change(ticket_get(actor=actor, number=number))
            updated += 1
        except DomainError as exc:
            failures.append(f"{number}: {exc.message}")
    if updated:
        messages.success(
            request,
            ngettext("%(count)d ticket updated.", "%(count)d tickets updated.", updated) % {"count": updated},
        )
    if failures:
        messages.error(
            request,
            ngettext("%(count)d failed: %(reasons)s", "%(count)d failed: %(reasons)s", len(failures))
            % {"count": len(failures), "reasons": "; ".join(failures)},
        )
    return redirect


def _row_versions(request: SignedInRequest, numbers: list[str]) -> dict[str, int]:
    """The version of each ticked row as the agent saw it (the queue posts `v-<number>` beside each box)."""
    versions: dict[str, int] = {}
    for number in numbers:
        version = parse_id(request.POST.get(f"v-{number}", ""))
        if version is not None:
            versions[number] = version
    return versions


def _registered_bulk(
    request: SignedInRequest, operation: BulkOperation, numbers: list[str], redirect: HttpResponse
) -> HttpResponse:
    """Another app's operation (tickets.bulk): it changes what it may and says what it skipped, and why."""
    try:
        outcome = operation.run(request.user, request.POST, numbers, _row_versions(request, numbers))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect
    if outcome.changed:
        messages.success(request, outcome.summary)
    if outcome.skipped:
        messages.error(
            request,
            ngettext("%(count)d skipped: %(reasons)s", "%(count)d skipped: %(reasons)s", len(outcome.skipped))
            % {
                "count": len(outcome.skipped),
                "reasons": "; ".join(f"{n}: {why}" for n, why in outcome.skipped),
            },
        )
    return redirect


def _bulk_change(request: SignedInRequest, operation: str) -> Any:
    actor = request.user
    if operation == "assign":
        value = request.POST.get("assignee", "")
        if value == "none":
            return lambda ticket: ticket_assign(actor=actor, ticket=ticket, assignee=None)
        assignee_id = parse_id(value)
        assignee = (
            staff_users().defer(None).filter(pk=assignee_id).first() if assignee_id is not None else None
        )
        if assignee is None:
            raise ValidationFailed(_("Choose who to assign the tickets to."))
        return lambda ticket: ticket_assign(actor=actor, ticket=ticket, assignee=assignee)
    if operation == "status":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")
        if not action:
            raise ValidationFailed(_("Choose a status change."))
        return lambda ticket: ticket_transition(actor=actor, ticket=ticket, action=action, note=note)
    if operation == "merge":
        into = _kept_ticket(request)
        return lambda ticket: ticket_merge(actor=actor, duplicate=ticket, into=into)
    if operation == "priority":
        priority = Priority.objects.filter(code=request.POST.get("priority", "")).first()
        if priority is None:
            raise ValidationFailed(_("Choose a priority."))
        return lambda ticket: ticket_update(actor=actor, ticket=ticket, changes={"priority": priority})
    raise ValidationFailed(_("Unknown bulk action."))


def _kept_ticket(request: SignedInRequest) -> Any:
    number = request.POST.get("into", "").strip()
    if not number:
        raise ValidationFailed(_("Choose the ticket to keep."))
    return ticket_get(actor=request.user, number=number)


def _merged_numbers(request: SignedInRequest, numbers: list[str]) -> list[str]:
    """The ticked tickets but the one kept; at least one."""
    kept = request.POST.get("into", "").strip()
    others = [number for number in numbers if number != kept]
    if not others:
        raise ValidationFailed(_("Tick the duplicates as well as the ticket to keep."))
    return others
