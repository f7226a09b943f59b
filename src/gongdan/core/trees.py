"""Trees kept by materialised path (categories, locations, teams): depth-first rows for pickers and lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gongdan.core.ids import parse_id


@dataclass(frozen=True)
class TreeRow:
    node: Any
    depth: int


def tree_rows[T](nodes: Iterable[T], *, sort_key: Callable[[T], Any]) -> list[TreeRow]:
    """Depth-first order with siblings sorted by `sort_key`; nodes whose parent is missing become roots."""
    nodes = list(nodes)
    by_pk = {n.pk: n for n in nodes}  # type: ignore[attr-defined]
    children: dict[int | None, list[T]] = defaultdict(list)
    for node in nodes:
        parent_id = node.parent_id  # type: ignore[attr-defined]
        children[parent_id if parent_id in by_pk else None].append(node)
    rows: list[TreeRow] = []
    stack = [(n, 0) for n in sorted(children[None], key=sort_key, reverse=True)]
    while stack:
        node, depth = stack.pop()
        rows.append(TreeRow(node, depth))
        kids = sorted(children.get(node.pk, []), key=sort_key, reverse=True)  # type: ignore[attr-defined]
        stack.extend((kid, depth + 1) for kid in kids)
    return rows


def path_ids(path: str) -> list[int]:
    """The ids on a materialised path, root first and the node itself last: "/1/4/9/" → [1, 4, 9]. Anything
    that is not a row id is left out (an empty path gives [])."""
    return [pk for part in path.split("/") if (pk := parse_id(part)) is not None]


def descendant_ids(model: Any, node: Any) -> set[int]:
    """The node and everything below it (by materialised path)."""
    if node is None or node.pk is None:
        return set()
    return set(model.objects.filter(path__startswith=node.path).values_list("pk", flat=True)) | {node.pk}
