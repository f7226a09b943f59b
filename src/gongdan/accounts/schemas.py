"""API shapes for people and teams. Input schemas refuse unknown fields. Each output shape is defined
once, as a schema read from the rows themselves (`resolve_*` where the answer's name or form differs); the
views load those rows with their relations, so serialising runs no queries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from ninja import Schema
from pydantic import Field, JsonValue

from gongdan.accounts.models import Role, Team, User
from gongdan.api.inputs import Id, StrictInput

# The values the services accept, said in the OpenAPI document (the services still judge, in their words).
ROLES: list[JsonValue] = list(Role.values)
LANGUAGES: list[JsonValue] = [code for code, _name in settings.LANGUAGES]


# ---- input -------------------------------------------------------------------------------------------
class TokenRequestIn(StrictInput):
    username: str = Field(..., min_length=1, max_length=150)
    password: str = Field(..., min_length=1, max_length=1024)
    name: str = Field("", max_length=100, description="A label for the token, e.g. the script's name.")
    code: str = Field(
        "",
        max_length=32,
        description="The authenticator app's current code (or a recovery code), for users"
        " with two-factor sign-in.",
    )


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
    role: str = Field("requester", json_schema_extra={"enum": ROLES})
    language: str = Field("zh-hans", json_schema_extra={"enum": LANGUAGES})
    time_zone: str = Field("Asia/Shanghai", max_length=64)
    organisation: Id | None = None
    sees_organisation_tickets: bool = False
    teams: list[Id] = Field(default_factory=list, max_length=100)


class UserUpdateIn(StrictInput):
    username: str | None = Field(None, min_length=1, max_length=150)  # a rename: administrators only
    email: str | None = Field(None, max_length=254)
    display_name: str | None = Field(None, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    role: str | None = Field(None, json_schema_extra={"enum": [*ROLES, None]})
    language: str | None = Field(None, json_schema_extra={"enum": [*LANGUAGES, None]})
    time_zone: str | None = Field(None, max_length=64)
    organisation: Id | None = None
    sees_organisation_tickets: bool | None = None
    password: str | None = Field(None, max_length=1024)


class ProfileUpdateIn(StrictInput):
    display_name: str | None = Field(None, max_length=150)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    phone: str | None = Field(None, max_length=40)
    language: str | None = Field(None, json_schema_extra={"enum": [*LANGUAGES, None]})
    time_zone: str | None = Field(None, max_length=64)
    password: str | None = Field(None, max_length=1024, description="Needs `current_password`.")
    current_password: str | None = Field(None, max_length=1024)


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
    """Expects `memberships__team` prefetched and `organisation` selected."""

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

    @staticmethod
    def resolve_teams(user: User) -> list[dict[str, Any]]:
        memberships = sorted(user.memberships.all(), key=lambda m: m.team.name)
        return [{"id": m.team.pk, "label": m.team.label, "team_role": m.team_role} for m in memberships]


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

    @staticmethod
    def resolve_members(team: Team) -> list[dict[str, Any]]:
        """Expects `memberships__user` prefetched, in the order to show."""
        return [
            {"id": m.user.pk, "name": m.user.name, "team_role": m.team_role} for m in team.memberships.all()
        ]


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
