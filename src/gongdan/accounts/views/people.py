"""Users, teams, skills and organisations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongdan.accounts import selectors
from gongdan.accounts import services as accounts
from gongdan.accounts.forms import (
    OrganisationForm,
    SkillForm,
    SkillLevelsForm,
    TeamForm,
    TeamMembersForm,
    UserForm,
)
from gongdan.accounts.models import AgentSkill, Membership, Organisation, Role, Skill, Team, User
from gongdan.accounts.sign_in_guard import is_locked_out
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.screens import SettingsScreen
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.core.trees import tree_rows
from gongdan.web.forms import show_domain_error

USERS_PER_PAGE = 25

# Users -----------------------------------------------------------------------------------------------


ACTIVE_CHOICES = (
    ("active", gettext_lazy("Active")), ("inactive", gettext_lazy("Deactivated")), ("all", gettext_lazy("All")),
)  # fmt: skip


def _user_filters(request: AdminRequest) -> dict[str, str]:
    role = request.GET.get("role", "")
    active = request.GET.get("active", "active")
    return {
        "role": role if role in Role.values else "",
        "active": active if active in dict(ACTIVE_CHOICES) else "active",
    }


USERS = SettingsScreen(
    model=User, section="users", list_url="accounts:user_list", list_template="accounts/users/list.html",
    search=lambda request, q: selectors.user_list(q=q, **_user_filters(request)), per_page=USERS_PER_PAGE,
    list_partial="results",
    list_context=lambda request: {**_user_filters(request), "roles": Role.choices, "active_choices": ACTIVE_CHOICES},
)  # fmt: skip
user_list = USERS.list_view  # creating and editing a person also sets their teams: the views below


@admin_required
def user_create(request: AdminRequest) -> HttpResponse:
    form = UserForm(request.POST) if request.method == "POST" else UserForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password"] or None,
                teams=data["teams"],
                **form.service_values(),
            )
        except DomainError as exc:
            show_domain_error(form, exc, aliases={"members": "teams"})
        else:
            messages.success(request, _("User %(name)s was created.") % {"name": user.name})
            return redirect("accounts:user_edit", pk=user.pk)
    return render_page(
        request,
        "accounts/users/form.html",
        section="users",
        form=form,
        status=form_status(request, form),
    )


def _set_user_teams(*, actor: User, user: User, teams: list[Team]) -> None:
    """Join or leave teams through team_set_members, keeping every other member and lead as they are."""
    wanted = {t.pk for t in teams}
    current = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    for team in Team.objects.filter(pk__in=wanted ^ current).order_by("pk"):
        memberships = list(team.memberships.select_related("user").exclude(user=user))
        members = [m.user for m in memberships]
        leads = [m.user for m in memberships if m.team_role == Membership.TeamRole.LEAD]
        if team.pk in wanted:
            members.append(user)
        accounts.team_set_members(actor=actor, team=team, members=members, leads=leads)


@admin_required
def user_edit(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
    if request.method == "POST":
        form = UserForm(request.POST, editing=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    accounts.user_update(
                        actor=request.user,
                        user=user,
                        password=data["password"] or None,
                        **form.service_values(),
                    )
                    _set_user_teams(actor=request.user, user=user, teams=list(data["teams"]))
                if user.pk == request.user.pk:
                    update_session_auth_hash(request, user)  # one's own new password keeps this session
            except DomainError as exc:
                user.refresh_from_db()
                show_domain_error(form, exc, aliases={"members": "teams"})
            else:
                messages.success(request, _("Changes to %(name)s were saved.") % {"name": user.name})
                return redirect("accounts:user_edit", pk=user.pk)
    else:
        form = UserForm(
            editing=True,
            initial={
                "display_name": user.display_name,
                "email": user.email,
                "phone": user.phone,
                "role": user.role,
                "language": user.language,
                "time_zone": user.time_zone,
                "organisation": user.organisation_id,
                "sees_organisation_tickets": user.sees_organisation_tickets,
                "teams": list(user.teams.values_list("pk", flat=True)),
            },
        )
    skills = AgentSkill.objects.filter(user=user).select_related("skill").order_by("-level", "skill__name")
    return render_page(
        request,
        "accounts/users/form.html",
        section="users",
        form=form,
        subject=user,
        skills=skills,
        locked_out=is_locked_out(user.username),
        status=form_status(request, form),
    )


@admin_required
@require_POST
def user_deactivate(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        accounts.user_deactivate(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(name)s was deactivated and can no longer sign in.") % {"name": user.name}
        )
    return redirect("accounts:user_edit", pk=user.pk)


@admin_required
@require_POST
def user_reactivate(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    accounts.user_reactivate(actor=request.user, user=user)
    messages.success(request, _("%(name)s was reactivated.") % {"name": user.name})
    return redirect("accounts:user_edit", pk=user.pk)


@admin_required
@require_POST
def user_unlock(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    accounts.user_unlock(actor=request.user, user=user)
    messages.success(request, _("%(name)s can sign in again.") % {"name": user.name})
    return redirect("accounts:user_edit", pk=user.pk)


@admin_required
def user_skills(request: AdminRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    if not user.is_staff_member:
        messages.error(request, _("Only staff have skills; %(name)s is a requester.") % {"name": user.name})
        return redirect("accounts:user_edit", pk=user.pk)
    skills = list(Skill.objects.order_by("name"))
    if request.method == "POST":
        form = SkillLevelsForm(request.POST, skills=skills)
        if form.is_valid():
            try:
                accounts.agent_set_skills(actor=request.user, user=user, levels=form.levels())
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Skills of %(name)s were saved.") % {"name": user.name})
                return redirect("accounts:user_edit", pk=user.pk)
    else:
        levels = dict(AgentSkill.objects.filter(user=user).values_list("skill_id", "level"))
        form = SkillLevelsForm(
            skills=skills, initial={f"skill_{pk}": str(level) for pk, level in levels.items()}
        )
    return render_page(
        request,
        "accounts/users/skills.html",
        section="users",
        form=form,
        subject=user,
        status=form_status(request, form),
    )


# Teams -----------------------------------------------------------------------------------------------


def _team_rows() -> list[Any]:
    return tree_rows(selectors.team_list(), sort_key=lambda t: (t.label.lower(), t.pk))


TEAMS = SettingsScreen(
    model=Team, section="teams", form_class=TeamForm, list_url="accounts:team_list",
    list_template="accounts/teams/list.html", rows=_team_rows,
    create=accounts.team_create, update=accounts.team_update, instance_key="team",
    form_kwargs=lambda team: {"team": team},
    title_name=lambda team: team.label,
    new_title=gettext_lazy("New team"), edit_title=gettext_lazy("Team: %(name)s"),
    created=gettext_lazy("Team %(name)s was created; now choose its members."),
    saved=gettext_lazy("Team %(name)s was saved."),
    after_create=lambda team: ("accounts:team_members", team.pk),
    form_context=lambda request, team: (
        {"extra_action": ("accounts:team_members", team.pk, gettext_lazy("Members"), "ti-users")} if team else {}
    ),
)  # fmt: skip
team_list, team_create, team_edit = TEAMS.list_view, TEAMS.create_view, TEAMS.edit_view


@admin_required
def team_members(request: AdminRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    candidates = selectors.staff_for_team(team)
    memberships = {m.user_id: m.team_role for m in team.memberships.all()}
    status = 200
    if request.method == "POST":
        form = TeamMembersForm(request.POST, candidates=candidates)
        if form.is_valid():
            try:
                accounts.team_set_members(
                    actor=request.user,
                    team=team,
                    members=form.cleaned_data["members"],
                    leads=form.cleaned_data["leads"],
                )
            except DomainError as exc:
                messages.error(request, str(exc.message))
                status = 422
            else:
                messages.success(request, _("Members of %(name)s were saved.") % {"name": team})
                return redirect("accounts:team_list")
        else:
            status = 422
        member_ids = {str(v) for v in request.POST.getlist("members")}
        lead_ids = {str(v) for v in request.POST.getlist("leads")}
    else:
        form = TeamMembersForm(candidates=candidates)
        member_ids = {str(pk) for pk in memberships}
        lead_ids = {str(pk) for pk, role in memberships.items() if role == Membership.TeamRole.LEAD}
    rows = [(u, str(u.pk) in member_ids or str(u.pk) in lead_ids, str(u.pk) in lead_ids) for u in candidates]
    return render_page(
        request,
        "accounts/teams/members.html",
        section="teams",
        team=team,
        form=form,
        rows=rows,
        status=status,
    )


# Skills ----------------------------------------------------------------------------------------------

SKILLS = SettingsScreen(
    model=Skill, section="skills", form_class=SkillForm, list_url="accounts:skill_list",
    list_template="accounts/skills/list.html", list_name="skills", rows=selectors.skill_list,
    create=accounts.skill_create, update=accounts.skill_update, instance_key="skill",
    name_of=lambda skill: skill.label,
    new_title=gettext_lazy("New skill"), edit_title=gettext_lazy("Skill: %(name)s"),
    saved=gettext_lazy("Skill %(name)s was saved."),
)  # fmt: skip
skill_list, skill_create, skill_edit = SKILLS.list_view, SKILLS.create_view, SKILLS.edit_view


# Organisations ---------------------------------------------------------------------------------------

ORGANISATIONS = SettingsScreen(
    model=Organisation, section="organisations", form_class=OrganisationForm,
    list_url="accounts:organisation_list", list_template="accounts/organisations/list.html",
    list_name="organisations", rows=selectors.organisation_list,
    create=accounts.organisation_create, update=accounts.organisation_update, instance_key="organisation",
    form_kwargs=lambda organisation: {"editing": organisation is not None},
    new_title=gettext_lazy("New organisation"), edit_title=gettext_lazy("Organisation: %(name)s"),
    created=gettext_lazy("Organisation %(name)s was created."),
    saved=gettext_lazy("Organisation %(name)s was saved."),
)  # fmt: skip
organisation_list = ORGANISATIONS.list_view
organisation_create, organisation_edit = ORGANISATIONS.create_view, ORGANISATIONS.edit_view
