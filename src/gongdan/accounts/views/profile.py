"""The signed-in person's own settings: name, phone, language, time zone, password, API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gongdan.accounts import second_factor
from gongdan.accounts.forms import COMMON_TIME_ZONES, PasswordForm, ProfileForm, TokenForm
from gongdan.accounts.services import user_update
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_create, api_token_revoke
from gongdan.core.domain_errors import DomainError
from gongdan.core.ids import parse_id
from gongdan.web.http import SignedInRequest


def _profile_initial(user: Any) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "phone": user.phone,
        "language": user.language,
        "time_zone": user.time_zone,
    }


def _render(request: SignedInRequest, *, status: int = 200, **overrides: Any) -> HttpResponse:
    user = request.user
    context = {
        "profile_form": ProfileForm(initial=_profile_initial(user)),
        "password_form": PasswordForm(user),
        "token_form": TokenForm(),
        "tokens": list(ApiToken.objects.filter(user=user).order_by("-created_at")[:100]),
        "time_zones": COMMON_TIME_ZONES,
        "new_token": None,
        **overrides,
    }
    return render(request, "accounts/profile.html", context, status=status)


def _service_errors(form: Any, exc: DomainError) -> None:
    for key, field_messages in (exc.details or {}).items():
        target = {"password": "new_password2", "display_name": "display_name"}.get(key, key)
        for message in field_messages:
            form.add_error(target if target in form.fields else None, str(message))
    if not exc.details:
        form.add_error(None, str(exc.message))


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return _render(request)
    if request.POST.get("form") == "password":
        form = PasswordForm(user, request.POST)
        if form.is_valid():
            try:
                user_update(actor=user, user=user, password=form.cleaned_data["new_password1"])
            except DomainError as exc:
                _service_errors(form, exc)
            else:
                update_session_auth_hash(request, user)  # stay signed in on this device
                messages.success(request, _("Your password was changed."))
                return HttpResponseRedirect(reverse("accounts:profile"))
        return _render(request, password_form=form, status=400)
    profile_form = ProfileForm(request.POST)
    if profile_form.is_valid():
        try:
            user_update(actor=user, user=user, **profile_form.cleaned_data)
        except DomainError as exc:
            _service_errors(profile_form, exc)
        else:
            translation.activate(user.language)  # so the confirmation is already in the new language
            messages.success(request, _("Your profile was saved."))
            return HttpResponseRedirect(reverse("accounts:profile"))
    return _render(request, profile_form=profile_form, status=400)


@login_required
@require_POST
def tokens(request: SignedInRequest) -> HttpResponse:
    """Create a token (shown on this one page, never again) or revoke one."""
    user = request.user
    if request.POST.get("op") == "revoke":
        token_id = parse_id(request.POST.get("token"))
        token = ApiToken.objects.filter(pk=token_id, user=user).first() if token_id is not None else None
        if token is None:
            messages.error(request, _("Token not found."))
            return HttpResponseRedirect(reverse("accounts:profile") + "#tokens")
        api_token_revoke(actor=user, token=token)
        messages.success(request, _("The token “%(prefix)s…” was revoked.") % {"prefix": token.prefix})
        return HttpResponseRedirect(reverse("accounts:profile") + "#tokens")
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, token_form=form, status=400)
    try:
        second_factor.check_session_token_issue(request, user)
        token, raw = api_token_create(actor=user, name=form.cleaned_data["name"])
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _render(request, token_form=form, status=exc.status_code)
    response = _render(request, new_token={"row": token, "raw": raw})
    response.headers["Cache-Control"] = "no-store"
    return response
