"""Changes to notification rules, chat bots, webhooks, the network allow-list and each person's choices.

Every function is keyword-only, checks who asks, validates the whole input before writing anything, and
raises a domain error with per-field details (the settings forms and the API show them next to fields)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable
from typing import Any

from django.core.validators import EmailValidator, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.notifications.delivery import network
from gongdan.notifications.delivery.signing import new_webhook_secret, valid_webhook_secret
from gongdan.notifications.models import (
    AllowedNetwork,
    ChatBot,
    NotificationPreference,
    NotificationRule,
    OutboxMessage,
    PersonChannel,
    Recipient,
    RuleEvent,
    Template,
    Webhook,
)
from gongdan.notifications.outbox import _enqueue_delivery
from gongdan.tickets.models import Priority

HOST_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)
LANGUAGES = ("zh-hans", "en")


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators can change notification settings."))


def _fail(errors: dict[str, list[str]], what: str) -> None:
    if errors:
        raise ValidationFailed(_("The %(what)s was not saved; check the marked fields.") % {"what": what},
                               details=errors)  # fmt: skip


def _name(value: str, model: Any, instance: Any, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if not value or len(value) > 120:
        errors["name"] = [_("Give it a name of at most 120 characters.")]
    elif model.objects.filter(name=value).exclude(pk=getattr(instance, "pk", None)).exists():
        errors["name"] = [_("Another one already has this name.")]
    return value


def check_target_url(url: str, errors: dict[str, list[str]], field: str = "url") -> str:
    """The URL must be http(s) and reach a public address, or one the admin allow-listed (SSRF guard)."""
    url = (url or "").strip()
    if not url or len(url) > 500:
        errors[field] = [_("Enter a URL of at most 500 characters.")]
        return url
    try:
        network.check_url(url)
    except network.Refused as refused:
        errors[field] = [_("This address cannot be called: %(reason)s") % {"reason": refused}]
    return url


# --- rules --------------------------------------------------------------------------------------------------


def _rule_values(
    *, rule: NotificationRule | None, name: str, event: str, recipients: Iterable[str], channels: Iterable[str],
    fixed_address: str = "", team: Team | None = None, priorities: Iterable[Priority] = (),
    chat_bots: Iterable[ChatBot] = (), webhooks: Iterable[Webhook] = (), template: str = Template.STANDARD,
    is_active: bool = True,
) -> tuple[dict[str, Any], dict[str, list[Any]]]:  # fmt: skip
    errors: dict[str, list[str]] = {}
    name = _name(name, NotificationRule, rule, errors)
    if event not in RuleEvent.values:
        errors["event"] = [_("Choose an event.")]
    recipients = list(dict.fromkeys(recipients or []))
    channels = list(dict.fromkeys(channels or []))
    if any(r not in Recipient.values for r in recipients):
        errors["recipients"] = [_("Unknown recipient.")]
    if any(c not in PersonChannel.values for c in channels):
        errors["channels"] = [_("Unknown channel.")]
    if recipients and not channels:
        errors["channels"] = [_("Choose how these people hear about it (email, in-app or both).")]
    if channels and not recipients:
        errors["recipients"] = [_("Choose who hears about it, or clear the channels.")]
    fixed_address = (fixed_address or "").strip()
    if fixed_address:
        try:
            EmailValidator()(fixed_address)
        except ValidationError:
            errors["fixed_address"] = [_("Enter a valid email address.")]
    chat_bots, webhooks, priorities = list(chat_bots), list(webhooks), list(priorities)
    if not (recipients or fixed_address or chat_bots or webhooks) and "recipients" not in errors:
        errors["recipients"] = [
            _("A rule must send something: choose people, an address, a chat bot or a webhook.")
        ]
    if template not in Template.values:
        errors["template"] = [_("Choose a template.")]
    if team is not None and not team.is_active:
        errors["team"] = [_("This team is deactivated.")]
    _fail(errors, _("rule"))
    values = {"name": name, "event": event, "recipients": recipients, "channels": channels,
              "fixed_address": fixed_address, "team": team, "template": template, "is_active": is_active}  # fmt: skip
    return values, {"priorities": priorities, "chat_bots": chat_bots, "webhooks": webhooks}


@transaction.atomic
def rule_create(*, actor: User, **fields: Any) -> NotificationRule:
    _require_admin(actor)
    values, links = _rule_values(rule=None, **fields)
    rule = NotificationRule.objects.create(**values)
    for key, rows in links.items():
        getattr(rule, key).set(rows)
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: NotificationRule, **fields: Any) -> NotificationRule:
    _require_admin(actor)
    rule = NotificationRule.objects.select_for_update().get(pk=rule.pk)
    values, links = _rule_values(rule=rule, **fields)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save(update_fields=list(values))
    for key, rows in links.items():
        getattr(rule, key).set(rows)
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule_id: int) -> None:
    _require_admin(actor)
    deleted, _rows = NotificationRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound(_("Rule not found."))


# --- chat bots ----------------------------------------------------------------------------------------------


def _bot_values(*, bot: ChatBot | None, name: str, kind: str, url: str, secret: str = "", language: str = "zh-hans",
                is_active: bool = True) -> dict[str, Any]:  # fmt: skip
    errors: dict[str, list[str]] = {}
    name = _name(name, ChatBot, bot, errors)
    if kind not in ChatBot.Kind.values:
        errors["kind"] = [_("Choose the chat service.")]
    url = check_target_url(url, errors)
    secret = (secret or "").strip()
    if len(secret) > 200:
        errors["secret"] = [_("At most 200 characters.")]
    if kind == ChatBot.Kind.DINGTALK and secret and not secret.startswith("SEC"):
        errors["secret"] = [_("A DingTalk signing secret starts with SEC.")]
    if kind in (ChatBot.Kind.WECOM, ChatBot.Kind.SLACK) and secret:
        errors["secret"] = [
            _("This service does not sign messages; the URL itself is the secret. Leave this empty.")
        ]
    if kind == ChatBot.Kind.WECOM and "url" not in errors and "key=" not in url:
        errors["url"] = [_("A WeCom robot URL ends with ?key=… (copy it from the group robot's settings).")]
    if kind == ChatBot.Kind.DINGTALK and "url" not in errors and "access_token=" not in url:
        errors["url"] = [
            _("A DingTalk robot URL ends with ?access_token=… (copy it from the robot's settings).")
        ]
    if language not in LANGUAGES:
        errors["language"] = [_("Choose a language.")]
    _fail(errors, _("chat bot"))
    return {
        "name": name,
        "kind": kind,
        "url": url,
        "secret": secret,
        "language": language,
        "is_active": is_active,
    }


@transaction.atomic
def chat_bot_create(*, actor: User, **fields: Any) -> ChatBot:
    _require_admin(actor)
    return ChatBot.objects.create(**_bot_values(bot=None, **fields))


@transaction.atomic
def chat_bot_update(*, actor: User, bot: ChatBot, **fields: Any) -> ChatBot:
    _require_admin(actor)
    bot = ChatBot.objects.select_for_update().get(pk=bot.pk)
    values = _bot_values(bot=bot, **fields)
    if values["is_active"]:
        values["disabled_reason"] = ""
    for key, value in values.items():
        setattr(bot, key, value)
    bot.save(update_fields=list(values))
    return bot


# --- webhooks -----------------------------------------------------------------------------------------------


def _webhook_values(
    *, hook: Webhook | None, name: str, url: str, secret: str = "", is_active: bool = True
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = _name(name, Webhook, hook, errors)
    url = check_target_url(url, errors)
    secret = (secret or "").strip() or (hook.secret if hook else new_webhook_secret())
    if not valid_webhook_secret(secret):
        errors["secret"] = [
            _(
                "A signing secret is whsec_ followed by 24 to 64 bytes in base64; leave it empty to keep or generate one."
            )
        ]
    _fail(errors, _("webhook"))
    return {"name": name, "url": url, "secret": secret, "is_active": is_active}


@transaction.atomic
def webhook_create(*, actor: User, **fields: Any) -> Webhook:
    _require_admin(actor)
    return Webhook.objects.create(**_webhook_values(hook=None, **fields))


@transaction.atomic
def webhook_update(*, actor: User, hook: Webhook, **fields: Any) -> Webhook:
    _require_admin(actor)
    hook = Webhook.objects.select_for_update().get(pk=hook.pk)
    values = _webhook_values(hook=hook, **fields)
    for key, value in values.items():
        setattr(hook, key, value)
    hook.save(update_fields=list(values))
    return hook


@transaction.atomic
def webhook_rotate_secret(*, actor: User, hook: Webhook) -> Webhook:
    _require_admin(actor)
    hook.secret = new_webhook_secret()
    Webhook.objects.filter(pk=hook.pk).update(secret=hook.secret)
    return hook


@transaction.atomic
def delivery_replay(*, actor: User, message_id: int) -> OutboxMessage:
    """Send a webhook or chat message again, with the same webhook-id, whatever became of it; its attempts
    start again from zero. A message being sent right now is refused."""
    _require_admin(actor)
    message = (
        OutboxMessage.objects.select_for_update()
        .filter(pk=message_id, channel__in=[OutboxMessage.Channel.WEBHOOK, OutboxMessage.Channel.CHAT])
        .first()
    )
    if message is None:
        raise NotFound(_("Delivery not found."))
    if message.state == OutboxMessage.State.SENDING:
        raise Conflict(_("This message is being sent right now; wait for the attempt to finish."))
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.PENDING,
        attempts=0,
        next_attempt_at=now,
        claimed_until=None,
        claim_token="",
        sent_at=None,
    )
    transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    message.refresh_from_db()
    return message


# --- the allow-list -----------------------------------------------------------------------------------------


def clean_allow_entry(value: str) -> str:
    value = (value or "").strip().lower()
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        pass
    if not HOST_NAME.match(value):
        raise ValueError(value)
    return value


@transaction.atomic
def allow_list_set(*, actor: User, entries: Iterable[str]) -> list[str]:
    """Replace the allow-list with these host names and networks (CIDR)."""
    _require_admin(actor)
    clean: list[str] = []
    bad: list[str] = []
    for entry in entries:
        if not (entry or "").strip():
            continue
        try:
            value = clean_allow_entry(entry)
        except ValueError:
            bad.append(entry.strip()[:80])
            continue
        if value not in clean:
            clean.append(value)
    if bad:
        raise ValidationFailed(_("The allow-list was not saved."), details={
            "entries": [_("Not a host name or network: %(values)s") % {"values": ", ".join(bad)}]})  # fmt: skip
    if len(clean) > 200:
        raise ValidationFailed(
            _("The allow-list was not saved."), details={"entries": [_("At most 200 entries.")]}
        )
    AllowedNetwork.objects.exclude(value__in=clean).delete()
    for value in clean:
        AllowedNetwork.objects.get_or_create(value=value)
    return clean


# --- a person's own choices ---------------------------------------------------------------------------------


@transaction.atomic
def preference_update(
    *, actor: User, email: bool, in_app: bool, quiet_start: dt.time | None, quiet_end: dt.time | None
) -> NotificationPreference:
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationFailed(_("Your choices were not saved."), details={
            "quiet_end" if quiet_start else "quiet_start": [_("Give both the start and the end of your quiet hours.")]})  # fmt: skip
    if quiet_start is not None and quiet_start == quiet_end:
        raise ValidationFailed(_("Your choices were not saved."), details={
            "quiet_end": [_("The quiet hours must end at another time than they start.")]})  # fmt: skip
    preference, _created = NotificationPreference.objects.update_or_create(
        user=actor,
        defaults={"email": email, "in_app": in_app, "quiet_start": quiet_start, "quiet_end": quiet_end},
    )
    return preference
