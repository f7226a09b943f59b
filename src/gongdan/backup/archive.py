"""One backup = one dated archive (`gongdan-backup-<UTC time>.tar.gz`, mode 0600) holding the database — an
SQLite copy made with the online backup API, or a `pg_dump` custom-format dump taken in the same snapshot the
row counts come from — the attachments and other media, and `manifest.json`: what made it (versions), the
applied migrations, every table's row count, the audit chain's head, and the SHA-256 of every other member."""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

import django
import psycopg
from django.conf import settings
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media/"
SECRET_KEY_MEMBER = "secret_key"  # noqa: S105 (a file name in the archive, not a secret)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Backup:
    path: Path
    manifest: dict[str, Any]


def private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def pg_url(settings_dict: dict[str, Any], *, name: str | None = None) -> str:
    """A libpq URI for pg_dump/pg_restore; the password travels in PGPASSWORD, never on the command line."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{quote(str(name or settings_dict['NAME']), safe='')}"


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return env


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs (postgresql-client).")
    return found


def _versions() -> dict[str, str]:
    try:
        gongdan = metadata.version("gongdan")
    except metadata.PackageNotFoundError:
        gongdan = "unknown"
    return {"gongdan": gongdan, "django": django.get_version(), "python": platform.python_version()}


def _tables_state(cursor: Any, vendor: str) -> dict[str, Any]:
    """Row counts of every table, the applied migrations and the audit head, read through `cursor` (the
    backup copy, or the snapshot the dump is taken in)."""
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    tables = sorted(row[0] for row in cursor.fetchall())
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names read from the catalogue)
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    audit: dict[str, Any] = {}
    if "audit_chainhead" in counts:
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        head = cursor.fetchone()
        if head is not None:
            audit = {"head_seq": int(head[0]), "head_hash": head[1]}
    return {"counts": counts, "migrations": migrations, "audit": audit}


def _sqlite_copy(target: Path) -> dict[str, Any]:
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # page by page, consistent, while the site keeps running
        state = _tables_state(copy.cursor(), "sqlite")
        state["server_version"] = sqlite3.sqlite_version
    finally:
        copy.close()
    target.chmod(0o600)
    return state


def _pg_dump(target: Path) -> dict[str, Any]:
    """pg_dump in the snapshot the counts were read in: the manifest describes exactly what was dumped."""
    db = connection.settings_dict
    pg_dump = pg_tool("pg_dump")
    with psycopg.connect(pg_url(db), password=db.get("PASSWORD") or None, autocommit=False) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        state = _tables_state(conn.cursor(), "postgresql")
        state["server_version"] = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        result = subprocess.run(  # noqa: S603 (argument list of our own)
            [pg_dump, "--format=custom", f"--snapshot={snapshot[0]}", f"--file={target}",
             f"--dbname={pg_url(db)}"],
            env=pg_env(db), capture_output=True, text=True, check=False,
        )  # fmt: skip
        conn.rollback()
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    target.chmod(0o600)
    version = subprocess.run([pg_dump, "--version"], capture_output=True, text=True, check=False)  # noqa: S603 (pg_dump found on PATH, no user input)
    state["dump_tool"] = version.stdout.strip()
    return state


def _media_files() -> Iterator[tuple[Path, str]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, MEDIA_PREFIX + path.relative_to(root).as_posix()


def archive_name(now: datetime) -> str:
    return f"gongdan-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def make_backup(output_dir: Path, *, with_secret_key: bool = False, now: datetime | None = None) -> Backup:
    now = now or datetime.now(UTC)
    private_dir(output_dir)
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {vendor}")
    final = output_dir / archive_name(now)
    if final.exists():
        raise BackupError(f"{final} already exists")
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".backup-") as work:
        workdir = Path(work)
        database = workdir / (SQLITE_MEMBER if vendor == "sqlite" else PGDUMP_MEMBER)
        state = _sqlite_copy(database) if vendor == "sqlite" else _pg_dump(database)
        members: list[tuple[Path, str]] = [(database, database.name), *_media_files()]
        key_file = Path(settings.DATA_DIR) / "secret_key"
        if with_secret_key:
            if not key_file.is_file():
                raise BackupError(
                    "the secret key comes from GONGDAN_SECRET_KEY, not a file: keep it yourself"
                )
            members.append((key_file, SECRET_KEY_MEMBER))
        files = {name: {"sha256": sha256_file(path), "size": path.stat().st_size} for path, name in members}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "versions": _versions(),
            "database": {
                "vendor": vendor,
                "member": database.name,
                "server_version": state.pop("server_version"),
                **({"dump_tool": state.pop("dump_tool")} if "dump_tool" in state else {}),
            },
            **state,
            "with_secret_key": with_secret_key,
            "files": files,
        }
        partial = workdir / final.name
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(now.timestamp())
            tar.addfile(info, io.BytesIO(body))
            for path, name in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                with path.open("rb") as file:
                    tar.addfile(info, file)
        partial.replace(final)  # appears whole or not at all
    return Backup(final, manifest)


@contextmanager
def unpacked(archive: Path, *, into: Path) -> Iterator[dict[str, Any]]:
    """Extract `archive` into the private folder `into` and check every member against the manifest; yields
    the manifest. Refuses links, paths outside the folder, members the manifest does not list, and any
    checksum or size that differs."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such backup")
    private_dir(into)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            try:
                raw = tar.extractfile(MANIFEST)
            except KeyError:
                raise BackupError(f"{archive}: not a Gongdan backup (no {MANIFEST})") from None
            if raw is None:
                raise BackupError(f"{archive}: {MANIFEST} is not a file")
            manifest: dict[str, Any] = json.loads(raw.read())
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{archive}: backup format {manifest.get('format')!r} is not {FORMAT}")
            listed = manifest.get("files", {})
            for member in tar.getmembers():
                if member.name == MANIFEST:
                    continue
                if not member.isfile() or member.name not in listed:
                    raise BackupError(f"{archive}: unexpected member {member.name!r}")
            tar.extractall(into, filter="data", members=[m for m in tar.getmembers() if m.name != MANIFEST])
    except (tarfile.TarError, OSError, json.JSONDecodeError, EOFError) as error:
        raise BackupError(f"{archive}: cannot be read ({error})") from None
    for name, expected in listed.items():
        path = into / name
        if not path.is_file():
            raise BackupError(f"{archive}: {name} is listed in the manifest but missing")
        if path.stat().st_size != expected["size"] or sha256_file(path) != expected["sha256"]:
            raise BackupError(f"{archive}: {name} does not match its checksum: the backup is damaged")
        path.chmod(0o600)
    for folder in (p for p in into.rglob("*") if p.is_dir()):
        folder.chmod(0o700)
    yield manifest
