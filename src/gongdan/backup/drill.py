"""The restore drill: restore a backup into a scratch place (a temporary data folder; on PostgreSQL also a
temporary database beside the site's), start the site against it in a separate process — migrate, then the
checks of `restore_drill_probe` — and compare with the manifest: every table's row count, the audit chain
(`verify_chain` from its checkpoint to a head equal to the manifest's), every attachment's SHA-256, and a page
rendered for a signed-in staff member. The scratch place is removed afterwards."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import connection

from gongdan.backup.archive import MANIFEST, BackupError, pg_url, private_dir
from gongdan.backup.restore import restore_archive

PROBE_TIMEOUT = 600


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class DrillReport:
    archive: Path
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            raw = tar.extractfile(MANIFEST)
            if raw is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(raw.read())
            return manifest
    except (KeyError, tarfile.TarError, OSError, json.JSONDecodeError) as error:
        raise BackupError(f"{archive}: not a readable Gongdan backup ({error})") from None


def _admin_sql(statement: str) -> None:
    db = connection.settings_dict
    with psycopg.connect(pg_url(db), password=db.get("PASSWORD") or None, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _probe(data_dir: Path, database_url: str | None) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "GONGDAN_TEST_DB_NAME", "REDIS_URL", "GONGDAN_AUDIT_SYSLOG")
    }
    env.update(
        GONGDAN_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="gongdan.project.settings",
        GONGDAN_HUEY_IMMEDIATE="1",  # the scratch site queues nothing for the real consumers
        PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-m", "django", "restore_drill_probe"],
        env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError("the restored site did not start: " + " | ".join(tail))
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def _compare(manifest: dict[str, Any], found: dict[str, Any], report: DrillReport) -> None:
    expected = manifest.get("counts", {})
    counts = found["counts"]
    differing = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    report.checks.append(Check(
        "row counts", not differing,
        f"{len(expected)} tables, {sum(expected.values())} rows match" if not differing
        else "differ: " + ", ".join(f"{t} {a}→{b}" for t, (a, b) in sorted(differing.items())[:10]),
    ))  # fmt: skip
    report.checks.append(Check("migrate", found["migrate"]["ok"], found["migrate"]["detail"]))
    audit = found["audit"]
    head = manifest.get("audit", {})
    same_head = not head or (audit.get("head_seq"), audit.get("head_hash")) == (
        head["head_seq"],
        head["head_hash"],
    )
    report.checks.append(Check(
        "audit chain", audit["ok"] and same_head,
        audit["detail"] + ("" if same_head else f"; head {audit.get('head_seq')} is not the backup's {head.get('head_seq')}"),
    ))  # fmt: skip
    files = found["attachments"]
    report.checks.append(Check(
        "attachments", not files["bad"],
        f"{files['checked']} files match their SHA-256" if not files["bad"]
        else f"{len(files['bad'])} of {files['checked']} missing or changed: " + ", ".join(files["bad"][:5]),
    ))  # fmt: skip
    page = found["page"]
    report.checks.append(Check("page", page["ok"], page["detail"]))


def run_drill(archive: Path, *, scratch_root: Path | None = None) -> DrillReport:
    report = DrillReport(archive=archive)
    manifest = read_manifest(archive)
    vendor = manifest["database"]["vendor"]
    with tempfile.TemporaryDirectory(prefix="gongdan-drill-", dir=scratch_root) as scratch:
        data_dir = private_dir(Path(scratch) / "data")
        postgres: dict[str, Any] | None = None
        if vendor == "postgresql":
            if connection.vendor != "postgresql":
                raise BackupError("a PostgreSQL backup is drilled from a site configured with PostgreSQL")
            name = f"{connection.settings_dict['NAME']}_drill_{secrets.token_hex(4)}"[:63]
            _admin_sql(f'CREATE DATABASE "{name}"')
            postgres = {**connection.settings_dict, "NAME": name}
        try:
            restored = restore_archive(archive, data_dir=data_dir, postgres=postgres)
            report.checks.append(Check(
                "restore", True,
                f"{vendor} database and {restored.media_files} media files, checksums verified",
            ))  # fmt: skip
            url = None
            if postgres is not None:
                password = postgres.get("PASSWORD")
                url = pg_url(postgres)
                if password:
                    url = url.replace("@", f":{password}@", 1)
            _compare(manifest, _probe(data_dir, url), report)
        except BackupError as error:
            report.checks.append(Check("restore", False, str(error)))
        finally:
            if postgres is not None:
                _admin_sql(f'DROP DATABASE IF EXISTS "{postgres["NAME"]}" WITH (FORCE)')
    return report
