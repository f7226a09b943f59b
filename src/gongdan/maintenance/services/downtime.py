"""Setting an asset down from a ticket and bringing it back when the ticket is resolved (decision 0091)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.models import AssetStatus
from gongdan.assets.services import asset_set_status
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.maintenance.events import ASSET_DOWN
from gongdan.maintenance.models import Downtime
from gongdan.tickets.access import can_view, can_work
from gongdan.tickets.models import Ticket
from gongdan.tickets.reactions import TicketChange
from gongdan.tickets.services import append_event, label_of, lock_ticket

ENDING_STATUSES = frozenset({"resolved", "closed", "cancelled"})


@transaction.atomic
def asset_down_from_ticket(
    *, actor: User, ticket: Ticket, expected_version: int | None = None, at: datetime | None = None
) -> Downtime:
    """Whoever works the ticket may say its asset is down: the downtime starts now and the asset's status
    becomes "down"; resolving (or closing, cancelling) the ticket ends it."""
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if not can_work(actor, ticket):
        raise PermissionDenied(_("Only the people who work this ticket can do that."))
    locked = lock_ticket(ticket, expected_version=expected_version, related=("asset",))
    asset = locked.asset
    if asset is None:
        message = _("This ticket is not about an asset.")
        raise ValidationFailed(message, details={"asset": [message]})
    if not locked.is_open:
        raise Conflict(_("Only an open ticket can set its asset down."), code="ticket_not_open")
    if asset.status == AssetStatus.RETIRED:
        message = _("The asset “%(value)s” is retired.") % {"value": asset}
        raise ValidationFailed(message, details={"asset": [message]})
    now = at or timezone.now()
    if Downtime.objects.filter(asset=asset, ended_at__isnull=True).exists():
        raise Conflict(
            _("This asset is already down (another ticket set it down)."), code="asset_already_down"
        )
    asset = asset_set_status(
        actor=None, by=actor, asset=asset, status=AssetStatus.DOWN, reason={"ticket": locked.number}
    )
    downtime = Downtime.objects.create(asset=asset, ticket=locked, started_at=now, started_by=actor)
    append_event(locked, actor=actor, kind=ASSET_DOWN, at=now, data={"asset": label_of(asset)})
    return downtime


def downtime_end_for(ticket: Ticket, *, at: datetime) -> int:
    """End the open downtime this ticket started, and set its asset running. Returns how many ended."""
    ended = 0
    for downtime in (
        Downtime.objects.select_for_update()
        .select_related("asset")
        .filter(ticket=ticket, ended_at__isnull=True)
    ):
        downtime.ended_at = max(at, downtime.started_at)
        downtime.save(update_fields=["ended_at"])
        if downtime.asset.status == AssetStatus.DOWN:
            asset_set_status(
                actor=None, asset=downtime.asset, status=AssetStatus.RUNNING, reason={"ticket": ticket.number}
            )
        ended += 1
    return ended


def maintenance_react(change: TicketChange) -> None:
    """A ticket reaction (in the transaction): a ticket that moves to resolved, closed or cancelled ends the
    downtime it started. A reopened ticket does not restart it: the asset is set down again explicitly."""
    if change.creating:
        return
    for event in change.events:
        if event.kind == "transitioned" and event.data.get("to") in ENDING_STATUSES:
            downtime_end_for(change.ticket, at=event.created_at)
