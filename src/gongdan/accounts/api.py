"""People, teams and API tokens over the API: `/auth/…` for tokens, the directory for scripts and
directory sync. Every change goes through gongdan.accounts.services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, update_session_auth_hash
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from gongdan.accounts import second_factor, services
from gongdan.accounts.models import Membership, Organisation, Role, Team, User
from gongdan.accounts.schemas import (
    ProfileUpdateIn,
    TeamCreateIn,
    TeamMembersIn,
    TeamOut,
    TeamUpdateIn,
    TokenCreatedOut,
    TokenOut,
    TokenRequestIn,
    UserCreateIn,
    UserOut,
    UserPage,
    UserUpdateIn,
)
from gongdan.api.errors import ApiError, errors_for
from gongdan.api.inputs import MAX_ID, IdPath, optional_row, rows_or_422
from gongdan.api.models import ApiToken
from gongdan.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_by_id
from gongdan.api.services import api_token_create, api_token_revoke
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed

auth_router = Router()
directory_router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff can read the directory."))


def users_with_teams() -> QuerySet[User]:
    return User.objects.select_related("organisation").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("team"))
    )


def _user(user_id: int) -> User:
    user = users_with_teams().filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("User not found."))
    return user


# ---- tokens ------------------------------------------------------------------------------------------
@auth_router.post(
    "/token",
    auth=None,
    response={201: TokenCreatedOut, **errors_for(401, 403, 422, 429)},
    summary="Get a token",
)
def token_create(request: HttpRequest, payload: TokenRequestIn) -> Status:
    """Exchange a username and password for a bearer token (shown once). Failed attempts count towards the
    same lockout as the sign-in page (per username and per address): a locked-out caller gets 429. A user
    with an authenticator app sends its current code (or a recovery code) in `code`; a wrong code counts as a
    failed sign-in. A user whose only second factor is a passkey, or who must enrol first, is refused (403):
    they create tokens on their profile page after signing in with both factors."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None or not user.is_active:
        raise ApiError(
            _("Wrong username or password, or the account is deactivated."),
            status_code=401,
            code="invalid_credentials",
        )
    second_factor.check_password_token_issue(request, user, payload.code)
    token, raw = api_token_create(actor=user, name=payload.name)
    token.user = user
    token.token = raw  # type: ignore[attr-defined]  # shown this once, never stored
    return Status(201, token)


@auth_router.get("/tokens", response=list[TokenOut], summary="My tokens")
def token_list(request: HttpRequest) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=actor_of(request)).order_by("-created_at", "-id"))


@auth_router.delete("/tokens/{token_id}", response={204: None, **errors_for(404)}, summary="Revoke a token")
def token_revoke(request: HttpRequest, token_id: int = IdPath) -> Status:
    """Revoke one of my tokens (administrators can revoke anyone's)."""
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Token not found."))
    api_token_revoke(actor=actor_of(request), token=token)
    return Status(204, None)


# ---- users -------------------------------------------------------------------------------------------
class UserListQuery(Schema):
    role: Role | None = None
    team: int | None = Field(None, ge=1, le=MAX_ID)
    q: str = Field("", max_length=100)
    active: bool | None = None
    cursor: str = Field("", max_length=200)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@directory_router.get("/users/me", response=UserOut, summary="Me")
def user_me(request: HttpRequest) -> User:
    return _user(actor_of(request).pk)


@directory_router.patch(
    "/users/me", response={200: UserOut, **errors_for(422, 429)}, summary="Update my profile"
)
def user_me_update(request: HttpRequest, payload: ProfileUpdateIn) -> User:
    """A new `password` needs `current_password`; a wrong one counts towards the sign-in lockout. Changing
    the password revokes every session and token of the account, except the browser session making the
    change."""
    actor = actor_of(request)
    fields = payload.model_dump(exclude_unset=True)
    password = fields.pop("password", None)
    current = fields.pop("current_password", None)
    if password:
        if not current:
            raise ValidationFailed(
                _("Some fields are not valid."),
                details={"current_password": [_("Give your current password to set a new one.")]},
            )
        if authenticate(request, username=actor.username, password=current) is None:
            raise ValidationFailed(
                _("Some fields are not valid."),
                details={"current_password": [_("Your current password is not correct.")]},
            )
    services.user_update(actor=actor, user=actor, password=password, **fields)
    if password and not getattr(request, "_gongdan_token_auth", False):
        update_session_auth_hash(request, actor)  # this browser stays signed in
    return _user(actor.pk)


@directory_router.get("/users", response={200: UserPage, **errors_for(403, 422)}, summary="List users")
def user_list(request: HttpRequest, filters: Query[UserListQuery]) -> dict[str, Any]:
    """Staff only. Filters: role, team, q (username, name or email), active."""
    require_staff(actor_of(request))
    users = users_with_teams()
    if filters.role:
        users = users.filter(role=filters.role)
    if filters.team:
        users = users.filter(memberships__team_id=filters.team)
    if filters.active is not None:
        users = users.filter(is_active=filters.active)
    if q := filters.q.strip():
        users = users.filter(
            Q(username__icontains=q)
            | Q(display_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
        )
    page = page_by_id(users, cursor=filters.cursor, limit=filters.limit)
    return page


@directory_router.get(
    "/users/{user_id}", response={200: UserOut, **errors_for(403, 404)}, summary="Get a user"
)
def user_get(request: HttpRequest, user_id: int = IdPath) -> User:
    actor = actor_of(request)
    if actor.pk != user_id:
        require_staff(actor)
    return _user(user_id)


def _user_fields(values: dict[str, Any]) -> dict[str, Any]:
    if "organisation" in values:
        values["organisation"] = optional_row(
            Organisation.objects.all(), "organisation", values["organisation"]
        )
    return values


@directory_router.post("/users", response={201: UserOut, **errors_for(403, 422)}, summary="Create a user")
def user_create(request: HttpRequest, payload: UserCreateIn) -> Status:
    """Administrators only: provision a person (directory sync, scripts)."""
    actor = actor_of(request)
    services.require_admin(actor)
    values = _user_fields(payload.model_dump())
    teams = rows_or_422(Team.objects.all(), "teams", values.pop("teams"))
    with transaction.atomic():
        user = services.user_create(
            actor=actor,
            username=values.pop("username"),
            password=values.pop("password"),
            teams=teams,
            **values,
        )
    return Status(201, _user(user.pk))


@directory_router.patch(
    "/users/{user_id}", response={200: UserOut, **errors_for(403, 404, 422)}, summary="Update a user"
)
def user_update(request: HttpRequest, payload: UserUpdateIn, user_id: int = IdPath) -> User:
    actor = actor_of(request)
    if actor.pk != user_id:
        require_staff(actor)
    user = _user(user_id)
    values = _user_fields(payload.model_dump(exclude_unset=True))
    for field in ("email", "display_name", "first_name", "last_name", "phone"):
        if field in values and values[field] is None:
            values[field] = ""
    for field in ("role", "language", "time_zone", "sees_organisation_tickets"):
        if field in values and values[field] is None:
            del values[field]
    password = values.pop("password", None)
    username = values.pop("username", None)
    services.user_update(actor=actor, user=user, password=password, username=username, **values)
    return _user(user_id)


@directory_router.post(
    "/users/{user_id}/deactivate", response={200: UserOut, **errors_for(403, 404, 422)}, summary="Deactivate"
)
def user_deactivate(request: HttpRequest, user_id: int = IdPath) -> User:
    """Administrators only. The user can no longer sign in and their tokens stop working."""
    actor = actor_of(request)
    services.require_admin(actor)
    services.user_deactivate(actor=actor, user=_user(user_id))
    return _user(user_id)


@directory_router.post(
    "/users/{user_id}/reactivate", response={200: UserOut, **errors_for(403, 404)}, summary="Reactivate"
)
def user_reactivate(request: HttpRequest, user_id: int = IdPath) -> User:
    actor = actor_of(request)
    services.require_admin(actor)
    services.user_reactivate(actor=actor, user=_user(user_id))
    return _user(user_id)


@directory_router.post(
    "/users/{user_id}/unlock",
    response={200: UserOut, **errors_for(403, 404)},
    summary="Lift a sign-in lockout",
)
def user_unlock(request: HttpRequest, user_id: int = IdPath) -> User:
    """Administrators only. Clears the failed sign-ins counted against the user's username."""
    actor = actor_of(request)
    services.require_admin(actor)
    services.user_unlock(actor=actor, user=_user(user_id))
    return _user(user_id)


# ---- teams -------------------------------------------------------------------------------------------
def _teams() -> QuerySet[Team]:
    return Team.objects.select_related("parent").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("user").order_by("user__username"))
    )


def _team(team_id: int) -> Team:
    team = _teams().filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("Team not found."))
    return team


@directory_router.get("/teams", response={200: list[TeamOut], **errors_for(403)}, summary="List teams")
def team_list(request: HttpRequest) -> list[Team]:
    require_staff(actor_of(request))
    return list(_teams().order_by("name"))


@directory_router.post("/teams", response={201: TeamOut, **errors_for(403, 422)}, summary="Create a team")
def team_create(request: HttpRequest, payload: TeamCreateIn) -> Status:
    actor = actor_of(request)
    services.require_admin(actor)
    values = payload.model_dump()
    values["parent"] = optional_row(Team.objects.all(), "parent", values["parent"])
    team = services.team_create(actor=actor, **values)
    return Status(201, _team(team.pk))


@directory_router.patch(
    "/teams/{team_id}", response={200: TeamOut, **errors_for(403, 404, 422)}, summary="Update a team"
)
def team_update(request: HttpRequest, payload: TeamUpdateIn, team_id: int = IdPath) -> Team:
    actor = actor_of(request)
    services.require_admin(actor)
    team = _team(team_id)
    values = payload.model_dump(exclude_unset=True)
    if "parent" in values:
        values["parent"] = optional_row(Team.objects.all(), "parent", values["parent"])
    for field in ("name", "name_en", "description", "email", "is_active"):
        if field in values and values[field] is None:
            del values[field]
    services.team_update(actor=actor, team=team, **values)
    return _team(team_id)


@directory_router.put(
    "/teams/{team_id}/members", response={200: TeamOut, **errors_for(403, 404, 422)}, summary="Set members"
)
def team_set_members(request: HttpRequest, payload: TeamMembersIn, team_id: int = IdPath) -> Team:
    """Replace the team's members; `leads` are members with the lead role."""
    actor = actor_of(request)
    services.require_admin(actor)
    team = _team(team_id)
    members = rows_or_422(User.objects.all(), "members", payload.members)
    leads = rows_or_422(User.objects.all(), "leads", payload.leads)
    services.team_set_members(actor=actor, team=team, members=members, leads=leads)
    return _team(team_id)
