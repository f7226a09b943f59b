"""Write everything held about a person to a zip readable by this user only."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.accounts.models import User
from gongdan.privacy.services import personal_data_export


def find_user(identifier: str) -> User:
    user = User.objects.filter(username=identifier).first() or (
        User.objects.filter(pk=int(identifier)).first() if identifier.isdigit() else None
    )
    if user is None:
        by_email = list(User.objects.filter(email__iexact=identifier)[:2])
        user = by_email[0] if len(by_email) == 1 else None
    if user is None:
        raise CommandError(f"no single user is {identifier!r} (give a username, an id or a unique email)")
    return user


class Command(BaseCommand):
    help = "Export everything held about a person (JSON and their attachments) as a zip; recorded in the audit trail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="username, id or email")
        parser.add_argument("--output", "-o", required=True, help="the zip to write (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_user(options["user"])
        try:
            descriptor = os.open(options["output"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{options['output']} exists already") from None
        with os.fdopen(descriptor, "wb") as target:
            personal_data_export(actor=None, user=user, target=target)
        self.stdout.write(f"written {options['output']}")
