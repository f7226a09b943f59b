"""The parts page (stock per store, movements, low-stock filter; receipts, transfers and counts), parts used on
a work order from the ticket page or the phone (an htmx panel), and the catalogue and store settings screens."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongdan.admin_console.screens import SettingsScreen
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.core.ids import parse_id
from gongdan.parts import selectors, services
from gongdan.parts.forms import CountForm, PartForm, ReceiveForm, StoreForm, TransferForm, part_initial
from gongdan.parts.models import Part, Stock, Store, Usage
from gongdan.tickets.selectors import ticket_get
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest, wants_fragment

MOVEMENT_PAGE = 50


def _staff(request: SignedInRequest) -> None:
    if not request.user.is_staff_member:
        raise HttpForbidden


@login_required
@require_GET
def part_list(request: SignedInRequest) -> HttpResponse:
    _staff(request)
    filters = selectors.PartFilters.parse(request.GET.dict())
    parts = selectors.part_list(actor=request.user, filters=filters)
    context: dict[str, Any] = {"parts": parts, "filters": filters, "stores": selectors.active_stores(),
                               "may_configure": request.user.is_admin}  # fmt: skip
    template = "parts/part_list.html#results" if wants_fragment(request) else "parts/part_list.html"
    response = render(request, template, context, status=400 if filters.errors else 200)
    response["Vary"] = "HX-Request"
    return response


def _part_page(request: SignedInRequest, code: str, *, forms: dict[str, Any] | None = None,
               status: int = 200) -> HttpResponse:  # fmt: skip
    try:
        part = selectors.part_get(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    before = parse_id(request.GET.get("before"))
    movements = selectors.movement_list(actor=request.user, part=part, before=before, limit=MOVEMENT_PAGE + 1)
    may_manage = services.can_manage_stock(request.user)
    forms = forms or {}
    context = {
        "part": part, "stock": selectors.part_stock(part), "movements": movements[:MOVEMENT_PAGE],
        "next_before": movements[MOVEMENT_PAGE - 1].pk if len(movements) > MOVEMENT_PAGE else None,
        "may_manage": may_manage, "is_low": part.reorder_point > 0 and part.total <= part.reorder_point,  # type: ignore[attr-defined]
        "receive_form": forms.get("receive") or ReceiveForm(prefix="receive"),
        "transfer_form": forms.get("transfer") or TransferForm(prefix="transfer"),
        "count_form": forms.get("count") or CountForm(prefix="count"),
        "open_form": next(iter(forms), ""),
    }  # fmt: skip
    return render(request, "parts/part_detail.html", context, status=status)


@login_required
@require_GET
def part_detail(request: SignedInRequest, code: str) -> HttpResponse:
    _staff(request)
    return _part_page(request, code)


def _stock_action(request: SignedInRequest, code: str, key: str, form_class: Any, act: Any) -> HttpResponse:
    _staff(request)
    if not services.can_manage_stock(request.user):
        raise HttpForbidden
    part = Part.objects.filter(code=code).first()
    if part is None:
        raise Http404
    form = form_class(request.POST, prefix=key)
    if form.is_valid():
        try:
            act(part, form.cleaned_data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            messages.success(request, _("Stock of %(part)s was updated.") % {"part": part.code})
            return redirect("parts:part_detail", part.code)
    return _part_page(request, code, forms={key: form}, status=422)


@login_required
@require_POST
def part_receive(request: SignedInRequest, code: str) -> HttpResponse:
    return _stock_action(request, code, "receive", ReceiveForm, lambda part, data: services.stock_receive(
        actor=request.user, part=part, store=data["store"], quantity=data["quantity"],
        unit_cost=data.get("unit_cost"), reference=data.get("reference") or ""))  # fmt: skip


@login_required
@require_POST
def part_transfer(request: SignedInRequest, code: str) -> HttpResponse:
    return _stock_action(request, code, "transfer", TransferForm, lambda part, data: services.stock_transfer(
        actor=request.user, part=part, source=data["source"], target=data["target"], quantity=data["quantity"],
        reason=data.get("reason") or ""))  # fmt: skip


@login_required
@require_POST
def part_count(request: SignedInRequest, code: str) -> HttpResponse:
    return _stock_action(request, code, "count", CountForm, lambda part, data: services.stock_count(
        actor=request.user, part=part, store=data["store"], counted=data["counted"], reason=data["reason"]))  # fmt: skip


# --- parts on a work order -------------------------------------------------------------------------------------


def _back(request: SignedInRequest, number: str) -> HttpResponse:
    target = request.POST.get("next", "")
    response = redirect(target) if target.startswith("/m/") else redirect("tickets:ticket_detail", number)
    response.status_code = 303
    return response


def _panel(request: SignedInRequest, ticket: Any, *, error: str = "", status: int = 200) -> HttpResponse:
    context = selectors.ticket_parts_panel(request.user, ticket) or {}
    context.update(ticket=ticket, parts_error=error)
    return render(request, "parts/ticket_parts_panel.html", context, status=status)


@login_required
@require_POST
def ticket_part_use(request: SignedInRequest, number: str) -> HttpResponse:
    try:
        ticket = ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    stock_id = parse_id(request.POST.get("stock"))
    stock = Stock.objects.select_related("part", "store").filter(pk=stock_id).first() if stock_id else None
    try:
        if stock is None:
            raise DomainError(_("Choose a part and the store it comes from."), code="invalid")
        usage = services.part_use(actor=request.user, ticket=ticket, part=stock.part, store=stock.store,
                                  quantity=request.POST.get("quantity", "")[:20])  # fmt: skip
    except DomainError as exc:
        if wants_fragment(request):
            return _panel(request, ticket, error=str(exc.message), status=422)
        messages.error(request, str(exc.message))
        return _back(request, ticket.number)
    text = _("Used %(quantity)s × %(part)s from store %(store)s.") % {
        "quantity": services.quantity_text(usage.quantity), "part": usage.part.code, "store": usage.store.code}  # fmt: skip
    if wants_fragment(request):
        return _panel(request, ticket)
    messages.success(request, text)
    return _back(request, ticket.number)


@login_required
@require_POST
def ticket_part_return(request: SignedInRequest, number: str, usage_id: int) -> HttpResponse:
    try:
        ticket = ticket_get(actor=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    usage = Usage.objects.select_related("part", "store", "ticket").filter(pk=usage_id, ticket=ticket).first()
    if usage is None:
        raise Http404
    try:
        services.part_return(actor=request.user, usage=usage, quantity=request.POST.get("quantity", "")[:20])
    except DomainError as exc:
        if wants_fragment(request):
            return _panel(request, ticket, error=str(exc.message), status=422)
        messages.error(request, str(exc.message))
        return _back(request, ticket.number)
    if wants_fragment(request):
        return _panel(request, ticket)
    messages.success(request, _("Returned to store %(store)s.") % {"store": usage.store.code})
    return _back(request, ticket.number)


# --- settings: the catalogue and the stores --------------------------------------------------------------------

CATALOGUE = SettingsScreen(
    model=Part, section="parts_catalogue", form_class=PartForm, list_url="parts:catalogue_list",
    list_template="parts/catalogue/list.html", list_name="parts",
    rows=lambda: selectors.parts_with_totals().prefetch_related("asset_types").order_by("code"),
    create=services.part_create, update=services.part_update, instance_key="part", initial=part_initial,
    new_title=gettext_lazy("New spare part"), edit_title=gettext_lazy("Spare part: %(name)s"),
    saved=gettext_lazy("Spare part %(name)s was saved."), name_of=lambda part: part.code,
)  # fmt: skip
catalogue_list, catalogue_create, catalogue_edit = (
    CATALOGUE.list_view,
    CATALOGUE.create_view,
    CATALOGUE.edit_view,
)

STORES = SettingsScreen(
    model=Store, section="parts_stores", form_class=StoreForm, list_url="parts:store_list",
    list_template="parts/stores/list.html", list_name="stores",
    rows=lambda: Store.objects.select_related("location").order_by("code"),
    create=services.store_create, update=services.store_update, instance_key="store",
    new_title=gettext_lazy("New store"), edit_title=gettext_lazy("Store: %(name)s"),
    saved=gettext_lazy("Store %(name)s was saved."), name_of=lambda store: store.code,
)  # fmt: skip
store_list, store_create, store_edit = STORES.list_view, STORES.create_view, STORES.edit_view
