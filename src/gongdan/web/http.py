"""Request typing for views behind login_required: request.user is a real User there."""

from __future__ import annotations

from django.http import HttpRequest

from gongdan.accounts.models import User


class SignedInRequest(HttpRequest):
    user: User  # type: ignore[assignment]
