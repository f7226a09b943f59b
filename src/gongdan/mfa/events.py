"""What the two-factor app writes to the audit trail. Sign-in checks of a second factor use the audit app's
own `sign_in.mfa` kind (with `result` and `method` in the detail); enrolment, removal, reset and the policy
have kinds of their own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.audit.kinds import SIGN_IN_MFA

VERIFY = SIGN_IN_MFA
ENROL = "mfa.enrol"
REMOVE = "mfa.remove"
RESET = "mfa.reset"
RECOVERY_CODES = "mfa.recovery_codes"
POLICY = "mfa.policy"

KINDS = {
    ENROL: _("Second factor enrolled"),
    REMOVE: _("Second factor removed"),
    RESET: _("Second factors reset by an administrator"),
    RECOVERY_CODES: _("Recovery codes made"),
    POLICY: _("Two-factor policy changed"),
}
