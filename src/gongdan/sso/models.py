"""Who may vouch for a person (identity providers), what their word makes of that person (mapping rules), and
which outside identity is which account (external identities)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import Role, Team, User
from gongdan.core.bilingual import BilingualNamed
from gongdan.core.sealed import SealedCharField


class ProviderKind(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    LDAP = "ldap", _("LDAP / Active Directory")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")
    WECOM = "wecom", _("WeCom")


REDIRECT_KINDS = frozenset(
    {ProviderKind.OIDC, ProviderKind.DINGTALK, ProviderKind.FEISHU, ProviderKind.WECOM}
)
# Roles a directory may hand out: the administrator and the separated duties (decision 0126) are given by hand.
MAPPABLE_ROLES = (Role.REQUESTER, Role.AGENT, Role.TEAM_LEAD, Role.MANAGER)


class MatchBy(models.TextChoices):
    NOTHING = "", _("Never: only accounts this provider created")
    USERNAME = "username", _("Same username")
    EMAIL = "email", _("Same email address")
    PHONE = "phone", _("Same mobile number")


class IdentityProvider(BilingualNamed):
    """One place people sign in with: an OpenID Connect provider, an LDAP directory, or a chat platform."""

    kind = models.CharField(_("kind"), max_length=16, choices=ProviderKind.choices)
    slug = models.SlugField(
        _("key"), max_length=40, unique=True,
        help_text=_("Short, unique, part of the sign-in address: /sso/<key>/start/."),
    )  # fmt: skip
    is_enabled = models.BooleanField(_("enabled"), default=False)
    order = models.PositiveSmallIntegerField(_("order on the sign-in page"), default=10)

    # OpenID Connect, DingTalk, Feishu, WeCom
    issuer = models.URLField(
        _("issuer or base URL"), max_length=500, blank=True,
        help_text=_("OpenID Connect: the issuer (discovery is read from <issuer>/.well-known/openid-configuration). "
                    "DingTalk, Feishu, WeCom: leave empty for the platform's own addresses."),
    )  # fmt: skip
    api_base = models.URLField(_("API base URL"), max_length=500, blank=True,
                               help_text=_("DingTalk, Feishu, WeCom: leave empty for the platform's own API."))  # fmt: skip
    client_id = models.CharField(_("client ID / app key"), max_length=255, blank=True)
    client_secret = SealedCharField(_("client secret / app secret"), max_length=500, blank=True)
    agent_id = models.CharField(_("agent ID (WeCom)"), max_length=64, blank=True)
    scopes = models.CharField(_("scopes"), max_length=255, blank=True, default="openid profile email")

    # LDAP / Active Directory
    server_uri = models.CharField(_("server URI"), max_length=255, blank=True,
                                  help_text=_("ldap://host:389 or ldaps://host:636"))  # fmt: skip
    start_tls = models.BooleanField(_("StartTLS"), default=False)
    tls_verify = models.BooleanField(_("verify the server certificate"), default=True)
    ca_certificate = models.TextField(_("CA certificate (PEM)"), blank=True)
    bind_dn = models.CharField(_("service account DN"), max_length=255, blank=True)
    bind_password = SealedCharField(_("service account password"), max_length=500, blank=True)
    user_search_base = models.CharField(_("user search base"), max_length=255, blank=True)
    user_search_filter = models.CharField(_("user search filter"), max_length=255, blank=True,
                                          default="(uid={username})")  # fmt: skip
    user_dn_template = models.CharField(
        _("direct bind DN template"), max_length=255, blank=True,
        help_text=_("Instead of searching: e.g. uid={username},ou=people,dc=example,dc=com, or {username}@example.com for AD."),
    )  # fmt: skip
    group_search_base = models.CharField(_("group search base"), max_length=255, blank=True)
    username_attribute = models.CharField(_("username attribute"), max_length=64, blank=True, default="uid")
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=5)

    # Every kind
    create_users = models.BooleanField(_("create accounts on first sign-in"), default=False)
    match_existing_by = models.CharField(_("link existing accounts by"), max_length=16, choices=MatchBy.choices,
                                         blank=True, default=MatchBy.NOTHING)  # fmt: skip
    default_role = models.CharField(_("default role"), max_length=20, choices=[(r.value, r.label) for r in MAPPABLE_ROLES],
                                    default=Role.REQUESTER)  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    @property
    def redirects(self) -> bool:
        """Signed in by sending the browser to the provider (a button), not by typing a password here."""
        return self.kind in REDIRECT_KINDS


class MappingRule(models.Model):
    """When the provider says `claim` `operator` `value` of a person, they get `role` and join `team`."""

    class Operator(models.TextChoices):
        CONTAINS = "contains", _("contains (list) or equals (text)")
        EQUALS = "equals", _("equals")
        ENDS_WITH = "ends_with", _("ends with")

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(_("order"), default=10)
    claim = models.CharField(_("claim or attribute"), max_length=100,
                             help_text=_("e.g. groups, email, department; a.b reads a nested claim."))  # fmt: skip
    operator = models.CharField(_("test"), max_length=16, choices=Operator.choices, default=Operator.CONTAINS)
    value = models.CharField(_("value"), max_length=255)
    role = models.CharField(_("role"), max_length=20, blank=True,
                            choices=[("", _("Keep the default")), *((r.value, r.label) for r in MAPPABLE_ROLES)])  # fmt: skip
    team = models.ForeignKey(Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")  # fmt: skip

    class Meta:
        ordering = ["provider", "order", "pk"]
        verbose_name = _("mapping rule")
        verbose_name_plural = _("mapping rules")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="", team__isnull=True), name="sso_rule_does_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} {self.operator} {self.value}"


class ExternalIdentity(models.Model):
    """The provider's stable id of a person (OIDC `sub`, an LDAP DN's username, DingTalk unionId, Feishu
    union_id, WeCom userid) and the account it signs in to."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    created_at = models.DateTimeField(default=timezone.now)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique"),
            models.UniqueConstraint(fields=["provider", "user"], name="sso_identity_one_per_user"),
        ]
