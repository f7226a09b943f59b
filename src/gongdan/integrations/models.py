"""Integrations an admin configures (monitoring, CRM/ERP, Open311) and what links their records to tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.core.model_fields import optional_reference
from gongdan.core.sealed import SealedCharField


class Kind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    ZABBIX = "zabbix", _("Zabbix")
    INBOUND = "inbound", _("Other system (CRM/ERP)")
    OPEN311 = "open311", _("Open311 GeoReport v2")


ALERT_KINDS = (Kind.ALERTMANAGER, Kind.ZABBIX)


class Integration(models.Model):
    """One system that sends us tickets, with its secret and the defaults its tickets get.

    The secret is shown once and stored as a SHA-256 digest: it is a long random token (not a password
    a person chose), so a fast hash cannot be brute-forced, and every request can be checked cheaply."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address name"), max_length=50, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    secret_hash = models.CharField(max_length=64, editable=False)
    secret_hint = models.CharField(max_length=8, editable=False, blank=True)
    secret_rotated_at = models.DateTimeField(default=timezone.now, editable=False)
    # The non-login account that reports this integration's tickets and writes its comments.
    service_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    category = optional_reference("tickets.Category", _("category"))
    team = optional_reference("accounts.Team", _("team"))
    ticket_type = optional_reference("tickets.TicketType", _("ticket type"))
    default_priority = optional_reference("tickets.Priority", _("default priority"))
    severity_label = models.CharField(
        _("severity label"), max_length=60, default="severity",
        help_text=_("The alert label (Alertmanager) that carries the severity."),
    )  # fmt: skip
    resolve_on_recovery = models.BooleanField(_("resolve the ticket when the alert resolves"), default=True)
    external_id_path = models.CharField(
        _("external id path"), max_length=200, default="external_id",
        help_text=_("Where the record's own id is in the JSON, such as Id or data.NotificationNumber."),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self) -> str:
        return self.name


class SeverityMapping(models.Model):
    """An external severity ("critical", "High", "4") → one of our priorities."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="severities")
    value = models.CharField(_("severity"), max_length=60)  # stored lower-case
    priority = models.ForeignKey("tickets.Priority", verbose_name=_("priority"), on_delete=models.CASCADE)

    class Meta:
        ordering = ["priority__rank", "value"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "value"], name="integrations_severity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.value} → {self.priority_id}"


class FieldTarget(models.TextChoices):
    SUBJECT = "subject", _("Subject")
    DESCRIPTION = "description", _("Description")
    PRIORITY = "priority", _("Priority (through the severity table)")
    LOCATION = "location_text", _("Location (free text)")
    CUSTOM = "custom", _("Custom field")


class FieldMapping(models.Model):
    """A CRM/ERP record's JSON path → a ticket field or a custom field of the integration's category."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="field_mappings")
    source_path = models.CharField(_("JSON path"), max_length=200)
    target = models.CharField(_("ticket field"), max_length=20, choices=FieldTarget.choices)
    custom_key = models.SlugField(_("custom field key"), max_length=50, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "target", "custom_key"], name="integrations_field_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_path} → {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.target == FieldTarget.CUSTOM:
            return f"{FieldTarget(self.target).label}: {self.custom_key}"
        return str(FieldTarget(self.target).label)


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class AlertLink(models.Model):
    """One problem (an Alertmanager fingerprint, a Zabbix problem event id) → its one ticket.

    The row is claimed before its ticket exists (ticket is null for that instant) so concurrent deliveries
    of the same problem wait on this row instead of each opening a ticket."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alert_links")
    fingerprint = models.CharField(max_length=128)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.FIRING)
    starts_at = models.CharField(max_length=40, blank=True)  # as the sender wrote it: compared, not computed
    fire_count = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "fingerprint"], name="integrations_alert_unique"),
        ]

    def __str__(self) -> str:
        return self.fingerprint


class ExternalRecord(models.Model):
    """A CRM/ERP record (`source` = the integration, `external_id`) → its ticket; idempotent on that key."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="records")
    external_id = models.CharField(max_length=200)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    received_count = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="integrations_record_unique"),
        ]

    def __str__(self) -> str:
        return self.external_id


class Open311Service(models.Model):
    """A service the Open311 endpoint offers (service_code) and the category its requests get."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="services")
    service_code = models.SlugField(_("service code"), max_length=50)
    service_name = models.CharField(_("service name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    group = models.CharField(_("group"), max_length=120, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    category = models.ForeignKey("tickets.Category", verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["service_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "service_code"], name="integrations_service_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.service_name}"


class Open311Request(models.Model):
    """What a GeoReport client sent with a request, beside the ticket it became."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="requests")
    service = models.ForeignKey(Open311Service, on_delete=models.PROTECT, related_name="requests")
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # What the reporter wrote, as GET requests shows it (the ticket's description adds contact details).
    description = models.TextField(blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    address_string = models.CharField(max_length=300, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["integration", "-requested_at"], name="integrations_o311_recent")]


class Delivery(models.Model):
    """The log of what each integration sent us and what we answered, for the admin to read."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="deliveries")
    received_at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField()
    summary = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    body_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["integration", "-received_at"], name="integrations_delivery_recent")]


# --- chat apps: act from a DingTalk / Feishu / WeCom message (decision 0105) -----------------------------------


class ChatPlatform(models.TextChoices):
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu / Lark")
    WECOM = "wecom", _("WeCom")


class ChatApp(models.Model):
    """An enterprise app on a chat platform: it sends cards with buttons to people and groups, and the platform
    calls us back when someone presses one or writes to the app's bot. Unlike a group robot (outbox.ChatBot,
    send-only), an app has an identity on the platform and signs what it sends us."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    platform = models.CharField(_("platform"), max_length=20, choices=ChatPlatform.choices)
    app_id = models.CharField(
        _("app id"), max_length=120,
        help_text=_("DingTalk: AppKey (Client ID). Feishu: App ID. WeCom: the corp id (CorpID)."),
    )  # fmt: skip
    app_secret = SealedCharField(
        _("app secret"), max_length=200,
        help_text=_("DingTalk: AppSecret. Feishu: App Secret. WeCom: the app's Secret."),
    )  # fmt: skip
    token = SealedCharField(
        _("callback token"), max_length=200, blank=True,
        help_text=_("DingTalk and WeCom: the Token of the callback settings. Feishu: the Verification Token."),
    )  # fmt: skip
    aes_key = SealedCharField(
        _("encryption key"), max_length=200, blank=True,
        help_text=_("DingTalk and WeCom: the EncodingAESKey (43 characters). Feishu: the Encrypt Key."),
    )  # fmt: skip
    agent_id = models.CharField(
        _("agent id or robot code"), max_length=120, blank=True,
        help_text=_("WeCom: the app's AgentId. DingTalk: the robot code (usually the AppKey)."),
    )  # fmt: skip
    card_template_id = models.CharField(
        _("card template"), max_length=200, blank=True,
        help_text=_("DingTalk only: the id of the interactive card template with the buttons (see the docs)."),
    )  # fmt: skip
    api_base = models.URLField(
        _("API address"), max_length=200, blank=True,
        help_text=_("Leave empty for the platform's public API; set it only for a private deployment."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    access_token = SealedCharField(max_length=600, blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("chat app")
        verbose_name_plural = _("chat apps")

    def __str__(self) -> str:
        return self.name


class ChatAccount(models.Model):
    """Who a person is on a chat app: the platform's user id, so a button pressed there acts as them here."""

    app = models.ForeignKey(
        ChatApp, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("chat app")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="chat_accounts",
        verbose_name=_("person"),
    )
    external_id = models.CharField(
        _("user id on the platform"), max_length=200,
        help_text=_("DingTalk: userId (staff id). Feishu: user_id. WeCom: UserID."),
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["app", "external_id"]
        verbose_name = _("chat account")
        verbose_name_plural = _("chat accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["app", "external_id"], name="integrations_chataccount_external_unique"
            ),
            models.UniqueConstraint(fields=["app", "user"], name="integrations_chataccount_user_unique"),
        ]

    def __str__(self) -> str:
        return self.external_id


class ChatGroup(models.Model):
    """A group chat a team works in: new unassigned tickets of the team are posted there with a "Take it"
    button, and a message to the app's bot in the group opens a ticket for the team."""

    app = models.ForeignKey(
        ChatApp, on_delete=models.CASCADE, related_name="groups", verbose_name=_("chat app")
    )
    chat_id = models.CharField(
        _("group id"), max_length=200,
        help_text=_("DingTalk: openConversationId. Feishu: chat_id (oc_…). WeCom: the app chat id."),
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    post_new_tickets = models.BooleanField(
        _("post new unassigned tickets with a Take it button"), default=True
    )
    open_tickets = models.BooleanField(_("a message to the bot opens a ticket"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["app", "chat_id"]
        verbose_name = _("chat group")
        verbose_name_plural = _("chat groups")
        constraints = [
            models.UniqueConstraint(fields=["app", "chat_id"], name="integrations_chatgroup_chat_unique")
        ]

    def __str__(self) -> str:
        return self.chat_id


class ChatCallback(models.Model):
    """Every callback a chat platform sent us, kept a day: its platform-given id refuses a replay, and the log
    shows an admin what arrived and what it did."""

    app = models.ForeignKey(ChatApp, on_delete=models.CASCADE, related_name="callbacks")
    key = models.CharField(max_length=200)  # the platform's event id, message id or nonce
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=40, blank=True)
    external_user = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["app", "key"], name="integrations_chatcallback_key_unique")
        ]
