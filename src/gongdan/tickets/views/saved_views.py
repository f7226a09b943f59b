"""The queue's own saved views: save the current filters under a name, rename, share with a team, delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.accounts.models import Team
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets import selectors
from gongdan.tickets.access import team_ids
from gongdan.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_update
from gongdan.web.http import SignedInRequest


def _team(request: SignedInRequest) -> Team | None:
    raw = request.POST.get("team", "")
    if not raw:
        return None
    team_id = parse_id(raw)
    team = Team.objects.filter(pk=team_id, pk__in=team_ids(request.user)).first() if team_id else None
    if team is None:
        message = _("You can share a view only with a team you belong to.")
        raise ValidationFailed(message, details={"team": [message]})
    return team


def _columns(request: SignedInRequest) -> list[str] | None:
    """The ticked columns when the form had the column boxes (none ticked is refused); None leaves them."""
    return request.POST.getlist("columns") if "columns_shown" in request.POST else None


def _back(query: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("tickets:queue") + (f"?{query}" if query else ""))


def _refused(request: SignedInRequest, exc: DomainError) -> HttpResponse:
    text = "; ".join(str(m) for msgs in exc.details.values() for m in msgs) or str(exc.message)
    messages.error(request, text)
    response = _back(request.POST.get("query", "")[:1000])
    response.status_code = 303
    return response


@login_required
@require_POST
def saved_view_new(request: SignedInRequest) -> HttpResponse:
    try:
        view = saved_view_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            team=_team(request),
            columns=_columns(request),
        )
    except DomainError as exc:
        return _refused(request, exc)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back(f"{view.query}&saved={view.pk}" if view.query else f"saved={view.pk}")


@login_required
@require_POST
def saved_view_change(request: SignedInRequest, view_id: int) -> HttpResponse:
    try:
        view = selectors.saved_view_get(actor=request.user, view_id=view_id)
        if request.POST.get("delete"):
            saved_view_delete(actor=request.user, view=view)
            messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
            return _back("")
        view = saved_view_update(
            actor=request.user, view=view, name=request.POST.get("name", ""), team=_team(request),
            columns=_columns(request),
        )  # fmt: skip
    except DomainError as exc:
        return _refused(request, exc)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return _back(f"{view.query}&saved={view.pk}" if view.query else f"saved={view.pk}")
