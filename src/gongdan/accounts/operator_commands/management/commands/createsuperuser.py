"""Django's `createsuperuser`, through the accounts service: the username is normalised and checked for
look-alikes, the password goes through the site's policy (decision 0116), the creation is audited. The
account made is a system administrator; the security and audit duties have their own commands."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts import services as accounts
from gongdan.accounts.models import Role
from gongdan.core.domain_errors import DomainError


class Command(BaseCommand):
    help = "Create a system administrator (superuser) through the accounts service and the password policy."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=False)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="take the username from --username and the password from DJANGO_SUPERUSER_PASSWORD",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if options["interactive"]:
            username = username or input("Username: ")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        if not username or not password:
            raise CommandError("Give a username and a password (DJANGO_SUPERUSER_PASSWORD with --noinput).")
        try:
            user = accounts.user_create(actor=None, username=username, password=password, role=Role.ADMIN,
                                        email=options["email"], superuser=True)  # fmt: skip
        except DomainError as exc:
            problems = "; ".join(str(m) for messages in exc.details.values() for m in messages)
            raise CommandError(f"{exc.message}: {problems}" if problems else str(exc.message)) from exc
        self.stdout.write(f"Superuser created: {user.username}")
