"""The limits in front of Django (gongdan/project/request_limits.py), driven in-process with ASGI messages:
a body too large or too slow is refused without the application being called; a good one reaches it
intact; views run a fixed number at a time, and a slow body never takes one of those places."""

from __future__ import annotations

import asyncio
import json
import threading

from gongdan.project.request_limits import RequestLimits


def scope(path="/api/v1/tickets", headers=()):
    return {"type": "http", "method": "POST", "path": path, "headers": list(headers)}


class Recorder:
    """An application that reads the whole body and answers 200 with how much it got."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.delay = delay

    async def __call__(self, scope, receive, send):
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await asyncio.sleep(self.delay)
        self.running -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


def in_own_loop(main):
    """asyncio.run(main()) in a thread of its own: the browser tests' Playwright may be running an event loop
    in this one (their session-wide browser)."""
    result = []
    worker = threading.Thread(target=lambda: result.append(asyncio.run(main())))
    worker.start()
    worker.join(30)
    assert result, "the coroutine failed or did not finish (see the thread's traceback above)"
    return result[0]


def run(app, scope, messages, *, gap: float = 0.0):
    """Feed `messages` (one every `gap` seconds) and collect what the app sends."""
    sent = []

    async def go():
        queue = list(messages)

        async def receive():
            if not queue:
                await asyncio.sleep(3600)
            await asyncio.sleep(gap)
            return queue.pop(0)

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)

    in_own_loop(go)
    return sent


def test_a_declared_two_gigabyte_body_is_refused_before_any_of_it_is_read():
    app = Recorder()
    limits = RequestLimits(app, max_bytes=1024, body_timeout=5, concurrency=2)
    sent = run(limits, scope(headers=[(b"content-length", b"2147483648")]), [])  # never asked for the body
    assert sent[0]["status"] == 413 and (b"connection", b"close") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["error"]["code"] == "request_too_large"
    assert app.calls == 0


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit():
    app = Recorder()
    limits = RequestLimits(app, max_bytes=1000, body_timeout=5, concurrency=2)
    chunks = [{"type": "http.request", "body": b"x" * 400, "more_body": True} for _ in range(5)]
    sent = run(limits, scope(), chunks)
    assert sent[0]["status"] == 413 and app.calls == 0


def test_a_trickled_body_is_answered_408_in_the_language_of_the_client():
    app = Recorder()
    limits = RequestLimits(app, max_bytes=10_000, body_timeout=0.3, concurrency=2)
    trickle = [{"type": "http.request", "body": b"a", "more_body": True} for _ in range(100)]
    sent = run(limits, scope(path="/login/", headers=[(b"accept-language", b"zh-CN,zh;q=0.9")]), trickle,
               gap=0.05)  # fmt: skip
    assert sent[0]["status"] == 408
    assert "太慢" in sent[1]["body"].decode()
    assert app.calls == 0


def test_a_body_in_many_parts_reaches_the_application_intact():
    app = Recorder()
    limits = RequestLimits(app, max_bytes=1_000_000, body_timeout=5, concurrency=2)
    parts = [
        {"type": "http.request", "body": bytes([65 + i]) * 70_000, "more_body": i < 9} for i in range(10)
    ]
    sent = run(limits, scope(), parts)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"".join(bytes([65 + i]) * 70_000 for i in range(10))


def test_views_run_a_fixed_number_at_a_time_and_slow_bodies_take_no_place():
    app = Recorder(delay=0.05)
    limits = RequestLimits(app, max_bytes=10_000, body_timeout=30, concurrency=2)

    async def request(messages, gap=0.0):
        queue = list(messages)
        statuses = []

        async def receive():
            if not queue:
                await asyncio.sleep(3600)
            await asyncio.sleep(gap)
            return queue.pop(0)

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await limits(scope(), receive, send)
        return statuses

    async def go():
        # Ten slow bodies that will not finish while the quick requests run…
        slow = [asyncio.create_task(request([{"type": "http.request", "body": b"a", "more_body": True}] * 50,
                                            gap=1.0)) for _ in range(10)]  # fmt: skip
        await asyncio.sleep(0.1)
        # …and eight quick ones, two places
        quick = await asyncio.wait_for(
            asyncio.gather(*[request([{"type": "http.request", "body": b"{}"}]) for _ in range(8)]), timeout=5
        )
        for task in slow:
            task.cancel()
        return quick

    quick = in_own_loop(go)
    assert quick == [[200]] * 8
    assert app.most_at_once == 2
