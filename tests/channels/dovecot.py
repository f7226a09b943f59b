"""A private dovecot IMAP server for the mail intake tests: loopback only, a free port, its own folder, TLS with
a certificate made for the test run, one plaintext test user. Mail is delivered by IMAP APPEND."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.peers import require_peer

USER = "helpdesk@example.test"
PASSWORD = "s3cret-imap"
SERVICE_USER = "gongdantest"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _service_user() -> str:
    """Dovecot refuses to serve mail as root: as root we run it as an unprivileged system user."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid()).pw_name
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["/usr/sbin/useradd", "-r", "-M", "-s", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )
    return SERVICE_USER


def _make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603
        [shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


CONFIG = """
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login xoauth2 oauthbearer
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {plain_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {dir}/oauth2.conf.ext
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/mail/%u
}}
"""


@dataclass
class Dovecot:
    folder: Path
    port: int
    cafile: Path
    process_user: str

    host = "127.0.0.1"
    user = USER
    password = PASSWORD

    def connect(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.cafile))
        imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=10)
        imap.login(self.user, self.password)
        return imap

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        imap = self.connect()
        try:
            for raw in messages:
                status, data = imap.append(folder, "", None, raw)
                assert status == "OK", data
        finally:
            imap.logout()

    def uids(self, folder: str = "INBOX", criteria: str = "ALL") -> list[int]:
        imap = self.connect()
        try:
            imap.select(folder)
            _status, data = imap.uid("SEARCH", criteria)
            return [int(x) for x in data[0].split()]
        finally:
            imap.logout()

    def folders(self) -> list[str]:
        imap = self.connect()
        try:
            _status, data = imap.list()
            return [line.decode().rsplit(" ", 1)[-1].strip('"') for line in data if line]
        finally:
            imap.logout()

    def stop(self) -> None:
        pid_file = self.folder / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    return
                time.sleep(0.1)


OAUTH2 = """introspection_mode = post
introspection_url = {url}
username_attribute = username
active_attribute = active
active_value = true
"""


def start_dovecot(folder: Path, *, introspection_url: str) -> Dovecot:
    """`introspection_url`: where dovecot checks XOAUTH2 bearer tokens (RFC 7662 token introspection)."""
    binary = require_peer("dovecot")
    folder.mkdir(parents=True, exist_ok=True)
    user = _service_user()
    group = user
    cert, _key = _make_certificate(folder)
    port = _free_port()
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (folder / "oauth2.conf.ext").write_text(OAUTH2.format(url=introspection_url))
    (folder / "dovecot.conf").write_text(
        CONFIG.format(dir=folder, user=user, group=group, port=port, plain_port=_free_port())
    )
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir(exist_ok=True)
    command = [binary, "-c", str(folder / "dovecot.conf")]
    if os.geteuid() == 0:
        for path in [folder, *folder.rglob("*")]:
            shutil.chown(path, user, group)
        os.chmod(folder, 0o755)  # noqa: S103 (dovecot runs as another user)
        parent = folder.parent
        while parent != parent.parent:  # the service user must be able to walk down to the folder
            os.chmod(parent, os.stat(parent).st_mode | 0o005)
            if parent == Path("/tmp") or parent.parent == parent:
                break
            parent = parent.parent
        command = ["/usr/sbin/runuser", "-u", user, "--", *command]
    with (folder / "start.log").open("wb") as log:  # dovecot daemonises: no pipes left open behind it
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=30)  # noqa: S603
    server = Dovecot(folder=folder, port=port, cafile=cert, process_user=user)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.connect().logout()
            return server
        except (OSError, imaplib.IMAP4.error):
            if time.monotonic() > deadline:
                log = (folder / "dovecot.log").read_text() if (folder / "dovecot.log").exists() else ""
                server.stop()
                raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
            time.sleep(0.1)
