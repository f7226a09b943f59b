"""The audit trail's tables. Entries are append-only in the database (triggers refuse UPDATE and DELETE, see
migrations 0002 and 0003); once chained (just after its commit) each carries the hash of the one before it, so a row edited behind the triggers' back
breaks the chain where it was changed (`./gongdan manage audit_verify`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HashAlgorithm(models.TextChoices):
    SM3 = "sm3", "SM3"
    SHA256 = "sha256", "SHA-256"


class AuditEntry(models.Model):
    """One thing that happened. The actor is kept by id, username and role as text too, so the entry reads
    the same after the user is renamed or deleted (the foreign key has no database constraint for that
    reason: deleting a user must not try to update or delete audit rows)."""

    # Empty until the chainer gives the entry its place after the commit (decision 0135).
    seq = models.BigIntegerField(_("sequence"), unique=True, null=True, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=32, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    kind = models.CharField(_("what"), max_length=32)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    algorithm = models.CharField(_("hash algorithm"), max_length=10, choices=HashAlgorithm.choices)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_entry_when_idx"),
            models.Index(fields=["kind", "seq"], name="audit_entry_kind_idx"),
            models.Index(fields=["actor_username", "seq"], name="audit_entry_who_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_entry_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"


class ChainHead(models.Model):
    """One row: the last chained entry's sequence number and hash. The chainer locks it (select_for_update),
    so the chain is one line however many processes chain; the verify also checks the tail against it, so
    dropping the newest entries is noticed."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")


class Checkpoint(models.Model):
    """Written by the purge: the entries up to `seq` were removed, and the next one chains to `hash`. The
    verify starts from the newest checkpoint. Append-only like the entries."""

    created_at = models.DateTimeField(default=timezone.now)
    seq = models.BigIntegerField(unique=True)
    hash = models.CharField(max_length=64)
    purged = models.BigIntegerField(default=0)
    purged_before = models.DateTimeField()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit checkpoint")


class SyslogCursor(models.Model):
    """How far the syslog shipper got (one row): entries after `seq` are still to send."""

    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
