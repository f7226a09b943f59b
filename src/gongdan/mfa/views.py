"""The second step of signing in, one's own second factors, and the security administrator's policy and reset
screens. Thin: the services do the work and keep the audit trail."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongdan.accounts.models import Role, User
from gongdan.accounts.views.auth import lockout_response
from gongdan.core.domain_errors import DomainError
from gongdan.core.ids import parse_id
from gongdan.mfa import selectors, services, sign_in_state
from gongdan.mfa.forms import CodeForm, PolicyForm
from gongdan.mfa.gate import count_failure
from gongdan.mfa.models import Passkey
from gongdan.web.http import SignedInRequest

MAX_JSON_BODY = 64 * 1024


def _rp(request: HttpRequest) -> tuple[str, str]:
    """The relying party id (the host, without port) and the origin the browser reports."""
    host = request.get_host()
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host, f"{request.scheme}://{host}"


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON_BODY:
        return {}
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("tickets:queue")


def _no_store(response: HttpResponse) -> HttpResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the second step of signing in --------------------------------------------------------------------------
def _finish_sign_in(request: HttpRequest, user: User, state: dict[str, Any]) -> str:
    sign_in_state.clear_pending(request)
    login(request, user, backend=state.get("backend"))
    sign_in_state.mark_passed(request)
    return _safe_next(request, str(state.get("next") or ""))


def _locked(request: HttpRequest, user: User) -> bool:
    return bool(AxesProxyHandler.is_locked(request, credentials={"username": user.get_username()}))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    found = sign_in_state.pending(request)
    if found is None:
        sign_in_state.clear_pending(request)
        messages.info(request, _("Sign in again: the second step waited too long or was not started."))
        return HttpResponseRedirect(reverse("accounts:login"))
    user, state = found
    if _locked(request, user):
        return lockout_response(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and services.second_factor_check(user=user, code=form.cleaned_data["code"]):
            return HttpResponseRedirect(_finish_sign_in(request, user, state))
        status = 400
        if form.is_valid():
            count_failure(request, user)
            form.add_error("code", _("That code is not right. Try the code shown now, or a recovery code."))
    context = {"form": form, "has_totp": selectors.totp_device(user) is not None,
               "has_passkey": bool(selectors.passkeys_of(user))}  # fmt: skip
    return _no_store(render(request, "mfa/verify.html", context, status=status))


@require_POST
def verify_passkey_options(request: HttpRequest) -> HttpResponse:
    found = sign_in_state.pending(request)
    if found is None:
        return JsonResponse({"error": _("Sign in again: the second step waited too long.")}, status=400)
    user, _state = found
    options, challenge = services.passkey_authentication_options(user=user, rp_id=_rp(request)[0])
    request.session[sign_in_state.PASSKEY_CHALLENGE] = base64.b64encode(challenge).decode()
    return _no_store(HttpResponse(options, content_type="application/json"))


@require_POST
def verify_passkey(request: HttpRequest) -> HttpResponse:
    found = sign_in_state.pending(request)
    challenge = request.session.pop(sign_in_state.PASSKEY_CHALLENGE, None)
    if found is None or not challenge:
        return JsonResponse({"error": _("Sign in again: the second step waited too long.")}, status=400)
    user, state = found
    if _locked(request, user):
        return lockout_response(request)
    rp_id, origin = _rp(request)
    passkey = services.passkey_authenticate(user=user, credential=_json_body(request).get("credential"),
                                            challenge=base64.b64decode(challenge), rp_id=rp_id, origin=origin)  # fmt: skip
    if passkey is None:
        count_failure(request, user)
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request)
        return JsonResponse(
            {"error": _("That passkey could not be checked. Try again or type a code.")}, status=400
        )
    return JsonResponse({"redirect": _finish_sign_in(request, user, state)})


# ---- one's own second factors -------------------------------------------------------------------------------
def _may_add(request: SignedInRequest) -> bool:
    """Adding a factor to an account that has one needs a session that signed in with it."""
    return sign_in_state.passed(request) or not selectors.has_second_factor(request.user)


def _overview(request: SignedInRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = request.user
    context = {
        "totp": selectors.totp_device(user),
        "passkeys": selectors.passkeys_of(user),
        "codes_left": selectors.recovery_codes_left(user),
        "must_enrol": sign_in_state.must_enrol(request),
        "required": selectors.must_have_second_factor(user),
        "may_add": _may_add(request),
        "next": request.GET.get("next", ""),
        "code_form": CodeForm(),
        **extra,
    }
    return _no_store(render(request, "mfa/enrol.html", context, status=status))


@login_required
@require_http_methods(["GET"])
def enrol(request: SignedInRequest) -> HttpResponse:
    return _overview(request)


def _qr_data_uri(text: str) -> str:
    import segno  # with the first enrolment, not at every start (decision 0176)

    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)  # type: ignore[no-any-return]


def _codes_page(request: SignedInRequest, codes: list[str]) -> HttpResponse:
    return _no_store(render(request, "mfa/recovery_codes.html", {"codes": codes}))


@login_required
@require_http_methods(["GET", "POST"])
def totp_setup(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if not _may_add(request):
        raise DjangoPermissionDenied
    try:
        device = services.totp_enrol_start(user=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(reverse("mfa:enrol"))
    form = CodeForm(request.POST or None)
    form.fields["code"].help_text = _("The 6 digits the app shows now.")
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
            status = exc.status_code
        else:
            sign_in_state.mark_passed(request)
            messages.success(
                request, _("Your authenticator app is set up: you will be asked for a code when you sign in.")
            )
            return _codes_page(request, codes) if codes else HttpResponseRedirect(reverse("mfa:enrol"))
    elif request.method == "POST":
        status = 400
    secret = base64.b32encode(device.bin_key).decode()
    context = {"form": form, "qr": _qr_data_uri(device.config_url),
               "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
               "must_enrol": sign_in_state.must_enrol(request)}  # fmt: skip
    return _no_store(render(request, "mfa/totp_setup.html", context, status=status))


@login_required
@require_POST
def recovery_codes(request: SignedInRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _overview(request, code_form=form, status=400)
    try:
        codes = services.recovery_codes_regenerate(user=request.user, code=form.cleaned_data["code"])
    except DomainError as exc:
        form.add_error("code", str(exc.message))
        return _overview(request, code_form=form, status=exc.status_code)
    return _codes_page(request, codes)


@login_required
@require_POST
def passkey_options(request: SignedInRequest) -> HttpResponse:
    if not _may_add(request):
        return JsonResponse({"error": _("Sign in with your second factor first.")}, status=403)
    options, challenge = services.passkey_registration_options(user=request.user, rp_id=_rp(request)[0])
    request.session[sign_in_state.PASSKEY_CHALLENGE] = base64.b64encode(challenge).decode()
    return _no_store(HttpResponse(options, content_type="application/json"))


@login_required
@require_POST
def passkey_add(request: SignedInRequest) -> HttpResponse:
    challenge = request.session.pop(sign_in_state.PASSKEY_CHALLENGE, None)
    if not _may_add(request):
        return JsonResponse({"error": _("Sign in with your second factor first.")}, status=403)
    if not challenge:
        return JsonResponse({"error": _("Start again: the passkey request expired.")}, status=400)
    body = _json_body(request)
    rp_id, origin = _rp(request)
    try:
        _passkey, codes = services.passkey_register(
            user=request.user, name=str(body.get("name") or ""), credential=body.get("credential"),
            challenge=base64.b64decode(challenge), rp_id=rp_id, origin=origin,
        )  # fmt: skip
    except DomainError as exc:
        return JsonResponse({"error": str(exc.message), "details": exc.details}, status=exc.status_code)
    sign_in_state.mark_passed(request)
    if codes:
        request.session["gongdan_mfa_fresh_codes"] = codes
        return JsonResponse({"redirect": reverse("mfa:fresh_codes")})
    messages.success(request, _("The passkey was added."))
    return JsonResponse({"redirect": reverse("mfa:enrol")})


@login_required
@require_http_methods(["GET"])
def fresh_codes(request: SignedInRequest) -> HttpResponse:
    """Recovery codes made with a first passkey (its page is reached by a script's redirect): shown once."""
    codes = request.session.pop("gongdan_mfa_fresh_codes", None)
    if not codes:
        return HttpResponseRedirect(reverse("mfa:enrol"))
    return _codes_page(request, list(codes))


@login_required
@require_POST
def remove(request: SignedInRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    what = request.POST.get("what", "")
    passkey = None
    if what.startswith("passkey:"):
        passkey_id = parse_id(what.removeprefix("passkey:"))
        passkey = Passkey.objects.filter(pk=passkey_id, user=request.user).first() if passkey_id else None
        if passkey is None:
            form.add_error(None, _("That passkey was not found."))
            return _overview(request, code_form=form, status=404)
    elif what != "totp":
        form.add_error(None, _("Choose what to remove."))
        return _overview(request, code_form=form, status=400)
    if not form.is_valid():
        return _overview(request, code_form=form, status=400)
    try:
        services.second_factor_remove(user=request.user, code=form.cleaned_data["code"], totp=what == "totp",
                                      passkey=passkey)  # fmt: skip
    except DomainError as exc:
        form.add_error("code" if exc.details.get("code") else None, str(exc.message))
        return _overview(request, code_form=form, status=exc.status_code)
    messages.success(request, _("The second factor was removed."))
    return HttpResponseRedirect(reverse("mfa:enrol"))


# ---- the security administrator -----------------------------------------------------------------------------
def security_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not getattr(request.user, "is_security_admin", False):
            raise DjangoPermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@security_admin_required
@require_http_methods(["GET", "POST"])
def policy(request: SignedInRequest) -> HttpResponse:
    choices = [(str(role), str(Role(role).label)) for role in selectors.OPTIONAL_ROLES]
    current = selectors.mfa_policy()
    form = PolicyForm(
        request.POST or None, choices=choices, initial={"required_roles": current.required_roles}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.mfa_policy_update(
                    actor=request.user, required_roles=form.cleaned_data["required_roles"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status_code
            else:
                messages.success(request, _("The two-factor policy was saved."))
                return HttpResponseRedirect(reverse("mfa:policy"))
        else:
            status = 400
    search = request.GET.get("q", "")[:100]
    context = {
        "form": form,
        "enforced": selectors.enforcement_on(),
        "admin_roles": [Role(role).label for role in sorted(selectors.ADMIN_ROLES)],
        "users": list(selectors.users_with_factors(search=search)),
        "search": search,
    }
    return render(request, "mfa/policy.html", context, status=status)


@security_admin_required
@require_POST
def reset(request: SignedInRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        services.second_factors_reset_by_admin(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The second factors of %(name)s were removed; they were signed out everywhere.")
                         % {"name": user.name})  # fmt: skip
    return HttpResponseRedirect(reverse("mfa:policy") + "?q=" + user.username)
