"""The technician's phone app under /m/: thin views that read through selectors and render small pages.
Changes are made by the phone's script through /api/v1/field (see api.py), so they can queue offline;
the one form posted here is "new ticket", which needs a connection anyway."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import render_page
from gongdan.approvals import selectors as approval_selectors
from gongdan.approvals import services as approval_services
from gongdan.approvals.forms import DecisionForm
from gongdan.approvals.models import Decision, RequestStatus, TaskStatus
from gongdan.assets.models import Asset, Location
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id, parse_ids
from gongdan.field import labels, selectors, services
from gongdan.field.offline_models import offline_models, phone_twin, viewer_url
from gongdan.field.scan import resolve_code
from gongdan.maintenance.selectors import pm_ticket_checklist
from gongdan.parts.selectors import phone_parts
from gongdan.tickets import selectors as ticket_selectors
from gongdan.tickets import services as ticket_services
from gongdan.tickets.models import Category, CustomField, FieldType, Status
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.services import fields_for_category
from gongdan.tickets.views.create import custom_values_from, fields_context
from gongdan.web.http import SignedInRequest

# The rounds' phone pages are under /m/ too and must work offline (decision 0183): their script and style.
SHELL_ASSETS = ("field/field.css", "field/field.js", "field/icons/icon-192.png", "rounds/rounds.css",
                "rounds/rounds.js")  # fmt: skip
MAX_LOCATION_JOBS = 30


def technician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and staff: requesters have the portal, not the field app."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff_member:
            # The app's home answers a requester with the way to the portal; its inner pages refuse.
            home = request.method == "GET" and request.path == reverse("field:jobs")
            return render(request, "field/not_staff.html", status=200 if home else 403)
        return view(request, *args, **kwargs)

    return wrapped


def _job_or_404(request: SignedInRequest, number: str) -> Any:
    try:
        return selectors.job_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404(str(exc.message)) from None


@technician_required
@require_GET
def jobs(request: SignedInRequest) -> HttpResponse:
    position = selectors.my_position(actor=request.user)
    return render(
        request,
        "field/jobs.html",
        {
            "jobs": selectors.my_jobs(actor=request.user, position=position),
            "pool": selectors.team_pool(actor=request.user, position=position),
            "position_known": position is not None,
        },
    )


def _job_context(request: SignedInRequest, number: str) -> dict[str, Any]:
    actor = request.user
    ticket = _job_or_404(request, number)
    site = selectors.on_site(actor=actor, ticket=ticket)
    comments = list(
        ticket_selectors.ticket_comments(actor=actor, ticket=ticket).order_by("-created_at", "-id")[:50]
    )
    photos = [a for a in ticket_selectors.ticket_attachments(actor=actor, ticket=ticket) if a.is_image]
    mine = ticket.assignee_id == actor.pk
    return {
        "details": _details(ticket),
        **(pm_ticket_checklist(actor, ticket) or {}),
        **phone_parts(actor, ticket),
        "twin": phone_twin(actor, ticket),
        "ticket": ticket,
        "site": site,
        "comments": comments,
        "photos": photos[-24:],
        "time_total": ticket_selectors.ticket_time_total(ticket=ticket),
        "is_open": ticket.status in OPEN_STATUSES,
        "can_accept": ticket.status in services.ACCEPTABLE
        and ticket.assignee_id in (None, actor.pk)
        and not (mine and site.accepted),
        "can_start": site.open_visit is None
        and ticket.status in OPEN_STATUSES
        and (ticket.status == Status.IN_PROGRESS or services.start_transition(actor, ticket) is not None
             or ticket.status in services.ACCEPTABLE),
        "can_finish": services.finish_transition(actor, ticket) is not None,
        "checked_in": site.open_visit is not None,
    }  # fmt: skip


def _details(ticket: Any) -> list[tuple[str, str]]:
    """The ticket's form values as words (choices by their label); sensitive ones are left to the desk."""
    shown = []
    for field in _form_fields(ticket.category, sensitive=False):
        value = (ticket.custom_values or {}).get(field.key)
        if value in (None, "", []):
            continue
        labels = dict(field.choice_options())
        items = value if isinstance(value, list) else [value]
        if field.field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            items = [labels.get(str(v), str(v)) for v in items]
        shown.append((field.display_label, ", ".join(str(v) for v in items)))
    return shown


@technician_required
@require_GET
def job(request: SignedInRequest, number: str) -> HttpResponse:
    return render(request, "field/job.html", _job_context(request, number))


@technician_required
@require_GET
def job_activity(request: SignedInRequest, number: str) -> HttpResponse:
    """The notes, photos and on-site panel alone: the page refreshes it after a sync."""
    return render(request, "field/_activity.html", _job_context(request, number))


@technician_required
@require_GET
def job_finish(request: SignedInRequest, number: str) -> HttpResponse:
    context = _job_context(request, number)
    if not context["can_finish"]:
        return redirect("field:job", number=context["ticket"].number)
    return render(request, "field/finish.html", context)


@technician_required
@require_GET
def scan(request: SignedInRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    error = ""
    if code:
        try:
            return redirect(resolve_code(actor=request.user, code=code).url)
        except DomainError as exc:
            error = str(exc.message)
    return render(request, "field/scan.html", {"code": code, "error": error}, status=404 if error else 200)


@technician_required
@require_GET
def location(request: SignedInRequest, pk: int) -> HttpResponse:
    place = get_object_or_404(Location, pk=pk, is_active=True)
    tickets = (
        ticket_selectors.ticket_list(actor=request.user)
        .filter(status__in=OPEN_STATUSES, location__path__startswith=place.path)
        .order_by("-updated_at", "-id")[:MAX_LOCATION_JOBS]
    )
    return render(request, "field/location.html", {"place": place, "tickets": list(tickets)})


class NewTicketForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("What is wrong?"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.none(), required=False
    )
    location = forms.ModelChoiceField(
        label=gettext_lazy("Location"), queryset=Location.objects.filter(is_active=True), required=False
    )
    assign_to_me = forms.BooleanField(label=gettext_lazy("I will do it myself"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = Category.objects.filter(is_active=True).order_by("path", "order")
        category.widget.attrs["data-fields-url"] = reverse("field:ticket_new_fields")


def _posted_category(data: Any) -> Category | None:
    pk = parse_id(data.get("category"))
    return Category.objects.filter(pk=pk, is_active=True).first() if pk is not None else None


def _form_fields(category: Category | None, *, sensitive: bool = True) -> list[CustomField]:
    return [f for f in fields_for_category(category) if sensitive or not f.sensitive]


@technician_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: SignedInRequest) -> HttpResponse:
    """A new ticket from site, usually after scanning a place's code (?location=<id> fills it in). The
    category's own form comes with it, its conditions shown as on the portal and decided by the server."""
    initial: dict[str, Any] = {}
    if (location_id := parse_id(request.GET.get("location"))) is not None:
        initial["location"] = Location.objects.filter(pk=location_id, is_active=True).first()
    form = NewTicketForm(request.POST or None, initial=initial)
    category = _posted_category(request.POST) if request.method == "POST" else None
    values = custom_values_from(request.POST, _form_fields(category)) if request.method == "POST" else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = ticket_services.ticket_create(
                actor=request.user,
                subject=data["subject"],
                description=data["description"],
                category=data["category"],
                location=data["location"],
                assignee=request.user if data["assign_to_me"] else None,
                custom_values={k: v for k, v in values.items() if v not in ("", [])},
            )
        except DomainError as exc:
            for field, messages in exc.details.items():
                if field.startswith("custom_fields."):
                    errors[field] = list(messages)
                    continue
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
            if not exc.details:
                form.add_error(None, str(exc.message))
        else:
            return redirect("field:job", number=ticket.number)
    context = {"form": form, **fields_context(request.user, category, values, errors)}
    return render(request, "field/new.html", context, status=422 if form.errors or errors else 200)


@technician_required
@require_GET
def ticket_new_fields(request: SignedInRequest) -> HttpResponse:
    """The chosen category's form, for the new-ticket page to put in place when the category changes."""
    category = _posted_category(request.GET)
    return render(request, "field/_custom_fields.html", fields_context(request.user, category, {}, {}))


@technician_required
@require_http_methods(["GET", "POST"])
def job_details(request: SignedInRequest, number: str) -> HttpResponse:
    """The ticket's form values, changed on site through the same service as the desk (sensitive fields are
    not shown on a phone and keep their values)."""
    ticket = _job_or_404(request, number)
    fields = _form_fields(ticket.category, sensitive=False)
    values = dict(ticket.custom_values or {})
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = custom_values_from(request.POST, fields)
        try:
            ticket_services.ticket_edit(actor=request.user, ticket=ticket, changes={"custom_values": values},
                                        expected_version=parse_id(request.POST.get("version")))  # fmt: skip
        except DomainError as exc:
            errors = {k: list(v) for k, v in exc.details.items() if k.startswith("custom_fields.")}
            if not errors:
                errors["form"] = [str(exc.message)]
            status = 422
        else:
            return redirect("field:job", number=ticket.number)
    context = {"ticket": ticket, "form_errors": errors.get("form", []),
               **fields_context(request.user, ticket.category, values, errors, fields=fields)}  # fmt: skip
    return render(request, "field/details.html", context, status=status)


# ---- the installable app: manifest, service worker, offline page ------------------------------------


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    icons = [
        {"src": static(f"field/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": static("field/icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    response = JsonResponse(
        {
            "name": _("Gongdan field app"),
            "short_name": _("Gongdan"),
            "description": _("Work your jobs on site: check in, photos, notes, time, signature."),
            "start_url": reverse("field:jobs"),
            "scope": reverse("field:jobs"),
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#f4f6fa",
            "theme_color": "#1d3b5a",
            "lang": request.LANGUAGE_CODE,
            "icons": icons,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/manifest+json"
    return response


@functools.cache
def _shell_version() -> str:
    """A digest of the cached files' contents: a release that changes one makes a new cache."""
    digest = hashlib.sha256()
    for name in SHELL_ASSETS:
        path = finders.find(name)
        if path:
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


@never_cache
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from /m/ so its scope is /m/; the cache name carries the assets' hashed names, so a new
    release replaces the cached shell."""
    source = finders.find("field/sw.js")
    if source is None:  # pragma: no cover - the file ships with the app
        raise Http404
    with open(source, encoding="utf-8") as handle:
        body = handle.read()
    shell = [static(name) for name in SHELL_ASSETS] + [reverse("field:offline")]
    body = (
        body.replace("__SHELL__", json.dumps(shell))
        .replace("__VERSION__", _shell_version())
        .replace("__MODELS__", json.dumps(reverse("field:offline_models")))
        .replace("__VIEWER__", json.dumps(viewer_url()))
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("field:jobs")
    return response


@technician_required
@never_cache
@require_GET
def offline_model_list(request: SignedInRequest) -> JsonResponse:
    """What the service worker keeps for offline use: the viewer script and the 3D models of the assets of
    the technician's open jobs, within the size bound."""
    found = offline_models(actor=request.user)
    return JsonResponse({"urls": found.urls, "bytes": found.bytes, "skipped": found.skipped})


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "field/offline.html")


# ---- QR label sheets ---------------------------------------------------------------------------------


@admin_required
@require_GET
def label_sheets(request: AdminRequest) -> HttpResponse:
    """Choose places and the kind of label; the sheet itself comes from label_sheet."""
    places = list(Location.objects.filter(is_active=True).order_by("path")[: labels.MAX_LABELS])
    return render_page(request, "field/labels.html", section="field_labels", places=places)


@technician_required
@require_GET
def label_sheet(request: SignedInRequest, fmt: str) -> HttpResponse:
    kind = request.GET.get("kind", "technician")
    if kind not in labels.KINDS or fmt not in labels.FORMATS:
        return HttpResponse(
            _("Unknown label kind or format."), status=400, content_type="text/plain; charset=utf-8"
        )
    ids = parse_ids(request.GET.getlist("location"))
    if ids is None:
        return HttpResponse(
            _("Location ids are numbers."), status=400, content_type="text/plain; charset=utf-8"
        )
    places = Location.objects.filter(is_active=True).order_by("path")
    if ids:
        places = places.filter(pk__in=ids)
    chosen = list(places[: labels.MAX_LABELS + 1])
    if not chosen:
        return HttpResponse(_("No such locations."), status=404, content_type="text/plain; charset=utf-8")
    if len(chosen) > labels.MAX_LABELS:
        message = _("At most %(max)d labels at a time.") % {"max": labels.MAX_LABELS}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    body = labels.label_sheet(chosen, kind=kind, fmt=fmt)
    response = HttpResponse(body, content_type="application/pdf" if fmt == "pdf" else "image/png")
    response["Content-Disposition"] = f'inline; filename="gongdan-labels-{kind}.{fmt}"'
    return response


# --- approvals (the phone's Approvals tab) ------------------------------------------------------------------


@technician_required
@require_GET
def approvals(request: SignedInRequest) -> HttpResponse:
    return render(request, "field/approvals.html", {
        "tasks": approval_selectors.my_pending_tasks(actor=request.user),
        "decided": request.GET.get("decided", "")[:40],
    })  # fmt: skip


@technician_required
@require_http_methods(["GET", "POST"])
def approval(request: SignedInRequest, pk: int) -> HttpResponse:
    """One approval: the request's facts and where it stands, and approve / reject / send back with a
    comment. A decision needs a connection (it is not queued offline: it may be refused)."""
    try:
        task = approval_selectors.task_for_decision(actor=request.user, task_id=pk)
    except NotFound:
        raise Http404 from None
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                approval_services.approval_decide(actor=request.user, task_id=task.pk, via="phone",
                                                  **form.cleaned_data)  # fmt: skip
            except DomainError as exc:
                form.add_error("comment" if "comment" in exc.details else None, str(exc.message))
            else:
                return redirect(f"{reverse('field:approvals')}?decided={task.step.request.ticket.number}")
        status = 422
    ticket = task.step.request.ticket
    return render(request, "field/approval.html", {
        "task": task, "ticket": ticket, "form": form, "decisions": Decision,
        "open": task.status == TaskStatus.PENDING and task.step.request.status == RequestStatus.PENDING,
        "status_views": approval_selectors.approval_status(ticket=ticket),
        "values": approval_selectors.request_values(ticket),
    }, status=status)  # fmt: skip


@technician_required
@require_GET
def asset_label(request: SignedInRequest, code: str) -> HttpResponse:
    """The QR label of one asset (PNG, to print and stick on the machine)."""
    asset = Asset.objects.filter(code__iexact=code[:60]).first()
    if asset is None:
        return HttpResponse(_("No such asset."), status=404, content_type="text/plain; charset=utf-8")
    response = HttpResponse(labels.asset_label_png(asset), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="gongdan-label-{asset.pk}.png"'
    return response
