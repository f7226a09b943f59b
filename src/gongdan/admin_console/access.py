"""Who may open the settings screens: administrators only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from gongdan.web.http import HtmxRequest

if TYPE_CHECKING:  # the shell is below the apps: it names their types only for the checker
    from gongdan.accounts.models import User


class AdminRequest(HtmxRequest):
    """What a view behind `admin_required` receives: a signed-in, active administrator."""

    user: User  # type: ignore[assignment]


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-out visitors go to the sign-in page; signed-in non-admins get a 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_active or not user.is_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
