"""How a message's plain-text body reads on the outbox screen: escaped text whose links to this site (the
portal's sign-in link, a ticket's page) can be followed. Links elsewhere stay text: a message's body carries
what people wrote, and the outbox screen is no place to send an administrator off-site."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)]}。，；：！？）"


def own_site(url: str) -> bool:
    site = str(settings.SITE_URL).rstrip("/")
    return url == site or url.startswith(site + "/")


@register.filter
def mail_text(text: str | None) -> SafeString:
    text = text or ""
    parts: list[str] = []
    position = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(TRAILING)
        end = match.start() + len(url)
        parts.append(escape(text[position : match.start()]))
        if own_site(url):
            parts.append(format_html('<a href="{}" rel="noreferrer">{}</a>', url, url))
        else:
            parts.append(escape(url))
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 — every part is escaped or built by format_html
