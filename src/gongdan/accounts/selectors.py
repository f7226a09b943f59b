"""Reads for the people settings screens (admins only, so nothing here depends on who asks beyond that)."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from gongdan.accounts.models import Membership, Organisation, Role, Skill, Team, User


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


def username_clashes() -> list[list[str]]:
    """Groups of usernames with one skeleton (accounts.usernames): they look alike on screen."""
    shared = (
        User.objects.exclude(username_skeleton="")
        .values("username_skeleton")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("username_skeleton", flat=True)
    )
    groups: dict[str, list[str]] = {}
    for username, skeleton in (
        User.objects.filter(username_skeleton__in=shared)
        .order_by("username")
        .values_list("username", "username_skeleton")
    ):
        groups.setdefault(skeleton, []).append(username)
    return sorted(groups.values())
