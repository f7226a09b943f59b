"""What stands between a connection and a Django thread (decision 0060).

The web server is gunicorn's asyncio (ASGI) worker: a connection that sends its headers slowly, trickles its
body or idles between requests costs a coroutine and a socket, never a thread. This wrapper around Django's
ASGI application adds the three limits the server does not have:

- a body larger than `GONGDAN_MAX_REQUEST_BYTES` is refused with 413 before a byte of it is read (its
  declared Content-Length), or as soon as it passes the limit (a chunked body);
- a body must keep coming: `GONGDAN_WEB_BODY_TIMEOUT` seconds, plus one second for each KiB received, or
  the request ends with 408 — a client sending one byte a second is cut off, a phone uploading a photo on a
  slow network is not;
- only once the body is complete does the request wait for one of the process's `GONGDAN_WEB_THREADS`
  places, so slow clients never hold the places where views run (or the database connections they use).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

BYTES_PER_EXTRA_SECOND = 1024
REPLAY_CHUNK = 64 * 1024


class _Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status = status
        self.code = code


class _ClientGone(Exception):
    pass


class RequestLimits:
    def __init__(
        self,
        app: App,
        *,
        max_bytes: int | None = None,
        body_timeout: float | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes if max_bytes is not None else settings.GONGDAN_MAX_REQUEST_BYTES
        self.body_timeout = body_timeout if body_timeout is not None else settings.GONGDAN_WEB_BODY_TIMEOUT
        self.concurrency = concurrency if concurrency is not None else settings.GONGDAN_WEB_THREADS
        self._places: asyncio.Semaphore | None = None  # made in the worker's own event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            declared = _content_length(scope)
            if declared is not None and declared > self.max_bytes:
                raise _Refused(413, "request_too_large")
            replay, spool = await self._read_body(receive)
        except _Refused as refused:
            await self._refuse(scope, send, refused)
            return
        except _ClientGone:
            return
        if self._places is None:
            self._places = asyncio.Semaphore(self.concurrency)
        try:
            async with self._places:
                await self.app(scope, replay, send)
        finally:
            if spool is not None:
                spool.close()

    async def _read_body(self, receive: Receive) -> tuple[Receive, Any]:
        """The whole body, within its size and time: a `receive` that hands it to the app, and the spool
        file holding it when it came in several parts (the caller closes it)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        received = 0
        spool: Any = None
        try:
            while True:
                remaining = started + self.body_timeout + received / BYTES_PER_EXTRA_SECOND - loop.time()
                try:
                    async with asyncio.timeout(max(remaining, 0)):
                        message = await receive()
                except TimeoutError:
                    raise _Refused(408, "request_timeout") from None
                if message["type"] == "http.disconnect":
                    raise _ClientGone
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    raise _Refused(413, "request_too_large")
                more = message.get("more_body", False)
                if spool is None:
                    if not more:  # the usual case: the whole body (often empty) in one message
                        return _replay(message, None, receive), None
                    # Closed by our caller once the app is done with it.
                    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
                spool.write(chunk)
                if not more:
                    return _replay(None, spool, receive), spool
        except BaseException:
            if spool is not None:
                spool.close()
            raise

    async def _refuse(self, scope: Scope, send: Send, refused: _Refused) -> None:
        with translation.override(_language(scope)):
            if refused.status == 413:
                limit = max(1, self.max_bytes // (1024 * 1024))
                message = _("The request is larger than this site accepts (at most %(limit)d MB).") % {
                    "limit": limit
                }
            else:
                message = _("The request body arrived too slowly; please send it again.")
        if scope.get("path", "").startswith("/api/"):
            body = json.dumps(
                {"error": {"code": refused.code, "message": message, "details": {}}}, ensure_ascii=False
            ).encode()
            content_type = b"application/json; charset=utf-8"
        else:
            body, content_type = f"{message}\n".encode(), b"text/plain; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server answers a malformed length with 400 before we are called
    return None


def _language(scope: Scope) -> str:
    """The first language of the client's Accept-Language we speak, else the site's."""
    header = next(
        (v.decode("latin-1") for n, v in scope.get("headers", ()) if n.lower() == b"accept-language"), ""
    )
    for code, _quality in trans_real.parse_accept_lang_header(header):
        try:
            return trans_real.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _replay(whole: Message | None, spool: Any, receive: Receive) -> Receive:
    """Hand the app the body read already, then pass on what the server says next (a disconnect)."""
    if spool is not None:
        size = spool.tell()
        spool.seek(0)

    async def replay() -> Message:
        nonlocal whole, spool
        if whole is not None:
            message, whole = whole, None
            return message
        if spool is not None:
            chunk = spool.read(REPLAY_CHUNK)
            more = spool.tell() < size
            if not more:
                spool = None  # the caller closes it
            return {"type": "http.request", "body": chunk, "more_body": more}
        return await receive()

    return replay
