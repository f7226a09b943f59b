"""Mail intake rate: mails/s from a real dovecot over IMAPS into tickets and replies.

    python -m bench.mail_intake [--database-url URL] [--mails 2000] [--batch 50]

Starts a private dovecot on loopback (the one the tests use: tests/channels/dovecot.py; needs
`apt-get install dovecot-imapd`), builds a fresh site in the given database (SQLite file by default:
/tmp/bench-mail.sqlite3; for PostgreSQL pass an empty database), APPENDs the mails, then polls the mailbox
the way the worker does (`imap.poll`, batches of --batch) until it is empty and prints the rates:

- phase 1: --mails × 80 % new mails from 300 senders (a third GBK/GB2312, a tenth with a PNG attachment);
- phase 2: --mails × 20 % more: half replies to phase-1 tickets threaded by our signed Message-ID, half
  auto-replies and bounces that must open nothing.
Also prints the raw IMAP fetch rate (the same mails fetched without handling them) to show where time goes.
"""

from __future__ import annotations

import argparse
import imaplib
import io
import os
import random
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from bench import PROJECT_DIR, remove_sqlite_database, setup_django


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


SUBJECTS = ["三楼打印机卡纸", "VPN 无法连接", "邮箱收不到邮件", "Printer jammed on floor 3", "会议室投影仪不亮",
            "Laptop will not boot", "报销系统登录报错 500", "空调不制冷", "Wi-Fi drops every few minutes"]  # fmt: skip


def new_mail(n: int, rng: random.Random, image: bytes) -> bytes:
    message = EmailMessage()
    sender = n % 300
    message["From"] = f"客户 {sender} <customer{sender}@bench.example>"
    message["To"] = "support@bench.example"
    subject = f"{rng.choice(SUBJECTS)} #{n}"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = f"<bench-{n}@bench.example>"
    body = f"{subject}\n\n麻烦尽快处理，谢谢。设备编号 A-{rng.randint(1000, 9999)}。\n" * rng.randint(1, 6)
    if n % 3 == 0:
        message.set_content(body, charset="gb18030")
    else:
        message.set_content(body)
    if n % 10 == 0:
        message.add_attachment(image, maintype="image", subtype="png", filename=f"截图-{n}.png")
    return message.as_bytes()


def follow_up(n: int, ticket, rng: random.Random) -> bytes:
    from gongdan.outbox.threading import ticket_message_id, ticket_thread_root

    message = EmailMessage()
    message["From"] = ticket.requester.email
    message["To"] = "support@bench.example"
    message["Message-ID"] = f"<bench-followup-{n}@bench.example>"
    message["Date"] = formatdate(localtime=True)
    if n % 2 == 0:
        message["Subject"] = f"Re: [{ticket.number}] {ticket.subject}"
        message["In-Reply-To"] = ticket_message_id(ticket.pk)
        message["References"] = ticket_thread_root(ticket.pk)
        message.set_content("试过了，还是不行。\n\n在 2026年11月27日 IT 写道：\n> 请重启再试\n")
    else:
        message["Subject"] = "自动回复: 休假中"
        message["Auto-Submitted" if n % 4 == 1 else "X-Autoreply"] = "auto-replied" if n % 4 == 1 else "yes"
        message.set_content("我正在休假，11 月 30 日回来。")
    return message.as_bytes()


def drain(mailbox_id: int, batch: int) -> tuple[int, float]:
    from gongdan.channels import imap

    started, handled = time.perf_counter(), 0
    while True:
        result = imap.poll(mailbox_id, batch=batch)
        if result.error:
            raise SystemExit(f"poll failed: {result.error}")
        handled += result.handled
        if not result.more:
            return handled, time.perf_counter() - started


def fetch_only(server, folder: str) -> tuple[int, float]:
    imap = server.connect()
    started = time.perf_counter()
    imap.select(f'"{folder}"', readonly=True)
    _status, data = imap.uid("SEARCH", "ALL")
    uids = data[0].split()
    for uid in uids:
        imap.uid("FETCH", uid, "(BODY.PEEK[])")
    elapsed = time.perf_counter() - started
    imap.logout()
    return len(uids), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="sqlite:////tmp/bench-mail.sqlite3")
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    remove_sqlite_database(args.database_url)
    os.environ.setdefault("GONGDAN_FAST_PASSWORD_HASHER", "1")
    setup_django(args.database_url, "/tmp/bench-mail-data")
    import sys

    sys.path.insert(0, str(PROJECT_DIR))
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from tests.channels.dovecot import start_dovecot

    from gongdan.channels.models import InboundMail, Mailbox
    from gongdan.tickets.models import Comment, Ticket

    call_command("migrate", verbosity=0)
    folder = Path(tempfile.mkdtemp(prefix="gongdan-bench-dovecot-"))
    server = start_dovecot(folder / "server", introspection_url="http://127.0.0.1:9/introspect")
    try:
        settings.GONGDAN_MAIL_CA_FILE = str(server.cafile)
        mailbox = Mailbox.objects.create(
            name="Bench", address="support@bench.example", host=server.host, port=server.port,
            username=server.user, password=server.password, folder="INBOX", processed_folder="Done",
            sender_limit_per_hour=1_000_000,
        )  # fmt: skip
        rng, image = random.Random(7), png()
        first = int(args.mails * 0.8)
        started = time.perf_counter()
        server.append(*[new_mail(n, rng, image) for n in range(first)])
        print(f"{connection.vendor}: appended {first} mails in {time.perf_counter() - started:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        handled, elapsed = drain(mailbox.pk, args.batch)
        tickets = Ticket.objects.count()
        print(f"phase 1 (new mail → tickets): {handled} mails in {elapsed:.1f} s = {handled / elapsed:.1f} mails/s; "
              f"{tickets} tickets")  # fmt: skip
        sample = list(Ticket.objects.select_related("requester").order_by("?")[: args.mails - first])
        server.append(*[follow_up(n, t, rng) for n, t in enumerate(sample)])
        handled2, elapsed2 = drain(mailbox.pk, args.batch)
        print(f"phase 2 (replies + auto-replies): {handled2} mails in {elapsed2:.1f} s = "
              f"{handled2 / elapsed2:.1f} mails/s; {Comment.objects.count()} replies, "
              f"{InboundMail.objects.filter(state='ignored').count()} ignored")  # fmt: skip
        total, seconds = handled + handled2, elapsed + elapsed2
        print(f"overall: {total} mails in {seconds:.1f} s = {total / seconds:.1f} mails/s "
              f"({1000 * seconds / total:.1f} ms a mail)")  # fmt: skip
        count, fetch_seconds = fetch_only(server, "Done")
        print(f"raw IMAP fetch of the same {count} mails (no handling): {count / fetch_seconds:.0f} mails/s")
        if Ticket.objects.count() != tickets or InboundMail.objects.count() != total:
            raise SystemExit("phase 2 opened tickets or lost mail: the intake is wrong")
    except imaplib.IMAP4.error as exc:
        raise SystemExit(f"IMAP: {exc}") from None
    finally:
        server.stop()


if __name__ == "__main__":
    main()
