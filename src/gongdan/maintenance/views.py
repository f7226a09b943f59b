"""The ticket page's "set the asset down" action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets.selectors import ticket_get
from gongdan.web.http import SignedInRequest


@login_required
@require_POST
def ticket_asset_down(request: SignedInRequest, number: str) -> HttpResponse:
    try:
        ticket = ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    try:
        asset_down_from_ticket(
            actor=request.user, ticket=ticket, expected_version=parse_id(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        response = redirect("tickets:ticket_detail", ticket.number)
        response.status_code = 303
        return response
    messages.success(request, _("The asset is down; resolving this ticket sets it running again."))
    return redirect("tickets:ticket_detail", ticket.number)
