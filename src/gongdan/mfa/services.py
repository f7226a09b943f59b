"""Every change to a person's second factors and to the two-factor policy, and the checks of a second
factor at sign-in. Each is recorded in the audit trail (events.py names the kinds)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongdan.accounts.models import User
from gongdan.accounts.services import user_credentials_revoke
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.core.single_line import has_control_characters
from gongdan.mfa import events, selectors
from gongdan.mfa.models import MfaPolicy, Passkey, RecoveryCode
from gongdan.mfa.signals import second_factors_reset

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

# The WebAuthn library (and the certificate checks it brings, 0.17 s of a start) is imported by the passkey
# functions that use it, not when the sign-in gate is registered at start (decision 0176).

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
RECOVERY_CODE_LENGTH = 10  # ~49 bits each
RP_NAME = "Gongdan 工单"
MAX_CREDENTIAL_JSON = 64 * 1024


# ---- codes -----------------------------------------------------------------------------------------------
def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").strip().lower() if ch not in " -")


def _recovery_hash(user: User, code: str) -> str:
    """Keyed with the site's secret key: a copy of the database alone does not let anyone try codes."""
    return salted_hmac(
        "gongdan.mfa.recovery_code", f"{user.pk}:{normalise_code(code)}", algorithm="sha256"
    ).hexdigest()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _n in range(RECOVERY_CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _make_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _n in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=_recovery_hash(user, c)) for c in codes
    )
    audit_record(kind=events.RECOVERY_CODES, actor=user, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username, detail={"count": RECOVERY_CODE_COUNT})  # fmt: skip
    return codes


def _check_code(user: User, code: str) -> str | None:
    """The method a right code belongs to ("totp" or "recovery"), or None. A recovery code is used up by
    a conditional UPDATE, so two requests cannot both spend it."""
    code = normalise_code(code)
    if len(code) == 6 and code.isdigit():
        device = selectors.totp_device(user)
        return "totp" if device is not None and device.verify_token(code) else None
    if len(code) == RECOVERY_CODE_LENGTH and code.isalnum():
        spent = RecoveryCode.objects.filter(
            user=user, code_hash=_recovery_hash(user, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        return "recovery" if spent else None
    return None


def _record_check(user: User, method: str, passed: bool, purpose: str) -> None:
    audit_record(kind=events.VERIFY, actor=user, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username,
                 detail={"result": "passed" if passed else "failed", "method": method, "purpose": purpose})  # fmt: skip


@transaction.atomic
def second_factor_check(*, user: User, code: str, purpose: str = "sign_in") -> str | None:
    """Check a code typed at sign-in (or for a token, or before removing a factor): the method, or None."""
    method = _check_code(user, code)
    _record_check(user, method or "code", method is not None, purpose)
    return method


# ---- authenticator app (TOTP) -------------------------------------------------------------------------------
@transaction.atomic
def totp_enrol_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (the same one until it is confirmed)."""
    if selectors.totp_device(user) is not None:
        raise Conflict(_("An authenticator app is already set up. Remove it first to set up another."))
    device = selectors.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_enrol_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the app with one of its codes. Returns new recovery codes when the user had none left."""
    device = selectors.totp_device(user, confirmed=False)
    if device is None or selectors.totp_device(user) is not None:
        raise Conflict(_("Start the set-up again: there is no authenticator app waiting to be confirmed."))
    code = normalise_code(code)
    if not (len(code) == 6 and code.isdigit()) or not device.verify_token(code):
        _record_check(user, "totp", False, "enrol")
        raise ValidationFailed(
            _("That code is not right. Check the time on your phone and type the 6 digits shown now."),
            details={"code": [_("Wrong code.")]},
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_record(kind=events.ENROL, actor=user, object_type="otp_totp.totpdevice", object_id=device.pk,
                 object_repr=user.username, detail={"method": "totp"})  # fmt: skip
    return _make_recovery_codes(user) if selectors.recovery_codes_left(user) == 0 else []


@transaction.atomic
def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """Ten new codes (the old ones stop working), after the user proves they hold a second factor."""
    if not selectors.has_second_factor(user):
        raise Conflict(_("Set up an authenticator app or a passkey first."))
    _require_code(user, code, purpose="recovery_codes")
    return _make_recovery_codes(user)


def _require_code(user: User, code: str, *, purpose: str) -> None:
    method = _check_code(user, code)
    _record_check(user, method or "code", method is not None, purpose)
    if method is None:
        raise ValidationFailed(
            _("That code is not right. Type the code your authenticator app shows now, or a recovery code."),
            details={"code": [_("Wrong code.")]},
        )


# ---- passkeys (WebAuthn) -------------------------------------------------------------------------------------
def user_handle(user: User) -> bytes:
    """The WebAuthn user id: stable, opaque (WebAuthn says it must not hold personal data)."""
    return salted_hmac("gongdan.mfa.user_handle", str(user.pk), algorithm="sha256").digest()[:32]


def _descriptors(passkeys: Iterable[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    from webauthn import base64url_to_bytes
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in passkeys]


def passkey_registration_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() as JSON, and the challenge to keep in the session."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=rp_id, rp_name=RP_NAME, user_name=user.username, user_id=user_handle(user),
        user_display_name=user.name, exclude_credentials=_descriptors(selectors.passkeys_of(user)),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )  # fmt: skip
    return options_to_json(options), options.challenge


def _credential(credential: Any) -> dict[str, Any]:
    if isinstance(credential, str):
        if len(credential) > MAX_CREDENTIAL_JSON:
            raise ValidationFailed(_("The passkey's answer is too large."))
        try:
            credential = json.loads(credential)
        except ValueError:
            credential = None
    if not isinstance(credential, dict):
        raise ValidationFailed(_("The passkey's answer could not be read."))
    return credential


def clean_passkey_name(user: User, name: str) -> str:
    name = (name or "").strip()
    errors: list[str] = []
    if not name:
        errors.append(_("Give the passkey a name, e.g. “YubiKey” or “work laptop”."))
    elif len(name) > 100:
        errors.append(_("At most 100 characters."))
    elif has_control_characters(name):
        errors.append(_("One line of text, without control characters."))
    elif Passkey.objects.filter(user=user, name=name).exists():
        errors.append(_("You already have a passkey with this name."))
    if errors:
        raise ValidationFailed(errors[0], details={"name": errors})
    return name


@transaction.atomic
def passkey_register(
    *, user: User, name: str, credential: Any, challenge: bytes, rp_id: str, origin: str
) -> tuple[Passkey, list[str]]:
    """Keep a new passkey once its attestation checks out. Returns it and new recovery codes when the user
    had none left."""
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.exceptions import WebAuthnException

    if not user.is_active:
        raise PermissionDenied(_("The account is deactivated."))
    name = clean_passkey_name(user, name)
    try:
        verified = verify_registration_response(
            credential=_credential(credential), expected_challenge=challenge, expected_rp_id=rp_id,
            expected_origin=origin,
        )  # fmt: skip
    except WebAuthnException as exc:
        raise ValidationFailed(
            _("The passkey could not be registered: %(reason)s") % {"reason": str(exc)[:200]}
        ) from None
    credential_id = bytes_to_base64url(verified.credential_id)
    if Passkey.objects.filter(credential_id=credential_id).exists():
        raise Conflict(_("This passkey is already registered."))
    passkey = Passkey.objects.create(
        user=user, name=name, credential_id=credential_id, public_key=verified.credential_public_key,
        sign_count=verified.sign_count, transports=_transports(credential),
    )  # fmt: skip
    audit_record(kind=events.ENROL, actor=user, object_type="mfa.passkey", object_id=passkey.pk,
                 object_repr=name, detail={"method": "passkey", "aaguid": verified.aaguid})  # fmt: skip
    codes = _make_recovery_codes(user) if selectors.recovery_codes_left(user) == 0 else []
    return passkey, codes


def _transports(credential: Any) -> list[str]:
    try:
        found = _credential(credential).get("response", {}).get("transports") or []
    except ValidationFailed:
        return []
    return [str(t)[:20] for t in found if isinstance(t, str)][:8]


def passkey_authentication_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=_descriptors(selectors.passkeys_of(user)),
        user_verification=UserVerificationRequirement.PREFERRED,
    )  # fmt: skip
    return options_to_json(options), options.challenge


@transaction.atomic
def passkey_authenticate(
    *, user: User, credential: Any, challenge: bytes, rp_id: str, origin: str, purpose: str = "sign_in"
) -> Passkey | None:
    """The user's passkey that signed this challenge, or None (recorded either way)."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    passkey = None
    try:
        data = _credential(credential)
        passkey = (
            Passkey.objects.select_for_update()
            .filter(user=user, credential_id=str(data.get("rawId") or data.get("id") or "")[:1400])
            .first()
        )
        if passkey is not None:
            verified = verify_authentication_response(
                credential=data, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin,
                credential_public_key=bytes(passkey.public_key), credential_current_sign_count=passkey.sign_count,
            )  # fmt: skip
            passkey.sign_count = verified.new_sign_count
            passkey.last_used_at = timezone.now()
            passkey.save(update_fields=["sign_count", "last_used_at"])
    except (WebAuthnException, ValidationFailed):
        passkey = None
    _record_check(user, "passkey", passkey is not None, purpose)
    return passkey


# ---- removing and resetting ----------------------------------------------------------------------------------
@transaction.atomic
def second_factor_remove(
    *, user: User, code: str, totp: bool = False, passkey: Passkey | None = None
) -> None:
    """The user removes one of their own factors after typing a current code (or a recovery code)."""
    if passkey is not None and passkey.user_id != user.pk:
        raise PermissionDenied(_("That passkey is not yours."))
    device = selectors.totp_device(user) if totp else None
    if passkey is None and device is None:
        raise Conflict(_("There is nothing to remove."))
    remaining = (0 if totp else int(selectors.totp_device(user) is not None)) + (
        len(selectors.passkeys_of(user)) - (1 if passkey is not None else 0)
    )
    if remaining == 0 and selectors.must_have_second_factor(user):
        raise Conflict(
            _("Your role must sign in with a second factor: add another one before removing the last.")
        )
    _require_code(user, code, purpose="remove")
    if device is not None:
        TOTPDevice.objects.filter(user=user).delete()
        audit_record(kind=events.REMOVE, actor=user, object_type="otp_totp.totpdevice", object_id=device.pk,
                     object_repr=user.username, detail={"method": "totp"})  # fmt: skip
    if passkey is not None:
        audit_record(kind=events.REMOVE, actor=user, object_type="mfa.passkey", object_id=passkey.pk,
                     object_repr=passkey.name, detail={"method": "passkey"})  # fmt: skip
        passkey.delete()
    if remaining == 0:
        RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def second_factors_reset_by_admin(*, actor: User, user: User) -> User:
    """A security administrator removes every second factor of `user` (a lost phone): their sessions and
    tokens are revoked, and they are told. They enrol again at their next sign-in if their role must."""
    if not actor.is_security_admin:
        raise PermissionDenied(_("Only a security administrator can reset second factors."))
    removed = {
        "totp": TOTPDevice.objects.filter(user=user).delete()[0],
        "passkeys": Passkey.objects.filter(user=user).delete()[0],
        "recovery_codes": RecoveryCode.objects.filter(user=user).delete()[0],
    }
    user_credentials_revoke(actor=actor, user=user, reason="second_factors_reset")
    audit_record(kind=events.RESET, actor=actor, object_type="accounts.user", object_id=user.pk,
                 object_repr=user.username, detail=removed)  # fmt: skip
    transaction.on_commit(lambda: second_factors_reset.send(sender=User, user=user, actor=actor))
    return user


@transaction.atomic
def mfa_policy_update(*, actor: User, required_roles: Iterable[str]) -> MfaPolicy:
    if not actor.is_security_admin:
        raise PermissionDenied(_("Only a security administrator can change the two-factor policy."))
    allowed = {str(role) for role in selectors.OPTIONAL_ROLES}
    wanted = sorted({str(role) for role in required_roles})
    if unknown := [role for role in wanted if role not in allowed]:
        raise ValidationFailed(
            _("These roles cannot be chosen: %(roles)s.") % {"roles": ", ".join(unknown)},
            details={"required_roles": [_("Unknown role.")]},
        )
    policy = MfaPolicy.objects.select_for_update().filter(pk=1).first() or MfaPolicy(pk=1, required_roles=[])
    before = sorted(policy.required_roles or [])
    if before != wanted:
        policy.required_roles = wanted
        policy.updated_at = timezone.now()
        policy.save()
        audit_record(kind=events.POLICY, actor=actor, object_type="mfa.mfapolicy", object_id=1,
                     object_repr="two-factor policy",
                     detail={"before": {"required_roles": before}, "after": {"required_roles": wanted}})  # fmt: skip
    return policy
