"""What the sign-in controls announce, for the apps above accounts that record or tell (the audit trail, the
notifications). Django's own `user_logged_in`, `user_login_failed` and `user_logged_out` cover sign-ins; these
cover the rest. Each is sent after the change is committed (`transaction.on_commit`), never for a change that
rolled back. docs/security.md lists them with their arguments."""

from __future__ import annotations

from django.dispatch import Signal

# A user's sessions and API tokens were revoked: `user`, `reason` (one of REVOCATION_REASONS), `actor` (who
# did it; None for the system).
credentials_changed = Signal()
# Too many failed sign-ins: `username` (as typed, normalised), `ip_address`, `user` (None when no account has
# that username), `until` (when the lockout ends).
account_locked = Signal()
# An administrator lifted a lockout: `user`, `actor`.
account_unlocked = Signal()

REVOCATION_REASONS = (
    "password_changed",
    "password_reset",
    "deactivated",
    "role_removed",
    "revoked_by_admin",
    "second_factors_reset",
)
