"""Load, before the web server forks, what every first request would otherwise load in each worker: the URL
map (every view module; the REST API stays deferred, decision 0176), the reverse map and the translation
catalogues of each language, and the templates of the pages people open first."""

from __future__ import annotations

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

FIRST_TEMPLATES = (
    "accounts/login.html",
    "tickets/queue.html",
    "tickets/ticket/detail.html",
    "portal/home.html",
)


def warm_up() -> None:
    get_resolver().url_patterns  # noqa: B018 (the import of every view is the point)
    for code, _name in settings.LANGUAGES:
        # Django builds the reverse map once per language (40 ms of regular expressions on the first page)
        # and reads the catalogues when a language is first activated.
        with translation.override(code):
            reverse("accounts:login")
    for name in FIRST_TEMPLATES:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
