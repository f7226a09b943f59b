from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest

from gongdan.channels.models import Mailbox
from gongdan.outbox.models import AllowedNetwork
from tests.channels.dovecot import Dovecot, start_dovecot
from tests.channels.oauth_server import OAuthServer
from tests.peers import require_peer


@pytest.fixture(scope="session")
def oauth_server() -> OAuthServer:
    server = OAuthServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot(oauth_server) -> Dovecot:
    require_peer("dovecot")
    # Not under pytest's temp folder: that one is private to our user (0700), and dovecot's processes run as
    # an unprivileged account when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="gongdan-dovecot-"))
    server = start_dovecot(folder / "server", introspection_url=f"{oauth_server.url}/introspect")
    yield server
    server.stop()
    if not os.environ.get("GONGDAN_KEEP_DOVECOT"):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def imap_folder(dovecot) -> str:
    """A fresh folder per test on the shared server, so tests never see each other's mail."""
    name = f"T{uuid.uuid4().hex[:12]}"
    imap = dovecot.connect()
    try:
        assert imap.create(name)[0] == "OK"
    finally:
        imap.logout()
    return name


@pytest.fixture
def mailbox(db, dovecot, imap_folder, settings) -> Mailbox:
    settings.GONGDAN_MAIL_CA_FILE = str(dovecot.cafile)
    settings.GONGDAN_MAIL_FROM = "gongdan@helpdesk.example.test"
    # The test server listens on loopback, which the outbound guard refuses unless an admin allows it.
    AllowedNetwork.objects.get_or_create(value="127.0.0.1/32")
    return Mailbox.objects.create(
        name="Support", address="support@example.test", host=dovecot.host, port=dovecot.port,
        username=dovecot.user, password=dovecot.password, folder=imap_folder,
        processed_folder=f"{imap_folder}.done",
    )  # fmt: skip


def make_mail(
    *,
    sender: str = "Zhang Wei <zhang.wei@customer.example>",
    to: str = "support@example.test",
    subject: str = "打印机卡纸",
    body: str = "三楼的打印机又卡纸了。",
    html: str | None = None,
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message
