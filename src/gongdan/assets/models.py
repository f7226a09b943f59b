"""Where work happens and what is worked on: the location tree (site → building → floor → room) and the
equipment register (asset types with their own fields, assets in a tree: line → machine → component)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.core.bilingual import BilingualNamed, pick_label


class PublicReporting(models.TextChoices):
    """Whether people without an account may report a problem here (a "report here" code on a wall, a lift,
    a pump). A place inherits its parent's choice unless it sets its own; an asset inherits its location's."""

    INHERIT = "inherit", _("As the place it is in")
    ALLOWED = "allowed", _("Allowed without an account")
    REFUSED = "refused", _("Only signed-in requesters")


class Location(models.Model):
    class Kind(models.TextChoices):
        SITE = "site", _("Site")
        BUILDING = "building", _("Building")
        FLOOR = "floor", _("Floor")
        ROOM = "room", _("Room")
        AREA = "area", _("Area")

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SITE)
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    # Materialised path of ids ("/1/4/9/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="/")
    full_name = models.CharField(max_length=800, editable=False, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    public_reporting = models.CharField(
        _("reporting without an account"),
        max_length=10,
        choices=PublicReporting.choices,
        default=PublicReporting.INHERIT,
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="assets_location_unique_name_in_parent"),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="assets_location_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="assets_location_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.name


class AssetFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("custom field type", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class AssetType(BilingualNamed):
    """A kind of equipment (空压机 / Air compressor, 电梯 / Lift); it brings the fields its assets carry."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("asset type")
        verbose_name_plural = _("asset types")


class AssetField(models.Model):
    """A field every asset of one type carries (rated power, refrigerant, floors served…)."""

    asset_type = models.ForeignKey(AssetType, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label (Chinese)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    field_type = models.CharField(
        _("type"), max_length=20, choices=AssetFieldType.choices, default=AssetFieldType.TEXT
    )
    required = models.BooleanField(_("required"), default=False)
    # ["value", …] for choice fields: the value is what is shown and stored.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Values stored sealed (SM4/AES, gongdan.core.field_crypto) in Asset.custom_values, masked on the page, in
    # lists, exports and the API, revealed one at a time to staff with an audit entry (decision 0179).
    sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("asset field")
        verbose_name_plural = _("asset fields")
        constraints = [
            models.UniqueConstraint(fields=["asset_type", "key"], name="assets_assetfield_unique_key"),
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return pick_label(self.label, self.label_en)


class Criticality(models.TextChoices):
    A = "A", _("A — critical")
    B = "B", _("B — important")
    C = "C", _("C — ordinary")


class AssetStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")
    RETIRED = "retired", _("Retired")


class Asset(models.Model):
    """One piece of equipment. Its code is unique and is what the QR label's URL carries."""

    code = models.CharField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    asset_type = models.ForeignKey(
        AssetType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="assets"
    )
    model_name = models.CharField(_("model"), max_length=120, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=120, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=200, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    criticality = models.CharField(
        _("criticality"), max_length=1, choices=Criticality.choices, default=Criticality.C
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.RUNNING
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    custom_values = models.JSONField(_("custom fields"), default=dict, blank=True)
    public_reporting = models.CharField(
        _("reporting without an account"),
        max_length=10,
        choices=PublicReporting.choices,
        default=PublicReporting.INHERIT,
    )
    # Materialised path of ids ("/3/8/21/") so a subtree is one indexed prefix query.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="/")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        indexes = [
            models.Index(fields=["asset_type", "code"], name="asset_type_code_idx"),
            models.Index(fields=["location", "code"], name="asset_location_code_idx"),
            models.Index(fields=["status", "code"], name="asset_status_code_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="assets_asset_code_unique"),
            models.CheckConstraint(condition=~models.Q(code=""), name="assets_asset_code_not_empty"),
            models.CheckConstraint(condition=~models.Q(name=""), name="assets_asset_name_not_empty"),
            models.CheckConstraint(
                condition=models.Q(cost__isnull=True) | models.Q(cost__gte=0),
                name="assets_asset_cost_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="assets_asset_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class AssetEvent(models.Model):
    """One line of an asset's own history (created, edited, status changed, moved), appended by the services."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["asset", "created_at", "id"], name="asset_event_asset_idx")]
        verbose_name = _("asset event")
        verbose_name_plural = _("asset events")

    def __str__(self) -> str:
        return f"{self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def status_labels(self) -> tuple[str, str]:
        """A status change as it reads: the statuses' names in the reader's language."""
        names = dict(AssetStatus.choices)
        return str(names.get(self.data.get("from"), "—")), str(names.get(self.data.get("to"), "—"))

    @property
    def changed_fields(self) -> str:
        """An edit as it reads: the names of the fields it changed."""
        names = []
        for key in self.data:
            try:
                names.append(str(getattr(Asset._meta.get_field(key), "verbose_name", key)))
            except FieldDoesNotExist:  # a field since removed keeps its key
                names.append(key)
        return ", ".join(names)


DOCUMENT_DIR = "asset-documents"


def document_path(instance: AssetDocument, filename: str) -> str:
    # The stored name never comes from the uploader (as for ticket attachments).
    return f"{DOCUMENT_DIR}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


def thumbnail_path(instance: AssetDocument, filename: str) -> str:
    return f"{DOCUMENT_DIR}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}-thumb.jpg"


class AssetDocument(models.Model):
    """A manual, drawing, certificate or photo kept on an asset; checked like a ticket attachment, stored
    0600 under a random name, served only to staff (decision 0166)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Manual")
        PHOTO = "photo", _("Photo")
        DRAWING = "drawing", _("Drawing")
        CERTIFICATE = "certificate", _("Certificate")
        OTHER = "other", _("Other document")

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(upload_to=document_path, max_length=200)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    is_image = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["asset", "created_at"], name="asset_document_asset_idx")]
        verbose_name = _("asset document")
        verbose_name_plural = _("asset documents")

    def __str__(self) -> str:
        return self.title or self.filename
