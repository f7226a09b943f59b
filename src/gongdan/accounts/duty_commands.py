"""What `create_security_admin` and `create_audit_admin` share: make an account that holds one
administrator duty (decision 0085), with a password given or generated and shown once."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts import services as accounts
from gongdan.accounts.bootstrap import random_password
from gongdan.core.domain_errors import DomainError


class CreateDutyAdmin(BaseCommand):
    role: str = ""
    default_username: str = ""
    title: str = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default=self.default_username)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-from-env", metavar="NAME",
            help="take the password from this environment variable instead of generating one",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        password = (
            os.environ.get(options["password_from_env"] or "", "") if options["password_from_env"] else ""
        )
        generated = "" if password else random_password()
        try:
            user = accounts.user_create(
                actor=None, username=options["username"], password=password or generated, role=self.role,
                email=options["email"], display_name=self.title,
            )  # fmt: skip
        except DomainError as exc:
            problems = "; ".join(str(m) for messages in exc.details.values() for m in messages)
            raise CommandError(f"{exc.message}: {problems}" if problems else str(exc.message)) from exc
        shown = f"{user.username} / {generated}   (shown only this once)" if generated else user.username
        self.stdout.write(f"{self.title}: {shown}")
