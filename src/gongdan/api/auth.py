"""Who is calling: a bearer token (scripts, integrations) or the browser session (with CSRF on unsafe
methods). A request that sends an Authorization header is judged by it alone: a bad token is a 401, never
a silent fall-back to the cookie."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongdan.api.errors import ApiError
from gongdan.api.services import api_token_authenticate

if TYPE_CHECKING:
    from gongdan.accounts.models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW = 5 * 60


def not_authenticated(message: Any = None) -> ApiError:
    return ApiError(
        message or _("Sign in or send a valid “Authorization: Bearer <token>” header."),
        status_code=401,
        code="not_authenticated",
        headers={"WWW-Authenticate": 'Bearer realm="api"'},
    )


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer gd_…`; revoked tokens and deactivated users are refused."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _sep, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise not_authenticated(_("Use “Authorization: Bearer <token>”."))
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = api_token_authenticate(token)
        if user is None:
            raise not_authenticated(
                _("The token is not valid, has been revoked, or its user is deactivated.")
            )
        request.user = user
        if "HTTP_ACCEPT_LANGUAGE" not in request.META:  # an explicit header wins over the profile
            translation.activate(user.language)
        request._gongdan_token_auth = True  # type: ignore[attr-defined]
        return user


class SessionCsrfAuth(APIKeyCookie):
    """The signed-in browser. CSRF is checked only for unsafe methods and only once we know a session
    user is there, so an anonymous POST gets a 401 rather than a CSRF complaint."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise ApiError(
                _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie's value."),
                status_code=403,
                code="csrf_failed",
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - unused
        return None


bearer_auth = BearerTokenAuth()
session_auth = SessionCsrfAuth()
API_AUTH = [bearer_auth, session_auth]


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _failure_key(username: str, ip: str) -> str:
    # Hashed: any text may arrive as a username, and cache backends (memcached) refuse keys with spaces or
    # control characters.
    digest = hashlib.sha256(f"{username.strip().lower()}\0{ip}".encode()).hexdigest()
    return f"gongdan:api-login-failures:{digest}"


def check_login_rate(username: str, ip: str) -> None:
    """Refuse more than LOGIN_FAILURE_LIMIT failed logins per username and address in the window."""
    if (cache.get(_failure_key(username, ip)) or 0) >= LOGIN_FAILURE_LIMIT:
        raise ApiError(
            _("Too many failed sign-ins; wait a few minutes and try again."),
            status_code=429,
            code="rate_limited",
            headers={"Retry-After": str(LOGIN_FAILURE_WINDOW)},
        )


def record_login_failure(username: str, ip: str) -> None:
    key = _failure_key(username, ip)
    if not cache.add(key, 1, LOGIN_FAILURE_WINDOW):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, LOGIN_FAILURE_WINDOW)


def clear_login_failures(username: str, ip: str) -> None:
    cache.delete(_failure_key(username, ip))
