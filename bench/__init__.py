"""Benchmarks and the large-data generator. Not part of the test suite: run them by hand (see README.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-Passw0rd-gd"  # every generated user's password (the bench signs in with it)
BENCH_AGENT = "agent001"  # an agent in two busy teams: the queue the benchmark reads
BENCH_ADMIN = "bench_admin"


def remove_sqlite_database(database_url: str) -> None:
    """A benchmark on SQLite starts from an empty file: remove it with its WAL and shared-memory files."""
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


def setup_django(database_url: str | None, data_dir: str | None = None) -> None:
    """Point Django at the chosen database before anything imports the settings."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("GONGDAN_DATA_DIR", data_dir or "/tmp/bench-data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongdan.project.settings")
    src = str(PROJECT_DIR / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import django

    django.setup()
