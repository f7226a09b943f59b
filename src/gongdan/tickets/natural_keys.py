"""The rows a piece of configuration names, by natural key rather than id, for the configuration file
(admin_console.transfer): a category by its path of names ("设备 / 电脑"), a ticket type or priority by code,
an organisation by name, a place by its full name, an asset type by code. Routing rules and SLA policies name
the same rows in their conditions; both convert through here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from gongdan.accounts.models import Organisation
from gongdan.assets.models import AssetType, Location
from gongdan.core.trees import path_ids
from gongdan.tickets.models import Category, Priority, TicketType

SEP = " / "


def category_path(category: Category) -> str:
    ids = path_ids(category.path)
    names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
    return SEP.join(names.get(i, "?") for i in ids)


def category_by_path(path: str) -> Category | None:
    parent = None
    for name in [p.strip() for p in str(path).split(SEP)]:
        parent = Category.objects.filter(parent=parent, name=name).first()
        if parent is None:
            return None
    return parent


# kind → (id → natural key, natural key → the row or None)
KINDS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "category": (lambda pk: category_path(Category.objects.get(pk=pk)), category_by_path),
    "ticket_type": (lambda pk: TicketType.objects.get(pk=pk).code, lambda k: TicketType.objects.filter(code=k).first()),
    "priority": (lambda pk: Priority.objects.get(pk=pk).code, lambda k: Priority.objects.filter(code=k).first()),
    "organisation": (lambda pk: Organisation.objects.get(pk=pk).name,
                     lambda k: Organisation.objects.filter(name=k).first()),
    "location": (lambda pk: Location.objects.get(pk=pk).full_name,
                 lambda k: Location.objects.filter(full_name=k).first()),
    "asset_type": (lambda pk: AssetType.objects.get(pk=pk).code, lambda k: AssetType.objects.filter(code=k).first()),
}  # fmt: skip


def natural_key(kind: str, pk: Any) -> Any:
    """The row's natural key; a row deleted since keeps its id (and an import names it as missing)."""
    try:
        return KINDS[kind][0](pk)
    except ObjectDoesNotExist:
        return pk


def row_by_key(kind: str, key: Any) -> Any:
    """The row this site has under that natural key, or None."""
    return KINDS[kind][1](key)
