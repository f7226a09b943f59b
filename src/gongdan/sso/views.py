"""The browser's round trip to a provider: /sso/<key>/start/ sends it there with a fresh state (and, for
OpenID Connect, a nonce and a PKCE verifier) kept in the session; /sso/<key>/callback/ checks the state, lets
the provider's module confirm the person, and signs them in. Every refusal is a clear page, a 4xx, and an
audit entry; nothing is written for a refused sign-in but that entry."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gongdan.accounts import second_factor
from gongdan.audit.services import audit_record
from gongdan.sso import chat_oauth, events, oidc, services
from gongdan.sso.models import IdentityProvider, ProviderKind
from gongdan.sso.profiles import ExternalProfile, SignInRefused

SESSION_KEY = "gongdan_sso_flows"
FLOW_SECONDS = 600  # a sign-in at the provider that takes longer starts again
MAX_FLOWS = 5  # sign-ins started in other tabs that are still waiting
BACKEND = "gongdan.sso.backends.SsoBackend"


def _refused(request: HttpRequest, message: str, *, status: int = 400) -> HttpResponse:
    return render(request, "sso/refused.html", {"message": message}, status=status)


def _provider(slug: str) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(slug=slug, is_enabled=True, kind__in=[
        ProviderKind.OIDC, ProviderKind.DINGTALK, ProviderKind.FEISHU, ProviderKind.WECOM]).first()  # fmt: skip


def _callback_uri(request: HttpRequest, provider: IdentityProvider) -> str:
    return request.build_absolute_uri(reverse("sso:callback", args=[provider.slug]))


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):  # fmt: skip
        return target
    return ""


@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _provider(slug)
    if provider is None:
        services.sso_failure_record(provider=None, code="unknown_provider", slug=slug[:40])
        return _refused(request, _("There is no sign-in method called “%(key)s”, or it is turned off.")
                        % {"key": slug[:40]}, status=404)  # fmt: skip
    flow = oidc.new_flow()
    try:
        if provider.kind == ProviderKind.OIDC:
            target = oidc.authorization_url(provider, flow, _callback_uri(request, provider))
        else:
            target = chat_oauth.authorization_url(provider, flow["state"], _callback_uri(request, provider))
    except SignInRefused as refused:
        services.sso_failure_record(provider=provider, code=refused.code)
        return _refused(request, refused.message, status=502)
    now = time.time()
    flows: dict[str, Any] = {
        state: kept for state, kept in (request.session.get(SESSION_KEY) or {}).items()
        if isinstance(kept, dict) and now - kept.get("at", 0) < FLOW_SECONDS
    }  # fmt: skip
    for oldest in sorted(flows, key=lambda s: flows[s]["at"])[: max(0, len(flows) - MAX_FLOWS + 1)]:
        del flows[oldest]
    flows[flow["state"]] = {**flow, "provider": provider.slug, "at": now,
                            "next": _safe_next(request, request.GET.get("next", ""))}  # fmt: skip
    request.session[SESSION_KEY] = flows
    return HttpResponseRedirect(target)


def _take_flow(request: HttpRequest, state: str, provider: IdentityProvider) -> dict[str, Any] | None:
    """The flow this state started, used once: a second callback with the same state finds nothing."""
    flows = dict(request.session.get(SESSION_KEY) or {})
    flow = flows.pop(state, None) if state else None
    request.session[SESSION_KEY] = flows
    if not isinstance(flow, dict) or flow.get("provider") != provider.slug:
        return None
    if time.time() - flow.get("at", 0) >= FLOW_SECONDS:
        return None
    return flow


def _home(user: Any) -> str:
    if getattr(user, "is_audit_admin", False) and not getattr(user, "is_admin", False):
        return reverse("audit:entries")
    return reverse("tickets:queue") if user.is_staff_member else reverse("portal:home")


@require_GET
def callback(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _provider(slug)
    if provider is None:
        services.sso_failure_record(provider=None, code="unknown_provider", slug=slug[:40])
        return _refused(request, _("There is no sign-in method called “%(key)s”, or it is turned off.")
                        % {"key": slug[:40]}, status=404)  # fmt: skip
    flow = _take_flow(request, request.GET.get("state", ""), provider)
    if flow is None:
        services.sso_failure_record(provider=provider, code="bad_state")
        return _refused(request, _("This sign-in link is not valid any more (it was used already, has expired, or "
                                   "was started in another browser). Please sign in again."))  # fmt: skip
    if request.GET.get("error"):  # the person said no, or the provider refused the request
        services.sso_failure_record(provider=provider, code="provider_error")
        return _refused(request, _("The identity provider did not sign you in. Please try again."))
    code = (request.GET.get("code", "") if provider.kind == ProviderKind.OIDC
            else chat_oauth.code_from(provider, request.GET))  # fmt: skip
    if not code or len(code) > 2048:
        services.sso_failure_record(provider=provider, code="no_code")
        return _refused(request, _("The identity provider sent no sign-in code. Please sign in again."))
    try:
        profile: ExternalProfile
        if provider.kind == ProviderKind.OIDC:
            profile = oidc.finish(
                provider, code=code, flow=flow, redirect_uri=_callback_uri(request, provider)
            )
        else:
            profile = chat_oauth.finish(provider, code=code)
        user = services.sso_account(provider=provider, profile=profile)
    except SignInRefused as refused:
        services.sso_failure_record(provider=provider, code=refused.code)
        status = 502 if refused.code == "provider_unreachable" else 403 if refused.code in (
            "deactivated", "locked_out", "no_account", "not_a_member", "already_linked") else 400  # fmt: skip
        return _refused(request, refused.message, status=status)
    # A second factor, when the person has one or their role must, comes next as after a password (0120).
    user.backend = BACKEND
    second_step = second_factor.after_password(request, user, flow.get("next") or _home(user))
    if second_step is None:
        login(request, user, backend=BACKEND)
    audit_record(kind=events.SSO_SIGN_IN, actor=user, object_type="sso.identityprovider", object_id=provider.pk,
                 object_repr=provider.slug, detail={"kind": provider.kind, "second_factor": second_step is not None})  # fmt: skip
    return second_step or HttpResponseRedirect(flow.get("next") or _home(user))
