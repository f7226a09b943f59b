"""Who is calling: a bearer token (scripts, integrations) or the browser session (with CSRF on unsafe
methods). A request that sends an Authorization header is judged by it alone: a bad token is a 401, never
a silent fall-back to the cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from gongdan.api.errors import ApiError
from gongdan.api.services import api_token_authenticate
from gongdan.core.client_address import client_address

if TYPE_CHECKING:
    from gongdan.accounts.models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
    return client_address(request)
