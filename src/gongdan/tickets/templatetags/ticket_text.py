"""Stored codes in the reader's words on the agent's pages: a channel's name, never `portal` or `email`."""

from __future__ import annotations

from django import template

from gongdan.tickets.models import Channel

register = template.Library()


@register.filter
def channel_label(code: str | None) -> str:
    if not code:
        return ""
    try:
        return str(Channel(code).label)
    except ValueError:  # a channel this version no longer knows: shown as stored
        return str(code)
