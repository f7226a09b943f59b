"""Reporting without an account: the form a "report here" code opens, and the tracking page its link opens.

Both are public doors: rate-limited per IP address, per contact and per place before anything is written
(a refusal is a 429 page), guarded by the honeypot, and refused unless the admin opened the place to
reports without an account. The tracking page is reached only by its secret link (decision 0168)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from gongdan.assets.models import Asset, Location
from gongdan.core import rate_limits
from gongdan.core.client_address import client_address
from gongdan.core.domain_errors import DomainError
from gongdan.portal import selectors, walk_up
from gongdan.portal.forms import WalkUpForm, WalkUpReplyForm
from gongdan.portal.models import WalkUpReport
from gongdan.portal.phones import clean_phone
from gongdan.portal.views import _body_too_large, not_found, too_many
from gongdan.portal.wording import STATUS_TONE, plain_status
from gongdan.tickets.models import Attachment, Status
from gongdan.tickets.services import IncomingFile
from gongdan.tickets.views.ticket import INLINE_IMAGE_TYPES


def _form_page(request: HttpRequest, form: WalkUpForm, location: Location | None, asset: Asset | None,
               status: int = 200) -> HttpResponse:  # fmt: skip
    context = {
        "form": form,
        "location": location,
        "asset": asset,
        "query": walk_up.place_query(location, asset),
    }
    return render(request, "portal/walk_up_new.html", context, status=status)


def _photo(form: WalkUpForm | WalkUpReplyForm) -> IncomingFile | None:
    upload = form.cleaned_data.get("photo")
    return IncomingFile(name=upload.name, content=upload.read()) if upload else None


def _same_phone(typed: str) -> str:
    """One counter per number however it is written (138 1234 5678 = +86 13812345678)."""
    try:
        return clean_phone(typed)
    except DomainError:
        return typed.strip()


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # floods are refused before any query
        if too_large := _body_too_large(request):
            return too_large
        if refused := rate_limits.hit("walkup_ip", client_address(request)):
            return too_many(request, refused)
    # The form posts back to its own address (?asset= or ?location=); its hidden fields say the same.
    params = request.GET if ("asset" in request.GET or "location" in request.GET) else request.POST
    location, asset = walk_up.place_from(params)
    if location is None and asset is None:
        return not_found(request, _("This code does not name a place we know."))
    query = walk_up.place_query(location, asset)
    if request.user.is_authenticated:  # signed-in requesters use the full form, with the place filled in
        return HttpResponseRedirect(f"{reverse('portal:request_new')}?{query}")
    if not walk_up.place_allows(location=location, asset=asset):
        next_path = f"{reverse('portal:request_new')}?{query}"
        return HttpResponseRedirect(f"{reverse('portal:sign_in')}?{urlencode({'next': next_path})}")
    if request.method == "GET":
        return _form_page(request, WalkUpForm(), location, asset)
    place = f"asset:{asset.pk}" if asset is not None else f"location:{location.pk if location else 0}"
    if refused := rate_limits.hit("walkup_place", place):
        return too_many(request, refused)
    form = WalkUpForm(request.POST, request.FILES)
    if form.is_bot:  # the honeypot was filled: nothing is written
        form.add_error(None, _("This request could not be accepted."))
        return _form_page(request, form, location, asset, status=400)
    if not form.is_valid():
        return _form_page(request, form, location, asset, status=400)
    data = form.cleaned_data
    contacts = [("walkup_contact", value) for value in (_same_phone(data.get("phone") or ""),
                                                        (data.get("email") or "").strip().lower()) if value]  # fmt: skip
    if contacts and (refused := rate_limits.check(*contacts)):
        return too_many(request, refused)
    try:
        submitted = walk_up.walk_up_report_submit(
            name=data["name"], phone=data.get("phone") or "", email=data.get("email") or "",
            description=data["description"], location=location, asset=asset, photo=_photo(form),
            language=get_language() or "",
        )  # fmt: skip
    except DomainError as exc:
        for key, field_messages in (exc.details or {}).items():
            for message in field_messages:
                form.add_error(key if key in form.fields else None, str(message))
        if not exc.details:
            form.add_error(None, str(exc.message))
        return _form_page(request, form, location, asset, status=exc.status_code)
    return HttpResponseRedirect(reverse("portal:track", args=[submitted.token]) + "?new=1")


def _report_or_404(request: HttpRequest, token: str) -> WalkUpReport | HttpResponse:
    if refused := rate_limits.hit("walkup_track_ip", client_address(request)):
        return too_many(request, refused)
    try:
        return walk_up.walk_up_get(token=token)
    except DomainError as exc:
        return not_found(request, str(exc.message))


def _track_page(request: HttpRequest, report: WalkUpReport, token: str, *, form: WalkUpReplyForm | None = None,
                status: int = 200) -> HttpResponse:  # fmt: skip
    ticket = report.ticket
    viewer = ticket.requester
    context = {
        "report": report,
        "ticket": ticket,
        "token": token,
        "viewer": viewer,
        "words": plain_status(ticket.status),
        "tone": STATUS_TONE.get(ticket.status, "secondary"),
        "timeline": selectors.request_timeline_with_files(actor=viewer, ticket=ticket),
        "can_reply": ticket.status not in (Status.CLOSED, Status.CANCELLED),
        "reply_form": form or WalkUpReplyForm(),
        "new": request.GET.get("new") == "1",
        "tracking_url": walk_up.tracking_url(token),
    }
    response = render(request, "portal/walk_up_track.html", context, status=status)
    # The link is the key: never send it to another site (same-origin still sends the Origin header that
    # the CSRF check of the note form needs; no-referrer would make it "null").
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    report = _report_or_404(request, token)
    if isinstance(report, HttpResponse):
        return report
    if request.method == "GET":
        return _track_page(request, report, token)
    if too_large := _body_too_large(request):
        return too_large
    if refused := rate_limits.check(("walkup_reply", str(report.pk)), ("walkup_ip", client_address(request))):
        return too_many(request, refused)
    form = WalkUpReplyForm(request.POST, request.FILES)
    if form.is_bot or not form.is_valid():
        if form.is_bot:
            form.add_error(None, _("This request could not be accepted."))
        return _track_page(request, report, token, form=form, status=400)
    photo = _photo(form)
    try:
        walk_up.walk_up_comment(report=report, body=form.cleaned_data.get("body") or "",
                                files=[photo] if photo else [])  # fmt: skip
    except DomainError as exc:
        for key, field_messages in (exc.details or {"body": [exc.message]}).items():
            for message in field_messages:
                name = "photo" if key in ("files", "file", "photo") else key
                form.add_error(name if name in form.fields else None, str(message))
        return _track_page(request, report, token, form=form, status=exc.status_code)
    messages.success(request, _("Thank you, we added it to your report."))
    return HttpResponseRedirect(reverse("portal:track", args=[token]))


@require_GET
def track_file(request: HttpRequest, token: str, attachment_id: int) -> HttpResponseBase:
    """A public file of this report's ticket, and only of this one."""
    report = _report_or_404(request, token)
    if isinstance(report, HttpResponse):
        return report
    attachment = (
        Attachment.objects.filter(pk=attachment_id, ticket_id=report.ticket_id, is_internal=False)
        .exclude(comment__is_internal=True)
        .first()
    )
    if attachment is None:
        return not_found(request)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        return not_found(request)
    inline = attachment.is_image and attachment.content_type in INLINE_IMAGE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    return response
