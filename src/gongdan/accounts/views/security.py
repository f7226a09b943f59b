"""The security administrator's sign-in policy screen, and the page a staff member whose password expired
is sent to."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongdan.accounts.forms import PasswordForm, SignInPolicyForm
from gongdan.accounts.password_policy import password_expired, policy
from gongdan.accounts.services import POLICY_LIMITS, sign_in_policy_update, user_update
from gongdan.core.domain_errors import DomainError
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest


@require_http_methods(["GET", "POST"])
def sign_in_policy(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not getattr(user, "is_security_admin", False):
        raise HttpForbidden
    current = policy()
    status = 200
    if request.method == "POST":
        form = SignInPolicyForm(request.POST)
        if form.is_valid():
            try:
                sign_in_policy_update(actor=user, **form.cleaned_data)  # type: ignore[arg-type]
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("The sign-in policy was saved."))
                return HttpResponseRedirect(reverse("accounts:sign_in_policy"))
        status = 422
    else:
        form = SignInPolicyForm(initial={field: getattr(current, field) for field in POLICY_LIMITS})
    context: dict[str, Any] = {
        "form": form,
        "updated_at": None if current._state.adding else current.updated_at,
    }
    return render(request, "accounts/sign_in_policy.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_expired_view(request: SignedInRequest) -> HttpResponse:
    """Choose a new password before anything else (the session policy sends an expired one here)."""
    user = request.user
    if not password_expired(user):
        return HttpResponseRedirect(reverse("tickets:queue"))
    form = PasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=user, user=user, password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            show_domain_error(form, exc, aliases={"password": "new_password2"})
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return HttpResponseRedirect(reverse("tickets:queue"))
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "accounts/password_expired.html", {"form": form}, status=status)
