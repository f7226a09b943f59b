"""Write every sealed credential again with the current secret key (after a key rotation, or to seal values
stored before sealing existed)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from gongdan.core.sealed import SealedMixin, seal_existing


class Command(BaseCommand):
    help = "Seal every stored credential again with the current GONGDAN_SECRET_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            fields = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]
            if not fields:
                continue
            with transaction.atomic():
                rows = seal_existing(model, *fields)
            self.stdout.write(f"{model._meta.label}: {rows} row(s) sealed ({', '.join(fields)})")
