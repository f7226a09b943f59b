"""The audit screen (for the audit administrator): filtered keyset pages, one entry with its before/after,
and the filtered entries as JSON lines — a download that is itself recorded as a data export."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from gongdan.audit import kinds, selectors
from gongdan.audit.export import json_lines
from gongdan.audit.forms import EntryFilterForm
from gongdan.audit.services import audit_record
from gongdan.core.domain_errors import NotFound
from gongdan.web.http import SignedInRequest

EXPORT_CHUNK = 2000


def audit_admin_required(
    view: Callable[..., HttpResponse | StreamingHttpResponse],
) -> Callable[..., HttpResponse | StreamingHttpResponse]:
    """Signed-out visitors go to the sign-in page; anyone but the audit administrator gets a 403 — the
    system administrator included (decision 0085)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and getattr(request.user, "is_audit_admin", False)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _filter_query(form: EntryFilterForm) -> str:
    params = {name: value for name, value in form.data.items() if name in form.fields and value}
    return urlencode(params)


@audit_admin_required
@require_GET
def entries(request: SignedInRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET)
    rows: list[Any] = []
    next_seq = None
    status = 200
    before = request.GET.get("before", "")
    if form.is_valid():
        before_seq = int(before) if before.isdigit() else None
        rows, next_seq = selectors.entry_page(
            actor=request.user, filters=form.filters(), before_seq=before_seq, size=selectors.PAGE_SIZE
        )
        for row in rows:
            row.kind_label = kinds.label(row.kind)  # type: ignore[attr-defined]
    else:
        status = 400
    query = _filter_query(form)
    return render(request, "audit/entries.html", {
        "form": form, "rows": rows, "next_seq": next_seq, "query": query, "paged": bool(before),
    }, status=status)  # fmt: skip


def _diff(detail: dict[str, Any]) -> list[dict[str, Any]]:
    raw_before, raw_after = detail.get("before"), detail.get("after")
    before: dict[str, Any] = raw_before if isinstance(raw_before, dict) else {}
    after: dict[str, Any] = raw_after if isinstance(raw_after, dict) else {}
    keys = sorted({*before, *after})
    show = lambda value: "—" if value is None else json.dumps(value, ensure_ascii=False)  # noqa: E731
    return [
        {"field": key, "before": show(before.get(key)) if key in before else "",
         "after": show(after.get(key)) if key in after else "", "changed": before.get(key) != after.get(key)}
        for key in keys
    ]  # fmt: skip


def _role_label(role: str) -> str:
    """The role's name as the user model spells it today (the entry keeps the code, which never changes)."""
    choices = dict(get_user_model()._meta.get_field("role").choices or [])
    return str(choices.get(role, role))


@audit_admin_required
@require_GET
def entry_detail(request: SignedInRequest, seq: int) -> HttpResponse:
    try:
        entry = selectors.entry_get(actor=request.user, seq=seq)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    other = {key: value for key, value in entry.detail.items() if key not in ("before", "after")}
    return render(request, "audit/entry.html", {
        "entry": entry, "kind_label": kinds.label(entry.kind), "diff": _diff(entry.detail),
        "role_label": _role_label(entry.actor_role),
        "other": json.dumps(other, ensure_ascii=False, indent=2) if other else "",
    })  # fmt: skip


@audit_admin_required
@require_GET
def export(request: SignedInRequest) -> HttpResponse | StreamingHttpResponse:
    form = EntryFilterForm(request.GET)
    if not form.is_valid():
        lines = [f"{name}: {message}" for name, messages in form.errors.items() for message in messages]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    with transaction.atomic():
        rows = selectors.entry_queryset(actor=request.user, filters=filters)
        count = rows.count()
        audit_record(kind=kinds.DATA_EXPORT, actor=request.user, object_type="audit.auditentry",
                     detail={"format": "jsonl", "rows": count, "filters": {
                         name: value for name, value in form.cleaned_data.items() if value}})  # fmt: skip
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(
        json_lines(rows.order_by("seq").iterator(chunk_size=EXPORT_CHUNK)),
        content_type="application/jsonl; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.jsonl"'
    return response
