"""Why a page rang: stored as a short machine-readable code, said in the reader's language when shown.

The app that pages writes a code whose first part names it (the SLA engine writes
`sla:<clock>:<trigger>:<priority>`, e.g. `sla:first_response:0:P0`) and registers how its codes read from its
`AppConfig.ready()`; on-call never imports it. A code no app describes (a free-text reason given to
`page_on_call`) reads as written."""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Describer = Callable[[list[str]], str | None]
_describers: dict[str, Describer] = {}


def register_page_reason(prefix: str, describer: Describer) -> None:
    """`describer(parts after the prefix) -> text in the active language`, or None for a code it cannot read."""
    _describers[prefix] = describer


def describe_page_reason(code: str) -> str:
    """The page's reason for a person, in the active language (wrap in `translation.override` for another)."""
    code = str(code or "")
    prefix, sep, rest = code.partition(":")
    describer = _describers.get(prefix) if sep else None
    if describer is not None:
        try:
            text = describer(rest.split(":"))
        except Exception:  # a reason must never stop a page from showing
            log.exception("could not describe the page reason %r", code)
            text = None
        if text:
            return text
    return code
