"""The sections of the settings screens. Each app registers its own from its AppConfig.ready() with
`register_sections`; the home page and the side menu show them grouped under the headings below, in the
groups' order, then the sections' `order`, then the order they were registered in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The menu's headings, in the order they appear. An app files its sections under one of these keys.
GROUPS: dict[str, tuple[int, Promise]] = {
    "people": (10, _("People")),
    "tickets": (20, _("Tickets")),
    "places": (30, _("Places")),
    "routing_sla": (40, _("Routing & SLA")),
    "notifications": (50, _("Notifications")),
    "channels": (60, _("Channels")),
    "reports": (70, _("Reports")),
}


@dataclass(frozen=True)
class Section:
    key: str
    url_name: str
    icon: str
    title: str | Promise
    description: str | Promise
    group: str
    order: int = 100
    count: Callable[[], Any] | None = None  # what the home page's badge shows (how many there are)

    @property
    def group_title(self) -> Promise:
        return GROUPS[self.group][1]


_sections: dict[str, tuple[int, Section]] = {}


def register_sections(sections: Iterable[Section]) -> None:
    for section in sections:
        if section.group not in GROUPS:
            raise ValueError(f"unknown settings group {section.group!r} for section {section.key!r}")
        held = _sections.get(section.key)
        if held is not None and held[1] != section:
            raise ValueError(f"settings section {section.key!r} is already registered")
        _sections[section.key] = (held[0] if held else len(_sections), section)


def sections() -> list[Section]:
    ordered = sorted(_sections.values(), key=lambda item: (GROUPS[item[1].group][0], item[1].order, item[0]))
    return [section for _index, section in ordered]
