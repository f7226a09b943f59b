"""MQTT topic filters (+ one level, # the rest) and where a value sits in a JSON payload ($.a.b, a.b, $.a[0])
(docs/mqtt.md is the reference)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

PATH_RE = re.compile(r"^(\$\.?)?([A-Za-z0-9_\-]+|\[\d+\])((\.[A-Za-z0-9_\-]+)|(\[\d+\]))*$")
TOKEN_RE = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def check_topic_filter(topic: str) -> str | None:
    """What is wrong with a subscription filter, or None."""
    if len(topic) > 200:
        return _("At most %(max)s characters.") % {"max": 200}
    if "\x00" in topic or any(ch.isspace() and ch != " " for ch in topic):
        return _("A topic cannot hold control characters.")
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return _("“#” must be a whole level and the last one.")
        if "+" in level and level != "+":
            return _("“+” must be a whole level.")
    return None


def check_path(path: str) -> str | None:
    if len(path) > 100 or not PATH_RE.match(path) or path in ("$", "$."):
        return _("Write a field as $.temp, $.data.temp, data.temp or $.values[0].")
    return None


def path_tokens(path: str) -> tuple[str | int, ...]:
    body = path[1:] if path.startswith("$") else path
    return tuple(int(i) if i else name for i, name in TOKEN_RE.findall(body.lstrip(".")))


def extract(document: Any, tokens: tuple[str | int, ...]) -> Any:
    """The value at `tokens`, or raise LookupError."""
    value = document
    for token in tokens:
        if isinstance(token, int):
            if not isinstance(value, list) or token >= len(value):
                raise LookupError(token)
            value = value[token]
        else:
            if not isinstance(value, dict) or token not in value:
                raise LookupError(token)
            value = value[token]
    return value


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT's rules: + matches one level, # this level and every one below; a filter starting with a
    wildcard does not match topics starting with $ (broker topics)."""
    if topic.startswith("$") and topic_filter[:1] in ("+", "#"):
        return False
    wanted = topic_filter.split("/")
    given = topic.split("/")
    for index, level in enumerate(wanted):
        if level == "#":
            return True
        if index >= len(given):
            return False
        if level != "+" and level != given[index]:
            return False
    return len(given) == len(wanted)
