"""Load, before the web server forks, what every first request would otherwise load in each worker: the URL
map (every view module; the REST API stays deferred, decision 0176), the reverse map and the translation
catalogues of each language, the templates of the pages people open first, and one rendering of the sign-in
page, the page everyone's first visit leads to (decision 0191)."""

from __future__ import annotations

import io
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http.request import validate_host
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

FIRST_TEMPLATES = (
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
    render_sign_in_page()


def render_sign_in_page() -> int:
    """GET the sign-in page as an anonymous visitor on the site's own address, through the site's middleware
    and view, and return the status. The page's templates (its base and every include), the form, the
    middleware's lazy imports and the settings it reads are then loaded once here instead of in the first
    request of each worker (a first request cost 27 ms against 10 ms after). The page only reads (the sign-in
    providers); nothing is written and no session is made. Synchronous on purpose: no thread may be running
    when the server forks. Skipped (0) when the site's address is not among GONGDAN_ALLOWED_HOSTS: the render
    would only log a refused host at every start."""
    site = urlsplit(settings.SITE_URL)
    scheme = site.scheme or "http"
    if not validate_host(site.hostname or "localhost", settings.ALLOWED_HOSTS):
        return 0
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": reverse("accounts:login"),
        "QUERY_STRING": "",
        "SERVER_NAME": site.hostname or "localhost",
        "SERVER_PORT": str(site.port or (443 if scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": site.netloc or "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(b""),
    }
    statuses: list[str] = []

    def start_response(
        status: str, _headers: list[tuple[str, str]], _exc_info: object = None
    ) -> Callable[[bytes], None]:
        statuses.append(status)
        return lambda _data: None

    response = WSGIHandler()(environ, start_response)
    try:
        b"".join(response)
    finally:
        response.close()
    return int(statuses[0].split()[0])
