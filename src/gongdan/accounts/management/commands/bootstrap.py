"""`python -m gongdan bootstrap`: create the `admin` user on the first start; silent on later starts."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from gongdan.accounts.bootstrap import site_bootstrap
from gongdan.core.domain_errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Create the administrator 'admin' once, with GONGDAN_ADMIN_PASSWORD or a random password "
        "printed this one time. Does nothing when an administrator already exists."
    )

    def handle(self, *args, **options) -> None:
        password = os.environ.get("GONGDAN_ADMIN_PASSWORD") or None
        try:
            result = site_bootstrap(password=password)
        except ValidationFailed as exc:
            problems = "; ".join(m for messages in exc.details.values() for m in messages)
            raise CommandError(f"GONGDAN_ADMIN_PASSWORD is not accepted: {problems or exc.message}") from exc
        if not result.created:
            return
        if result.password:
            self.stdout.write(
                f"Administrator: admin / {result.password}   (shown only this once; change it under Profile)"
            )
        else:
            self.stdout.write("Administrator: admin / the password in GONGDAN_ADMIN_PASSWORD")
        self.stdout.write(
            "This is the system administrator (configuration, users). Separated administration wants two more:\n"
            "  ./gongdan manage create_security_admin   (roles, sign-in policies, lockouts)\n"
            "  ./gongdan manage create_audit_admin      (reads and exports the audit trail)"
        )
