"""Slow and stalled clients against a running site: do normal users still get answers?

    python -m bench.slow_clients --url http://127.0.0.1:8000 --user li.na --password … \
        [--bodies 50] [--headers 50] [--seconds 30]

Opens `--bodies` connections that send a request's headers and then trickle its body one byte a second
(`POST /login/`, form-encoded, with a CSRF cookie, so the CSRF check reads the body), and `--headers` connections that trickle an
endless header block one byte a second (slowloris). A connection the server closes is opened again at
once, as an attacker would. Meanwhile a normal client signs in and, once a second, times `GET /healthz`
and the signed-in queue `GET /`. Prints each probe's worst and median time and the failures.

Only loopback addresses are accepted: this is a test of our own server, never of someone else's.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import ipaddress
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field


@dataclass
class Attack:
    """Slow connections held open from a thread of their own until `stop()`."""

    host: str
    port: int
    bodies: int = 50
    headers: int = 50
    interval: float = 1.0
    connects: int = 0
    refused: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _stopping: asyncio.Event | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Attack:
        if not ipaddress.ip_address(self.host).is_loopback:
            raise ValueError("slow-client attacks go to loopback addresses only")
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(15)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        body_head = (
            f"POST /login/ HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            # A well-formed CSRF cookie, so the CSRF check goes on to read the form field from the body.
            f"Cookie: csrftoken={'x' * 32}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        ).encode()
        header_head = f"GET / HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n".encode()
        tasks = [asyncio.create_task(self._trickle(body_head, b"a")) for _ in range(self.bodies)]
        tasks += [asyncio.create_task(self._trickle(header_head, b"X-a: b\r\n")) for _ in range(self.headers)]
        await asyncio.sleep(0.5)  # every connection has sent its opening bytes
        self._ready.set()
        await self._stopping.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _trickle(self, opening: bytes, pattern: bytes) -> None:
        """Send `opening`, then `pattern` one byte per interval, forever; reconnect when the server hangs up."""
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.refused += 1
                await asyncio.sleep(self.interval)
                continue
            self.connects += 1
            try:
                writer.write(opening)
                await writer.drain()
                position = 0
                while not self._stopping.is_set():
                    await asyncio.sleep(self.interval)
                    if reader.at_eof():
                        break
                    writer.write(pattern[position % len(pattern) : position % len(pattern) + 1])
                    position += 1
                    await writer.drain()
            except OSError:
                pass
            finally:
                writer.close()


def signed_in_opener(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login/", timeout=30).read()
    token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
    opener.open(request, timeout=30).read()
    if not any(cookie.name == "sessionid" for cookie in jar):
        raise RuntimeError(f"could not sign in as {username}")
    return opener


def timed_get(opener: urllib.request.OpenerDirector, url: str, timeout: float) -> tuple[float, int | str]:
    started = time.monotonic()
    try:
        with opener.open(url, timeout=timeout) as response:
            response.read()
            outcome: int | str = response.status
    except urllib.error.HTTPError as exc:
        outcome = exc.code
    except OSError as exc:
        outcome = type(exc).__name__
    return time.monotonic() - started, outcome


def probe(base: str, opener: urllib.request.OpenerDirector, seconds: float, timeout: float) -> dict:
    """GET /healthz and the signed-in queue once a second for `seconds`."""
    results: dict[str, list[tuple[float, int | str]]] = {"/healthz": [], "/": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        for path in results:
            results[path].append(timed_get(opener, f"{base}{path}", timeout))
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    return results


def summary(results: dict) -> str:
    lines = []
    for path, samples in results.items():
        times = [t for t, _ in samples]
        failed = [o for _, o in samples if o != 200]
        lines.append(
            f"  GET {path:<8} n={len(samples):3d}  median {statistics.median(times) * 1000:7.1f} ms  "
            f"worst {max(times) * 1000:7.1f} ms  failed {len(failed)} {sorted(set(map(str, failed)))}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--bodies", type=int, default=50)
    parser.add_argument("--headers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--timeout", type=float, default=30, help="a probe slower than this counts as failed")
    args = parser.parse_args()
    parts = urllib.parse.urlsplit(args.url)
    base = args.url.rstrip("/")
    opener = signed_in_opener(base, args.user, args.password)
    print("without slow clients:")
    print(summary(probe(base, opener, 5, args.timeout)))
    attack = Attack(parts.hostname or "127.0.0.1", parts.port or 80, args.bodies, args.headers).start()
    try:
        time.sleep(2)
        print(f"with {args.bodies} trickled bodies and {args.headers} trickled header blocks:")
        print(summary(probe(base, opener, args.seconds, args.timeout)))
    finally:
        attack.stop()
    print(f"  slow connections opened: {attack.connects} (refused: {attack.refused})")


if __name__ == "__main__":
    main()
