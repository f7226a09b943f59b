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


CHAINED = models.Q(seq__isnull=False)


class AuditEntry(models.Model):
    """One thing that happened. The actor is kept by id, username and role as text too, so the entry reads
    the same after the user is renamed or deleted (the foreign key has no database constraint for that
    reason: deleting a user must not try to update or delete audit rows)."""

    # Empty until the chainer gives the entry its place after the commit (decision 0135).
    seq = models.BigIntegerField(_("sequence"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the partial audit_entry_actor_idx below
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
        # Every index but the primary key's holds chained entries only (decision 0180): the append — an INSERT
        # with no sequence number — writes two index entries (the primary key and the small index of entries
        # waiting for the chainer), not seven; the chainer's UPDATE adds the rest. Every reader of the trail
        # (the screen, export, syslog, verify, purge) asks for chained entries, so these indexes serve them.
        indexes = [
            models.Index(fields=["occurred_at"], name="audit_entry_when_idx", condition=CHAINED),
            models.Index(fields=["kind", "seq"], name="audit_entry_kind_idx", condition=CHAINED),
            models.Index(fields=["actor_username", "seq"], name="audit_entry_who_idx", condition=CHAINED),
            models.Index(
                fields=["object_type", "object_id"], name="audit_entry_object_idx", condition=CHAINED
            ),
            models.Index(fields=["actor", "seq"], name="audit_entry_actor_idx", condition=CHAINED),
            models.Index(
                fields=["id"], name="audit_entry_unchained_idx", condition=models.Q(seq__isnull=True)
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["seq"], name="audit_entry_seq_unique", condition=CHAINED),
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
