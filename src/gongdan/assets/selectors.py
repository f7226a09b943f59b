"""Reads for the places settings screens."""

from __future__ import annotations

from gongdan.assets.models import Location
from gongdan.core.trees import TreeRow, tree_rows


def location_tree() -> list[TreeRow]:
    return tree_rows(Location.objects.select_related("parent"), sort_key=lambda n: (n.name.lower(), n.pk))
