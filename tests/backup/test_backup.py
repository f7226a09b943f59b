"""Backups on both databases: one private dated archive with a manifest that describes it exactly; a restore
into an empty place only, after every checksum holds; the restore drill proving a backup comes back as a
working site (counts, audit chain, attachments, a page) and failing loudly when it does not."""

from __future__ import annotations

import json
import sqlite3
import stat
import tarfile
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongdan.audit import kinds
from gongdan.audit.models import ChainHead
from gongdan.audit.services import audit_chain_pending, audit_record
from gongdan.backup.archive import MANIFEST, BackupError, make_backup, sha256_file
from gongdan.backup.drill import _admin_sql, run_drill
from gongdan.backup.restore import restore_archive
from gongdan.tickets.services import IncomingFile, attachment_add
from tests.peers import require_peer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(settings, tmp_path, agent, make_ticket):
    """A small site with a ticket, two attachments (one in a sub-folder of media) and a chained audit trail."""
    if connection.vendor == "postgresql":
        require_peer("pg_dump")
    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = make_ticket()
    files = [
        attachment_add(actor=agent, ticket=ticket, file=IncomingFile("日志.txt", "打印机卡纸".encode())),
        attachment_add(actor=agent, ticket=ticket, file=IncomingFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)),
    ]  # fmt: skip
    audit_record(kind=kinds.CONFIG_UPDATE, actor=agent, object_type="sla.policy", object_id=1,
                 detail={"before": {"name": "旧"}, "after": {"name": "新"}})  # fmt: skip
    audit_chain_pending()
    return {"ticket": ticket, "files": files}


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {m.name: m for m in tar.getmembers()}


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile(MANIFEST).read())


def test_a_backup_is_one_private_dated_archive_that_its_manifest_describes(site, tmp_path):
    backup = make_backup(tmp_path / "backups")
    # One archive, readable by the service user only, in a folder only it can enter
    assert backup.path.name.startswith("gongdan-backup-") and backup.path.name.endswith("Z.tar.gz")
    assert stat.S_IMODE(backup.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.path.parent.stat().st_mode) == 0o700
    assert [p.name for p in backup.path.parent.iterdir()] == [backup.path.name]  # no work files left
    manifest = manifest_of(backup.path)
    vendor = connection.vendor
    database_member = "database.sqlite3" if vendor == "sqlite" else "database.pgdump"
    # The manifest names what made it, the database, the migrations, the counts and the audit head …
    assert manifest["database"]["vendor"] == vendor and manifest["database"]["member"] == database_member
    assert {"gongdan", "django", "python"} <= set(manifest["versions"])
    assert "0003_backup_deferred_chain" in manifest["migrations"]["audit"]
    assert manifest["counts"]["tickets_ticket"] == 1 and manifest["counts"]["tickets_attachment"] == 2
    head = ChainHead.objects.get(pk=1)
    assert manifest["audit"] == {"head_seq": head.seq, "head_hash": head.hash}
    # … and every other member with its checksum: the database and the attachments
    names = set(members(backup.path)) - {MANIFEST}
    assert names == set(manifest["files"])
    assert {f"media/{a.file.name}" for a in site["files"]} | {database_member} == names
    assert not manifest["with_secret_key"] and "secret_key" not in names
    for attachment in site["files"]:
        assert manifest["files"][f"media/{attachment.file.name}"]["sha256"] == attachment.sha256


def test_the_command_prints_the_archive_and_may_carry_the_secret_key(site, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    (settings.DATA_DIR / "secret_key").write_text("k" * 50)
    out = StringIO()
    call_command("backup", "--output", str(tmp_path / "out"), "--with-secret-key", stdout=out)
    archive = Path(out.getvalue().splitlines()[0])
    assert archive.parent == tmp_path / "out" and "and the secret key" in out.getvalue()
    assert "secret_key" in members(archive) and manifest_of(archive)["with_secret_key"]


def _restore_target(tmp_path: Path, settings) -> dict | None:
    """An empty place to restore into: a data folder, and on PostgreSQL an empty database beside the test's."""
    if connection.vendor != "postgresql":
        return None
    name = f"{connection.settings_dict['NAME']}_restore"
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin_sql(f'CREATE DATABASE "{name}"')
    return {**connection.settings_dict, "NAME": name}


def test_a_restore_brings_back_the_database_and_files_into_an_empty_place_only(site, tmp_path, settings):
    backup = make_backup(tmp_path / "backups")
    target = tmp_path / "restored"
    postgres = _restore_target(tmp_path, settings)
    try:
        restored = restore_archive(backup.path, data_dir=target, postgres=postgres)
        assert restored.media_files == 2
        for attachment in site["files"]:
            path = target / "media" / attachment.file.name
            assert sha256_file(path) == attachment.sha256 and stat.S_IMODE(path.stat().st_mode) == 0o600
        if postgres is None:
            database = target / "gongdan.sqlite3"
            assert stat.S_IMODE(database.stat().st_mode) == 0o600
            with sqlite3.connect(database) as copy:
                assert copy.execute("SELECT COUNT(*) FROM tickets_ticket").fetchone() == (1,)
        # A second restore into the same place is refused, and changes nothing
        with pytest.raises(BackupError, match="already"):
            restore_archive(backup.path, data_dir=target, postgres=postgres)
        assert len([p for p in (target / "media").rglob("*") if p.is_file()]) == 2
    finally:
        if postgres is not None:
            _admin_sql(f'DROP DATABASE IF EXISTS "{postgres["NAME"]}" WITH (FORCE)')


def test_a_damaged_archive_is_refused_before_anything_is_written(site, tmp_path):
    backup = make_backup(tmp_path / "backups")
    # Given an archive whose attachment was changed after the backup (the manifest left as it was)
    forged = tmp_path / "forged.tar.gz"
    changed = f"media/{site['files'][0].file.name}"
    with tarfile.open(backup.path) as source, tarfile.open(forged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == changed:
                data = "打印机好了".encode()
                member.size = len(data)
            target.addfile(member, BytesIO(data))
    # When it is restored, then it is refused naming the member, and the target stays empty
    with pytest.raises(BackupError, match=f"{changed} does not match its checksum"):
        restore_archive(forged, data_dir=tmp_path / "target")
    assert not any(p.is_file() for p in (tmp_path / "target").rglob("*"))
    # A file that is not a backup at all
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match=r"cannot be read|not a readable"):
        call_command("restore", str(junk), "--data-dir", str(tmp_path / "t2"))


def test_the_restore_drill_proves_a_backup_restores_to_a_working_site(site, tmp_path):
    backup = make_backup(tmp_path / "backups")
    report = run_drill(backup.path, scratch_root=tmp_path)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert [c.name for c in report.checks] == [
        "restore",
        "row counts",
        "migrate",
        "audit chain",
        "attachments",
        "page",
    ]
    assert "2 files match" in next(c.detail for c in report.checks if c.name == "attachments")
    assert "HTTP 200" in next(c.detail for c in report.checks if c.name == "page")
    assert [
        p.name for p in tmp_path.iterdir() if p.name.startswith("gongdan-drill-")
    ] == []  # scratch removed


def test_the_restore_drill_fails_when_an_attachment_did_not_make_it(site, tmp_path, capsys):
    # Given a backup taken while one attachment's file was missing from the media folder
    lost = site["files"][0]
    Path(lost.file.path).unlink()
    backup = make_backup(tmp_path / "backups")
    # When the drill runs, then it names the file and fails with exit status 1
    with pytest.raises(SystemExit) as exit_:
        call_command("restore_drill", str(backup.path), "--scratch", str(tmp_path))
    assert exit_.value.code == 1
    out = capsys.readouterr()
    assert "[FAIL] attachments" in out.out and lost.file.name in out.out and "FAILED" in out.err
    assert "[ok] audit chain" in out.out and "[ok] row counts" in out.out
