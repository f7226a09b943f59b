"""Changes that keep a running site healthy: the first administrator, housekeeping."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from gongdan.accounts import services as accounts
from gongdan.accounts.models import Role, User

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class BootstrapResult:
    user: User
    created: bool
    password: str | None  # only when it was generated here; shown once, never stored in clear


def random_password() -> str:
    """Readable enough to type from a terminal, long enough to pass every password validator."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


@transaction.atomic
def site_bootstrap(*, password: str | None) -> BootstrapResult:
    """Create the `admin` superuser on the first start; on every later start do nothing.

    `password` None → a random one, returned so the caller can show it once.
    """
    existing = (User.objects.filter(username__iexact=ADMIN_USERNAME).first()
                or User.objects.filter(is_superuser=True).order_by("pk").first())  # fmt: skip
    if existing is not None:
        return BootstrapResult(user=existing, created=False, password=None)
    generated = None if password else random_password()
    user = accounts.user_create(
        actor=None,
        username=ADMIN_USERNAME,
        password=password or generated,
        role=Role.ADMIN,
        display_name="Administrator",
        superuser=True,
    )
    return BootstrapResult(user=user, created=True, password=generated)
