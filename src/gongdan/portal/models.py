"""The portal's own rows: sign-in links sent by email, satisfaction surveys, the admin's settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalSettings(models.Model):
    """One row: what the portal does after a resolution and with a low rating."""

    csat_enabled = models.BooleanField(
        _("ask requesters to rate resolved tickets"),
        default=True,
        help_text=_("A 1–5 rating request by email and in the portal when a ticket is resolved."),
    )
    low_rating_reopen = models.BooleanField(
        _("reopen the ticket after a low rating"),
        default=False,
        help_text=_("A rating of 1 or 2 on a resolved ticket puts it back in progress."),
    )
    low_rating_notify_lead = models.BooleanField(
        _("alert the team lead about a low rating"),
        default=True,
        help_text=_("The leads of the ticket's team (or the administrators, without a team) get a notice."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")


class MagicLink(models.Model):
    """A signed, expiring, single-use sign-in link mailed to an address. The token is signed with the site's
    key and names this row; the row records that it was used, so a second click does nothing."""

    class Purpose(models.TextChoices):
        SIGN_IN = "sign_in", _("Sign in")
        LOOKUP = "lookup", _("Ticket lookup")

    email = models.EmailField(max_length=254)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.SIGN_IN)
    next_path = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("sign-in link")
        verbose_name_plural = _("sign-in links")
        indexes = [models.Index(fields=["expires_at"], name="portal_link_expires_idx")]


class Survey(models.Model):
    """One satisfaction survey per resolution of a ticket (the `transitioned`→resolved event it answers)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="surveys")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resolved_event = models.OneToOneField(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="+", db_constraint=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [models.Index(fields=["ticket", "-created_at"], name="portal_survey_ticket_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="portal_survey_rating_1_5",
            ),
        ]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class WalkUpReport(models.Model):
    """A problem reported without an account, from a place's or a machine's "report here" code.

    The reporter's contact stays here (the ticket's requester is their email's account, or the shared
    walk-up account when they gave only a phone number). The tracking link's secret is never stored: only
    its SHA-256, so a copy of the database opens no ticket."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="walk_up_report")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    language = models.CharField(max_length=10, blank=True)
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report without an account")
        verbose_name_plural = _("reports without an account")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phone="", email=""), name="portal_walkup_phone_or_email"
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="portal_walkup_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name
