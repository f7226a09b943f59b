"""The audit kinds the privacy app records (a data export uses the audit app's own `data.export`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PERSON_ERASE = "privacy.erase"
RETENTION_PURGE = "privacy.retention"

AUDIT_KINDS: dict[str, Promise] = {
    PERSON_ERASE: _("Personal data erased"),
    RETENTION_PURGE: _("Retention rules applied"),
}
