"""Configuration rows kept per process, reloaded when an admin changes them (rule 9: no configuration reads
on the hot paths).

Configuration is data an admin edits at run time (rule 5), read on every ticket change: the category and its
defaults, priorities, types, the form's fields, numbering, the workflow, SLA policies and calendars, routing
rules. Each process keeps a copy, built by a loader, and trusts it while the site's configuration version (one
primary-key read) is unchanged. The version is read at most once per second per process: another process's
change is seen within a second, this process's own at once. After a change in this process that has not
committed yet (it may roll back), the version is read every time.

Every service that changes configuration calls `configuration_changed()` inside its transaction. The version
is a random token rather than a counter: a rolled-back change puts the old token back, and a counter would
then hand the same number to the next change, leaving a stale copy looking current.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from gongdan.core.models import ConfigurationVersion

RECHECK_SECONDS = 1.0

_lock = threading.Lock()
_copies: dict[str, tuple[int, Any]] = {}  # name → (token it was built at, value)
_state: dict[str, Any] = {"token": None, "checked": 0.0, "uncommitted_until": 0.0}
# After a change in this process, how long the version is read every time if its transaction's end is not seen
# (a rollback runs no on_commit callback).
UNCOMMITTED_SECONDS = 60.0


# Within one request the version is read at most once, however many copies the request uses (the session
# policy, the form, the workflow…): set by RequestScope, empty outside requests.
_request_token: ContextVar[dict[str, int] | None] = ContextVar("gongdan_config_request_token", default=None)


def _token() -> int:
    scope = _request_token.get()
    if scope is not None and "token" in scope:
        return scope["token"]
    now = time.monotonic()
    uncommitted = now < _state["uncommitted_until"]
    if _state["token"] is not None and not uncommitted and now - _state["checked"] < RECHECK_SECONDS:
        token = int(_state["token"])
    else:
        token = int(ConfigurationVersion.objects.filter(pk=1).values_list("token", flat=True).first() or 0)
        _state.update(token=token, checked=now)
    if scope is not None:
        scope["token"] = token
    return token


class RequestScope:
    """Middleware (first in the list): one configuration version per request. A change made during the request
    (configuration_changed) drops the request's version so the rest of the request sees it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        reset = _request_token.set({})
        try:
            return self.get_response(request)
        finally:
            _request_token.reset(reset)


def cached[T](name: str, loader: Callable[[], T]) -> T:
    """The process's copy of `name`, built by `loader` and rebuilt when the configuration changed."""
    token = _token()
    held = _copies.get(name)
    if held is not None and held[0] == token:
        return held[1]  # type: ignore[no-any-return]
    with _lock:
        held = _copies.get(name)
        if held is not None and held[0] == token:
            return held[1]  # type: ignore[no-any-return]
        value = loader()
        _copies[name] = (token, value)
        return value


def _committed() -> None:
    _state["uncommitted_until"] = 0.0
    forget()


def configuration_changed() -> None:
    """Call inside the transaction of every configuration change."""
    forget()
    token = secrets.randbelow(2**62) + 1
    if not ConfigurationVersion.objects.filter(pk=1).update(token=token):
        ConfigurationVersion.objects.update_or_create(pk=1, defaults={"token": token})
    if transaction.get_connection().in_atomic_block:
        _state["uncommitted_until"] = time.monotonic() + UNCOMMITTED_SECONDS
        transaction.on_commit(_committed)


def forget() -> None:
    """Drop this process's copies (the next read rebuilds them)."""
    _copies.clear()
    _state.update(token=None, checked=0.0)
    scope = _request_token.get()
    if scope is not None:
        scope.clear()


def _changed_by_a_save(**_signal: Any) -> None:
    configuration_changed()


def watch_configuration(*models: Any) -> None:
    """Treat every save and delete of these models as a configuration change, whatever wrote it (a service,
    a factory in a test, Django's admin). Call from the owning app's AppConfig.ready(). Bulk `update()`s are
    not seen: services that use them call `configuration_changed()` themselves."""

    for model in models:
        label = model._meta.label
        post_save.connect(_changed_by_a_save, sender=model, dispatch_uid=f"config-cache-save-{label}")
        post_delete.connect(_changed_by_a_save, sender=model, dispatch_uid=f"config-cache-delete-{label}")
