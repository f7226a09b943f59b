"""Readying the site for `./gongdan start` (see gongdan/project/start.py and decision 0110): static files
collected again only when their sources' fingerprint changed, migrations run only when the migration files'
fingerprint changed or the database does not hold the count of applied migrations recorded with it, the
administrator and the demo looked up with a query each."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection

from gongdan.demo.marker import demo_loaded

STATE_FILE = "start-state.json"


def say(line: str) -> None:
    print(f"\033[1;34m==>\033[0m {line}", file=sys.stderr, flush=True)


def _tree_fingerprint(roots: Iterable[Path], suffixes: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256()
    for root in sorted({Path(r) for r in roots}):
        if not root.is_dir():
            continue
        digest.update(f"\0{root}\0".encode())
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if suffixes and not name.endswith(suffixes):
                    continue
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def static_fingerprint() -> str:

    roots = [Path(app.path) / "static" for app in apps.get_app_configs()]
    roots += [Path(entry[1] if isinstance(entry, tuple) else entry) for entry in settings.STATICFILES_DIRS]
    storage = settings.STORAGES["staticfiles"]["BACKEND"]
    return f"{storage}:{_tree_fingerprint(roots)}"


def migrations_fingerprint() -> str:

    database = settings.DATABASES["default"]
    where = f"{database['ENGINE']}:{database.get('HOST')}:{database.get('PORT')}:{database['NAME']}"
    roots = [Path(app.path) / "migrations" for app in apps.get_app_configs()]
    return f"{where}:{_tree_fingerprint(roots, ('.py',))}"


def applied_migrations() -> int | None:
    """How many migrations the database says it has applied; None when it has no migration table yet."""

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM django_migrations")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return int(row[0]) if row else None


def _read_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def prepare_site(*, demo: bool) -> list[str]:
    """Bring static files and the database up to date, create the administrator and the demo if missing.
    Returns the lines to show once the site answers."""

    data_dir = Path(settings.DATA_DIR)
    state_path = data_dir / STATE_FILE
    state = _read_state(state_path)
    notes: list[str] = []

    static = static_fingerprint()
    if state.get("static") != static or not Path(settings.STATIC_ROOT).is_dir():
        say("Collecting static files")
        # Cleared first: a file an npm upgrade (or a narrower STATICFILES_DIRS) no longer ships would otherwise
        # stay, served, and read by WhiteNoise at every start.
        call_command("collectstatic", interactive=False, verbosity=0, clear=True)
        state["static"] = static

    migrations = migrations_fingerprint()
    if state.get("migrations") != migrations or state.get("applied") != applied_migrations():
        say("Migrating the database")
        call_command("migrate", interactive=False, verbosity=1)
        state["migrations"], state["applied"] = migrations, applied_migrations()

    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    if demo:
        if not demo_loaded():
            say("Loading the demo site (once; steps and counts below as they go)")
        call_command("load_demo", stdout=out)
    notes += [line for line in out.getvalue().splitlines() if line.strip()]

    temporary = state_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(state))
    temporary.replace(state_path)
    return notes
