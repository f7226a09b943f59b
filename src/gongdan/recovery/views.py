"""The password reset pages: thin views over the recovery and accounts services.

Asking for a link is rate-limited per client address and per email address with `core.rate_limits`, the
counters the portal's mailed sign-in links use (decision 0119): both doors mail a link to an address typed
by a stranger, and one counter per door and subject keeps a flood off the outbox. The sign-in lockout
(django-axes) is for guessed passwords and is not touched: a reset request checks no secret."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gongdan.accounts import services as accounts
from gongdan.core import rate_limits
from gongdan.core.client_address import client_address
from gongdan.core.domain_errors import ValidationFailed
from gongdan.recovery import services
from gongdan.recovery.forms import NewPasswordForm, ResetRequestForm
from gongdan.web.forms import show_domain_error


def _private(response: HttpResponse) -> HttpResponse:
    """The link's token is in the address: no caching, and no Referer to other sites."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would make the form's Origin "null" (CSRF)
    return response


def _too_many(request: HttpRequest, refused: rate_limits.Refused) -> HttpResponse:
    minutes = max(refused.retry_after // 60, 1)
    response = render(request, "recovery/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def reset_request(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "recovery/request.html", {"form": ResetRequestForm()})
    if refused := rate_limits.hit("reset_ip", client_address(request)):
        return _too_many(request, refused)
    form = ResetRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "recovery/request.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    if refused := rate_limits.hit("reset_address", email):
        return _too_many(request, refused)
    services.password_reset_request(email=email, language=get_language() or "")
    # The same page for every address: it never says whether an account has it.
    return render(request, "recovery/sent.html", {"email": email})


@never_cache
@require_http_methods(["GET", "POST"])
def reset(request: HttpRequest, token: str) -> HttpResponse:
    """GET checks the link and asks for the new password (a mail scanner opening it uses nothing up);
    POST sets it."""
    try:
        user = accounts.password_reset_check(token=token)
    except ValidationFailed as exc:
        return _private(render(request, "recovery/link_problem.html", {"message": exc.message}, status=400))
    form = NewPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_finish(
                token=token,
                password=form.cleaned_data["new_password1"],
                client_address=client_address(request),
            )
        except ValidationFailed as exc:
            if exc.code in ("link_expired", "link_invalid"):
                return _private(
                    render(request, "recovery/link_problem.html", {"message": exc.message}, status=400)
                )
            show_domain_error(form, exc, aliases={"password": "new_password2"})
        else:
            messages.success(request, _("Your password was changed. Sign in with the new one."))
            return HttpResponseRedirect(reverse("accounts:login"))
    status = 422 if form.is_bound and form.errors else 200
    return _private(render(request, "recovery/reset.html", {"form": form, "person": user}, status=status))
