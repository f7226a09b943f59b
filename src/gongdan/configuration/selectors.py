"""Reads for the settings screens (admins only, so nothing here depends on who asks beyond that)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from gongdan.accounts.models import Membership, Organisation, Role, Skill, Team, User
from gongdan.assets.models import Location
from gongdan.tickets.models import Category, CustomField, WorkflowTransition


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


def user_list(*, q: str = "", role: str = "", active: str = "active") -> QuerySet[User]:
    users = User.objects.select_related("organisation").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    )
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
        )
    if role in Role.values:
        users = users.filter(role=role)
    if active == "active":
        users = users.filter(is_active=True)
    elif active == "inactive":
        users = users.filter(is_active=False)
    return users.order_by("username")


def staff_for_team(team: Team) -> QuerySet[User]:
    """People who may join a team: active staff, plus anyone already in it."""
    return (
        User.objects.filter(
            Q(is_active=True, role__in=[Role.AGENT, Role.TEAM_LEAD, Role.MANAGER, Role.ADMIN])
            | Q(memberships__team=team)
        )
        .distinct()
        .order_by("display_name", "username")
    )


def team_list() -> QuerySet[Team]:
    return (
        Team.objects.select_related("parent")
        .annotate(member_count=Count("memberships", distinct=True))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(team_role=Membership.TeamRole.LEAD).select_related("user"),
                to_attr="lead_memberships",
            )
        )
    )


def skill_list() -> QuerySet[Skill]:
    return Skill.objects.annotate(agent_count=Count("agent_skills")).order_by("name")


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(member_count=Count("members")).order_by("name")


def location_tree() -> list[TreeRow]:
    return tree_rows(Location.objects.select_related("parent"), sort_key=lambda n: (n.name.lower(), n.pk))


def category_tree() -> list[TreeRow]:
    categories = Category.objects.select_related("default_team", "default_priority", "default_type").annotate(
        field_count=Count("custom_fields")
    )
    return tree_rows(categories, sort_key=lambda n: (n.order, n.label.lower(), n.pk))


def descendant_ids(model: Any, node: Any) -> set[int]:
    """The node and everything below it (by materialised path)."""
    if node is None or node.pk is None:
        return set()
    return set(model.objects.filter(path__startswith=node.path).values_list("pk", flat=True)) | {node.pk}


def category_ancestors(category: Category) -> list[Category]:
    ids = [int(part) for part in category.path.strip("/").split("/") if part.isdigit()]
    ids = [pk for pk in ids if pk != category.pk]
    by_pk = Category.objects.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def inherited_fields(category: Category) -> list[CustomField]:
    """Fields of the parents, which the category's form shows above its own."""
    ancestors = category_ancestors(category)
    depth = {c.pk: i for i, c in enumerate(ancestors)}
    fields = CustomField.objects.filter(category__in=ancestors).select_related("category")
    return sorted(fields, key=lambda f: (depth[f.category_id], f.order, f.pk))


def workflow_transitions() -> QuerySet[WorkflowTransition]:
    return WorkflowTransition.objects.select_related("ticket_type").order_by(
        "ticket_type__order", "ticket_type_id", "order", "id"
    )
