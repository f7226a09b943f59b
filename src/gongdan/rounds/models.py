"""Inspection rounds (巡检): a route of stops on a schedule (decision 0157), its runs, and what the technician
found at each stop (decision 0158)."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.maintenance.models import Frequency


class Round(models.Model):
    """A route through places and machines walked on a calendar. Its runs are `RoundRun` rows written ahead by
    `rounds_generate` (the PM scheduler's date arithmetic), one per due date."""

    name = models.CharField(_("name"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    every = models.PositiveIntegerField(_("every"), default=1)
    frequency = models.CharField(_("unit"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKS)
    # Weekly rounds only: 0 = Monday … 6 = Sunday; empty means the start date's weekday.
    weekdays = models.JSONField(_("on weekdays"), default=list, blank=True)
    starts_on = models.DateField(_("first run on"))
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", verbose_name=_("business calendar"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text=_("A run that falls on a day off moves to the next working day."),
    )  # fmt: skip
    window_start = models.TimeField(_("starts at"), default=time(8, 0))
    window_hours = models.PositiveSmallIntegerField(_("due within (hours)"), default=8)
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("corrective work orders reported for"),
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    category = models.ForeignKey(
        "tickets.Category", verbose_name=_("category of corrective work orders"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    allow_manual_confirm = models.BooleanField(
        _("allow confirming a stop without its code"), default=False,
        help_text=_("When a label is missing or unreadable the technician may confirm presence with a reason."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        constraints = [
            models.UniqueConstraint(fields=["name"], name="rounds_round_name_unique"),
            models.CheckConstraint(condition=models.Q(every__gte=1), name="rounds_round_every_positive"),
            models.CheckConstraint(
                condition=models.Q(window_hours__gte=1, window_hours__lte=168),
                name="rounds_round_window_hours",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RoundStop(models.Model):
    """One stop on the route: a place or a machine (or a machine at a place), and the checklist answered
    there."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField(_("position"))
    location = models.ForeignKey(
        "assets.Location", verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="round_stops",
    )  # fmt: skip
    checklist = models.ForeignKey(
        "maintenance.ChecklistTemplate", verbose_name=_("checklist"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="round_stops",
    )  # fmt: skip

    class Meta:
        ordering = ["round", "position"]
        verbose_name = _("stop")
        verbose_name_plural = _("stops")
        constraints = [
            models.UniqueConstraint(fields=["round", "position"], name="rounds_stop_position_unique"),
            models.CheckConstraint(
                condition=models.Q(location__isnull=False) | models.Q(asset__isnull=False),
                name="rounds_stop_place_or_asset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.position}"


class RunStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    MISSED = "missed", pgettext_lazy("round run", "Missed")


class RoundRun(models.Model):
    """One walk of a round, due on one day within a window. Unique on (round, due date): generating again
    writes nothing new."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="runs")
    due_on = models.DateField(_("due on"))
    window_starts_at = models.DateTimeField(_("window starts"))
    window_ends_at = models.DateTimeField(_("window ends"))
    status = models.CharField(
        _("status"), max_length=12, choices=RunStatus.choices, default=RunStatus.SCHEDULED
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("technician"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="round_runs",
    )  # fmt: skip
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-due_on", "-id"]
        verbose_name = _("round run")
        verbose_name_plural = _("round runs")
        constraints = [
            models.UniqueConstraint(fields=["round", "due_on"], name="rounds_run_once_per_day"),
            models.CheckConstraint(
                condition=models.Q(window_ends_at__gt=models.F("window_starts_at")), name="rounds_run_window"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "window_ends_at"], name="rounds_run_status_idx"),
            models.Index(fields=["due_on", "id"], name="rounds_run_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.due_on}"

    @property
    def is_late(self) -> bool:
        """Finished after its window, or still not finished once the window has passed."""
        if self.status == RunStatus.MISSED:
            return False
        if self.finished_at is not None:
            return self.finished_at > self.window_ends_at
        return timezone.now() > self.window_ends_at


class VisitStatus(models.TextChoices):
    PENDING = "pending", _("Not yet")
    PRESENT = "present", _("Arrived")
    DONE = "done", _("Checked")
    NOT_VISITED = "not_visited", _("Not visited")


class Proof(models.TextChoices):
    QR = "qr", _("QR code scanned")
    MANUAL = "manual", _("Confirmed by hand")


class StopVisit(models.Model):
    """A run's stop: whether the technician was there (the scanned code, time and position) and when its
    checklist was answered. The place, asset and checklist are copied from the route when the run is
    written, so changing the route later does not rewrite what was found."""

    run = models.ForeignKey(RoundRun, on_delete=models.CASCADE, related_name="visits")
    stop = models.ForeignKey(
        RoundStop, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    location = models.ForeignKey(
        "assets.Location", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asset = models.ForeignKey(
        "assets.Asset", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checklist = models.ForeignKey(
        "maintenance.ChecklistTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PENDING
    )
    proof = models.CharField(_("presence"), max_length=8, choices=Proof.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    geo = models.CharField(max_length=12, blank=True)  # shared / denied / unavailable
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run", "position"]
        verbose_name = _("stop visit")
        verbose_name_plural = _("stop visits")
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="rounds_visit_once_per_stop"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}#{self.position}"

    @property
    def label(self) -> str:
        if self.asset_id and self.asset is not None:
            return f"{self.asset.code} {self.asset.name}"
        return str(self.location.full_name or self.location.name) if self.location is not None else ""


class StopAnswer(models.Model):
    """The answer to one checklist step at one stop of one run. `passed` is False for a failed check or a
    number out of its limits; `ticket` is the corrective work order that failure opened (one per failed item:
    answering again finds it and opens nothing)."""

    visit = models.ForeignKey(StopVisit, on_delete=models.CASCADE, related_name="answers")
    step = models.ForeignKey(
        "maintenance.ChecklistStep", on_delete=models.CASCADE, related_name="round_answers"
    )
    passed = models.BooleanField(null=True)
    number = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    note = models.TextField(blank=True)
    photo = models.FileField(upload_to="rounds/%Y/%m/", blank=True, max_length=200)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="round_findings"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["visit", "step__position", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "step"], name="rounds_one_answer_per_step")]
        indexes = [models.Index(fields=["ticket"], name="rounds_answer_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.step_id}"


class Submission(models.Model):
    """One thing the phone sent from its outbox — a check-in, a confirmation or a checklist — by the id the
    phone gave it when it was recorded (decision 0183). A replay of the same id changes nothing and answers
    what the first did, also after the idempotency keys' 24 hours."""

    class Kind(models.TextChoices):
        CHECK_IN = "check_in", _("Check-in")
        CONFIRM = "confirm", _("Confirmation")
        ANSWERS = "answers", _("Checklist")

    client_id = models.CharField(max_length=64, unique=True)
    visit = models.ForeignKey(StopVisit, on_delete=models.CASCADE, related_name="submissions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    work_orders = models.JSONField(default=list, blank=True)  # the numbers the first submission opened

    class Meta:
        verbose_name = _("offline submission")
        verbose_name_plural = _("offline submissions")

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.kind}/{self.client_id}"
