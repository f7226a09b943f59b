"""Sessions end after a spell of inactivity and after a fixed lifetime, whatever is done in them (decision
0118). The policy (the sign-in policy screen) sets both, one pair for staff and a longer pair for requesters.

`SessionPolicyMiddleware` runs on every request that carries a signed-in session — pages, htmx fragments,
the API called with the browser's session — right after Django has found the user. A session past either
limit is signed out there, and the answer says so in the shape the caller understands: a redirect to the
sign-in page for a page, `HX-Redirect` for an htmx request (the browser goes to the sign-in page instead of
swapping it into a fragment), `401 session_expired` for the API. The same middleware sends a staff member
whose password expired to the page that changes it.

The last-seen time is written to the session at most once a minute, so a busy page does not save its session
on every request; the idle limit is therefore exact to a minute."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from gongdan.accounts.password_policy import is_staff_account, password_expired, policy
from gongdan.api.error_shape import error_response

SIGNED_IN_AT = "gongdan_signed_in_at"
SEEN_AT = "gongdan_seen_at"
TOUCH_SECONDS = 60
# What a staff member with an expired password may still open: the page that changes it, signing out, the
# language switch, and the API (which answers 403 password_expired itself, below).
EXPIRED_PASSWORD_PATHS = ("accounts:password_expired", "accounts:logout", "accounts:set_language")


def start(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """On every sign-in (user_logged_in): the session's clocks start now."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def connect() -> None:
    user_logged_in.connect(start, dispatch_uid="gongdan.session_policy.start")


def limits(user: Any) -> tuple[int, int]:
    """(idle seconds, lifetime seconds) for this person."""
    rules = policy()
    if is_staff_account(user):
        return rules.staff_idle_minutes * 60, rules.staff_session_hours * 3600
    return rules.requester_idle_minutes * 60, rules.requester_session_hours * 3600


def _login_path(request: HttpRequest) -> str:
    htmx_page = request.headers.get("HX-Current-URL", "")
    next_path = request.get_full_path() if not htmx_page else ""
    if htmx_page:  # send the browser back to the page it showed, not to the fragment's address
        host = request.build_absolute_uri("/")
        next_path = htmx_page[len(host) - 1 :] if htmx_page.startswith(host) else ""
    response = redirect_to_login(next_path or "/", reverse("accounts:login"))
    return str(response["Location"])


def ended_response(request: HttpRequest, reason: str) -> HttpResponse:
    message = (
        _("You were signed out after a time without activity. Sign in again to continue.")
        if reason == "idle"
        else _("Your session reached its maximum length. Sign in again to continue.")
    )
    if request.path.startswith("/api/"):
        return error_response(401, "session_expired", message)
    login_url = _login_path(request)
    messages.info(request, message)
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(login_url)
    return HttpResponseRedirect(login_url)


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:  # a revoked session: Django has already let it go
            return self.get_response(request)
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
            session[SIGNED_IN_AT] = session[SEEN_AT] = now  # a session from before this control
            signed_in_at = seen_at = now
        idle, lifetime = limits(user)
        reason = "idle" if now - seen_at > idle else "lifetime" if now - signed_in_at > lifetime else ""
        if reason:
            logout(request)
            return ended_response(request, reason)
        if now - seen_at >= TOUCH_SECONDS:
            session[SEEN_AT] = now
        if password_expired(user):
            if request.path.startswith("/api/"):
                return error_response(
                    403, "password_expired",
                    _("Your password has expired. Choose a new one on the profile page before going on."),
                )  # fmt: skip
            allowed = {reverse(name) for name in EXPIRED_PASSWORD_PATHS}
            if request.path not in allowed:
                target = reverse("accounts:password_expired")
                if request.headers.get("HX-Request") == "true":
                    return HttpResponseClientRedirect(target)
                return HttpResponseRedirect(target)
        return self.get_response(request)
