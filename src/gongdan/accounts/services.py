"""Every change to people, teams, skills and organisations. The API (directory sync, scripts) and the admin
screens both call these."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts import audit_kinds as account_kinds
from gongdan.accounts import password_policy, reset_tokens, usernames
from gongdan.accounts.models import (
    DUTY_ROLES,
    AgentSkill,
    Language,
    Membership,
    Organisation,
    QueueDensity,
    Role,
    ServiceTier,
    SignInLease,
    SignInPolicy,
    Skill,
    Team,
    User,
)
from gongdan.accounts.sign_in_guard import lease_key, normalise_username
from gongdan.accounts.signals import account_unlocked, credentials_changed
from gongdan.api.models import ApiToken
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_configuration_change, audit_record
from gongdan.core.config_cache import configuration_changed
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.core.single_line import has_control_characters

USER_FIELDS = ("email", "display_name", "first_name", "last_name", "phone", "role", "language", "time_zone",
               "organisation", "sees_organisation_tickets")  # fmt: skip


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can do that."))


PERMISSION_FIELDS = ("role", "sees_organisation_tickets")  # what an entry of kind role.change shows


def _require_duty_rights(actor: User, user: User | None, new_role: str | None) -> None:
    """Separated administration (decision 0085): the security and audit duties are given, taken away and
    looked after only by a security administrator, so a system administrator can neither make themselves an
    auditor nor take over the auditor's account (reset its password, deactivate it)."""
    touches_duty = new_role in DUTY_ROLES or (user is not None and user.role in DUTY_ROLES)
    if touches_duty and not actor.is_security_admin:
        raise PermissionDenied(
            _("Only a security administrator can change a security or audit administrator.")
        )


def _clean_user_fields(values: dict[str, Any], *, existing: User | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field not in USER_FIELDS:
            errors[field] = [_("Unknown or read-only field.")]
            continue
        if field == "email":
            value = (value or "").strip().lower()
            if value:
                try:
                    validate_email(value)
                except DjangoValidationError:
                    errors[field] = [_("Enter a valid email address.")]
                    continue
                others = User.objects.filter(email__iexact=value)
                if existing is not None:
                    others = others.exclude(pk=existing.pk)
                if others.exists():
                    errors[field] = [_("Another user has this email address.")]
                    continue
        elif field == "role" and value not in Role.values:
            errors[field] = [_("Unknown role.")]
            continue
        elif field == "language" and value not in Language.values:
            errors[field] = [_("Unknown language.")]
            continue
        elif field == "time_zone":
            try:
                zoneinfo.ZoneInfo(str(value))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                errors[field] = [_("Unknown time zone.")]
                continue
        elif field in ("display_name", "first_name", "last_name", "phone"):
            value = (value or "").strip()
            if len(value) > (40 if field == "phone" else 150):
                errors[field] = [_("Too long.")]
                continue
            if has_control_characters(value):  # a name is quoted in mail headers and one-line lists
                errors[field] = [_("Use one line of text: no line breaks, tabs or other control characters.")]
                continue
        cleaned[field] = value
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return cleaned


def _clean_username(username: str, *, existing: User | None = None) -> str:
    """NFKC, and refused when it looks like another user's (decision 0117)."""
    username = usernames.normalise(username)
    field = User._meta.get_field("username")
    try:
        for validator in field.validators:
            validator(username)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("Some fields are not valid."), details={"username": list(exc.messages)}
        ) from None
    if not username:
        raise ValidationFailed(
            _("Some fields are not valid."), details={"username": [_("This field is required.")]}
        )
    others = User.objects.filter(
        Q(username__iexact=username) | Q(username_skeleton=usernames.skeleton(username))
    )
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    taken = others.only("username").first()
    if taken is not None:
        same = usernames.normalise(taken.username).casefold() == username.casefold()
        message = (
            _("This username is taken.")
            if same
            else _("This username looks like the existing username “%(other)s”; choose one that cannot be"
                   " mistaken for it.") % {"other": taken.username}
        )  # fmt: skip
        raise ValidationFailed(
            _("Some fields are not valid."), code="duplicate", details={"username": [message]}
        )
    return username


def _set_password(user: User, password: str) -> None:
    """Every password set goes through here: the site's policy for this person (decision 0116), the history
    of their previous ones, and the date it was set (for the optional expiry)."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("The password is too weak."), details={"password": list(exc.messages)}
        ) from None
    previous = user.password
    user.set_password(password)
    user.password_changed_at = timezone.now()
    if user.pk is not None:
        password_policy.remember(user, previous)


def _revoke_credentials(*, user: User, reason: str, actor: User | None) -> int:
    """Every session (the version is part of the session's auth hash) and every API token of `user` stop
    working; the caller saves the user. Nothing revived later brings them back. Returns the tokens revoked."""
    user.credentials_version += 1
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    transaction.on_commit(
        lambda: credentials_changed.send(sender=User, user=user, reason=reason, actor=actor)
    )
    return revoked


@transaction.atomic
def user_credentials_revoke(*, actor: User | None, user: User, reason: str) -> User:
    """Every session and API token of `user` stops working now (for a change made outside this app, such as
    a reset of the second factors: `reason` is one of REVOCATION_REASONS)."""
    _revoke_credentials(user=user, reason=reason, actor=actor)
    user.save(update_fields=["credentials_version"])
    return user


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    teams: Iterable[Team] = (),
    superuser: bool = False,
    **fields: Any,
) -> User:
    """Create a user. `actor=None` is the system (first start, demo data); everyone else must be admin.
    Only the system creates superusers (the first administrator)."""
    if actor is not None:
        if fields.get("role") in DUTY_ROLES:
            _require_duty_rights(actor, None, fields["role"])
        else:
            require_admin(actor)
        if superuser:
            raise PermissionDenied(_("Superusers are created only on the first start."))
    username = _clean_username(username)
    cleaned = _clean_user_fields(fields, existing=None)
    user = User(username=username, username_skeleton=usernames.skeleton(username), **cleaned)
    user.is_superuser = superuser
    if password:
        _set_password(user, password)
    else:
        user.set_unusable_password()
    user.is_staff = user.role == Role.ADMIN or superuser
    teams = list(teams)
    if teams and not user.is_staff_member:
        raise ValidationFailed(
            _("%(name)s is a requester and cannot join a team.") % {"name": user.name},
            details={"teams": [_("Only staff can join teams.")]},
        )
    user.save()
    for team in teams:
        Membership.objects.get_or_create(team=team, user=user)
    audit_record(kind=audit_kinds.USER_CREATE, actor=actor, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username,
                 detail={"after": {field: getattr(user, field) for field in PERMISSION_FIELDS}})  # fmt: skip
    return user


@transaction.atomic
def user_update(
    *, actor: User, user: User, password: str | None = None, username: str | None = None, **fields: Any
) -> User:
    """Admins change anyone (and rename them); a user changes their own name, phone, language, time zone and
    password."""
    if username is not None and username != user.username:
        if not actor.is_admin:
            raise PermissionDenied(_("Only administrators can rename a user."))
        if user.role in DUTY_ROLES:
            _require_duty_rights(actor, user, None)
        renamed = _clean_username(username, existing=user)
        audit_record(kind=account_kinds.USER_RENAME, actor=actor, object_type="accounts.user", object_id=user.pk,
                     object_repr=renamed, detail={"before": user.username, "after": renamed})  # fmt: skip
        user.username, user.username_skeleton = renamed, usernames.skeleton(renamed)
    own_fields = {"display_name", "first_name", "last_name", "phone", "language", "time_zone"}
    changes_role = "role" in fields and fields["role"] != user.role
    security_admin_on_roles = (
        actor.is_security_admin and not (set(fields) - own_fields - {"role"}) and not password
    )
    if not actor.is_admin and not security_admin_on_roles:
        if actor.pk != user.pk or set(fields) - own_fields:
            raise PermissionDenied(_("You can only change your own profile."))
    if actor.pk != user.pk or changes_role:
        _require_duty_rights(actor, user, fields.get("role") if changes_role else None)
    if actor.pk == user.pk and changes_role and user.role in {Role.ADMIN, *DUTY_ROLES}:
        raise ValidationFailed(
            _("You cannot remove your own administrator role."), details={"role": [_("Not allowed.")]}
        )
    before = {field: getattr(user, field) for field in PERMISSION_FIELDS}
    cleaned = _clean_user_fields(fields, existing=user)
    role_changed = "role" in cleaned and cleaned["role"] != user.role
    for field, value in cleaned.items():
        setattr(user, field, value)
    if password:
        _set_password(user, password)
        _revoke_credentials(user=user, reason="password_changed", actor=actor)
        audit_record(kind=account_kinds.PASSWORD_CHANGE, actor=actor, object_type="accounts.user",
                     object_id=user.pk, object_repr=user.username,
                     detail={"by": "self" if actor.pk == user.pk else "administrator"})  # fmt: skip
    elif role_changed:
        _revoke_credentials(user=user, reason="role_removed", actor=actor)
    if "role" in cleaned:
        if user.role in DUTY_ROLES:  # a duty holder is nothing else: not the first start's superuser either
            user.is_superuser = False
        user.is_staff = user.role == Role.ADMIN or user.is_superuser
    user.save()
    after = {field: getattr(user, field) for field in PERMISSION_FIELDS}
    if after != before:
        changed = [field for field in PERMISSION_FIELDS if after[field] != before[field]]
        audit_record(kind=audit_kinds.ROLE_CHANGE, actor=actor, object_type="accounts.user", object_id=user.pk,
                     object_repr=user.username,
                     detail={"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed}})  # fmt: skip
    return user


@transaction.atomic
def user_set_queue_density(*, actor: User, density: str) -> User:
    """A person's own choice of compact or comfortable queue rows, kept with their account so it follows
    them from one browser to the next."""
    if density not in QueueDensity.values:
        message = _("Choose compact or comfortable.")
        raise ValidationFailed(message, details={"density": [message]})
    if actor.queue_density != density:
        actor.queue_density = density
        actor.save(update_fields=["queue_density"])
    return actor


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Deactivated users cannot sign in and their API tokens stop working; their tickets stay."""
    if user.role in DUTY_ROLES:
        _require_duty_rights(actor, user, None)
    else:
        require_admin(actor)
    if actor.pk == user.pk:
        raise ValidationFailed(_("You cannot deactivate yourself."), details={"user": [_("Not allowed.")]})
    user.is_active = False
    revoked = _revoke_credentials(user=user, reason="deactivated", actor=actor)
    user.save(update_fields=["is_active", "credentials_version"])
    audit_record(kind=audit_kinds.USER_DEACTIVATE, actor=actor, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username, detail={"tokens_revoked": revoked})  # fmt: skip
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    """The user may sign in again; the sessions and tokens they had before stay revoked."""
    if user.role in DUTY_ROLES:
        _require_duty_rights(actor, user, None)
    else:
        require_admin(actor)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(kind=audit_kinds.USER_REACTIVATE, actor=actor, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username)  # fmt: skip
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """Lift a sign-in lockout of this user's username (the addresses it was tried from stay counted)."""
    require_admin(actor)
    username = normalise_username(user.username)
    axes_reset(username=username)
    SignInLease.objects.filter(key=lease_key("user", username)).delete()
    audit_record(kind=account_kinds.USER_UNLOCK, actor=actor, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username)  # fmt: skip
    transaction.on_commit(lambda: account_unlocked.send(sender=User, user=user, actor=actor))
    return user


def _clean_bilingual(
    name: str,
    name_en: str,
    *,
    model: type[Team] | type[Skill],
    existing_pk: int | None,
    max_length: int = 120,
) -> tuple[str, str]:
    name, name_en = (name or "").strip(), (name_en or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > max_length:
        errors["name"] = [_("Too long.")]
    elif model.objects.filter(name=name).exclude(pk=existing_pk or 0).exists():
        errors["name"] = [_("This name is taken.")]
    if len(name_en) > max_length:
        errors["name_en"] = [_("Too long.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return name, name_en


@transaction.atomic
def team_create(*, actor: User | None, name: str, name_en: str = "", description: str = "", email: str = "",
                parent: Team | None = None) -> Team:  # fmt: skip
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    name, name_en = _clean_bilingual(name, name_en, model=Team, existing_pk=None)
    return Team.objects.create(name=name, name_en=name_en, description=(description or "").strip(),
                               email=(email or "").strip(), parent=parent)  # fmt: skip


@transaction.atomic
def team_update(*, actor: User, team: Team, **fields: Any) -> Team:
    configuration_changed()
    require_admin(actor)
    allowed = {"name", "name_en", "description", "email", "parent", "is_active"}
    if unknown := set(fields) - allowed:
        raise ValidationFailed(
            _("Some fields are not valid."), details={f: [_("Unknown or read-only field.")] for f in unknown}
        )
    if "name" in fields or "name_en" in fields:
        fields["name"], fields["name_en"] = _clean_bilingual(
            fields.get("name", team.name),
            fields.get("name_en", team.name_en),
            model=Team,
            existing_pk=team.pk,
        )
    parent = fields.get("parent")
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == team.pk:
            raise ValidationFailed(_("A team cannot be inside itself."), details={"parent": [_("Invalid.")]})
        ancestor = ancestor.parent
    for field, value in fields.items():
        setattr(team, field, value)
    team.save()
    return team


@transaction.atomic
def team_set_members(
    *, actor: User | None, team: Team, members: Iterable[User], leads: Iterable[User] = ()
) -> Team:
    configuration_changed()
    if actor is not None:
        require_admin(actor)
    leads = list(leads)
    by_id: dict[int, User] = {u.pk: u for u in [*members, *leads]}
    leads_ids = {u.pk for u in leads}
    for user in by_id.values():
        if not user.is_staff_member:
            raise ValidationFailed(
                _("%(name)s is a requester and cannot join a team.") % {"name": user.name},
                details={"members": [_("Only staff can join teams.")]},
            )
    before = _team_roster(team)
    Membership.objects.filter(team=team).exclude(user_id__in=list(by_id)).delete()
    for user in by_id.values():
        role = Membership.TeamRole.LEAD if user.pk in leads_ids else Membership.TeamRole.MEMBER
        Membership.objects.update_or_create(team=team, user=user, defaults={"team_role": role})
    audit_configuration_change(actor=actor, instance=team, before=before, after=_team_roster(team))
    return team


def _team_roster(team: Team) -> dict[str, Any]:
    """Who is in the team, as the audit trail shows it (usernames, leads apart)."""
    rows = (
        Membership.objects.filter(team=team)
        .values_list("user__username", "team_role")
        .order_by("user__username")
    )
    return {
        "members": [name for name, role in rows if role != Membership.TeamRole.LEAD],
        "leads": [name for name, role in rows if role == Membership.TeamRole.LEAD],
    }


@transaction.atomic
def skill_create(*, actor: User | None, name: str, name_en: str = "", description: str = "") -> Skill:
    if actor is not None:
        require_admin(actor)
    name, name_en = _clean_bilingual(name, name_en, model=Skill, existing_pk=None, max_length=80)
    return Skill.objects.create(name=name, name_en=name_en, description=(description or "").strip())


@transaction.atomic
def skill_update(*, actor: User, skill: Skill, name: str, name_en: str = "", description: str = "") -> Skill:
    require_admin(actor)
    skill.name, skill.name_en = _clean_bilingual(
        name, name_en, model=Skill, existing_pk=skill.pk, max_length=80
    )
    skill.description = (description or "").strip()
    skill.save()
    return skill


@transaction.atomic
def agent_set_skills(*, actor: User | None, user: User, levels: dict[Skill, int]) -> User:
    """Replace an agent's skills with `levels` (skill → 1..5)."""
    if actor is not None:
        require_admin(actor)
    for skill, level in levels.items():
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
            raise ValidationFailed(_("A skill level is from 1 to 5."), details={"skills": [str(skill)]})
    before = _skill_levels(user)
    AgentSkill.objects.filter(user=user).exclude(skill__in=list(levels)).delete()
    for skill, level in levels.items():
        AgentSkill.objects.update_or_create(user=user, skill=skill, defaults={"level": level})
    audit_configuration_change(actor=actor, instance=user, before=before, after=_skill_levels(user))
    return user


def _skill_levels(user: User) -> dict[str, Any]:
    return {
        "skills": dict(
            AgentSkill.objects.filter(user=user).values_list("skill__name", "level").order_by("skill__name")
        )
    }


EMAIL_DOMAIN = re.compile(r"^(?=.{1,200}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _clean_organisation(
    *, name: str, kind: str, service_tier: str, email_domain: str, existing: Organisation | None
) -> dict[str, str]:
    name, email_domain = (name or "").strip(), (email_domain or "").strip().lower()
    errors: dict[str, list[str]] = {}
    others = Organisation.objects.filter(name=name)
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > 200:
        errors["name"] = [_("Too long.")]
    elif others.exists():
        errors["name"] = [_("This name is taken.")]
    if kind not in Organisation.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if service_tier not in ServiceTier.values:
        errors["service_tier"] = [_("Unknown service tier.")]
    if email_domain and not EMAIL_DOMAIN.match(email_domain):
        errors["email_domain"] = [_("Enter a domain such as example.com.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    return {"name": name, "kind": kind, "service_tier": service_tier, "email_domain": email_domain}


@transaction.atomic
def organisation_create(*, actor: User | None, name: str, kind: str = Organisation.Kind.INTERNAL,
                        service_tier: str = ServiceTier.STANDARD, email_domain: str = "") -> Organisation:  # fmt: skip
    if actor is not None:
        require_admin(actor)
    cleaned = _clean_organisation(
        name=name, kind=kind, service_tier=service_tier, email_domain=email_domain, existing=None
    )
    return Organisation.objects.create(**cleaned)


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    kind: str,
    service_tier: str,
    email_domain: str = "",
    is_active: bool = True,
) -> Organisation:
    require_admin(actor)
    cleaned = _clean_organisation(
        name=name, kind=kind, service_tier=service_tier, email_domain=email_domain, existing=organisation
    )
    for field, value in cleaned.items():
        setattr(organisation, field, value)
    organisation.is_active = bool(is_active)
    organisation.save(update_fields=[*cleaned, "is_active"])
    return organisation


@transaction.atomic
def user_set_manager(*, actor: User | None, user: User, manager: User | None) -> User:
    """Record a person's line manager (approval flows ask "the requester's manager"). Admins, or the system."""
    if actor is not None:
        require_admin(actor)
    if manager is not None:
        message = ""
        if manager.pk == user.pk:
            message = _("A person cannot be their own manager.")
        elif not manager.is_active:
            message = _("The manager's account is deactivated.")
        else:
            above: User | None = manager
            for _step in range(50):  # refuse a loop: the new manager must not report to this person
                above = (
                    User.objects.filter(pk=above.manager_id).first() if above and above.manager_id else None
                )
                if above is None:
                    break
                if above.pk == user.pk:
                    message = _("%(name)s already reports to this person.") % {"name": manager.name}
                    break
        if message:
            raise ValidationFailed(message, details={"manager": [message]})
    user.manager = manager
    user.save(update_fields=["manager"])
    return user


@transaction.atomic
def organisation_set_head(
    *, actor: User | None, organisation: Organisation, head: User | None
) -> Organisation:
    """Record who heads an organisation (approval flows may ask "the organisation head")."""
    if actor is not None:
        require_admin(actor)
    if head is not None and not head.is_active:
        message = _("The person's account is deactivated.")
        raise ValidationFailed(message, details={"head": [message]})
    organisation.head = head
    organisation.save(update_fields=["head"])
    return organisation


POLICY_LIMITS: dict[str, tuple[int, int]] = {
    "staff_min_length": (8, 128),
    "requester_min_length": (6, 128),
    "history_count": (0, 24),
    "staff_max_age_days": (0, 3650),
    "staff_idle_minutes": (1, 24 * 60),
    "requester_idle_minutes": (1, 30 * 24 * 60),
    "staff_session_hours": (1, 24 * 30),
    "requester_session_hours": (1, 24 * 365),
    "reset_link_minutes": (5, 24 * 60),
}


def require_security_admin(actor: User) -> None:
    if not actor.is_security_admin:
        raise PermissionDenied(_("Only a security administrator can do that."))


@transaction.atomic
def sign_in_policy_update(*, actor: User, **values: Any) -> SignInPolicy:
    """The security administrator sets the password and session rules (decision 0115); audited with the
    values before and after."""
    require_security_admin(actor)
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if field not in POLICY_LIMITS:
            errors[field] = [_("Unknown or read-only field.")]
            continue
        low, high = POLICY_LIMITS[field]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[field] = [_("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    row = SignInPolicy.objects.select_for_update().filter(pk=1).first() or SignInPolicy(pk=1)
    before = {field: getattr(row, field) for field in POLICY_LIMITS}
    for field, value in values.items():
        setattr(row, field, value)
    row.updated_at = timezone.now()
    row.save()
    configuration_changed()
    after = {field: getattr(row, field) for field in POLICY_LIMITS}
    if changed := [field for field in POLICY_LIMITS if before[field] != after[field]]:
        audit_record(kind=account_kinds.SIGN_IN_POLICY, actor=actor, object_type="accounts.signinpolicy",
                     object_id=1, object_repr=str(row),
                     detail={"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed}})  # fmt: skip
    return row


@transaction.atomic
def user_password_set_by_operator(*, user: User, password: str) -> User:
    """Someone with a shell on the server sets a password (`changepassword`): the policy applies, sessions
    and tokens are revoked, the audit trail names the system as the actor."""
    _set_password(user, password)
    _revoke_credentials(user=user, reason="password_changed", actor=None)
    user.save(update_fields=["password", "password_changed_at", "credentials_version"])
    audit_record(kind=account_kinds.PASSWORD_CHANGE, actor=None, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username, detail={"by": "operator"})  # fmt: skip
    return user


def password_reset_candidate(*, email: str) -> User | None:
    """Who a reset asked for `email` goes to: an active account with that address and a password (staff,
    and requesters who chose one; requesters without one sign in by mailed link)."""
    email = (email or "").strip().lower()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, is_active=True).order_by("pk").first()
    return user if user is not None and user.has_usable_password() else None


def password_reset_token(*, user: User) -> str:
    return reset_tokens.make_token(user)


def password_reset_check(*, token: str) -> User:
    """The user a reset link is for (for the page that asks the new password; nothing is recorded)."""
    try:
        return reset_tokens.read_token(token)
    except reset_tokens.TokenExpired:
        raise ValidationFailed(_("This link has expired. Ask for a new one."), code="link_expired") from None
    except reset_tokens.TokenInvalid:
        raise ValidationFailed(
            _("This link is not valid any more: it was used, or the password changed since."),
            code="link_invalid",
        ) from None


@transaction.atomic
def password_reset_complete(*, token: str, password: str) -> User:
    """Set a new password with a mailed reset link: the policy applies, the link dies with the old
    credentials, every session and token of the account is revoked, the audit trail records it."""
    try:
        user = reset_tokens.read_token(token, lock=True)
    except reset_tokens.TokenExpired:
        raise ValidationFailed(_("This link has expired. Ask for a new one."), code="link_expired") from None
    except reset_tokens.TokenInvalid:
        raise ValidationFailed(
            _("This link is not valid any more: it was used, or the password changed since."),
            code="link_invalid",
        ) from None
    _set_password(user, password)
    _revoke_credentials(user=user, reason="password_reset", actor=None)
    user.save(update_fields=["password", "password_changed_at", "credentials_version"])
    audit_record(kind=account_kinds.PASSWORD_RESET, actor=None, actor_username=user.username,
                 object_type="accounts.user", object_id=user.pk, object_repr=user.username)  # fmt: skip
    return user


@transaction.atomic
def user_pseudonymise(*, user: User, pseudonym: str) -> User:
    """Erasure of a person (gongdan.privacy, which checks the actor and records it): the row stays — tickets,
    history and figures point at it by id — with every identifying field replaced by the pseudonym, no way
    to sign in, and every session and token revoked."""
    user.username = pseudonym
    user.username_skeleton = usernames.skeleton(pseudonym)
    user.display_name = pseudonym
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.phone = ""
    user.is_active = False
    user.set_unusable_password()
    _revoke_credentials(user=user, reason="erased", actor=None)
    user.save(update_fields=["username", "username_skeleton", "display_name", "first_name", "last_name", "email", "phone",
                             "is_active", "password", "credentials_version"])  # fmt: skip
    return user
