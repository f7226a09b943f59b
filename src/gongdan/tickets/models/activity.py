"""What happens on a ticket: comments, attachments, time, and the event history that records it all."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Comment(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("text"))
    body_html = models.TextField(editable=False)
    is_internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(max_length=20, default="web")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="comment_ticket_idx")]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")


ATTACHMENT_DIR = "attachments"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never comes from the uploader: no path tricks, no executable extensions.
    now = timezone.now()
    return f"{ATTACHMENT_DIR}/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="attachments")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_image = models.BooleanField(default=False)
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class TimeEntry(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    minutes = models.PositiveIntegerField(_("minutes"))
    work_date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["work_date", "id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=24 * 60),
                name="tickets_timeentry_minutes_range",
            ),
        ]


class TicketEvent(models.Model):
    """One immutable line of a ticket's history: who did what, when, with before/after values.

    Appended by services in the same transaction as the change; never updated or deleted.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    is_internal = models.BooleanField(default=False)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_idx"),
            models.Index(fields=["created_at"], name="event_created_idx"),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"
