"""What an admin configures: priorities, types, categories with their forms, the workflow, numbering."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.core.bilingual import BilingualNamed, pick_label


class Priority(BilingualNamed):
    code = models.CharField(_("code"), max_length=10, unique=True)  # P0 … P4
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True, help_text=_("0 is the most urgent."))
    colour = models.CharField(_("colour"), max_length=7, default="#667382")
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class TicketType(BilingualNamed):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")


class Category(BilingualNamed):
    """A tree of kinds of problem (网络故障 / 账号异常 / 设备损坏 …); each brings its team, priority and form."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    default_team = models.ForeignKey(
        "accounts.Team", verbose_name=_("default team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    default_priority = models.ForeignKey(
        Priority, verbose_name=_("default priority"), null=True, blank=True, on_delete=models.SET_NULL
    )
    default_type = models.ForeignKey(
        TicketType, verbose_name=_("default type"), null=True, blank=True, on_delete=models.SET_NULL
    )
    template = models.TextField(
        _("description template"),
        blank=True,
        help_text=_("Pre-filled description for new tickets (Markdown)."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Materialised path of ids ("/3/7/") so a subtree filter is one indexed prefix query.
    path = models.CharField(max_length=400, db_index=True, editable=False, default="/")

    class Meta:
        ordering = ["path", "order"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="tickets_category_unique_name_in_parent"),
        ]

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", pgettext_lazy("custom field type", "Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    USER = "user", _("User")


class CustomField(models.Model):
    """A field on a category's form; it applies to the category and every category below it."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="custom_fields")
    key = models.SlugField(_("key"), max_length=50)
    label = models.CharField(_("label (Chinese)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120, blank=True)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("required"), default=False)
    # [{"value": "x", "label": "中文", "label_en": "English"}, …] for choice fields.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # When it is shown, required or offers fewer choices (services/field_logic.py).
    logic = models.JSONField(_("conditions"), default=dict, blank=True)
    # Stored encrypted (SM4/AES, gongdan.core.field_crypto), masked in lists and exports, revealed on the
    # ticket page with an audit entry; never searchable by content.
    sensitive = models.BooleanField(_("sensitive"), default=False)
    # Says something about a person: erased with them and by the retention rules (gongdan.privacy).
    personal = models.BooleanField(_("personal data"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["category", "key"], name="tickets_customfield_unique_key")
        ]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return pick_label(self.label, self.label_en)

    def choice_options(self) -> list[tuple[str, str]]:
        return [
            (str(c.get("value")), pick_label(c.get("label", ""), c.get("label_en", ""))) for c in self.choices
        ]


class WorkflowTransition(BilingualNamed):
    """One allowed move of the lifecycle, and who may make it. The default workflow is seeded as rows.

    `allowed_roles` holds tokens: "requester" (the ticket's own requester), "assignee", "agent",
    "team_lead", "manager", "admin".
    """

    action = models.SlugField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=30)
    to_status = models.CharField(_("to"), max_length=30)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("ticket type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: applies to every type without its own transitions."),
    )
    allowed_roles = models.JSONField(_("allowed roles"), default=list, blank=True)
    requires_note = models.BooleanField(_("requires a note"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Drawn workflows (decision 0150) name states; empty means the state named like the status.
    from_state = models.SlugField(_("from state"), max_length=40, blank=True)
    to_state = models.SlugField(_("to state"), max_length=40, blank=True)
    # Ticket fields ("assignee", "category" …) or custom field keys that must hold a value to move.
    required_fields = models.JSONField(_("required fields"), default=list, blank=True)
    # Named checks (gongdan.tickets.workflow_rules) that must pass.
    checks = models.JSONField(_("checks"), default=list, blank=True)
    # The code of an approval flow to obtain first (gongdan.approvals registers how).
    approval = models.SlugField(_("approval"), max_length=60, blank=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("workflow transition")
        verbose_name_plural = _("workflow transitions")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "action", "from_status", "from_state"],
                name="tickets_transition_state_unique",
            ),
            models.UniqueConstraint(
                fields=["action", "from_status", "from_state"],
                condition=models.Q(ticket_type__isnull=True),
                name="tickets_transition_default_state_unique",
            ),
        ]


class TicketNumbering(models.Model):
    """How ticket numbers read: `{prefix}-{year}-{sequence}` (GD-2026-000123). One row."""

    prefix = models.CharField(_("prefix"), max_length=10, default="GD")
    include_year = models.BooleanField(_("include the year"), default=True)
    digits = models.PositiveSmallIntegerField(_("digits"), default=6)

    class Meta:
        verbose_name = _("ticket numbering")
        verbose_name_plural = _("ticket numbering")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digits__gte=3, digits__lte=12), name="tickets_numbering_digits"
            ),
            models.CheckConstraint(
                condition=models.Q(prefix__regex=r"^[A-Z][A-Z0-9]{0,9}$"),
                name="tickets_numbering_prefix_format",
            ),
        ]

    def __str__(self) -> str:
        return self.prefix


class DeskSettings(models.Model):
    """How the agent's desk behaves, site-wide. One row (pk=1); missing means the defaults."""

    separate_resolution_note = models.BooleanField(
        _("require a separate resolution note"),
        default=False,
        help_text=_(
            "Off: “Send and resolve” takes the resolution note from the reply. On: agents write the "
            "resolution note in a field of its own."
        ),
    )

    class Meta:
        verbose_name = _("desk settings")
        verbose_name_plural = _("desk settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
