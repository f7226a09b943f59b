"""Request typing: what the middleware puts on every request (`request.htmx`), and views behind
login_required, where request.user is a real User."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:  # the shell is below the apps: it names their types only for the checker
    from gongdan.accounts.models import User


class HtmxRequest(HttpRequest):
    """Every request once django-htmx's middleware has run: `request.htmx` is truthy for htmx's own
    requests (the HX-Request header) and tells boosted links and history restores apart."""

    htmx: HtmxDetails


class SignedInRequest(HtmxRequest):
    user: User  # type: ignore[assignment]


def wants_fragment(request: HtmxRequest) -> bool:
    """An htmx request that swaps a part of the page: not a boosted link or a history restore, which
    want the whole page. A view that answers differently must say `Vary: HX-Request`."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request
