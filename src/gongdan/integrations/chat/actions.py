"""What a verified chat callback does here, as the person who pressed the button or wrote the message.

A card's button carries a value we signed when we sent the card (`button_value`): the action, the object and,
for a card sent to one person, who it was for. The platform tells us who pressed it; their linked
`ChatAccount` is the actor, and the same services as the web decide whether they may (an approver or their
delegate, someone paged or able to work the ticket, an agent who may take it). Each callback is recorded once
by its platform-given key before anything acts, so a replay does nothing a second time.

A Feishu approval card also sends back the comment typed in its form (`Inbound.text`): Reject and Send back
need one, as on the web, and the service's refusal is the toast the person sees (decision 0190)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from gongdan.accounts.models import User
from gongdan.approvals.models import ApprovalTask, Decision
from gongdan.approvals.services import approval_decide
from gongdan.core.domain_errors import DomainError
from gongdan.integrations.chat.inbound import Inbound
from gongdan.integrations.models import ChatAccount, ChatApp, ChatCallback, ChatGroup
from gongdan.notifications.kinds import ticket_url
from gongdan.oncall.services import page_acknowledge
from gongdan.tickets.models import Channel, Ticket
from gongdan.tickets.services import MAX_SUBJECT, ticket_create, ticket_take

log = logging.getLogger(__name__)

SALT = "gongdan.integrations.chat-button"
BUTTON_MAX_AGE = timedelta(days=14)
KEEP_CALLBACKS = timedelta(days=1)
APPROVE, ACKNOWLEDGE, TAKE = "approve", "ack", "take"
REJECT, SEND_BACK = "reject", "send_back"
DECISIONS = {APPROVE: Decision.APPROVE, REJECT: Decision.REJECT, SEND_BACK: Decision.SEND_BACK}


class Replayed(Exception):
    """This callback's key was seen before."""


@dataclass(frozen=True)
class Outcome:
    text: str
    ok: bool


def button_value(action: str, object_id: int, *, for_user: int = 0, round: int = 0) -> str:
    """The signed value a card's button carries (short: WeCom allows 1,024 bytes for a button key)."""
    return signing.dumps({"a": action, "o": object_id, "u": for_user, "r": round}, salt=SALT, compress=True)


def _claim(value: dict[str, Any]) -> dict[str, Any] | None:
    token = value.get("gd")
    if not isinstance(token, str) or len(token) > 1024:
        return None
    try:
        claim = signing.loads(token, salt=SALT, max_age=BUTTON_MAX_AGE)
    except signing.BadSignature:
        return None
    return claim if isinstance(claim, dict) and claim.get("a") in (*DECISIONS, ACKNOWLEDGE, TAKE) else None


def record(app: ChatApp, inbound: Inbound) -> ChatCallback:
    """Note the callback by its key; a key seen before raises Replayed (nothing acts twice)."""
    try:
        with transaction.atomic():
            return ChatCallback.objects.create(app=app, key=inbound.key[:200] or f"k:{timezone.now().timestamp()}",
                                               kind=inbound.kind, external_user=inbound.user[:200])  # fmt: skip
    except IntegrityError as error:
        raise Replayed(inbound.key) from error


def person(app: ChatApp, external_id: str) -> User | None:
    if not external_id:
        return None
    account = ChatAccount.objects.select_related("user").filter(app=app, external_id=external_id).first()
    return account.user if account and account.user.is_active else None


def handle(app: ChatApp, inbound: Inbound, entry: ChatCallback) -> Outcome:
    """Act on an action or a message; the outcome's text is shown to the person where the platform allows."""
    actor = person(app, inbound.user)
    if actor is None:
        outcome = Outcome(_("Your chat account is not linked to a Gongdan user: ask an administrator to link it."),
                          ok=False)  # fmt: skip
    else:
        with override(actor.language or None):
            try:
                outcome = (
                    _action(app, inbound, actor)
                    if inbound.kind == "action"
                    else _message(app, inbound, actor)
                )
            except DomainError as error:
                outcome = Outcome(str(error.message), ok=False)
    ChatCallback.objects.filter(pk=entry.pk).update(
        outcome=("ok: " if outcome.ok else "refused: ") + outcome.text[:280]
    )
    return outcome


def _action(app: ChatApp, inbound: Inbound, actor: User) -> Outcome:
    claim = _claim(inbound.value)
    if claim is None:
        return Outcome(_("This button is not valid (changed, or too old). Open Gongdan instead."), ok=False)
    if claim.get("u") and claim["u"] != actor.pk:
        return Outcome(_("This card was sent to someone else."), ok=False)
    object_id, via = int(claim["o"]), app.platform
    if claim["a"] in DECISIONS:
        task = ApprovalTask.objects.filter(pk=object_id).values_list("round", flat=True).first()
        if task is None or task != claim.get("r", 0):
            return Outcome(
                _("This approval was already decided or asked again: open Gongdan to see it."), ok=False
            )
        decision = DECISIONS[claim["a"]]
        decided = approval_decide(
            actor=actor, task_id=object_id, decision=decision, comment=inbound.text, via=via
        )
        number = decided.step.request.ticket.number
        done = {Decision.APPROVE: _("Approved: %(number)s."), Decision.REJECT: _("Rejected: %(number)s."),
                Decision.SEND_BACK: _("Sent back to the requester: %(number)s.")}[decision]  # fmt: skip
        return Outcome(done % {"number": number}, ok=True)
    if claim["a"] == ACKNOWLEDGE:
        page = page_acknowledge(actor=actor, page_id=object_id, via=via)
        return Outcome(_("Acknowledged: %(number)s is yours.") % {"number": page.ticket.number}, ok=True)
    ticket = Ticket.objects.filter(pk=object_id).first()
    if ticket is None:
        return Outcome(_("Ticket not found."), ok=False)
    ticket_take(actor=actor, ticket=ticket)
    return Outcome(_("%(number)s is yours now: %(url)s") % {"number": ticket.number, "url": ticket_url(ticket)},
                   ok=True)  # fmt: skip


def _message(app: ChatApp, inbound: Inbound, actor: User) -> Outcome:
    group = None
    if inbound.chat_id:
        group = ChatGroup.objects.select_related("team").filter(app=app, chat_id=inbound.chat_id).first()
        if group is None or not group.open_tickets:
            return Outcome("", ok=True)  # a group we were not asked to listen to: stay quiet
    text = inbound.text.strip()
    if not text:
        return Outcome(_("Write what you need and I will open a ticket for it."), ok=False)
    subject = text.splitlines()[0][:MAX_SUBJECT]
    with transaction.atomic():
        ticket = ticket_create(actor=None, subject=subject, description=text, requester=actor,
                               team=group.team if group else None, channel=Channel.CHAT)  # fmt: skip
    return Outcome(
        _("Opened %(number)s: %(url)s") % {"number": ticket.number, "url": ticket_url(ticket)}, ok=True
    )


def forget_old_callbacks(*, now: Any = None) -> int:
    cutoff = (now or timezone.now()) - KEEP_CALLBACKS
    deleted, _rows = ChatCallback.objects.filter(received_at__lt=cutoff).delete()
    return deleted
