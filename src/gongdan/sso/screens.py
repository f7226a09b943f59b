"""The identity provider settings screen (administrators): one list, a form per kind of provider (a
`SettingsScreen` each, so every save is audited the same way), and the provider's mapping rules."""

from __future__ import annotations

import functools
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.core.ids import parse_id
from gongdan.sso import selectors, services
from gongdan.sso.forms import ProviderForm, RuleEditForm, RuleForm, provider_initial
from gongdan.sso.models import IdentityProvider, MappingRule, ProviderKind


def _provider_context(request: AdminRequest, provider: IdentityProvider | None) -> dict[str, Any]:
    if provider is None:
        return {}
    context: dict[str, Any] = {"provider": provider, "rules": selectors.provider_rules(provider)}
    if provider.redirects:
        context["callback_url"] = request.build_absolute_uri(reverse("sso:callback", args=[provider.slug]))
    return context


def _screen(kind: str) -> SettingsScreen[IdentityProvider]:
    return SettingsScreen(
        model=IdentityProvider, section="sso", form_class=ProviderForm, list_url="sso:provider_list",
        list_template="sso/provider_list.html", list_name="providers", rows=selectors.provider_list,
        list_context=lambda request: {"kinds": ProviderKind.choices},
        create=functools.partial(services.provider_create, kind=kind), update=services.provider_update,
        delete=services.provider_delete, instance_key="provider", edit_url="sso:provider_edit",
        form_kwargs=lambda provider: {"kind": kind, "provider": provider}, initial=provider_initial,
        form_template="sso/provider_form.html", form_context=_provider_context, name_of=lambda p: p.label,
        new_title=gettext_lazy("New identity provider"), edit_title=gettext_lazy("Identity provider: %(name)s"),
        saved=gettext_lazy("Identity provider %(name)s was saved."),
        after_create=lambda provider: ("sso:provider_edit", provider.pk),
        delete_warning=gettext_lazy("The accounts it created stay, with their tickets; they can no longer sign "
                                    "in through it."),
    )  # fmt: skip


SCREENS = {kind: _screen(kind) for kind in ProviderKind.values}
_any = SCREENS[ProviderKind.OIDC]
provider_list = _any.list_view
provider_delete = _any.delete_view


@admin_required
def provider_create(request: AdminRequest, kind: str) -> HttpResponse:
    if kind not in SCREENS:
        raise Http404
    return SCREENS[kind].create_view(request)


@admin_required
def provider_edit(request: AdminRequest, pk: int) -> HttpResponse:
    provider = get_object_or_404(IdentityProvider, pk=pk)
    return SCREENS[provider.kind].edit_view(request, pk)


RULES = SettingsScreen(
    model=MappingRule, section="sso", form_class=RuleForm, list_url="sso:provider_list",
    create=services.rule_create, update=services.rule_update, delete=services.rule_delete, instance_key="rule",
    edit_url="sso:rule_edit", initial_new=lambda request: {"provider": parse_id(request.GET.get("provider"))},
    name_of=str, new_title=gettext_lazy("New mapping rule"), edit_title=gettext_lazy("Mapping rule: %(name)s"),
    saved=gettext_lazy("Mapping rule %(name)s was saved."),
    after_save=lambda rule: ("sso:provider_edit", rule.provider_id),
    delete_failed_url=lambda rule: ("sso:provider_edit", rule.provider_id),
)  # fmt: skip
RULE_EDIT = SettingsScreen(
    model=MappingRule, section="sso", form_class=RuleEditForm, list_url="sso:provider_list",
    update=services.rule_update, instance_key="rule", name_of=str,
    edit_title=gettext_lazy("Mapping rule: %(name)s"), saved=gettext_lazy("Mapping rule %(name)s was saved."),
    after_save=lambda rule: ("sso:provider_edit", rule.provider_id),
)  # fmt: skip
rule_create, rule_delete = RULES.create_view, RULES.delete_view
rule_edit = RULE_EDIT.edit_view
