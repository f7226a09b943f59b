"""Configuration changes the core services don't offer yet. Same style as theirs: keyword-only,
atomic, validated, raising ValidationFailed with per-field details."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from gongdan.accounts.models import Organisation, ServiceTier, User
from gongdan.accounts.services import require_admin
from gongdan.domain_errors import ValidationFailed

EMAIL_DOMAIN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    kind: str,
    service_tier: str,
    email_domain: str = "",
    is_active: bool = True,
) -> Organisation:
    require_admin(actor)
    name = (name or "").strip()
    email_domain = (email_domain or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 200:
        errors["name"] = [_("Too long.")]
    elif Organisation.objects.filter(name=name).exclude(pk=organisation.pk).exists():
        errors["name"] = [_("This name is taken.")]
    if kind not in Organisation.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if service_tier not in ServiceTier.values:
        errors["service_tier"] = [_("Unknown service tier.")]
    if email_domain and not EMAIL_DOMAIN.match(email_domain):
        errors["email_domain"] = [_("Enter a domain such as example.com.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    organisation.name = name
    organisation.kind = kind
    organisation.service_tier = service_tier
    organisation.email_domain = email_domain
    organisation.is_active = bool(is_active)
    organisation.save(update_fields=["name", "kind", "service_tier", "email_domain", "is_active"])
    return organisation
