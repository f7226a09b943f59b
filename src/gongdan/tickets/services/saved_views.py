"""Agents' own queue views: save the queue's filters and sort under a name, rename, share with a team, delete.

Only the owner changes a view, and a lead of the team it is shared with (who looks after the team's tabs).
A view shared with a team is configuration the whole team sees: its creation, every change (sharing and
unsharing included) and its deletion are in the audit trail; a personal view is not."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed
from gongdan.tickets.access import lead_team_ids, team_ids
from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.models.saved_view import (
    DEFAULT_COLUMNS,
    MAX_VIEW_NAME,
    MAX_VIEW_QUERY,
    MAX_VIEWS_PER_OWNER,
    QueueColumn,
    SavedView,
)

# Where the queue is, not what it shows: never part of a saved view.
NOT_SAVED = ("cursor", "back", "saved", "limit", "bulk", "more")
UNCHANGED = object()


def clean_view_query(query: str) -> str:
    """The query string kept for a view: the queue's own filters, checked as the queue checks them."""
    if len(query) > MAX_VIEW_QUERY:
        raise ValidationFailed(
            _("The filters are too long."), details={"query": [_("The filters are too long.")]}
        )
    params = QueryDict(query.lstrip("?"), mutable=True)
    for name in NOT_SAVED:
        params.pop(name, None)
    for name in [name for name, values in params.lists() if not any(values)]:
        params.pop(name)
    try:
        TicketFilters.parse(params)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, details={"query": [str(exc.message)]}) from exc
    return params.urlencode()


def clean_columns(columns: list[str] | tuple[str, ...]) -> str:
    """The columns kept for a view, in the queue's order; the default set is kept as "" (it follows the
    default if that changes)."""
    unknown = [column for column in columns if column not in QueueColumn.values]
    if unknown:
        message = _("Unknown column: %(names)s.") % {"names": ", ".join(unknown)}
        raise ValidationFailed(message, details={"columns": [message]})
    chosen = [column for column in QueueColumn.values if column in columns]
    if not chosen:
        message = _("Choose at least one column.")
        raise ValidationFailed(message, details={"columns": [message]})
    return "" if tuple(chosen) == DEFAULT_COLUMNS else ",".join(chosen)


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed(_("Give the view a name."), details={"name": [_("Give the view a name.")]})
    if len(cleaned) > MAX_VIEW_NAME:
        message = _("At most %(count)d characters.") % {"count": MAX_VIEW_NAME}
        raise ValidationFailed(message, details={"name": [message]})
    return cleaned


def _check_team(actor: User, team: Team | None) -> None:
    if team is not None and team.pk not in team_ids(actor):
        message = _("You can share a view only with a team you belong to.")
        raise ValidationFailed(message, details={"team": [message]})


def _check_name_free(owner: User, name: str, view: SavedView | None = None) -> None:
    taken = SavedView.objects.filter(owner=owner, name=name)
    if view is not None:
        taken = taken.exclude(pk=view.pk)
    if taken.exists():
        message = _("You already have a view of that name.")
        raise ValidationFailed(message, details={"name": [message]})


def may_edit_view(actor: User, view: SavedView) -> bool:
    return view.owner_id == actor.pk or (view.team_id is not None and view.team_id in lead_team_ids(actor))


@transaction.atomic
def saved_view_create(
    *, actor: User, name: str, query: str, team: Team | None = None, columns: list[str] | None = None
) -> SavedView:
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff save queue views."))
    cleaned = _clean_name(name)
    query = clean_view_query(query)
    kept_columns = clean_columns(columns) if columns is not None else ""
    _check_team(actor, team)
    _check_name_free(actor, cleaned)
    if SavedView.objects.filter(owner=actor).count() >= MAX_VIEWS_PER_OWNER:
        message = _("You have %(count)d views already; delete one first.") % {"count": MAX_VIEWS_PER_OWNER}
        raise ValidationFailed(message, details={"name": [message]})
    try:
        with transaction.atomic():
            view = SavedView.objects.create(
                owner=actor, name=cleaned, query=query, team=team, columns=kept_columns
            )
    except IntegrityError as exc:  # two saves of one name at once
        message = _("You already have a view of that name.")
        raise ValidationFailed(message, details={"name": [message]}) from exc
    if view.team_id is not None:
        audit_configuration_change(actor=actor, instance=view, before=None, after=field_values(view))
    return view


@transaction.atomic
def saved_view_update(
    *,
    actor: User,
    view: SavedView,
    name: str | None = None,
    query: str | None = None,
    team: Team | object | None = UNCHANGED,
    columns: list[str] | None = None,
) -> SavedView:
    """Rename, refilter, choose the columns of or (un)share a view; only what is given changes."""
    view = SavedView.objects.select_for_update().get(pk=view.pk)
    if not may_edit_view(actor, view):
        raise PermissionDenied(_("Only the owner of a view or a lead of its team may change it."))
    before = field_values(view)
    fields = ["updated_at"]
    if name is not None:
        view.name = _clean_name(name)
        _check_name_free(view.owner, view.name, view)
        fields.append("name")
    if query is not None:
        view.query = clean_view_query(query)
        fields.append("query")
    if columns is not None:
        view.columns = clean_columns(columns)
        fields.append("columns")
    if team is not UNCHANGED:
        if team is not None and not isinstance(team, Team):
            raise TypeError(team)
        if view.owner_id != actor.pk and team != view.team:
            raise PermissionDenied(_("Only the owner of a view decides whom it is shared with."))
        _check_team(actor, team)
        view.team = team
        fields.append("team")
    view.save(update_fields=fields)
    if before["team"] is not None or view.team_id is not None:
        audit_configuration_change(actor=actor, instance=view, before=before, after=field_values(view))
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    held = SavedView.objects.select_for_update().filter(pk=view.pk).first()  # as it is now, for the trail
    if held is None:
        raise NotFound(_("No such view."))
    if not may_edit_view(actor, held):
        raise PermissionDenied(_("Only the owner of a view or a lead of its team may change it."))
    pk, before = held.pk, field_values(held)
    held.delete()
    if before["team"] is not None:
        audit_configuration_change(actor=actor, instance=held, before=before, after=None, object_id=pk)
