"""Reading what a rendered form says: the error messages next to fields and above the form."""

from __future__ import annotations

import re


def field_errors(response, field: str) -> list[str]:
    """The error messages rendered next to a form field."""
    pattern = rf'data-field-error="{re.escape(field)}">([^<]*)<'
    return re.findall(pattern, response.content.decode())


def form_errors(response) -> list[str]:
    return re.findall(r"data-form-error>([^<]*)<", response.content.decode())
