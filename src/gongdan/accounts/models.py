"""People and who they belong to: users with a role, teams, skills, organisations, API tokens."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongdan.core.bilingual import BilingualNamed


class Role(models.TextChoices):
    REQUESTER = "requester", _("Requester")
    AGENT = "agent", _("Agent")
    TEAM_LEAD = "team_lead", _("Team lead")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("System administrator")
    # Separated administration (三权分立, decision 0085): security and audit duties are roles of their own,
    # so one account holds one duty unless the site allows combining (GONGDAN_ADMIN_DUTIES_COMBINED).
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


DUTY_ROLES = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
STAFF_ROLES = frozenset({Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN})


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class QueueDensity(models.TextChoices):
    """How tightly the ticket queue packs its rows: one line each (the default: 15+ rows on a laptop
    screen), or roomier rows with the category under the subject."""

    COMPACT = "compact", _("Compact")
    COMFORTABLE = "comfortable", _("Comfortable")


class ServiceTier(models.TextChoices):
    STANDARD = "standard", _("Standard")
    PRIORITY = "priority", _("Priority support")
    VIP = "vip", _("VIP")


class Organisation(models.Model):
    """A customer company or an internal department that requesters belong to."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("Customer company")
        INTERNAL = "internal", _("Internal department")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INTERNAL)
    service_tier = models.CharField(
        _("service tier"), max_length=20, choices=ServiceTier.choices, default=ServiceTier.STANDARD
    )
    email_domain = models.CharField(_("email domain"), max_length=200, blank=True)
    # Who signs for the organisation: approval flows may ask "the organisation head" of a requester.
    head = models.ForeignKey(
        "User",
        verbose_name=_("organisation head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REQUESTER)
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    queue_density = models.CharField(
        _("queue density"), max_length=12, choices=QueueDensity.choices, default=QueueDensity.COMPACT
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # The person's line manager: approval flows may ask "the requester's manager".
    manager = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("line manager", "manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    sees_organisation_tickets = models.BooleanField(
        _("sees the organisation's tickets"),
        default=False,
        help_text=_("A requester with this grant sees every ticket of their organisation."),
    )
    skills: models.ManyToManyField[Skill, AgentSkill] = models.ManyToManyField(
        "Skill", through="AgentSkill", related_name="agents", blank=True
    )

    # Raised by every credential change, deactivation and role change (accounts.services): it is part of the
    # session's auth hash, so every session signed in before it stops at its next request, whatever the
    # session backend, and a reactivated account's old sessions stay dead.
    credentials_version = models.PositiveIntegerField(default=0, editable=False)
    # When the password was last set (accounts.services), for the policy's optional expiry; None: never set
    # through the services (an account from before the policy), which does not expire.
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The username's UTS #39 skeleton after NFKC and case folding (accounts.usernames): two usernames with
    # one skeleton look alike, and a new one is refused. Not unique in the database: a site may hold clashes
    # from before the check, which `username_clashes` reports for an administrator to resolve.
    username_skeleton = models.CharField(
        max_length=600, blank=True, default="", editable=False, db_index=True
    )

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_unique_ci"
            ),
        ]
        indexes = [
            # Agent pickers list active staff by name on every queue and ticket page; a site has a few
            # hundred staff among tens of thousands of requesters.
            models.Index(
                fields=["display_name", "username"],
                condition=models.Q(is_active=True, role__in=sorted(STAFF_ROLES)),
                name="accounts_user_staff_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        return salted_hmac(
            "gongdan.accounts.User.session_auth_hash",
            f"{self.password}\0{self.credentials_version}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def name(self) -> str:
        return self.name_from(self.display_name, self.first_name, self.last_name, self.username)

    NAME_COLUMNS = ("display_name", "first_name", "last_name", "username")

    @staticmethod
    def name_from(display_name: str, first_name: str, last_name: str, username: str) -> str:
        """`name` from raw columns (NAME_COLUMNS), for option lists that skip building User objects."""
        return display_name or f"{first_name} {last_name}".strip() or username

    @property
    def is_staff_member(self) -> bool:
        """Agents, leads, managers and admins work tickets; requesters only report them."""
        return self.role in STAFF_ROLES

    @property
    def is_admin(self) -> bool:
        """The system administrator: configuration and users (the settings screens)."""
        return self.role == Role.ADMIN or (self.is_superuser and self.role not in DUTY_ROLES)

    @property
    def is_security_admin(self) -> bool:
        """Roles, sign-in policies, second factors, lockouts."""
        return self.is_active and (
            self.role == Role.SECURITY_ADMIN or (self.is_admin and settings.GONGDAN_ADMIN_DUTIES_COMBINED)
        )

    @property
    def is_audit_admin(self) -> bool:
        """Reads and exports the audit trail; changes nothing."""
        return self.is_active and (
            self.role == Role.AUDIT_ADMIN or (self.is_admin and settings.GONGDAN_ADMIN_DUTIES_COMBINED)
        )

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER) or self.is_superuser


class Team(BilingualNamed):
    """A team or department: owns a queue of tickets."""

    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("team email"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)
    members = models.ManyToManyField(User, through="Membership", related_name="teams", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_team_name_unique")]


class Membership(models.Model):
    class TeamRole(models.TextChoices):
        MEMBER = "member", _("Member")
        LEAD = "lead", _("Lead")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team_role = models.CharField(max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="accounts_membership_unique")]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")


class Skill(BilingualNamed):
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_skill_name_unique")]


class AgentSkill(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="agent_skills")
    level = models.PositiveSmallIntegerField(_("level"), default=3)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill"], name="accounts_agentskill_unique"),
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="accounts_agentskill_level_1_5"
            ),
        ]


class SignInLease(models.Model):
    """A place to check one password, held from before django-axes reads the failure count until after it
    has recorded the outcome (decision 0080). One place per username and a few per client address, taken
    by a conditional UPDATE, so parallel attempts cannot all read the same count before any is recorded."""

    key = models.CharField(max_length=64, unique=True)  # SHA-256 of the kind and the normalised value
    holders = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sign-in lease")
        verbose_name_plural = _("sign-in leases")


class SignInPolicy(models.Model):
    """The site's password and session rules (one row, pk=1), set by the security administrator on the
    sign-in policy screen (decision 0115). Staff are every role but requester; requesters who have a
    password get the lighter rules."""

    staff_min_length = models.PositiveSmallIntegerField(_("minimum password length for staff"), default=12)
    requester_min_length = models.PositiveSmallIntegerField(
        _("minimum password length for requesters"), default=8
    )
    history_count = models.PositiveSmallIntegerField(
        _("passwords remembered"),
        default=5,
        help_text=_("Staff cannot reuse any of their last N passwords. 0 turns the history off."),
    )
    staff_max_age_days = models.PositiveSmallIntegerField(
        _("staff password expiry (days)"),
        default=0,
        help_text=_("After this many days staff must choose a new password at their next sign-in. 0: never."),
    )
    staff_idle_minutes = models.PositiveSmallIntegerField(_("staff idle timeout (minutes)"), default=30)
    requester_idle_minutes = models.PositiveSmallIntegerField(
        _("requester idle timeout (minutes)"), default=480
    )
    staff_session_hours = models.PositiveSmallIntegerField(_("staff session lifetime (hours)"), default=12)
    requester_session_hours = models.PositiveSmallIntegerField(
        _("requester session lifetime (hours)"), default=168
    )
    reset_link_minutes = models.PositiveSmallIntegerField(
        _("password reset link lifetime (minutes)"), default=30
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="accounts_signinpolicy_single_row"),
            models.CheckConstraint(
                condition=models.Q(staff_min_length__gte=8, requester_min_length__gte=6),
                name="accounts_signinpolicy_min_lengths",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    staff_idle_minutes__gte=1,
                    requester_idle_minutes__gte=1,
                    staff_session_hours__gte=1,
                    requester_session_hours__gte=1,
                    reset_link_minutes__gte=5,
                ),
                name="accounts_signinpolicy_positive_times",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Sign-in policy"))


class PasswordHistoryEntry(models.Model):
    """The hash of a password a staff member had, so the policy can refuse its reuse (the last N kept)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)  # the hash, as in User.password; never the password
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        indexes = [models.Index(fields=["user", "-created_at"], name="accounts_pwhistory_user_idx")]
