"""What `./gongdan start` serves: the site, readied in the web server's own process before it forks.

Collecting static files, migrating, creating the first administrator and loading the demo each used to be a
Python process of its own (22 s before the first page on a quiet machine, most of it loading Django five
times). Here they run in gunicorn's arbiter, which loads Django once anyway (`preload_app`), and each is
skipped when it has nothing to do (gongdan/project/prepare.py, decision 0110). What a person must see once
(a generated password, the demo's sign-ins) is written to `start-notes.txt` in the data folder; the script
prints it when the site answers and removes it.

The cyclic garbage collector is paused while Django, the URL map and the first templates load (decision
0191): they allocate some 200,000 objects that live as long as the process, and the collector walked them
about a hundred times for nothing (the preload's median fell from 548 to 531 ms). It runs during the site's
preparation, which may load the demo, and what is loaded is frozen before the fork: the workers' collections
skip it and do not write to the memory pages they share with the arbiter.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

# Huey's storage module imports the Redis and PostgreSQL clients whenever they are installed (0.8 s of the
# start on a quiet machine); a site on SQLite without Redis uses neither in this process. Marking them
# missing makes those optional imports fail fast, as if the packages were absent.
if not os.environ.get("REDIS_URL"):
    sys.modules.setdefault("redis", None)  # type: ignore[arg-type]
if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
    sys.modules.setdefault("psycopg", None)  # type: ignore[arg-type]

gc.disable()
started = time.monotonic()

import django  # noqa: E402 (after the collector is paused)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongdan.project.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402 (after Django is set up)
from django.db import connections  # noqa: E402

from gongdan.project import start_files  # noqa: E402
from gongdan.project.prepare import prepare_site, say  # noqa: E402
from gongdan.project.warm import warm_up  # noqa: E402

NOTES_FILE = "start-notes.txt"

gc.enable()  # the preparation may load the demo: thousands of short-lived rows
notes = prepare_site(demo=os.environ.get("GONGDAN_START_DEMO", "") == "1")
(Path(settings.DATA_DIR) / NOTES_FILE).write_text("".join(f"{line}\n" for line in notes))
gc.disable()

# Only now: the handler builds its middleware (static files are looked up on demand, decision 0184).
from gongdan.project.asgi import application  # noqa: E402

warm_up()
start_files.record()  # what the next start reads ahead (decision 0191)
connections.close_all()  # the workers fork from here: each opens its own connections
gc.freeze()  # what is loaded now lives as long as the process: no collection need walk it again
gc.enable()
say(f"Ready in {time.monotonic() - started:.1f} s (Django loaded once; steps with nothing to do skipped)")

__all__ = ["application"]
