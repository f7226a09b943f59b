"""Reads of identity providers: the sign-in page's buttons, the LDAP backend's directories, the settings list."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from gongdan.sso.models import REDIRECT_KINDS, IdentityProvider, MappingRule, ProviderKind


def sign_in_buttons() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.filter(is_enabled=True, kind__in=sorted(REDIRECT_KINDS)))


def enabled_ldap_providers() -> list[IdentityProvider]:
    return list(IdentityProvider.objects.filter(is_enabled=True, kind=ProviderKind.LDAP))


def provider_list() -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.annotate(rule_count=Count("rules", distinct=True),
                                             identity_count=Count("identities", distinct=True))  # fmt: skip


def provider_rules(provider: IdentityProvider) -> QuerySet[MappingRule]:
    return provider.rules.select_related("team")
