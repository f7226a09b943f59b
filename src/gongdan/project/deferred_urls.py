"""A URL resolver whose URL module is imported the first time its own patterns are needed.

Django's `URLResolver("module.path")` imports its module lazily, but the root resolver's first `reverse()`
populates every resolver below it, namespaced or not, so any `{% url %}` on the sign-in page would import the
module anyway. This resolver skips that population while its module is not loaded: it imports the module when
a path under its prefix is resolved, or when a name in its namespace is reversed (decision 0176)."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.urls import URLResolver, get_resolver


class DeferredURLResolver(URLResolver):
    def _load(self) -> None:
        self.url_patterns  # noqa: B018 (a cached property: the first access imports the URL module)

    def _populate(self) -> None:
        # Called by the parent's population for every resolver below it: nothing to add while the module is
        # not loaded (a namespaced resolver contributes only itself, which the parent records without this).
        if "url_patterns" in self.__dict__:
            super()._populate()

    @property
    def reverse_dict(self) -> Any:
        self._load()
        return URLResolver.reverse_dict.fget(self)  # type: ignore[attr-defined]

    @property
    def namespace_dict(self) -> Any:
        self._load()
        return URLResolver.namespace_dict.fget(self)  # type: ignore[attr-defined]

    @property
    def app_dict(self) -> Any:
        self._load()
        return URLResolver.app_dict.fget(self)  # type: ignore[attr-defined]

    def _is_callback(self, name: str) -> bool:
        self._load()
        return bool(super()._is_callback(name))  # type: ignore[misc]

    def _reverse_with_prefix(self, lookup_view: Any, _prefix: str, *args: Any, **kwargs: Any) -> str:
        self._load()
        return str(super()._reverse_with_prefix(lookup_view, _prefix, *args, **kwargs))  # type: ignore[misc]


def load_deferred() -> None:
    """Import every deferred URL module and build its reverse map now (what its first request would do)."""
    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, DeferredURLResolver):
            pattern.reverse_dict  # noqa: B018 (imports the module and populates its names)


def load_deferred_soon(delay: float) -> None:
    """In a web worker: load the deferred modules on a background thread once the worker has had `delay`
    seconds to answer its first pages, so the first API call (the phone app's, an integration's) does not pay
    the import — including after gunicorn recycles a worker, which forks from an arbiter without them."""

    def run() -> None:
        time.sleep(delay)
        load_deferred()

    threading.Thread(target=run, name="gongdan-load-api", daemon=True).start()
