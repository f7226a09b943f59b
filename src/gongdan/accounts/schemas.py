"""API shapes for people and teams. Input schemas refuse unknown fields; output is built by functions
from rows the selectors loaded (no queries hide in here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from gongdan.accounts.models import Membership, Team, User
from gongdan.api.inputs import Id, StrictInput
from gongdan.api.models import ApiToken


# ---- input -------------------------------------------------------------------------------------------
class TokenRequestIn(StrictInput):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1024)
    name: str = Field("", max_length=100, description="A label for the token, e.g. the script's name.")


class UserCreateIn(StrictInput):
    username: str = Field(..., max_length=150)
    password: str | None = Field(
        None, max_length=1024, description="Omit for accounts that sign in by SSO later."
    )
    email: str = Field("", max_length=254)
    display_name: str = Field("", max_length=150)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    phone: str = Field("", max_length=40)
    role: str = "requester"
    language: str = "zh-hans"
    time_zone: str = Field("Asia/Shanghai", max_length=64)
    organisation: Id | None = None
    sees_organisation_tickets: bool = False
    teams: list[Id] = Field(default_factory=list, max_length=100)


class UserUpdateIn(StrictInput):
    email: str | None = Field(None, max_length=254)
    display_name: str | None = Field(None, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    role: str | None = None
    language: str | None = None
    time_zone: str | None = Field(None, max_length=64)
    organisation: Id | None = None
    sees_organisation_tickets: bool | None = None
    password: str | None = Field(None, max_length=1024)


class ProfileUpdateIn(StrictInput):
    display_name: str | None = Field(None, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    language: str | None = None
    time_zone: str | None = Field(None, max_length=64)
    password: str | None = Field(None, max_length=1024)


class TeamCreateIn(StrictInput):
    name: str = Field(..., max_length=120, description="Chinese name.")
    name_en: str = Field("", max_length=120)
    description: str = Field("", max_length=5000)
    email: str = Field("", max_length=254)
    parent: Id | None = None


class TeamUpdateIn(StrictInput):
    name: str | None = Field(None, max_length=120)
    name_en: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=5000)
    email: str | None = Field(None, max_length=254)
    parent: Id | None = None
    is_active: bool | None = None


class TeamMembersIn(StrictInput):
    members: list[Id] = Field(default_factory=list, max_length=1000)
    leads: list[Id] = Field(default_factory=list, max_length=1000)


# ---- output ------------------------------------------------------------------------------------------
class UserRef(Schema):
    id: int
    name: str


class TeamRef(Schema):
    id: int
    label: str


class OrganisationRef(Schema):
    id: int
    name: str
    service_tier: str


class UserTeamOut(Schema):
    id: int
    label: str
    team_role: str


class UserOut(Schema):
    id: int
    username: str
    name: str
    display_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    role: str
    is_active: bool
    language: str
    time_zone: str
    organisation: OrganisationRef | None
    sees_organisation_tickets: bool
    teams: list[UserTeamOut]
    date_joined: datetime
    last_login: datetime | None


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None
    has_more: bool


class UserTeamMemberOut(Schema):
    id: int
    name: str
    team_role: str


class TeamOut(Schema):
    id: int
    name: str
    name_en: str
    label: str
    description: str
    email: str
    parent: TeamRef | None
    is_active: bool
    members: list[UserTeamMemberOut] = []


class TokenCreatedOut(Schema):
    token: str = Field(..., description="Shown only this once; keep it secret.")
    id: int
    name: str
    prefix: str
    user: UserRef
    created_at: datetime


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


# ---- builders ----------------------------------------------------------------------------------------
def user_ref(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.pk, "name": user.name}


def team_ref(team: Team | None) -> dict[str, Any] | None:
    return None if team is None else {"id": team.pk, "label": team.label}


def user_out(user: User) -> dict[str, Any]:
    """Expects `memberships__team` prefetched and `organisation` selected."""
    organisation = user.organisation
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.name,
        "display_name": user.display_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "is_active": user.is_active,
        "language": user.language,
        "time_zone": user.time_zone,
        "organisation": None
        if organisation is None
        else {"id": organisation.pk, "name": organisation.name, "service_tier": organisation.service_tier},
        "sees_organisation_tickets": user.sees_organisation_tickets,
        "teams": [
            {"id": m.team.pk, "label": m.team.label, "team_role": m.team_role}
            for m in sorted(user.memberships.all(), key=lambda m: m.team.name)
        ],
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }


def team_out(team: Team, *, memberships: list[Membership] | None = None) -> dict[str, Any]:
    return {
        "id": team.pk,
        "name": team.name,
        "name_en": team.name_en,
        "label": team.label,
        "description": team.description,
        "email": team.email,
        "parent": team_ref(team.parent),
        "is_active": team.is_active,
        "members": [
            {"id": m.user.pk, "name": m.user.name, "team_role": m.team_role} for m in (memberships or [])
        ],
    }


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }
