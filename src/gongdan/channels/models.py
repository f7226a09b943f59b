"""Mail intake: the mailboxes an admin configures and every mail fetched from them."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.core.model_fields import optional_reference
from gongdan.core.sealed import SealedCharField, SealedTextField

DEFAULT_MAX_MAIL_BYTES = 25 * 1024 * 1024

# What went wrong reading a mailbox: stored as "kind: server's words", shown in the reader's language.
ERROR_KINDS = {
    "refused": _(
        "Not allowed: the host is a private or local address that an administrator has not allow-listed"
    ),
    "connect": _("Cannot connect"),
    "signin": _("Sign-in refused"),
    "token": _("Could not get an access token"),
    "folder": _("Cannot open the folder"),
    "imap": _("The IMAP server refused a command"),
}


def error_display(error: str) -> str:
    kind, _sep, detail = (error or "").partition(": ")
    if kind in ERROR_KINDS:
        return f"{ERROR_KINDS[kind]}: {detail}"
    return error


class Mailbox(models.Model):
    """An IMAP mailbox polled by the worker. Secrets are write-only in the UI (never rendered back)."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")

    class Auth(models.TextChoices):
        PASSWORD = "password", _("Password")
        XOAUTH2_TOKEN = "xoauth2_token", _("XOAUTH2 with a stored access token")
        XOAUTH2_REFRESH = "xoauth2_refresh", _("XOAUTH2 with a refresh token (Microsoft 365, Google)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(
        _("support address"), help_text=_("The address customers write to, e.g. support@example.com.")
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=255)
    auth_method = models.CharField(
        _("sign-in method"), max_length=20, choices=Auth.choices, default=Auth.PASSWORD
    )
    password = SealedCharField(_("password"), max_length=500, blank=True)
    oauth_token_url = models.URLField(_("token endpoint"), max_length=500, blank=True)
    oauth_client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    oauth_client_secret = SealedCharField(_("client secret"), max_length=500, blank=True)
    oauth_refresh_token = SealedTextField(_("refresh token"), blank=True)
    oauth_scope = models.CharField(_("scope"), max_length=500, blank=True)
    oauth_access_token = SealedTextField(_("access token"), blank=True)
    oauth_access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    processed_folder = models.CharField(
        _("move processed mail to"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to keep processed mail where it is, marked as read."),
    )
    default_category = optional_reference("tickets.Category", _("category"))
    default_team = optional_reference("accounts.Team", _("team"))
    default_priority = optional_reference("tickets.Priority", _("priority"))
    ignore_cc_only = models.BooleanField(_("ignore mail where our address is only in Cc"), default=False)
    max_mail_bytes = models.PositiveIntegerField(
        _("largest mail accepted (bytes)"), default=DEFAULT_MAX_MAIL_BYTES
    )
    sender_limit_per_hour = models.PositiveIntegerField(
        _("mails per sender per hour"),
        default=20,
        help_text=_("More mail than this from one sender within an hour is kept but opens no tickets."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name

    @property
    def last_error_display(self) -> str:
        return error_display(self.last_error)

    @property
    def auth_label(self) -> str:
        return "XOAUTH2" if self.auth_method != self.Auth.PASSWORD else str(self.Auth.PASSWORD.label)


class InboundMail(models.Model):
    """One mail as fetched, whatever became of it. `key` (its Message-ID, or a hash of the bytes when it has
    none) is unique: the same mail fetched twice, or sent to two of our mailboxes, is handled once."""

    class State(models.TextChoices):
        TICKET = "ticket", _("Opened a ticket")
        REPLY = "reply", _("Added a reply")
        IGNORED = "ignored", _("Ignored")
        REJECTED = "rejected", _("Rejected")
        QUARANTINED = "quarantined", _("Quarantined")

    class Reason(models.TextChoices):
        NONE = "", "—"
        LOOP = "loop", _("Our own mail")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        BOUNCE = "bounce", _("Bounce")
        CC_ONLY = "cc_only", _("Our address only in Cc")
        RATE_LIMITED = "rate_limited", _("Too much mail from this sender")
        TOO_LARGE = "too_large", _("Too large")
        SENDER_INACTIVE = "sender_inactive", _("Sender's account is deactivated")
        UNREADABLE = "unreadable", _("Could not be read")
        FAILED = "failed", _("Could not be turned into a ticket")

    mailbox = models.ForeignKey(Mailbox, null=True, on_delete=models.SET_NULL, related_name="mails")
    key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    sender = models.CharField(_("from"), max_length=255, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw = models.BinaryField(null=True, blank=True, editable=False)
    attempts = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "-id"], name="channels_mail_state_idx")]
        verbose_name = _("incoming mail")
        verbose_name_plural = _("incoming mail")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
