"""Point-in-time recovery on PostgreSQL, rehearsed step by step as docs/operations.md tells an operator to do
it: a private server archiving its write-ahead log, a base backup checked with pg_verifybackup, a mistake
made after a known moment, then the data folder replaced by the base backup and the archive replayed up to
that moment. What was written before the moment is back; the mistake is not."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.peers import require_peer


class PrivateServer:
    """A PostgreSQL cluster of our own in a scratch folder, run as `postgres` when the tests run as root
    (the server refuses root), listening on a Unix socket only."""

    def __init__(self, programs: Path, place: Path) -> None:
        self.programs, self.place = programs, place
        self.data, self.archive, self.base = place / "data", place / "wal-archive", place / "base"
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        with socket.socket() as probe:  # a free port number names the socket file
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def run(self, program: str, *args: str) -> str:
        command = [*self.as_owner, str(self.programs / program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 — our own arguments
        assert done.returncode == 0, f"{program} failed: {done.stdout}\n{done.stderr}"
        return done.stdout

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(host=str(self.place), port=self.port, user="gongdan", dbname="postgres",
                               autocommit=True)  # fmt: skip

    def start(self) -> None:
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.place / "server.log"), "-w", "-t", "120", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def log(self) -> str:
        return (self.place / "server.log").read_text(errors="replace")


@pytest.fixture
def server() -> Iterator[PrivateServer]:
    programs = Path(require_peer("pg_server"))
    place = Path(tempfile.mkdtemp(prefix="gongdan-pitr-"))  # not under pytest's root-only folder
    instance = PrivateServer(programs, place)
    instance.archive.mkdir(mode=0o700)
    if instance.as_owner:
        shutil.chown(place, "postgres", "postgres")
        shutil.chown(instance.archive, "postgres", "postgres")
    try:
        instance.run("initdb", "-D", str(instance.data), "-U", "gongdan", "-A", "trust", "--no-sync")
        # docs/operations.md step 1, with the socket in our folder and no TCP listener
        with (instance.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {instance.port}\nlisten_addresses = ''\nunix_socket_directories = '{place}'\n"
                "wal_level = replica\narchive_mode = on\n"
                f"archive_command = 'test ! -f {instance.archive}/%f && cp %p {instance.archive}/%f'\n"
                "fsync = off\n"
            )
        instance.start()
        yield instance
    finally:
        instance.stop("immediate")
        shutil.rmtree(place, ignore_errors=True)


def wait_archived(connection: psycopg.Connection, segment: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = connection.execute("SELECT last_archived_wal, failed_count FROM pg_stat_archiver").fetchone()
        if row and row[0] and row[0] >= segment:
            return
        time.sleep(0.2)
    pytest.fail(f"segment {segment} was not archived: {row}")


def test_point_in_time_recovery_brings_back_the_moment_before_a_mistake(server: PrivateServer) -> None:
    with server.connect() as db:
        db.execute("CREATE TABLE team (name text PRIMARY KEY)")
        db.execute("INSERT INTO team VALUES ('网络组'), ('Facilities')")

    # step 2: a base backup, checked
    server.run("pg_basebackup", "-h", str(server.place), "-p", str(server.port), "-U", "gongdan",
               "-D", str(server.base), "-Fp", "-Xs", "-c", "fast")  # fmt: skip
    server.run("pg_verifybackup", str(server.base))

    with server.connect() as db:
        db.execute("INSERT INTO team VALUES ('Security')")  # after the base backup: only the archive has it
        time.sleep(1.1)
        [moment] = db.execute("SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')").fetchone()
        time.sleep(1.1)
        db.execute("DELETE FROM team WHERE name = '网络组'")  # the mistake, after the moment
        db.execute("INSERT INTO team VALUES ('Written after the moment')")
        [segment] = db.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()
        wait_archived(db, segment)
    server.stop()

    # step 3: the data folder replaced by the base backup, the archive replayed up to the moment
    server.data.rename(server.place / "data.broken")
    subprocess.run([*server.as_owner, "cp", "-a", str(server.base), str(server.data)], check=True)  # noqa: S603
    os.chmod(server.data, 0o700)
    with (server.data / "postgresql.auto.conf").open("a") as conf:
        conf.write(
            f"restore_command = 'cp {server.archive}/%f %p'\n"
            f"recovery_target_time = '{moment}'\nrecovery_target_action = 'promote'\n"
        )
    (server.data / "recovery.signal").touch()
    if server.as_owner:
        for path in (server.data / "postgresql.auto.conf", server.data / "recovery.signal"):
            shutil.chown(path, "postgres", "postgres")
    server.start()

    with server.connect() as db:
        deadline = time.monotonic() + 60
        while db.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
            assert time.monotonic() < deadline, server.log()[-2000:]
            time.sleep(0.2)
        names = {name for (name,) in db.execute("SELECT name FROM team")}
        db.execute("INSERT INTO team VALUES ('open for writes')")  # promoted, as the steps say

    assert names == {"网络组", "Facilities", "Security"}
    assert "recovery stopping before commit" in server.log()
