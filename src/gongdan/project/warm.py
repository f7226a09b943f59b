"""Load, before the web server forks, what every first request would otherwise load in each worker: the URL
map (and with it every view module and the API) and the templates of the pages people open first."""

from __future__ import annotations

from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver

FIRST_TEMPLATES = (
    "accounts/login.html",
    "tickets/queue.html",
    "tickets/ticket/detail.html",
    "portal/home.html",
)


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 (the import of every view is the point)
    for name in FIRST_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
