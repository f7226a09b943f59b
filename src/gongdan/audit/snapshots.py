"""A configuration row's values as the audit trail keeps them: every concrete field and many-to-many (by
primary key), in plain JSON, with secrets left out — a sealed credential, or a field whose name says it is
a password, secret, token or key, shows only whether it is set."""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from gongdan.core.sealed import SealedMixin

SECRET_NAME = re.compile(r"password|secret|token|api_key|private_key|credential", re.IGNORECASE)
MAX_TEXT = 2000  # a long template body is cut: the trail says it changed and how it began
REDACTED = "[set]"
BOOKKEEPING = frozenset({"updated_at", "modified_at"})


def _is_secret(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, SealedMixin) or bool(SECRET_NAME.search(field.name))


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _bookkeeping(field: models.Field[Any, Any]) -> bool:
    """Timestamps the database keeps for itself: every save changes them, so they say nothing."""
    return field.name in BOOKKEEPING or bool(getattr(field, "auto_now", False))


def _plain(value: Any) -> Any:
    value = json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def field_values(instance: models.Model) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or _bookkeeping(field):
            continue
        value = field.value_from_object(instance)
        if _is_secret(field):
            values[field.name] = REDACTED if value else ""
        else:
            values[field.name] = _plain(value)
    if instance.pk is not None:
        for m2m in instance._meta.many_to_many:
            related = getattr(instance, m2m.name)
            values[m2m.name] = sorted(related.values_list("pk", flat=True))
    return values


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [key for key in after if before.get(key) != after.get(key)]
    keys += [key for key in before if key not in after]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}
