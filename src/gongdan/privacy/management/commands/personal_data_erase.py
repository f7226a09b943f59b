"""Erase (pseudonymise) a person; recorded in the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongdan.core.domain_errors import DomainError
from gongdan.privacy.management.commands.personal_data_export import find_user
from gongdan.privacy.services import person_erase


class Command(BaseCommand):
    help = "Erase a person: personal fields replaced by a pseudonym, their uploads deleted, sessions revoked."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="username, id or email")
        parser.add_argument("--confirm", required=True, help="the username again: erasure cannot be undone")

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_user(options["user"])
        try:
            erasure = person_erase(actor=None, user=user, confirm=options["confirm"])
        except DomainError as exc:
            raise CommandError(f"{exc}: {getattr(exc, 'details', '')}") from exc
        self.stdout.write(f"erased user #{user.pk}, now {erasure.pseudonym}")
        for label, counts in erasure.counts.items():
            self.stdout.write(f"  {label}: {counts}")
