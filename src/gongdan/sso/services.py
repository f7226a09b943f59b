"""Every change single sign-on makes: identity providers and their mapping rules (administrators), and the
account a provider's word signs in to (found, linked or created through the accounts service)."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Role, User
from gongdan.accounts.services import require_admin, user_create
from gongdan.accounts.sign_in_guard import is_locked_out, lockout_message
from gongdan.audit.services import audit_record
from gongdan.core.config_cache import configuration_changed
from gongdan.core.domain_errors import ValidationFailed
from gongdan.sso import events
from gongdan.sso.mapping import apply_rules
from gongdan.sso.models import (
    MAPPABLE_ROLES,
    ExternalIdentity,
    IdentityProvider,
    MappingRule,
    MatchBy,
    ProviderKind,
)
from gongdan.sso.profiles import ExternalProfile, SignInRefused

SECRET_FIELDS = ("client_secret", "bind_password")
COMMON_FIELDS = ("name", "name_en", "slug", "is_enabled", "order", "create_users", "match_existing_by",
                 "default_role")  # fmt: skip
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    ProviderKind.OIDC: ("issuer", "client_id", "client_secret", "scopes"),
    ProviderKind.LDAP: ("server_uri", "start_tls", "tls_verify", "ca_certificate", "bind_dn", "bind_password",
                        "user_search_base", "user_search_filter", "user_dn_template", "group_search_base",
                        "username_attribute", "timeout_seconds"),
    ProviderKind.DINGTALK: ("issuer", "api_base", "client_id", "client_secret"),
    ProviderKind.FEISHU: ("issuer", "api_base", "client_id", "client_secret"),
    ProviderKind.WECOM: ("issuer", "api_base", "client_id", "client_secret", "agent_id"),
}  # fmt: skip
REQUIRED_WHEN_ENABLED: dict[str, tuple[str, ...]] = {
    ProviderKind.OIDC: ("issuer", "client_id", "client_secret"),
    ProviderKind.LDAP: ("server_uri",),
    ProviderKind.DINGTALK: ("client_id", "client_secret"),
    ProviderKind.FEISHU: ("client_id", "client_secret"),
    ProviderKind.WECOM: ("client_id", "client_secret", "agent_id"),
}
_LDAP_URI = re.compile(r"^ldaps?://[^\s/]+/?$", re.IGNORECASE)


def provider_fields(kind: str) -> tuple[str, ...]:
    return COMMON_FIELDS + KIND_FIELDS.get(kind, ())


def _clean_provider(
    kind: str, values: dict[str, Any], *, existing: IdentityProvider | None
) -> dict[str, Any]:
    if kind not in ProviderKind.values:
        raise ValidationFailed(
            _("Some fields are not valid."), details={"kind": [_("Unknown kind of provider.")]}
        )
    allowed = provider_fields(kind)
    if unknown := sorted(set(values) - set(allowed)):
        raise ValidationFailed(_("Some fields are not valid."),
                               details={f: [_("Unknown or read-only field.")] for f in unknown})  # fmt: skip
    cleaned = {
        k: (v.strip() if isinstance(v, str) and k not in SECRET_FIELDS else v) for k, v in values.items()
    }
    for name in SECRET_FIELDS:  # write-only: empty means "keep what is stored"
        if name in cleaned and not cleaned[name] and existing is not None:
            del cleaned[name]
    source = existing or IdentityProvider(kind=kind)  # a new one: the model's defaults
    merged = {f: getattr(source, f) for f in allowed}
    merged.update(cleaned)
    errors: dict[str, list[str]] = {}
    if not merged.get("name"):
        errors["name"] = [_("This field is required.")]
    slug = merged.get("slug") or ""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", slug):
        errors["slug"] = [_("Use 1–40 lowercase letters, digits and hyphens.")]
    elif IdentityProvider.objects.filter(slug=slug).exclude(pk=existing.pk if existing else 0).exists():
        errors["slug"] = [_("Another provider has this key.")]
    if merged.get("default_role", Role.REQUESTER) not in {r.value for r in MAPPABLE_ROLES}:
        errors["default_role"] = [_("Administrator roles are given by hand, not by a provider.")]
    if merged.get("match_existing_by", "") not in MatchBy.values:
        errors["match_existing_by"] = [_("Unknown choice.")]
    if kind == ProviderKind.LDAP:
        if merged.get("server_uri") and not _LDAP_URI.match(merged["server_uri"]):
            errors["server_uri"] = [_("Enter ldap://host:port or ldaps://host:port.")]
        template, search_filter = merged.get("user_dn_template", ""), merged.get("user_search_filter", "")
        if template and "{username}" not in template:
            errors["user_dn_template"] = [_("The template must contain {username}.")]
        if not template and "{username}" not in search_filter:
            errors["user_search_filter"] = [
                _("The filter must contain {username}, or fill in a direct bind DN template.")
            ]
        if not template and not merged.get("user_search_base"):
            errors["user_search_base"] = [
                _("Enter where to search for people, or a direct bind DN template.")
            ]
        if not 1 <= int(merged.get("timeout_seconds") or 0) <= 60:
            errors["timeout_seconds"] = [_("Enter 1 to 60 seconds.")]
    if kind == ProviderKind.OIDC and "openid" not in str(merged.get("scopes", "")).split():
        errors["scopes"] = [_("The scopes must include openid.")]
    if merged.get("is_enabled"):
        for name in REQUIRED_WHEN_ENABLED.get(kind, ()):
            if not merged.get(name):
                errors.setdefault(name, [_("Required before the provider can be enabled.")])
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


@transaction.atomic
def provider_create(*, actor: User | None, kind: str, **values: Any) -> IdentityProvider:
    if actor is not None:
        require_admin(actor)
    cleaned = _clean_provider(kind, values, existing=None)
    provider = IdentityProvider(kind=kind, **cleaned)
    provider.save()
    configuration_changed()
    return provider


@transaction.atomic
def provider_update(*, actor: User, provider: IdentityProvider, **values: Any) -> IdentityProvider:
    require_admin(actor)
    cleaned = _clean_provider(provider.kind, values, existing=provider)
    for name, value in cleaned.items():
        setattr(provider, name, value)
    provider.save()
    configuration_changed()
    return provider


@transaction.atomic
def provider_delete(*, actor: User, provider: IdentityProvider) -> None:
    """The accounts it created stay (with their tickets); they can no longer sign in through it."""
    require_admin(actor)
    provider.delete()
    configuration_changed()


RULE_FIELDS = ("order", "claim", "operator", "value", "role", "team")


def _clean_rule(values: dict[str, Any]) -> dict[str, Any]:
    if unknown := sorted(set(values) - set(RULE_FIELDS)):
        raise ValidationFailed(_("Some fields are not valid."),
                               details={f: [_("Unknown or read-only field.")] for f in unknown})  # fmt: skip
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    errors: dict[str, list[str]] = {}
    if not cleaned.get("claim"):
        errors["claim"] = [_("This field is required.")]
    if not cleaned.get("value"):
        errors["value"] = [_("This field is required.")]
    if cleaned.get("operator", MappingRule.Operator.CONTAINS) not in MappingRule.Operator.values:
        errors["operator"] = [_("Unknown choice.")]
    role = cleaned.get("role", "")
    if role and role not in {r.value for r in MAPPABLE_ROLES}:
        errors["role"] = [_("Administrator roles are given by hand, not by a provider.")]
    if not role and cleaned.get("team") is None:
        errors["role"] = [_("Give a role, a team, or both.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


@transaction.atomic
def rule_create(*, actor: User | None, provider: IdentityProvider, **values: Any) -> MappingRule:
    if actor is not None:
        require_admin(actor)
    rule = MappingRule.objects.create(provider=provider, **_clean_rule(values))
    configuration_changed()
    return rule


@transaction.atomic
def rule_update(*, actor: User, rule: MappingRule, **values: Any) -> MappingRule:
    require_admin(actor)
    for name, value in _clean_rule(values).items():
        setattr(rule, name, value)
    rule.save()
    configuration_changed()
    return rule


@transaction.atomic
def rule_delete(*, actor: User, rule: MappingRule) -> None:
    require_admin(actor)
    rule.delete()
    configuration_changed()


# ---- signing in ------------------------------------------------------------------------------------------


def sso_failure_record(*, provider: IdentityProvider | None, code: str, username: str = "",
                       slug: str = "") -> None:  # fmt: skip
    """On the record, outside any transaction that a refusal rolls back."""
    audit_record(kind=events.SSO_FAILURE, actor_username=username[:150], object_type="sso.identityprovider",
                 object_id=provider.pk if provider else "", object_repr=provider.slug if provider else slug,
                 detail={"reason": code})  # fmt: skip


def _existing_account(provider: IdentityProvider, profile: ExternalProfile) -> User | None:
    match provider.match_existing_by:
        case MatchBy.USERNAME if profile.username:
            found = User.objects.filter(username__iexact=profile.username)
        case MatchBy.EMAIL if profile.email:
            found = User.objects.filter(email__iexact=profile.email)
        case MatchBy.PHONE if profile.phone:
            found = User.objects.filter(phone=profile.phone)
        case _:
            return None
    users = list(found[:2])
    return users[0] if len(users) == 1 else None


def _free_username(wanted: str, subject: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", wanted or "")[:140] or f"sso-{re.sub(r'[^\w-]', '', subject)[:40]}"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _refuse(code: str, message: str) -> SignInRefused:
    return SignInRefused(code, message)


@transaction.atomic
def sso_account(*, provider: IdentityProvider, profile: ExternalProfile) -> User:
    """The account `profile` signs in to: the one linked to this identity before, else an existing account the
    provider is trusted to match, else (when the provider creates accounts) a new one mapped by the rules.
    Refuses a deactivated or locked-out account: a provider's word does not override either."""
    if not provider.is_enabled:
        raise _refuse("provider_disabled", _("This sign-in method is turned off."))
    if not profile.subject:
        raise _refuse("no_subject", _("The identity provider did not say who you are."))
    identity = (ExternalIdentity.objects.select_related("user").select_for_update()
                .filter(provider=provider, subject=profile.subject).first())  # fmt: skip
    user = identity.user if identity else None
    if user is None and (user := _existing_account(provider, profile)) is not None:
        if ExternalIdentity.objects.filter(provider=provider, user=user).exists():
            raise _refuse("already_linked", _("This account is linked to another identity at this provider. "
                                              "Ask an administrator."))  # fmt: skip
        identity = ExternalIdentity.objects.create(provider=provider, subject=profile.subject, user=user)
        audit_record(kind=events.SSO_LINK, actor=user, object_type="accounts.user", object_id=user.pk,
                     object_repr=user.username,
                     detail={"provider": provider.slug, "matched_by": provider.match_existing_by})  # fmt: skip
    if user is None:
        if not provider.create_users:
            raise _refuse(
                "no_account", _("You have no account here yet. Ask an administrator to create one.")
            )
        user = _create_account(provider, profile)
        identity = ExternalIdentity.objects.create(provider=provider, subject=profile.subject, user=user)
    if not user.is_active:
        raise _refuse("deactivated", _("This account is deactivated. Ask an administrator."))
    if is_locked_out(user.username):
        raise _refuse("locked_out", lockout_message())
    assert identity is not None
    ExternalIdentity.objects.filter(pk=identity.pk).update(last_sign_in_at=timezone.now())
    return user


def _create_account(provider: IdentityProvider, profile: ExternalProfile) -> User:
    mapped = apply_rules(
        provider.rules.select_related("team"), profile.claims, default_role=provider.default_role
    )
    teams = mapped.teams if mapped.role != Role.REQUESTER else ()
    email = profile.email.strip().lower()
    if email and User.objects.filter(email__iexact=email).exists():
        email = ""  # someone else's address: the new account goes without rather than failing the sign-in
    fields: dict[str, Any] = {"role": mapped.role, "email": email, "display_name": profile.display_name[:150],
                              "phone": profile.phone[:40]}  # fmt: skip
    try:
        with transaction.atomic():
            user = user_create(actor=None, username=_free_username(profile.username, profile.subject),
                               teams=teams, **fields)  # fmt: skip
    except (ValidationFailed, IntegrityError):
        fields["display_name"], fields["phone"] = "", ""
        user = user_create(actor=None, username=_free_username("", profile.subject), teams=teams, **fields)
    audit_record(kind=events.SSO_USER_CREATE, actor=None, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username,
                 detail={"provider": provider.slug, "role": user.role, "teams": [t.pk for t in teams],
                         "rules": list(mapped.matched)})  # fmt: skip
    return user
