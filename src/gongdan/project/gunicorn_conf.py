"""Gunicorn settings for `./gongdan start`
(`gunicorn -c python:gongdan.project.gunicorn_conf gongdan.project.asgi:application`).

gunicorn's asyncio (ASGI) worker serves Django's ASGI handler (decision 0060): reading a request — its
headers, its body, the wait for the next one on a kept-alive connection — costs a coroutine, not a thread, so
clients that send slowly or not at all cannot take the places where views run. The request limits in front of
Django (gongdan/project/request_limits.py) bound the body's size and time and run GONGDAN_WEB_THREADS
views at once per process. Every knob can be overridden by the GONGDAN_* variable named beside it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_port = os.environ.get("GONGDAN_PORT", "8000")
# Loopback unless told otherwise: with nothing in front, the quick start is not on the network by accident.
bind = [os.environ.get("GONGDAN_BIND", f"127.0.0.1:{_port}")]
# 2 cores → 3 processes. A process per core plus one keeps the CPUs busy while one blocks.
workers = int(os.environ.get("GONGDAN_WEB_WORKERS", str(min(_cores() + 1, 8))))
worker_class = "asgi"
# uvloop where it is installed (a dependency on Linux and macOS): measured on 2 cores, 1,000 API creates at
# concurrency 8, the web process's CPU per create fell from 12.8 to 10.6 ms and creation rose 103 → 121/s.
asgi_loop = "auto"
asgi_lifespan = "off"  # Django has no startup or shutdown hooks to run
# A worker whose event loop has not answered the arbiter for this long is restarted; it also bounds how long
# a connection may stay silent in the middle of a request body.
timeout = int(os.environ.get("GONGDAN_WEB_TIMEOUT", "60"))
graceful_timeout = 20
# Load Django once in the arbiter: workers fork ready to serve (no slow first request) and a broken
# configuration stops the start instead of crash-looping workers.
preload_app = True
# Gunicorn's runtime control socket is not used; several sites on one machine would share its default path.
control_socket_disable = True
# An idle kept-alive connection is closed after 5 s.
keepalive = 5
# Recycle workers now and then so a slow leak in any library can never grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Trust X-Forwarded-* only from the reverse proxy (comma-separated addresses, "*" for any).
forwarded_allow_ips = os.environ.get("GONGDAN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips
accesslog = "-" if os.environ.get("GONGDAN_ACCESS_LOG", "1") not in ("0", "false", "no") else None
errorlog = "-"
loglevel = os.environ.get("GONGDAN_LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
proc_name = "gongdan-web"
# Heartbeat files on tmpfs, not on a possibly slow disk.
if Path("/dev/shm").is_dir():  # noqa: S108 (gunicorn's heartbeat files, in memory: the documented setting)
    worker_tmp_dir = "/dev/shm"  # noqa: S108 (gunicorn's heartbeat files, in memory: the documented setting)

# The REST API's URL map is not loaded before the fork (decision 0176: the first page comes sooner); each
# worker loads it on a background thread a little after it starts, one worker after another, so the first
# API call does not pay the import and the first pages do not compete with every worker importing at once.
_api_warm_delay = float(os.environ.get("GONGDAN_API_WARM_SECONDS", "2"))


def post_worker_init(worker: Any) -> None:
    if _api_warm_delay < 0:
        return
    from gongdan.project.deferred_urls import load_deferred_soon

    load_deferred_soon(_api_warm_delay + 1.5 * (worker.age % max(workers, 1)))
