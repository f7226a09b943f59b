"""The two-factor app's side of accounts' sign-in seam (gongdan.accounts.second_factor, decision 0120)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gongdan.api.error_shape import ApiError
from gongdan.core.domain_errors import PermissionDenied
from gongdan.mfa import selectors, services, sign_in_state

if TYPE_CHECKING:
    from gongdan.accounts.models import User

FAILURE_SENDER = "gongdan.mfa"


def count_failure(request: HttpRequest, user: User) -> None:
    """A wrong second factor counts against the same lockout as a wrong password (axes listens to Django's
    user_login_failed, keyed by username and address); the audit trail records it as a failed sign-in."""
    user_login_failed.send(
        sender=FAILURE_SENDER, credentials={"username": user.get_username()}, request=request
    )


class Gate:
    def after_password(self, request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
        if selectors.has_second_factor(user):
            sign_in_state.start_pending(request, user, next_url)
            return HttpResponseRedirect(reverse("mfa:verify"))
        if selectors.must_have_second_factor(user):
            login(request, user)
            request.session[sign_in_state.MUST_ENROL] = True
            return HttpResponseRedirect(reverse("mfa:enrol") + "?" + urlencode({"next": next_url}))
        return None

    def check_session_token_issue(self, request: HttpRequest, user: User) -> None:
        if sign_in_state.passed(request):
            return
        if selectors.has_second_factor(user) or selectors.must_have_second_factor(user):
            raise PermissionDenied(
                _(
                    "API tokens can only be created in a session that signed in with a second factor. Sign out"
                    " and sign in again with your authenticator app or passkey."
                ),
                code="second_factor_required",
            )

    def check_password_token_issue(self, request: HttpRequest, user: User, code: str) -> None:
        if selectors.totp_device(user) is not None:
            if not code.strip():
                raise PermissionDenied(
                    _(
                        "This account signs in with a second factor: send the authenticator app's current code"
                        " (or a recovery code) in “code”."
                    ),
                    code="second_factor_required",
                )
            if services.second_factor_check(user=user, code=code, purpose="api_token") is None:
                count_failure(request, user)
                raise ApiError(
                    _("The second-factor code is not right."), status_code=401, code="invalid_second_factor"
                )
            return
        if selectors.has_second_factor(user):
            raise PermissionDenied(
                _(
                    "This account's second factor is a passkey, which a script cannot present: create the token"
                    " on your profile page after signing in."
                ),
                code="second_factor_required",
            )
        if selectors.must_have_second_factor(user):
            raise PermissionDenied(
                _("Your role must sign in with a second factor: sign in on the web and set one up first."),
                code="second_factor_required",
            )
