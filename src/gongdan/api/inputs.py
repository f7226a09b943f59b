"""Input schemas refuse fields they don't know (a typo must not be silently ignored), and helpers that
turn ids and codes from a request body into rows, naming the field when one doesn't exist."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Path, Schema
from pydantic import BeforeValidator, ConfigDict, Field, Strict, model_validator

from gongdan.core.domain_errors import ValidationFailed

M = TypeVar("M", bound=Model)


MAX_ID = 2**63 - 1  # the largest key the databases hold: anything above is a 422, never an overflow
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A row's version (a ticket's, a flow's): an integer column, so anything above it is a 422, never an overflow.
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
# An id in the address: `thing_id: int = IdPath`.
IdPath: Any = Path(..., ge=1, le=MAX_ID)


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(v) for v in value)
    return False


# Text in JSON, so parsed from a string even in a strict schema.
DateTimeIn = Annotated[datetime, Strict(False)]
DateIn = Annotated[date, Strict(False)]


def _iso_date_text(value: Any) -> Any:
    """A date in the query is text as the schema says (YYYY-MM-DD): pydantic alone would read `0` as 1970-01-01."""
    if isinstance(value, str) and not (len(value) == 10 and value[4] == "-" and value[7] == "-"):
        raise ValueError("a date as YYYY-MM-DD")
    return value


QueryDate = Annotated[date, BeforeValidator(_iso_date_text)]


class StrictInput(Schema):
    """Strict types as well: `true` is not the number 1, `1.5` not a whole number, `"7"` not an id (what
    the OpenAPI document says of a field is what the API accepts). Date-times are DateTimeIn/DateIn."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        # PostgreSQL cannot store NUL in text; refuse it at the edge instead of failing later.
        if isinstance(data, dict) and contains_nul(data):
            raise ValueError(_("Text must not contain NUL characters."))
        return data


def not_found_in(field: str) -> ValidationFailed:
    message = _("Not found.")
    return ValidationFailed(
        _("“%(field)s” refers to something that does not exist.") % {"field": field},
        details={field: [message]},
    )


def row_or_422[M: Model](queryset: QuerySet[M], field: str, **lookup: Any) -> M:
    row = queryset.filter(**lookup).first()
    if row is None:
        raise not_found_in(field)
    return row


def optional_row[M: Model](queryset: QuerySet[M], field: str, value: Any, lookup: str = "pk") -> M | None:
    if value is None:
        return None
    return row_or_422(queryset, field, **{lookup: value})


def rows_or_422[M: Model](queryset: QuerySet[M], field: str, ids: Iterable[int]) -> list[M]:
    wanted = list(dict.fromkeys(ids))
    found = {row.pk: row for row in queryset.filter(pk__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(
            _("“%(field)s” refers to something that does not exist.") % {"field": field},
            details={field: [_("Not found: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]},
        )
    return [found[i] for i in wanted]
