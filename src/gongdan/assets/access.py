"""Who may see and change the equipment register (decision 0090): every staff member sees every asset;
administrators, managers and team leads change them; only administrators configure asset types."""

from __future__ import annotations

from gongdan.accounts.models import Role, User

EDITOR_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.TEAM_LEAD})


def can_see_assets(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff_member)


def can_edit_assets(user: User) -> bool:
    return bool(can_see_assets(user) and (user.is_admin or user.role in EDITOR_ROLES))
