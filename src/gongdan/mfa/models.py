"""Second factors beyond the authenticator app (django-otp's TOTPDevice holds that one): recovery codes,
stored hashed, and WebAuthn passkeys; and the site's policy of who must have a second factor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MfaPolicy(models.Model):
    """One row (pk 1): the roles that must sign in with a second factor. The administrator roles and
    superusers are required whatever this says (selectors.must_have_second_factor)."""

    required_roles = models.JSONField(_("roles that must use two-factor sign-in"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policies")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="mfa_policy_single_row")]

    def __str__(self) -> str:
        return str(_("two-factor policy"))


class RecoveryCode(models.Model):
    """A single-use code for when the phone is lost. Only a keyed hash (HMAC-SHA256 with the site's secret
    key) is kept; the codes are shown once when made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="mfa_recovery_code_unique"),
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class Passkey(models.Model):
    """A WebAuthn credential (security key, phone, laptop): its id and public key, named by its owner."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(_("name"), max_length=100)
    # base64url of the credential id (at most 1,023 bytes per WebAuthn level 3).
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="mfa_passkey_name_unique")]

    def __str__(self) -> str:
        return self.name
