"""Email through Django's SMTP backend, configured by GONGDAN_SMTP_URL and GONGDAN_MAIL_FROM."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongdan.core.single_line import has_control_characters, one_line
from gongdan.outbox.delivery import PermanentFailure, TemporaryFailure, register
from gongdan.outbox.delivery.mail_headers import clean_address, clean_headers

if TYPE_CHECKING:
    from gongdan.outbox.models import OutboxMessage

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    backend: str
    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    use_tls: bool = False
    use_ssl: bool = False


def parse_smtp_url(url: str) -> SmtpSettings | None:
    """smtp://user:pass@host:587?starttls=1, smtps://user:pass@host:465, console:// (print, for trying
    things out). None when empty; ValueError when unreadable."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme == "console":
        return SmtpSettings(backend="django.core.mail.backends.console.EmailBackend")
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ValueError("GONGDAN_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://…")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    ssl = parts.scheme == "smtps"
    return SmtpSettings(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=parts.hostname,
        port=parts.port or (465 if ssl else 25),
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        use_ssl=ssl,
        use_tls=not ssl and query.get("starttls", query.get("tls", "0")) in {"1", "true", "yes", "on"},
    )


def sender_address() -> str:
    return settings.GONGDAN_MAIL_FROM or "gongdan@localhost"


def sender_domain() -> str:
    return sender_address().rpartition("@")[2].strip(">").strip() or "localhost"


class EmailChannel:
    name = "email"

    def _settings(self) -> SmtpSettings | None:
        try:
            return parse_smtp_url(settings.GONGDAN_SMTP_URL)
        except ValueError:
            return None

    def is_configured(self) -> bool:
        return self._settings() is not None

    def not_configured_reason(self) -> str:
        if (settings.GONGDAN_SMTP_URL or "").strip():
            return _(
                "GONGDAN_SMTP_URL cannot be read; it must look like smtp://user:pass@host:587?starttls=1."
            )
        return _(
            "No mail server is configured (GONGDAN_SMTP_URL is empty): email messages wait here, pending."
        )

    def send(self, message: OutboxMessage) -> None:
        smtp = self._settings()
        if smtp is None:
            raise TemporaryFailure(str(self.not_configured_reason()))
        # Built as a named mailer of our own (Django 6.1's MAILERS style) from GONGDAN_SMTP_URL, so the
        # site's default mailer settings stay untouched.
        connection = import_string(smtp.backend)(
            alias="gongdan-notifications",
            **(
                {
                    "host": smtp.host,
                    "port": smtp.port,
                    "username": smtp.username or None,
                    "password": smtp.password or None,
                    "use_tls": smtp.use_tls,
                    "use_ssl": smtp.use_ssl,
                    "timeout": SMTP_TIMEOUT_SECONDS,
                }
                if smtp.host
                else {}
            ),
        )
        # Every header from a row is folded onto one line (mail_headers): a name with a line break in a row
        # written before names were checked must not stop the mail, nor add a header or a recipient.
        recipient = clean_address(message.address)
        if not recipient or has_control_characters(message.address):
            raise PermanentFailure(f"not one valid email address: {message.address!r}")
        email = EmailMultiAlternatives(
            subject=one_line(message.subject),
            body=message.body_text,
            from_email=clean_address(sender_address()) or "gongdan@localhost",
            to=[recipient],
            headers=clean_headers(message.headers),
            connection=connection,
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            detail = "; ".join(f"{code} {reply!r}" for code, reply in error.recipients.values())
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(detail) from error
            raise TemporaryFailure(detail) from error
        except smtplib.SMTPResponseException as error:
            detail = f"{error.smtp_code} {error.smtp_error!r}"
            if 500 <= error.smtp_code < 600 and error.smtp_code not in {530, 535}:
                raise PermanentFailure(detail) from error
            raise TemporaryFailure(detail) from error
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error


register(EmailChannel())
