"""The few HTTP calls a sign-in makes to a provider (discovery, keys, token, user info): JSON in and out,
short timeouts, no redirects, a size limit. The addresses are an administrator's (trusted configuration), so
there is no allow-list here; what a provider answers is untrusted and parsed defensively by the callers."""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    import urllib3

CONNECT_TIMEOUT, READ_TIMEOUT = 5.0, 10.0
MAX_BYTES = 512 * 1024
USER_AGENT = "Gongdan-SSO/1.0"


@functools.cache
def _pool() -> urllib3.PoolManager:
    """One connection pool for the process, made with the first sign-in through a provider (urllib3 is not
    loaded at every start, decision 0176)."""
    import urllib3

    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    return urllib3.PoolManager(retries=False, timeout=timeout, headers={"User-Agent": USER_AGENT})


class ProviderUnreachable(Exception):
    """The provider did not answer, or answered something that is not JSON."""


class ProviderAnswer:
    def __init__(self, status: int, data: Any) -> None:
        self.status = status
        self.data = data

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and isinstance(self.data, dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default) if isinstance(self.data, dict) else default


def call(method: str, url: str, *, query: dict[str, str] | None = None, form: dict[str, str] | None = None,
         body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> ProviderAnswer:  # fmt: skip
    if query:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"
    sent = {"Accept": "application/json", **(headers or {})}
    payload: bytes | None = None
    if form is not None:
        payload = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json; charset=utf-8"
    import urllib3

    try:
        response = _pool().request(
            method, url, body=payload, headers=sent, redirect=False, preload_content=False
        )
        raw = response.read(MAX_BYTES + 1, decode_content=True)
        response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        raise ProviderUnreachable(type(exc).__name__) from exc
    if len(raw) > MAX_BYTES:
        raise ProviderUnreachable("answer too large")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProviderUnreachable("answer is not JSON") from exc
    return ProviderAnswer(response.status, data)
