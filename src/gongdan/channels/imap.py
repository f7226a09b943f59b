"""Fetching mail over IMAP (stdlib imaplib), one mailbox at a time, by UID.

A poll claims its mailbox with a lease (a conditional UPDATE, so two consumers never poll the same mailbox at
once and a killed consumer's claim simply runs out), reads UIDs above the last one handled, fetches at most a
batch of mails, hands each to `services.mail_receive`, then marks it on the server (moved to the processed
folder, or flagged \\Seen) and records its UID. A crash between handling and recording re-fetches the mail on
the next poll, which Message-ID idempotency turns into a no-op.
"""

from __future__ import annotations

import contextlib
import imaplib
import json
import logging
import re
import socket
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gongdan.channels.models import Mailbox
from gongdan.channels.services import mail_receive, mail_reject_oversized
from gongdan.outbox.delivery.network import Refused, check_host

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 60


class MailboxError(Exception):
    """The mailbox could not be read (connection, sign-in, folder): shown to the admin as its last error,
    as "kind: detail" (models.ERROR_KINDS names the kinds in the admin's language)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def xoauth2_string(username: str, access_token: str) -> bytes:
    """The SASL XOAUTH2 initial response (Google and Microsoft): user, bearer token, ^A separators."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()


def access_token(mailbox: Mailbox) -> str:
    """The stored token, or a fresh one from the token endpoint (refresh-token grant), kept until it expires."""
    if mailbox.auth_method == Mailbox.Auth.XOAUTH2_TOKEN:
        return mailbox.oauth_access_token
    now = timezone.now()
    if (
        mailbox.oauth_access_token
        and mailbox.oauth_access_token_expires_at
        and mailbox.oauth_access_token_expires_at > now + timedelta(seconds=60)
    ):
        return mailbox.oauth_access_token
    form = {
        "grant_type": "refresh_token", "refresh_token": mailbox.oauth_refresh_token,
        "client_id": mailbox.oauth_client_id,
    }  # fmt: skip
    if mailbox.oauth_client_secret:
        form["client_secret"] = mailbox.oauth_client_secret
    if mailbox.oauth_scope:
        form["scope"] = mailbox.oauth_scope
    if not mailbox.oauth_token_url.startswith(("https://", "http://")):
        raise MailboxError("token", "the token endpoint must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        mailbox.oauth_token_url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (an https URL of the configured OAuth provider, not a user-given scheme)
            body = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", "replace")
        raise MailboxError("token", f"HTTP {exc.code}: {detail}") from None
    except (OSError, ValueError) as exc:
        raise MailboxError("token", str(exc)) from None
    token = str(body.get("access_token") or "")
    if not token:
        raise MailboxError("token", "no access_token in the answer")
    expires_in = int(body.get("expires_in") or 3600)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        oauth_access_token=token, oauth_access_token_expires_at=now + timedelta(seconds=expires_in)
    )
    if body.get("refresh_token"):  # Microsoft rotates refresh tokens
        Mailbox.objects.filter(pk=mailbox.pk).update(oauth_refresh_token=body["refresh_token"])
    mailbox.oauth_access_token = token
    return token


def _ssl_context() -> ssl.SSLContext:
    cafile = getattr(settings, "GONGDAN_MAIL_CA_FILE", "") or None
    return ssl.create_default_context(cafile=cafile)


class _CheckedIMAP4(imaplib.IMAP4):
    """Connects to the address the outbound guard checked (the name stays for TLS and the certificate), so a
    second DNS answer cannot swap in an internal address between the check and the connection."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self._checked_address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._checked_address, self.port), timeout)


class _CheckedIMAP4_SSL(imaplib.IMAP4_SSL):
    def __init__(
        self, host: str, port: int, *, address: str, ssl_context: ssl.SSLContext, timeout: float
    ) -> None:
        self._checked_address = address
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self._checked_address, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    try:
        address = str(check_host(mailbox.host, mailbox.port))
    except Refused as exc:
        raise MailboxError("refused", str(exc)) from None
    try:
        if mailbox.security == Mailbox.Security.STARTTLS:
            imap: imaplib.IMAP4 = _CheckedIMAP4(
                mailbox.host, mailbox.port, address=address, timeout=TIMEOUT_SECONDS
            )
            imap.starttls(ssl_context=_ssl_context())
        else:
            imap = _CheckedIMAP4_SSL(
                mailbox.host,
                mailbox.port,
                address=address,
                ssl_context=_ssl_context(),
                timeout=TIMEOUT_SECONDS,
            )
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError("connect", f"{mailbox.host}:{mailbox.port}: {exc}") from None
    try:
        if mailbox.auth_method == Mailbox.Auth.PASSWORD:
            imap.login(mailbox.username, mailbox.password)
        else:
            auth = xoauth2_string(mailbox.username, access_token(mailbox))
            imap.authenticate("XOAUTH2", lambda _challenge: auth)
    except imaplib.IMAP4.error as exc:
        _logout(imap)
        raise MailboxError("signin", str(exc)) from None
    return imap


def _logout(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        imap.logout()


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _select(imap: imaplib.IMAP4, folder: str) -> int:
    status, data = imap.select(_quote(folder))
    if status != "OK":
        raise MailboxError("folder", f"{folder}: {data!r}")
    validity = imap.response("UIDVALIDITY")[1]
    return int(validity[0]) if validity and validity[0] else 0


_SIZE = re.compile(rb"UID (\d+).*RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*UID (\d+)")


def _sizes(imap: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    status, data = imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)")
    if status != "OK":
        raise MailboxError("imap", f"FETCH sizes: {data!r}")
    sizes: dict[int, int] = {}
    for line in data:
        text = line[0] if isinstance(line, tuple) else line
        if not text:
            continue
        match = _SIZE.search(text)
        if match:
            uid = int(match[1] or match[4])
            sizes[uid] = int(match[2] or match[3])
    return sizes


def _fetch(imap: imaplib.IMAP4, uid: int, part: str) -> bytes:
    status, data = imap.uid("FETCH", str(uid), f"(BODY.PEEK[{part}])")
    if status != "OK":
        raise MailboxError("imap", f"FETCH {uid}: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise MailboxError("imap", f"FETCH {uid}: no body")


def _done(imap: imaplib.IMAP4, uids: list[int], mailbox: Mailbox, can_move: bool) -> None:
    """Mark handled mails on the server, all in one command: moved to the processed folder, or flagged \\Seen.
    A crash before this re-fetches them next time, which Message-ID idempotency turns into no-ops."""
    if not uids:
        return
    uid_set = ",".join(map(str, uids))
    if mailbox.processed_folder:
        target = _quote(mailbox.processed_folder)
        if can_move:
            status, data = imap.uid("MOVE", uid_set, target)
            if status == "OK":
                return
        status, data = imap.uid("COPY", uid_set, target)
        if status != "OK":
            raise MailboxError("folder", f"COPY to {mailbox.processed_folder}: {data!r}")
        imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted \Seen)")
        imap.expunge()
        return
    imap.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Seen)")


@dataclass
class PollResult:
    claimed: bool = True
    handled: int = 0
    more: bool = False
    error: str = ""


def claim(mailbox_id: int) -> bool:
    now = timezone.now()
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def poll(mailbox_id: int, *, batch: int | None = None) -> PollResult:
    """Fetch and handle up to `batch` new mails of one mailbox. `more` says whether some are left."""
    if not claim(mailbox_id):
        return PollResult(claimed=False)
    batch = batch or int(getattr(settings, "GONGDAN_MAIL_BATCH", 50))
    mailbox = Mailbox.objects.select_related("default_category", "default_team", "default_priority").get(
        pk=mailbox_id
    )
    result = PollResult()
    imap: imaplib.IMAP4 | None = None
    try:
        imap = connect(mailbox)
        validity = _select(imap, mailbox.folder)
        if mailbox.uid_validity != validity:
            mailbox.uid_validity, mailbox.last_uid = validity, 0
            Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=validity, last_uid=0)
        if mailbox.processed_folder:
            imap.create(_quote(mailbox.processed_folder))  # NO when it exists: fine
        status, data = imap.uid("SEARCH", f"UID {mailbox.last_uid + 1}:*")
        if status != "OK":
            raise MailboxError("imap", f"SEARCH: {data!r}")
        uids = sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > mailbox.last_uid)
        result.more = len(uids) > batch
        uids = uids[:batch]
        can_move = "MOVE" in imap.capabilities
        sizes = _sizes(imap, uids) if uids else {}
        handled: list[int] = []
        try:
            for uid in uids:
                size = sizes.get(uid, 0)
                if size > mailbox.max_mail_bytes:
                    mail_reject_oversized(
                        mailbox=mailbox, header_bytes=_fetch(imap, uid, "HEADER"), size=size, uid=uid
                    )
                else:
                    mail_receive(mailbox=mailbox, raw=_fetch(imap, uid, ""), uid=uid)
                handled.append(uid)
                Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid, lease_until=timezone.now() + LEASE)
                result.handled += 1
        finally:
            _done(imap, handled, mailbox, can_move)
    except (TimeoutError, MailboxError, OSError, imaplib.IMAP4.error) as exc:
        result.error = (str(exc) if isinstance(exc, MailboxError) else f"imap: {exc or type(exc).__name__}")[
            :2000
        ]
        log.warning("mailbox %s: %s", mailbox.name, result.error)
    finally:
        if imap is not None:
            _logout(imap)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            lease_until=None, last_polled_at=timezone.now(), last_error=result.error
        )
    return result


def check_connection(mailbox: Mailbox) -> tuple[bool, str]:
    """Sign in and open the folder, for the admin's "Test connection" button. A failure says only which step
    failed ("refused", "connect", "signin", "folder", "imap"), never the server's or the socket's words: the
    button must not become a port scanner. The details go to the log."""
    try:
        imap = connect(mailbox)
    except MailboxError as exc:
        log.info("mailbox %s test failed: %s", mailbox.pk, exc)
        return False, exc.kind
    try:
        _select(imap, mailbox.folder)
        status, data = imap.uid("SEARCH", "ALL")
        count = len((data[0] or b"").split()) if status == "OK" else 0
        return True, str(count)
    except MailboxError as exc:
        log.info("mailbox %s test failed: %s", mailbox.pk, exc)
        return False, exc.kind
    except (OSError, imaplib.IMAP4.error) as exc:
        log.info("mailbox %s test failed: %s", mailbox.pk, exc)
        return False, "imap"
    finally:
        _logout(imap)


def due_mailbox_ids() -> list[int]:
    return list(Mailbox.objects.filter(is_active=True).values_list("pk", flat=True))
