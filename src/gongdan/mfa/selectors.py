"""Who has which second factor, and who must have one."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongdan.accounts.models import Role, User
from gongdan.mfa.models import MfaPolicy, Passkey, RecoveryCode

# Always required (when the site enforces two-factor sign-in at all): they hold the keys to everyone else.
ADMIN_ROLES = frozenset({Role.ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# The roles the security administrator may require or not.
OPTIONAL_ROLES = (Role.REQUESTER, Role.AGENT, Role.TEAM_LEAD, Role.MANAGER)


def mfa_policy() -> MfaPolicy:
    return MfaPolicy.objects.filter(pk=1).first() or MfaPolicy(pk=1, required_roles=[])


def enforcement_on() -> bool:
    """GONGDAN_MFA_ENFORCED (decision 0121): off in the demo and on developers' machines, on by default."""
    return bool(settings.GONGDAN_MFA_ENFORCED)


def role_always_required(user: User) -> bool:
    return bool(user.is_superuser or user.role in ADMIN_ROLES)


def must_have_second_factor(user: User) -> bool:
    if not enforcement_on():
        return False
    return role_always_required(user) or user.role in mfa_policy().required_roles


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def passkeys_of(user: User) -> list[Passkey]:
    return list(Passkey.objects.filter(user=user).order_by("created_at", "id"))


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def has_second_factor(user: User) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or Passkey.objects.filter(user=user).exists()
    )


def users_with_factors(*, search: str = "", limit: int = 50) -> QuerySet[User]:
    """For the security administrator's screen: users with their counts of each factor, those with any
    first, filtered by username or name."""
    users = User.objects.filter(is_active=True).annotate(
        totp_count=Count("totpdevice", filter=Q(totpdevice__confirmed=True), distinct=True),
        passkey_count=Count("passkeys", distinct=True),
    )
    search = search.strip()
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(display_name__icontains=search) | Q(email__icontains=search)
        )
    else:
        users = users.filter(Q(totp_count__gt=0) | Q(passkey_count__gt=0))
    limited: QuerySet[User] = users.order_by("username")[:limit]
    return limited
