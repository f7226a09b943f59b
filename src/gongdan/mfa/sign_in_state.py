"""What the session remembers about the second factor between the password and the code, and after.

- PENDING: the password was right; the second step is still to come. The user is NOT signed in yet (no
  auth session): only their id, their session auth hash (so a password change meanwhile ends it), the
  backend that checked the password, where to go next, and when (it lapses after PENDING_SECONDS).
- PASSED: this session signed in with a second factor (or enrolled one): it may create API tokens.
- MUST_ENROL: signed in with the password only, by a user whose role must have a second factor and has
  none yet; the middleware lets them reach nothing but the enrolment pages."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

PENDING = "gongdan_mfa_pending"
PASSED = "gongdan_mfa_passed"
MUST_ENROL = "gongdan_mfa_must_enrol"
PASSKEY_CHALLENGE = "gongdan_mfa_passkey_challenge"
PENDING_SECONDS = 600


def start_pending(request: HttpRequest, user: Any, next_url: str) -> None:
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "hash": user.get_session_auth_hash(),
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "at": time.time(),
    }


def pending(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    """The user waiting for their second step, or None (nobody, lapsed, or their credentials changed)."""
    state = request.session.get(PENDING)
    if not isinstance(state, dict) or time.time() - float(state.get("at", 0)) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=state.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(user.get_session_auth_hash(), str(state.get("hash"))):
        return None
    return user, state


def clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)
    request.session.pop(PASSKEY_CHALLENGE, None)


def passed(request: HttpRequest) -> bool:
    return bool(request.session.get(PASSED)) if hasattr(request, "session") else False


def mark_passed(request: HttpRequest) -> None:
    request.session[PASSED] = True
    request.session.pop(MUST_ENROL, None)


def must_enrol(request: HttpRequest) -> bool:
    return bool(getattr(request, "session", {}).get(MUST_ENROL))
