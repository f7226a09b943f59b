"""One pattern for the settings screens that list rows, create and edit one with a form, and delete one
(decision 0064). A screen is data: the model, the form, the app's service functions, the templates and the
words; `SettingsScreen` turns it into admin-only views. Writes always go through the app's services (which
check the rules and write the audit and events); the screen only parses, calls and renders.

    SKILLS = SettingsScreen(
        model=Skill, section="skills", form_class=SkillForm, list_url="accounts:skill_list",
        list_template="accounts/skills/list.html", list_name="skills", rows=selectors.skill_list,
        create=accounts.skill_create, update=accounts.skill_update, instance_key="skill",
        new_title=_("New skill"), edit_title=_("Skill: %(name)s"), saved=_("Skill %(name)s was saved."),
    )
    skill_list, skill_create, skill_edit = SKILLS.list_view, SKILLS.create_view, SKILLS.edit_view

Screens whose pages hold more than one form (SLA policies and their steps, integrations and their mappings,
categories and their fields) keep their own views and use the same parts (`render_page`, `form_status`,
`admin_required`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import DomainError
from gongdan.web.forms import show_domain_error
from gongdan.web.http import wants_fragment

MAX_SEARCH = 100
FORM_PAGE = "admin_console/form_page.html"
CONFIRM_PAGE = "admin_console/confirm_delete.html"
DELETE_QUESTION = _("Delete %(name)s?")
DELETED = _("%(name)s was deleted.")

View = Callable[..., HttpResponse]
Target = str | tuple[str, Any]  # a URL name, or a URL name and the pk it takes


@dataclass(frozen=True, kw_only=True)
class SettingsScreen[M: models.Model]:
    """A list/create/edit/delete settings screen. Every hook has a default that fits the simple screens;
    a screen overrides only what differs."""

    model: type[M]
    section: str  # the registry key the side menu marks as current
    list_url: str  # URL name of the list, where Cancel, most saves and deletes go back to
    form_class: type[forms.Form] | None = None  # None for a screen that uses only the list or delete view

    # --- the list ---
    list_template: str = ""
    list_name: str = "rows"  # what the list template calls its rows (when not paged)
    rows: Callable[[], Iterable[Any]] | None = None
    search: Callable[[AdminRequest, str], QuerySet[Any] | Sequence[Any]] | None = (
        None  # paged and searchable when set
    )
    per_page: int = 25
    list_partial: str = ""  # the list template's partial that htmx swaps (search as you type)
    list_context: Callable[[AdminRequest], Mapping[str, Any]] | None = None

    # --- create and edit ---
    create: Callable[..., M] | None = None  # create(actor=…, **values)
    update: Callable[..., Any] | None = None  # update(actor=…, <instance_key>=row, **values)
    instance_key: str = ""  # the keyword the update and delete services take the row by
    form_template: str = FORM_PAGE
    form_kwargs: Callable[[M | None], dict[str, Any]] | None = None  # e.g. {"team": team}
    initial: Callable[[M], dict[str, Any]] | None = None  # default: the model's values of the form's fields
    initial_new: Callable[[AdminRequest], dict[str, Any]] | None = None
    values: Callable[[Any], dict[str, Any]] | None = None  # default: form.service_values() or cleaned_data
    error_aliases: dict[str, str] = field(default_factory=dict)  # service detail key → form field
    form_context: Callable[[AdminRequest, M | None], dict[str, Any]] | None = None
    name_of: Callable[[M], str] = str  # the row's name in messages
    title_name: Callable[[M], str] | None = None  # its name in the edit page's title (default: name_of)
    new_title: str | Promise = ""
    edit_title: str | Promise = ""  # may hold %(name)s
    created: str | Promise = ""  # the message after a create (default: `saved`)
    saved: str | Promise = ""  # the message after a save; may hold %(name)s
    after_create: Callable[[M], Target] | None = None  # default: after_save
    after_save: Callable[[M], Target] | None = None  # default: the list

    # --- delete ---
    delete: Callable[..., Any] | None = None  # delete(actor=…, <instance_key>=row); a DomainError keeps it
    delete_question: str | Promise = DELETE_QUESTION
    delete_warning: str | Promise = ""  # what deleting it means, said on the confirmation page
    deleted: str | Promise = DELETED
    delete_failed_url: Callable[[M], Target] | None = None  # default: its edit page

    edit_url: str = ""  # URL name of the edit page (for the confirmation's Cancel and a refused delete)
    # The services write the audit entries themselves (with the versions they keep): the screen does not.
    audited_by_service: bool = False

    # ---------------------------------------------------------------------------------------------- views

    @property
    def list_view(self) -> View:
        @admin_required
        @require_GET
        def view(request: AdminRequest) -> HttpResponse:
            context: dict[str, Any] = dict(self.list_context(request)) if self.list_context else {}
            if self.search is not None:
                q = request.GET.get("q", "").strip()[:MAX_SEARCH]
                paginator: Paginator[Any] = Paginator(self.search(request, q), self.per_page)
                context.update(page=paginator.get_page(request.GET.get("page")), q=q)
            elif self.rows is not None:
                context[self.list_name] = self.rows()
            template = self.list_template
            fragment = bool(self.list_partial) and wants_fragment(request)
            if fragment:
                template = f"{template}#{self.list_partial}"
            response = render_page(request, template, section=self.section, **context)
            if self.list_partial:
                patch_vary_headers(response, ["HX-Request"])
            return response

        return view

    @property
    def create_view(self) -> View:
        @admin_required
        @require_http_methods(["GET", "POST"])
        def view(request: AdminRequest) -> HttpResponse:
            return self._form_page(request, None)

        return view

    @property
    def edit_view(self) -> View:
        @admin_required
        @require_http_methods(["GET", "POST"])
        def view(request: AdminRequest, pk: int) -> HttpResponse:
            return self._form_page(request, get_object_or_404(self.model, pk=pk))

        return view

    @property
    def delete_view(self) -> View:
        """GET asks (the page a browser without JavaScript, or a shared link, lands on); POST deletes
        through the service. A row still in use is kept, and the service's reason is shown."""

        @admin_required
        @require_http_methods(["GET", "POST"])
        def view(request: AdminRequest, pk: int) -> HttpResponse:
            row = get_object_or_404(self.model, pk=pk)
            name = {"name": self.name_of(row)}
            if request.method == "GET":
                return render_page(
                    request, CONFIRM_PAGE, section=self.section, row=row, question=self.delete_question % name,
                    warning=self.delete_warning, cancel_href=self._href(self._failed_target(row)),
                )  # fmt: skip
            assert self.delete is not None, "a screen with a delete view has a delete service"
            try:
                with transaction.atomic():  # the audit entry commits with the delete, or neither does
                    pk, before = row.pk, field_values(row)
                    self.delete(actor=request.user, **{self.instance_key: row})
                    if not self.audited_by_service:
                        audit_configuration_change(
                            actor=request.user, instance=row, before=before, after=None, object_id=pk
                        )
            except DomainError as exc:
                messages.error(request, str(exc.message))
                return self._redirect(self._failed_target(row))
            messages.success(request, self.deleted % name)
            return redirect(self.list_url)

        return view

    # -------------------------------------------------------------------------------------------- the form

    def _form_page(self, request: AdminRequest, row: M | None) -> HttpResponse:
        assert self.form_class is not None, "a screen with a create or edit view has a form"
        kwargs = self.form_kwargs(row) if self.form_kwargs else {}
        if request.method == "POST":
            form = self.form_class(request.POST, **kwargs)
            if form.is_valid():
                try:
                    saved = self._save(request, row, form)
                except DomainError as exc:
                    if row is not None:
                        row.refresh_from_db()
                    show_domain_error(form, exc, aliases=self.error_aliases or None)
                else:
                    message = (self.created or self.saved) if row is None else self.saved
                    messages.success(request, message % {"name": self.name_of(saved)})
                    after = (self.after_create or self.after_save) if row is None else self.after_save
                    return self._redirect(after(saved) if after else self.list_url)
        else:
            form = self.form_class(initial=self._initial(request, row), **kwargs)
        context = self.form_context(request, row) if self.form_context else {}
        return render_page(
            request, self.form_template, section=self.section, form=form, subject=row, title=self._title(row),
            cancel_url=self.list_url, status=form_status(request, form), **context,
        )  # fmt: skip

    @transaction.atomic  # the audit entry commits with the change, or neither does
    def _save(self, request: AdminRequest, row: M | None, form: forms.Form) -> M:
        values = self.values(form) if self.values else self._default_values(form)
        if row is None:
            assert self.create is not None, "a screen with a create view has a create service"
            created = self.create(actor=request.user, **values)
            if not self.audited_by_service:
                audit_configuration_change(actor=request.user, instance=created, before=None,
                                           after=field_values(created))  # fmt: skip
            return created
        assert self.update is not None, "a screen with an edit view has an update service"
        before = field_values(row)
        updated = self.update(actor=request.user, **{self.instance_key: row}, **values)
        saved = updated if isinstance(updated, self.model) else row
        if self.audited_by_service:
            return saved
        after = field_values(type(saved)._default_manager.get(pk=saved.pk))
        audit_configuration_change(actor=request.user, instance=saved, before=before, after=after)
        return saved

    @staticmethod
    def _default_values(form: forms.Form) -> dict[str, Any]:
        service_values = getattr(form, "service_values", None)
        return dict(service_values()) if callable(service_values) else dict(form.cleaned_data)

    def _initial(self, request: AdminRequest, row: M | None) -> dict[str, Any]:
        if row is None:
            return self.initial_new(request) if self.initial_new else {}
        if self.initial is not None:
            return self.initial(row)
        return model_to_dict(row)  # fields a form adds in __init__ (a tree's parent) are not in base_fields

    def _title(self, row: M | None) -> str:
        if row is None:
            return str(self.new_title)
        name = (self.title_name or self.name_of)(row)
        return (
            str(self.edit_title) % {"name": name}
            if "%(name)" in str(self.edit_title)
            else str(self.edit_title)
        )

    # --------------------------------------------------------------------------------------------- helpers

    def _failed_target(self, row: M) -> Target:
        if self.delete_failed_url is not None:
            return self.delete_failed_url(row)
        return (self.edit_url, row.pk) if self.edit_url else self.list_url

    @staticmethod
    def _reverse_args(target: Target) -> tuple[str, tuple[Any, ...]]:
        return (target, ()) if isinstance(target, str) else (target[0], (target[1],))

    def _href(self, target: Target) -> str:
        name, args = self._reverse_args(target)
        return reverse(name, args=args)

    def _redirect(self, target: Target) -> HttpResponse:
        name, args = self._reverse_args(target)
        return redirect(name, *args)
