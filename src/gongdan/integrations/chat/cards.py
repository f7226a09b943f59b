"""The pipeline consumer that puts chat cards in the outbox, after the change that calls for them commits:

- an approval waiting for someone (asked, reminded, escalated, or the next stage) → a card to each person who
  may decide it and has an account on an active chat app. On Feishu, whose cards carry a form's text back in
  the callback, the card has a comment box with Approve, Reject and Send back (decision 0190); DingTalk and
  WeCom cards carry Approve only and link to the confirmation page, which asks for the reason to reject;
- an on-call page → an "Acknowledge" card to each person paged;
- a new ticket left unassigned in a team → a "Take it" card in the team's chat groups.

The outbox's idempotency key (task and round, page, ticket and group) makes a second event for the same thing
send nothing twice."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from gongdan.approvals import events as approval_events
from gongdan.approvals.models import ApprovalTask, TaskStatus
from gongdan.approvals.services import MAX_COMMENT, delegates_of
from gongdan.integrations.chat.actions import ACKNOWLEDGE, APPROVE, REJECT, SEND_BACK, TAKE, button_value
from gongdan.integrations.models import ChatAccount, ChatGroup, ChatPlatform
from gongdan.notifications.kinds import ticket_url
from gongdan.oncall import events as oncall_events
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import Draft, outbox_enqueue_many
from gongdan.tickets import events as ticket_events
from gongdan.tickets.models import Ticket, TicketEvent

CONSUMER = "integrations.chat_cards"
APPROVAL_KINDS = {approval_events.APPROVAL_STARTED, approval_events.APPROVAL_DECIDED,
                  approval_events.APPROVAL_RESUMED, approval_events.APPROVAL_REMINDED,
                  approval_events.APPROVAL_ESCALATED}  # fmt: skip
KINDS = frozenset({*APPROVAL_KINDS, oncall_events.ONCALL_PAGED, ticket_events.CREATED})


def _accounts(user_ids: Iterable[int]) -> dict[int, list[ChatAccount]]:
    found: dict[int, list[ChatAccount]] = defaultdict(list)
    for account in ChatAccount.objects.filter(user_id__in=set(user_ids), app__is_active=True,
                                              user__is_active=True).select_related("app", "user"):  # fmt: skip
        found[account.user_id].append(account)
    return found


def _card(title: str, lines: list[str], url: str, button: tuple[str, str] | None,
          form: dict[str, Any] | None = None) -> str:  # fmt: skip
    """`form`: a comment box and several buttons that send it back (only where the platform can carry it)."""
    return json.dumps({"title": title, "lines": lines, "url": url, "link_label": _("Open in Gongdan"),
                       "button": {"label": button[0], "value": button[1]} if button else None, "form": form},
                      ensure_ascii=False)  # fmt: skip


def _decision_form(task: ApprovalTask, user_id: int) -> dict[str, Any]:
    """Approve, Reject and Send back under one comment box; the service asks for the comment to reject or send
    back, and the card shows its answer."""
    signed = {action: button_value(action, task.pk, for_user=user_id, round=task.round)
              for action in (APPROVE, REJECT, SEND_BACK)}  # fmt: skip
    return {
        "comment_label": _("Comment (required to reject or send back)"),
        "comment_max": min(MAX_COMMENT, 1000),  # Feishu's input takes at most 1,000 characters
        "buttons": [
            {"name": APPROVE, "label": _("Approve"), "value": signed[APPROVE], "style": "primary"},
            {"name": REJECT, "label": _("Reject"), "value": signed[REJECT], "style": "danger"},
            {"name": SEND_BACK, "label": _("Send back"), "value": signed[SEND_BACK], "style": "default"},
        ],
    }


def _draft(account: ChatAccount, key: str, ticket: Ticket, body: str, *, urgent: bool = False) -> Draft:
    return Draft(channel=OutboxMessage.Channel.CHAT_APP, address=f"user:{account.external_id}",
                 subject=json.loads(body)["title"][:300], body_text=body, idempotency_key=key,
                 headers={"chat_app": str(account.app_id)}, kind="chat_card", recipient_id=account.user_id,
                 ticket_id=ticket.pk, urgent=urgent)  # fmt: skip


def _approval_drafts(ticket_ids: set[int]) -> list[Draft]:
    tasks = list(ApprovalTask.objects.filter(step__request__ticket_id__in=ticket_ids, status=TaskStatus.PENDING)
                 .select_related("step__request__ticket", "approver"))  # fmt: skip
    now = timezone.now()
    deciders = {t.pk: {t.approver_id, *([t.escalated_to_id] if t.escalated_to_id else []),
                       *delegates_of(t.approver_id, at=now)} for t in tasks}  # fmt: skip
    accounts = _accounts(uid for ids in deciders.values() for uid in ids)
    drafts = []
    for task in tasks:
        ticket = task.step.request.ticket
        for user_id in deciders[task.pk]:
            for account in accounts.get(user_id, []):
                with override(account.user.language or None):
                    title = _("Approval needed: %(number)s %(subject)s") % {
                        "number": ticket.number,
                        "subject": ticket.subject,
                    }
                    lines = [
                        _("Stage: %(stage)s") % {"stage": task.step.label},
                        _("Requested by %(name)s")
                        % {"name": ticket.requester.name if ticket.requester_id else "?"},
                    ]
                    if account.app.platform == ChatPlatform.FEISHU:
                        body = _card(
                            title, lines, ticket_url(ticket), None, form=_decision_form(task, user_id)
                        )
                    else:
                        body = _card(
                            title,
                            [*lines, _("To reject, open it and give a reason.")],
                            ticket_url(ticket),
                            (
                                _("Approve"),
                                button_value(APPROVE, task.pk, for_user=user_id, round=task.round),
                            ),
                        )
                drafts.append(
                    _draft(account, f"chatcard-approval-{task.pk}-r{task.round}-a{account.pk}", ticket, body)
                )
    return drafts


def _page_drafts(events: list[TicketEvent]) -> list[Draft]:
    wanted = [(e, int(e.data.get("page") or 0), [int(r["id"]) for r in e.data.get("recipients") or []])
              for e in events]  # fmt: skip
    accounts = _accounts(uid for _e, _p, ids in wanted for uid in ids)
    drafts = []
    for event, page_id, user_ids in wanted:
        ticket = event.ticket
        for user_id in user_ids:
            for account in accounts.get(user_id, []):
                with override(account.user.language or None):
                    body = _card(_("Paged: %(number)s %(subject)s") % {"number": ticket.number, "subject": ticket.subject},
                                 [str(event.data.get("reason") or "")], ticket_url(ticket),
                                 (_("Acknowledge"), button_value(ACKNOWLEDGE, page_id, for_user=user_id)))  # fmt: skip
                key = f"chatcard-page-{page_id}-x{event.data.get('repeat', 0)}-a{account.pk}"
                drafts.append(_draft(account, key, ticket, body, urgent=True))
    return drafts


def _take_drafts(tickets: list[Ticket]) -> list[Draft]:
    waiting = [t for t in tickets if t.assignee_id is None and t.team_id]
    groups: dict[int, list[ChatGroup]] = defaultdict(list)
    for group in ChatGroup.objects.filter(team_id__in={t.team_id for t in waiting}, post_new_tickets=True,
                                          app__is_active=True).select_related("app"):  # fmt: skip
        groups[group.team_id].append(group)
    drafts = []
    for ticket in waiting:
        for group in groups.get(ticket.team_id or 0, []):
            body = _card(_("New: %(number)s %(subject)s") % {"number": ticket.number, "subject": ticket.subject},
                         [_("Priority: %(priority)s") % {"priority": ticket.priority.name if ticket.priority_id else "-"}],
                         ticket_url(ticket), (_("Take it"), button_value(TAKE, ticket.pk)))  # fmt: skip
            drafts.append(Draft(channel=OutboxMessage.Channel.CHAT_APP, address=f"chat:{group.chat_id}",
                                subject=json.loads(body)["title"][:300], body_text=body,
                                idempotency_key=f"chatcard-take-{ticket.pk}-g{group.pk}",
                                headers={"chat_app": str(group.app_id)}, kind="chat_card", ticket_id=ticket.pk))  # fmt: skip
    return drafts


def handle_events(events: list[TicketEvent]) -> Any:
    if not ChatAccount.objects.exists() and not ChatGroup.objects.exists():
        return 0  # no chat app set up: one cheap query per batch
    approvals = {e.ticket_id for e in events if e.kind in APPROVAL_KINDS}
    pages = [e for e in events if e.kind == oncall_events.ONCALL_PAGED]
    created = {e.ticket_id for e in events if e.kind == ticket_events.CREATED}
    drafts: list[Draft] = []
    if approvals:
        drafts += _approval_drafts(approvals)
    if pages:
        drafts += _page_drafts(pages)
    if created:
        fresh = list(Ticket.objects.filter(pk__in=created).select_related("priority"))
        drafts += _take_drafts(fresh)
    return outbox_enqueue_many(drafts)
