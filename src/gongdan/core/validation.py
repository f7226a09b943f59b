"""Checks shared by settings services: a unique name, and refusing a form whose fields have errors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed


def refuse_if_errors(errors: dict[str, list[str]], what: str) -> None:
    if errors:
        raise ValidationFailed(_("The %(what)s was not saved; check the marked fields.") % {"what": what},
                               details=errors)  # fmt: skip


def clean_unique_name(value: str, model: Any, instance: Any, errors: dict[str, list[str]]) -> str:
    value = (value or "").strip()
    if not value or len(value) > 120:
        errors["name"] = [_("Give it a name of at most 120 characters.")]
    elif model.objects.filter(name=value).exclude(pk=getattr(instance, "pk", None) or 0).exists():
        errors["name"] = [_("Another one already has this name.")]
    return value
