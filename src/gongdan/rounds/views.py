"""Rounds on the web (the run list and report, the settings screens) and on the phone (/m/rounds/: the day's
rounds, one run stop by stop, scan, checklist, finish). Thin: parse, call a selector or a service, render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.assets.access import can_see_assets
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.maintenance.models import StepKind
from gongdan.rounds import selectors, services
from gongdan.rounds.forms import RoundForm, round_initial
from gongdan.rounds.models import Round, RunStatus, VisitStatus
from gongdan.rounds.presence import clean_position
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest, wants_fragment

# --- the web: runs and their reports --------------------------------------------------------------------------


def _states() -> list[tuple[str, str]]:
    return [("all", _("All")), ("open", _("To do")), ("late", _("Late")), ("missed", pgettext("round run", "Missed")),
            ("skipped", _("With stops not visited")), ("findings", _("With findings")), ("done", _("Done"))]  # fmt: skip


@login_required
@require_GET
def run_list(request: SignedInRequest) -> HttpResponse:
    if not can_see_assets(request.user):
        raise HttpForbidden
    filters = selectors.RunFilters.parse(request.GET.dict())
    page = selectors.run_list(actor=request.user, filters=filters, after=request.GET.get("after", "")[:40])
    params = urlencode([(k, str(v)) for k, v in request.GET.items() if k != "after" and v])
    context: dict[str, Any] = {"page": page, "filters": filters, "states": _states(), "params": params,
                               "rounds": Round.objects.order_by("name").only("pk", "name"),
                               "may_configure": request.user.is_admin}  # fmt: skip
    template = "rounds/run_list.html#results" if wants_fragment(request) else "rounds/run_list.html"
    response = render(request, template, context, status=400 if filters.errors else 200)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_GET
def run_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    if not can_see_assets(request.user):
        raise HttpForbidden
    try:
        report = selectors.run_report(actor=request.user, run_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "rounds/run_detail.html", {"report": report, "run": report.run})


# --- settings: rounds (each save is recorded in the audit trail by the service) ------------------------------


@admin_required
@require_GET
def round_list(request: AdminRequest) -> HttpResponse:
    return render_page(request, "rounds/settings/list.html", section="rounds", rounds=selectors.round_list())


def _round_form_page(request: AdminRequest, round_: Round | None) -> HttpResponse:
    if request.method == "POST":
        form = RoundForm(request.POST)
        if form.is_valid():
            values = form.service_values()
            stops = values.pop("stops")
            try:
                if round_ is None:
                    saved = services.round_create(actor=request.user, stops=stops, **values)
                else:
                    saved = services.round_update(actor=request.user, round=round_, stops=stops, **values)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(
                    request, _("Round %(name)s was saved; its runs are scheduled.") % {"name": saved.name}
                )
                return redirect("rounds:round_list")
    else:
        form = RoundForm(initial=round_initial(round_) if round_ is not None else {})
    title = (
        _("New inspection round")
        if round_ is None
        else _("Inspection round: %(name)s") % {"name": round_.name}
    )
    return render_page(request, "admin_console/form_page.html", section="rounds", form=form, subject=round_,
                       title=title, cancel_url="rounds:round_list", status=form_status(request, form))  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def round_create(request: AdminRequest) -> HttpResponse:
    return _round_form_page(request, None)


@admin_required
@require_http_methods(["GET", "POST"])
def round_edit(request: AdminRequest, pk: int) -> HttpResponse:
    return _round_form_page(request, get_object_or_404(Round, pk=pk))


# --- the phone -----------------------------------------------------------------------------------------------


def technician_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @functools.wraps(view)
    def wrapped(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff_member:
            return render(request, "field/not_staff.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@technician_required
@require_GET
def phone_today(request: SignedInRequest) -> HttpResponse:
    return render(request, "rounds/phone/today.html", {"runs": selectors.today_runs(actor=request.user)})


@technician_required
@require_GET
def phone_run(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        run = selectors.run_for_phone(actor=request.user, run_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    visits = selectors.run_visits(run)
    return render(request, "rounds/phone/run.html", {
        "run": run, "visits": visits, "open": run.status in (RunStatus.SCHEDULED, RunStatus.IN_PROGRESS),
        "pending": sum(1 for v in visits if v.status == VisitStatus.PENDING),
    })  # fmt: skip


def _stop_page(request: SignedInRequest, pk: int, visit_id: int, *, status: int = 200, error: str = "",
               field_errors: dict[str, list[str]] | None = None) -> HttpResponse:  # fmt: skip
    try:
        run, visit, steps, answers = selectors.visit_for_phone(
            actor=request.user, run_id=pk, visit_id=visit_id
        )
    except NotFound as exc:
        raise Http404 from exc
    rows = [(step, answers.get(step.pk), (field_errors or {}).get(f"step_{step.pk}", [])) for step in steps]
    return render(request, "rounds/phone/stop.html", {
        "run": run, "visit": visit, "rows": rows, "error": error, "code": request.POST.get("code", "")[:500],
        "open": run.status in (RunStatus.SCHEDULED, RunStatus.IN_PROGRESS),
        "present": visit.status in (VisitStatus.PRESENT, VisitStatus.DONE),
        "next_visit": selectors.next_pending(run=run, after=visit.position),
    }, status=status)  # fmt: skip


@technician_required
@require_GET
def phone_stop(request: SignedInRequest, pk: int, visit_id: int) -> HttpResponse:
    return _stop_page(request, pk, visit_id)


def _visit(request: SignedInRequest, pk: int, visit_id: int) -> Any:
    try:
        return selectors.visit_for_phone(actor=request.user, run_id=pk, visit_id=visit_id)[1]
    except NotFound as exc:
        raise Http404 from exc


def _position(request: SignedInRequest) -> Any:
    post = request.POST
    return clean_position(latitude=post.get("latitude", "")[:40] or None, longitude=post.get("longitude", "")[:40] or None,
                          accuracy=post.get("accuracy", "")[:40] or None, status=post.get("geo", "")[:20])  # fmt: skip


@technician_required
@require_POST
def phone_check_in(request: SignedInRequest, pk: int, visit_id: int) -> HttpResponse:
    visit = _visit(request, pk, visit_id)
    try:
        services.visit_check_in(actor=request.user, visit=visit, code=request.POST.get("code", "")[:600],
                                position=_position(request))  # fmt: skip
    except DomainError as exc:
        return _stop_page(request, pk, visit_id, status=exc.status_code,
                          error=str(exc.message))  # fmt: skip
    messages.success(request, _("You are at the stop. Answer its checklist."))
    return redirect("rounds:phone_stop", pk, visit_id)


@technician_required
@require_POST
def phone_confirm(request: SignedInRequest, pk: int, visit_id: int) -> HttpResponse:
    visit = _visit(request, pk, visit_id)
    try:
        services.visit_confirm(actor=request.user, visit=visit, reason=request.POST.get("reason", "")[:1000],
                               position=_position(request))  # fmt: skip
    except DomainError as exc:
        return _stop_page(request, pk, visit_id, status=exc.status_code, error=str(exc.message))
    messages.success(request, _("Presence confirmed by hand. Answer the checklist."))
    return redirect("rounds:phone_stop", pk, visit_id)


@technician_required
@require_POST
def phone_answers(request: SignedInRequest, pk: int, visit_id: int) -> HttpResponse:
    visit = _visit(request, pk, visit_id)
    _run, _visit_row, steps, _answers = selectors.visit_for_phone(
        actor=request.user, run_id=pk, visit_id=visit_id
    )
    answers: dict[int, services.AnswerIn] = {}
    for step in steps:
        key = f"step_{step.pk}"
        raw = request.POST.get(key, "")[:40]
        note = request.POST.get(f"{key}_note", "")[:4000]
        photo = request.FILES.get(f"{key}_photo")
        if step.kind == StepKind.CHECK:
            answers[step.pk] = services.AnswerIn(passed={"pass": True, "fail": False}.get(raw), note=note)
        elif step.kind == StepKind.NUMBER:
            answers[step.pk] = services.AnswerIn(number=raw, note=note)
        elif step.kind == StepKind.PHOTO:
            answers[step.pk] = services.AnswerIn(photo=photo, note=note)
        else:
            answers[step.pk] = services.AnswerIn(note=note or raw)
    try:
        result = services.visit_record(actor=request.user, visit=visit, answers=answers)
    except DomainError as exc:
        details = {k: [str(m) for m in v] for k, v in (exc.details or {}).items()}
        return _stop_page(request, pk, visit_id, status=422, error=str(exc.message), field_errors=details)
    if result.opened:
        messages.warning(request, _("Checklist saved. Corrective work orders opened: %(numbers)s.")
                         % {"numbers": "、".join(t.number for t in result.opened)})  # fmt: skip
    else:
        messages.success(request, _("Checklist saved."))
    following = selectors.next_pending(run=visit.run, after=visit.position)
    if following is not None:
        return redirect("rounds:phone_stop", pk, following.pk)
    return redirect("rounds:phone_run", pk)


@technician_required
@require_POST
def phone_finish(request: SignedInRequest, pk: int) -> HttpResponse:
    try:
        run = selectors.run_for_phone(actor=request.user, run_id=pk)
        services.run_finish(actor=request.user, run=run)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("rounds:phone_run", pk)
    messages.success(request, _("Round finished."))
    return redirect("rounds:phone_today")
