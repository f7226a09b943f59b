"""Everything that holds values sealed by `gongdan.core.field_crypto`, so one command can re-seal them all
under the newest key (`manage.py rotate_field_keys`, decision 0130).

Sealed model fields (`gongdan.core.sealed`) are found by themselves; an app that seals values another way
(the tickets app's sensitive custom fields, inside a JSON column) registers a `rotate` callable from its
`AppConfig.ready()`. A rotation handles rows in batches, each in its own transaction, and skips values
already sealed with the current algorithm and key: it can be stopped and run again, and a second run
changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from gongdan.core import field_crypto
from gongdan.core.sealed import SealedMixin, unseal

BATCH = 500


@dataclass(frozen=True)
class EncryptedStore:
    label: str
    # rotate(batch_size) → rows re-sealed; safe to run again.
    rotate: Callable[[int], int]


_registered: list[EncryptedStore] = []


def register_encrypted_store(store: EncryptedStore) -> None:
    if all(s.label != store.label for s in _registered):
        _registered.append(store)


def _needs_sealing(raw: str | None) -> bool:
    """Plain text, a value of the first scheme, or one under an older key or algorithm."""
    return bool(raw) and not field_crypto.is_current(str(raw))


def rotate_sealed_fields(model: type[models.Model], fields: list[str], batch_size: int = BATCH) -> int:
    """Re-seal the stored values of `fields` that are not under the current key, a batch at a time."""
    raw = {f"_raw_{name}": Cast(name, models.TextField()) for name in fields}
    changed, last_pk = 0, None
    while True:
        rows = model._default_manager.order_by("pk").annotate(**raw)
        if last_pk is not None:
            rows = rows.filter(pk__gt=last_pk)
        page = list(rows.values("pk", *raw)[:batch_size])
        if not page:
            return changed
        last_pk = page[-1]["pk"]
        with transaction.atomic():
            for row in page:
                stale = {name: unseal(str(row[f"_raw_{name}"])) for name in fields
                         if _needs_sealing(row[f"_raw_{name}"])}  # fmt: skip
                if stale:
                    # get_prep_value seals with the current key on the way back in.
                    model._default_manager.filter(pk=row["pk"]).update(**stale)
                    changed += 1


def _sealed_field_stores() -> Iterator[EncryptedStore]:
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]
        if fields:

            def rotate(batch_size: int, model: Any = model, fields: list[str] = fields) -> int:
                return rotate_sealed_fields(model, fields, batch_size)

            yield EncryptedStore(label=f"{model._meta.label} ({', '.join(fields)})", rotate=rotate)


def encrypted_stores() -> list[EncryptedStore]:
    return [*_sealed_field_stores(), *_registered]
