"""Signing in and out, and choosing the interface language (also before signing in)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.accounts import second_factor
from gongdan.accounts.forms import SignInForm
from gongdan.accounts.models import Language
from gongdan.accounts.services import user_update
from gongdan.accounts.sign_in_guard import lockout_message, lockout_minutes
from gongdan.accounts.sign_in_options import sign_in_options
from gongdan.api.error_shape import error_response
from gongdan.core.domain_errors import DomainError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        """The password was right; a second factor, when the user has one or must enrol, comes next."""
        second_step = second_factor.after_password(self.request, form.get_user(), self.get_success_url())
        return second_step if second_step is not None else super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sign_in_options"] = sign_in_options(self.request)
        return context

    def get_default_redirect_url(self) -> str:
        """Without a `next`, staff go to the queue, requesters to the portal (their side of the desk) and the audit
        administrator, who has no queue to work, to the audit trail."""
        user = self.request.user
        if getattr(user, "is_audit_admin", False) and not getattr(user, "is_admin", False):
            return reverse("audit:entries")
        if user.is_authenticated and not user.is_staff_member:
            return reverse("portal:home")
        return super().get_default_redirect_url()


def requesters_to_portal(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the staff's home (the queue): a requester's bare visit goes to the portal. A visit with a query
    (a saved view, a search) is answered as before, with the requester's own tickets."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if request.method == "GET" and not request.GET and user.is_authenticated and not user.is_staff_member:
            return HttpResponseRedirect(reverse("portal:home"))
        return view(request, *args, **kwargs)

    return wrapped


login_view = LoginView.as_view()
# Django's LogoutView answers POST only, so a link or an image can't sign anyone out.
logout_view = auth_views.LogoutView.as_view()


def safe_next(request: HttpRequest, fallback: str = "tickets:queue") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Signed in: saved on the user (it follows them to every device). Signed out: a cookie."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request))
    if language not in Language.values:
        messages.error(request, _("Unknown language."))
        return response
    if request.user.is_authenticated:
        try:
            user_update(actor=request.user, user=request.user, language=language)
        except DomainError as exc:
            messages.error(request, exc.message)
            return response
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API's error shape under /api/, the sign-in page elsewhere; 429 both."""
    retry_after = str(lockout_minutes() * 60)
    if request.path.startswith("/api/"):
        response = error_response(429, "locked_out", lockout_message())
    elif page := getattr(request, "lockout_template", None):  # a door with its own look (the portal's links)
        response = render(
            request, page, {"minutes": lockout_minutes(), "locked_out": lockout_message()}, status=429
        )
    else:
        from_form: dict[str, Any] = getattr(original_response, "context_data", None) or {}
        response = render(
            request,
            "accounts/login.html",
            {
                "form": from_form.get("form") or SignInForm(request),
                "locked_out": lockout_message(),
                "next": from_form.get("next", ""),
            },
            status=429,
        )
    response.headers["Retry-After"] = retry_after
    return response
