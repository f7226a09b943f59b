"""The personal data screen: find a person, export or erase them; the retention rules with a dry run."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongdan.accounts.models import User
from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.core.domain_errors import DomainError
from gongdan.privacy import services
from gongdan.privacy.forms import CategoryRetentionForm, EraseForm, RetentionForm
from gongdan.privacy.models import CategoryRetention
from gongdan.tickets.forms import category_choices
from gongdan.web.forms import show_domain_error


def _categories() -> list[tuple[int, str]]:
    return [(int(pk), str(label)) for pk, label in category_choices() if pk]


@admin_required
def privacy_home(request: AdminRequest) -> HttpResponse:
    settings_row = services.retention_settings()
    query = request.GET.get("q", "")
    retention_form = RetentionForm(initial={"closed_ticket_months": settings_row.closed_ticket_months})
    category_form = CategoryRetentionForm(categories=_categories(), prefix="cat")
    preview = None
    if request.method == "POST" and "closed_ticket_months" in request.POST:
        retention_form = RetentionForm(request.POST)
        if retention_form.is_valid():
            try:
                services.retention_settings_update(actor=request.user, **retention_form.cleaned_data)
            except DomainError as exc:
                show_domain_error(retention_form, exc)
            else:
                messages.success(request, _("The retention rule was saved."))
                return redirect("privacy:home")
    elif request.method == "POST" and "cat-category" in request.POST:
        category_form = CategoryRetentionForm(request.POST, categories=_categories(), prefix="cat")
        if category_form.is_valid():
            months = category_form.cleaned_data["months"]
            try:
                services.category_retention_set(
                    actor=request.user,
                    category_id=category_form.cleaned_data["category"],
                    months=months or None,
                )
            except DomainError as exc:
                show_domain_error(category_form, exc)
            else:
                messages.success(request, _("The category's retention was saved."))
                return redirect("privacy:home")
    elif request.method == "POST" and "preview" in request.POST:
        preview = services.retention_run(actor=request.user, dry_run=True)
    elif request.method == "POST" and "apply" in request.POST:
        result = services.retention_run(actor=request.user, dry_run=False)
        messages.success(
            request,
            _("The retention rules were applied.") if result.enabled else _("No retention rule is set."),
        )
        return redirect("privacy:home")
    status = max(form_status(request, retention_form), form_status(request, category_form))
    return render_page(
        request,
        "privacy/home.html",
        section="privacy",
        status=status,
        query=query,
        people=services.person_search(actor=request.user, query=query) if query else None,
        retention=settings_row,
        retention_form=retention_form,
        category_form=category_form,
        category_rules=CategoryRetention.objects.select_related("category").order_by("category__name"),
        preview=preview,
    )


@admin_required
@require_POST
def person_export(request: AdminRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    archive = services.personal_data_export(actor=request.user, user=user, request=request)
    response = HttpResponse(archive.read(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{user.pk}.zip"'
    return response


@admin_required
def person_erase(request: AdminRequest, user_id: int) -> HttpResponse:
    user = get_object_or_404(User, pk=user_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = services.person_erase(
                actor=request.user, user=user, confirm=form.cleaned_data["confirm"], request=request
            )
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The person was erased; their records now read %(name)s.") % {"name": erasure.pseudonym},
            )
            return redirect("privacy:home")
    return render_page(
        request,
        "privacy/erase.html",
        section="privacy",
        status=form_status(request, form),
        form=form,
        person=user,
    )
