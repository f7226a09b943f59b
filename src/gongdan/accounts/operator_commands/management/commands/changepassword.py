"""Django's `changepassword`, through the accounts service: the new password goes through the site's policy
and its history, every session and token of the account is revoked, and the change is audited as the
system's."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts import services as accounts
from gongdan.accounts.models import User
from gongdan.core.domain_errors import DomainError


class Command(BaseCommand):
    help = "Set a user's password from the terminal (checked against the password policy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        password = getpass.getpass("New password: ")
        if password != getpass.getpass("New password (again): "):
            raise CommandError("The two passwords differ.")
        try:
            accounts.user_password_set_by_operator(user=user, password=password)
        except DomainError as exc:
            problems = "; ".join(str(m) for messages in exc.details.values() for m in messages)
            raise CommandError(f"{exc.message}: {problems}" if problems else str(exc.message)) from exc
        self.stdout.write(f"Password changed for {user.username}; their sessions and tokens were revoked.")
