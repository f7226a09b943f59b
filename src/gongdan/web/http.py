"""Request typing for views behind login_required: request.user is a real User there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:  # the shell is below the apps: it names their types only for the checker
    from gongdan.accounts.models import User


class SignedInRequest(HttpRequest):
    user: User  # type: ignore[assignment]
