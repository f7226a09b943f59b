"""Sign-ins and sign-outs, from Django's own signals, so every way in (the web login, the Django admin's
login, a portal link, the API's session) is recorded whoever wrote its view."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from gongdan.audit import kinds
from gongdan.audit.services import audit_record

MAX_ATTEMPTED_USERNAME = 150


def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(kind=kinds.SIGN_IN_SUCCESS, actor=user, request=request,
                 detail={"backend": str(getattr(user, "backend", "") or "")})  # fmt: skip


def _sign_in_failed(sender: str, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:  # fmt: skip
    username = str(credentials.get("username") or credentials.get("email") or "")[:MAX_ATTEMPTED_USERNAME]
    audit_record(kind=kinds.SIGN_IN_FAILURE, actor_username=username, request=request,
                 detail={"backend": sender if isinstance(sender, str) else ""})  # fmt: skip


def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(kind=kinds.SIGN_OUT, actor=user, request=request)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="gongdan.audit.signed_in")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="gongdan.audit.sign_in_failed")
    user_logged_out.connect(_signed_out, dispatch_uid="gongdan.audit.signed_out")
