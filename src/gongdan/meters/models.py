"""Meters on assets, their readings (narrow rows, millions of them), the rollups charts read, and the
excursions that open work orders (decision 0140)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MeterKind(models.TextChoices):
    RUNNING_HOURS = "running_hours", _("Running hours")
    COUNT = "count", _("Count")
    TEMPERATURE = "temperature", _("Temperature")
    VIBRATION = "vibration", _("Vibration")
    PRESSURE = "pressure", _("Pressure")
    CUSTOM = "custom", _("Custom")


class MeterState(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("Above its high limit")
    LOW = "low", _("Below its low limit")
    RATE = "rate", _("Changing too fast")


class Meter(models.Model):
    """What is measured on one asset, with its limits. The last reading and the threshold state live on this
    row so the latest value is one read and an excursion is decided under one row lock."""

    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.CASCADE, related_name="meters"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=MeterKind.choices, default=MeterKind.CUSTOM)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    low_limit = models.FloatField(_("low limit"), null=True, blank=True)
    high_limit = models.FloatField(_("high limit"), null=True, blank=True)
    rate_limit = models.FloatField(_("largest change within the window"), null=True, blank=True)
    rate_window_seconds = models.PositiveIntegerField(_("window (seconds)"), null=True, blank=True)
    hysteresis = models.FloatField(_("hysteresis"), default=0)
    opens_work_orders = models.BooleanField(_("open a work order when out of limits"), default=True)
    # MQTT: a topic filter (+ and # wildcards) and where the value (and optionally the time) sit in the JSON.
    mqtt_topic = models.CharField(_("MQTT topic"), max_length=200, blank=True)
    mqtt_value_path = models.CharField(_("value field"), max_length=100, blank=True)
    mqtt_time_path = models.CharField(_("time field"), max_length=100, blank=True)
    # The node of the asset's 3D model this meter's hotspot sits on.
    model_node = models.CharField(_("3D model node"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Kept by the reading services under the row lock.
    last_value = models.FloatField(null=True, blank=True, editable=False)
    last_read_at = models.DateTimeField(null=True, blank=True, editable=False)
    state = models.CharField(
        max_length=10, choices=MeterState.choices, default=MeterState.NORMAL, editable=False
    )

    class Meta:
        ordering = ["asset", "code"]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")
        indexes = [
            models.Index(
                fields=["mqtt_topic"], name="meter_mqtt_topic_idx", condition=~models.Q(mqtt_topic="")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["asset", "code"], name="meters_meter_unique_code"),
            models.CheckConstraint(
                condition=models.Q(low_limit__isnull=True)
                | models.Q(high_limit__isnull=True)
                | models.Q(low_limit__lt=models.F("high_limit")),
                name="meters_meter_low_below_high",
            ),
            models.CheckConstraint(
                condition=models.Q(hysteresis__gte=0), name="meters_meter_hysteresis_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(rate_limit__isnull=True)
                | models.Q(rate_limit__gt=0, rate_window_seconds__gte=1),
                name="meters_meter_rate_has_window",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_out_of_limits(self) -> bool:
        return self.state != MeterState.NORMAL


class Reading(models.Model):
    """One value at one time. Narrow on purpose (id, meter, time, value): (meter, at) is unique, which is
    both the chart's index and what makes a redelivered reading a no-op."""

    id = models.BigAutoField(primary_key=True)
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="+", db_index=False)
    at = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meter", "at"], name="meters_reading_meter_at")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.at:%Y-%m-%d %H:%M:%S} {self.value}"


class Rollup(models.Model):
    """Per-bucket count/sum/min/max of a meter's readings (5 minutes, 1 hour, 1 day), kept by the reading
    services with one upsert per batch, so a chart over a year reads 365 rows, not millions."""

    id = models.BigAutoField(primary_key=True)
    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="+", db_index=False)
    size = models.PositiveIntegerField()  # seconds
    bucket = models.BigIntegerField()  # the bucket's start, seconds since 1970 (UTC): no datetime to convert
    count = models.PositiveIntegerField()
    total = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meter", "size", "bucket"], name="meters_rollup_meter_size_bucket"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.size}s {self.bucket}"

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


class Excursion(models.Model):
    """One period a meter was out of limits, and the work order it opened. At most one open per meter."""

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="excursions")
    rule = models.CharField(max_length=10, choices=MeterState.choices)
    started_at = models.DateTimeField()
    start_value = models.FloatField()
    # What the work order quotes: the value (or, for a rate rule, the change) and the limit it crossed.
    shown_value = models.FloatField(null=True, blank=True)
    limit = models.FloatField(null=True, blank=True)
    # Its work order is still to open: set in the readings' transaction, cleared by the one that opens it
    # (decision 0172). The ingester opens it right after the readings commit, and sweeps what a crash left.
    awaiting_work_order = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_value = models.FloatField(null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="meter_excursions"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["meter", "-started_at"], name="excursion_meter_idx"),
            models.Index(
                fields=["started_at"],
                name="excursion_awaiting_wo_idx",
                condition=models.Q(awaiting_work_order=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meter"], condition=models.Q(ended_at__isnull=True), name="meters_one_open_excursion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.rule} {self.started_at:%Y-%m-%d %H:%M}"


class IngestCounter(models.Model):
    """What the MQTT ingester saw, one row per client id: messages, readings stored, malformed payloads,
    messages no meter listens to, and the last problem. Updated with F() once per batch."""

    client_id = models.CharField(max_length=100, unique=True)
    received = models.BigIntegerField(default=0)
    stored = models.BigIntegerField(default=0)
    malformed = models.BigIntegerField(default=0)
    unmatched = models.BigIntegerField(default=0)
    last_error = models.CharField(max_length=400, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    connected = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.client_id


def _model_path(instance: TwinModel, filename: str) -> str:
    return f"models/{instance.sha256[:2]}/{instance.sha256}.glb"


class TwinModel(models.Model):
    """A 3D model (GLB) of an asset type or of one asset (decision 0143); its nodes' positions are read at
    upload so hotspots can sit on them without parsing the file again."""

    asset_type = models.OneToOneField(
        "assets.AssetType", null=True, blank=True, on_delete=models.CASCADE, related_name="twin_model"
    )
    asset = models.OneToOneField(
        "assets.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="twin_model"
    )
    file = models.FileField(upload_to=_model_path, max_length=200)
    filename = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    nodes = models.JSONField(default=dict)  # node name → [x, y, z]
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("3D model")
        verbose_name_plural = _("3D models")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(asset_type__isnull=True, asset__isnull=False)
                | models.Q(asset_type__isnull=False, asset__isnull=True),
                name="meters_twinmodel_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.filename
