"""Setting up chat apps: the app's credentials, who is who on it, and the team groups. Admins only; every
change is checked here (the screens and any future API call the same functions) and audited."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.core.validation import clean_unique_name
from gongdan.integrations.models import ChatAccount, ChatApp, ChatGroup, ChatPlatform
from gongdan.outbox.delivery.network import Refused, check_url

SECRETS = ("app_secret", "token", "aes_key")


def _require_admin(actor: User | None) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change chat apps."))


def _values(app: ChatApp | None, values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values["name"] = clean_unique_name(values.get("name", ""), ChatApp, app, errors)
    platform = values.get("platform", "")
    if platform not in ChatPlatform.values:
        errors["platform"] = [_("Choose a platform.")]
    for name in ("app_id", "app_secret", "token", "aes_key", "agent_id", "card_template_id", "api_base"):
        values[name] = str(values.get(name) or "").strip()
    for name in ("app_id", "app_secret", "token", "aes_key"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    if platform in (ChatPlatform.WECOM, ChatPlatform.DINGTALK) and values["aes_key"]:
        try:
            if (
                len(values["aes_key"]) != 43
                or len(base64.b64decode(values["aes_key"] + "=", validate=True)) != 32
            ):
                raise ValueError
        except (ValueError, binascii.Error):
            errors["aes_key"] = [
                _("The EncodingAESKey has 43 letters and digits: copy it from the callback settings.")
            ]
    if platform == ChatPlatform.WECOM and not values["agent_id"].isdigit():
        errors["agent_id"] = [_("WeCom needs the app's AgentId (a number).")]
    if platform == ChatPlatform.DINGTALK and not values["card_template_id"]:
        errors["card_template_id"] = [_("DingTalk needs the id of the card template with the buttons.")]
    if values["api_base"]:
        try:
            check_url(values["api_base"])
        except Refused as error:
            errors["api_base"] = [str(error)]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), details=errors)
    return values


@transaction.atomic
def chat_app_create(*, actor: User | None, **values: Any) -> ChatApp:
    _require_admin(actor)
    return ChatApp.objects.create(**_values(None, values))


@transaction.atomic
def chat_app_update(*, actor: User | None, app: ChatApp, **values: Any) -> ChatApp:
    _require_admin(actor)
    app = ChatApp.objects.select_for_update().get(pk=app.pk)
    for secret in SECRETS:  # a secret left empty on the form keeps the stored one (it is never shown again)
        if not str(values.get(secret) or "").strip():
            values[secret] = getattr(app, secret)
    cleaned = _values(app, values)
    if cleaned["app_id"] != app.app_id or cleaned["app_secret"] != app.app_secret:
        cleaned.update(access_token="", access_token_expires_at=None)  # a token of the old credentials
    for key, value in cleaned.items():
        setattr(app, key, value)
    app.save()
    return app


def chat_app_delete(*, actor: User | None, app: ChatApp) -> None:
    _require_admin(actor)
    app.delete()


@transaction.atomic
def chat_account_add(*, actor: User | None, app: ChatApp, user: User, external_id: str) -> ChatAccount:
    _require_admin(actor)
    external_id = (external_id or "").strip()
    errors: dict[str, list[str]] = {}
    if not external_id or len(external_id) > 200:
        errors["external_id"] = [_("Give the person's user id on the platform.")]
    elif ChatAccount.objects.filter(app=app, external_id=external_id).exists():
        errors["external_id"] = [_("This user id is already linked to someone.")]
    if ChatAccount.objects.filter(app=app, user=user).exists():
        errors["user"] = [_("This person is already linked on this app.")]
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), details=errors)
    account = ChatAccount.objects.create(app=app, user=user, external_id=external_id)
    audit_configuration_change(actor=actor, instance=account, before=None, after=field_values(account))
    return account


@transaction.atomic
def chat_account_remove(*, actor: User | None, account: ChatAccount) -> None:
    _require_admin(actor)
    audit_configuration_change(actor=actor, instance=account, before=field_values(account), after=None)
    account.delete()


@transaction.atomic
def chat_group_add(*, actor: User | None, app: ChatApp, team: Team, chat_id: str, post_new_tickets: bool = True,
                   open_tickets: bool = True) -> ChatGroup:  # fmt: skip
    _require_admin(actor)
    chat_id = (chat_id or "").strip()
    if not chat_id or len(chat_id) > 200:
        raise ValidationFailed(_("Give the group's id."), details={"chat_id": [_("Give the group's id.")]})
    if ChatGroup.objects.filter(app=app, chat_id=chat_id).exists():
        raise ValidationFailed(
            _("This group is already set up."), details={"chat_id": [_("Already set up.")]}
        )
    group = ChatGroup.objects.create(app=app, team=team, chat_id=chat_id, post_new_tickets=post_new_tickets,
                                     open_tickets=open_tickets)  # fmt: skip
    audit_configuration_change(actor=actor, instance=group, before=None, after=field_values(group))
    return group


@transaction.atomic
def chat_group_remove(*, actor: User | None, group: ChatGroup) -> None:
    _require_admin(actor)
    audit_configuration_change(actor=actor, instance=group, before=field_values(group), after=None)
    group.delete()
