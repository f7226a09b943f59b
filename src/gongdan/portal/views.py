"""The portal's pages: thin views that parse, call a selector or a service, and render.

Public doors (sign-in links, lookup, surveys) are rate-limited per IP address and per email address before
they touch the database; a refusal is a 429 page that costs no query."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.accounts.sign_in_guard import address_locked_out, count_failure_without_account, lockout_minutes
from gongdan.approvals.selectors import approval_status, my_pending_count
from gongdan.assets.models import Location
from gongdan.core import rate_limits
from gongdan.core.client_address import client_address
from gongdan.core.domain_errors import DomainError, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.core.rate_limits import Refused
from gongdan.portal import selectors, services, walk_up
from gongdan.portal.forms import (
    EmailForm,
    LookupForm,
    ReplyForm,
    RequestForm,
    StillBrokenForm,
    SurveyForm,
    asset_in_use,
)
from gongdan.portal.models import Survey
from gongdan.portal.wording import STATUS_TONE, plain_status
from gongdan.tickets.models import Category, Channel, Status, Ticket
from gongdan.tickets.services import (
    IncomingFile,
    available_transitions,
    check_file,
    fields_for_category,
    ticket_comment,
    ticket_transition,
)
from gongdan.tickets.views.create import custom_values_from, fields_context
from gongdan.web.http import SignedInRequest

PER_PAGE = 20
# Requester actions the portal offers, by the workflow's action names.
ACTIONS = {"fixed": "close", "broken": "reopen", "cancel": "cancel"}


# --- plumbing -----------------------------------------------------------------------------------------------


def portal_login_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-out visitors go to the portal's email sign-in, and come back here after the link."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('portal:sign_in')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def too_many(request: HttpRequest, refused: Refused) -> HttpResponse:
    minutes = max(refused.retry_after // 60, 1)
    response = render(request, "portal/429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


def locked_out(request: HttpRequest) -> HttpResponse:
    """The address is locked out of every way in (too many wrong passwords or links from it)."""
    return too_many(request, Refused(name="signin_lockout", retry_after=lockout_minutes() * 60))


def not_found(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "portal/not_found.html", {"message": message}, status=404)


def _files(request: HttpRequest, uploads: list[Any]) -> tuple[list[IncomingFile], list[str]]:
    """Read and check every upload before anything is written; the messages say what was refused."""
    incoming: list[IncomingFile] = []
    errors: list[str] = []
    limit = settings.GONGDAN_MAX_ATTACHMENT_BYTES
    if len(uploads) > settings.GONGDAN_PORTAL_MAX_FILES:
        errors.append(_("At most %(max)d files at a time.") % {"max": settings.GONGDAN_PORTAL_MAX_FILES})
        return [], errors
    for upload in uploads:
        if upload.size > limit:
            errors.append(
                _("The file “%(name)s” is larger than %(limit)d MB.")
                % {"name": upload.name, "limit": limit // (1024 * 1024)}
            )
            continue
        file = IncomingFile(name=upload.name, content=upload.read())
        try:
            check_file(file)
        except ValidationFailed as exc:
            errors.append(str(exc.message))
            continue
        incoming.append(file)
    return incoming, errors


def _body_too_large(request: HttpRequest) -> HttpResponse | None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.GONGDAN_PORTAL_MAX_REQUEST_BYTES
    if length > limit:
        context = {"limit_mb": limit // (1024 * 1024)}
        return render(request, "portal/too_large.html", context, status=413)
    return None


# --- home, sign-in and sign-out -----------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "portal/home.html", {"lookup_form": LookupForm()})
    actor = request.user
    page = Paginator(selectors.my_requests(actor=actor), PER_PAGE).get_page(request.GET.get("page"))
    waiting = selectors.surveys_waiting(actor=actor)
    rows = [
        {
            "ticket": t,
            "words": plain_status(t.status),
            "tone": STATUS_TONE.get(t.status, "secondary"),
            "survey": waiting.get(t.pk),
        }
        for t in page.object_list
    ]
    approvals_waiting = my_pending_count(actor=actor)
    return render(request, "portal/my_requests.html", {"page": page, "rows": rows,
                                                       "approvals_waiting": approvals_waiting})  # fmt: skip


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_path = services.safe_next(request.POST.get("next") or request.GET.get("next") or "")
    if request.method == "GET":
        if request.user.is_authenticated:
            return HttpResponseRedirect(next_path)
        form = EmailForm(initial={"next": next_path})
        return render(request, "portal/sign_in.html", {"form": form})
    if refused := rate_limits.hit("link_ip", client_address(request)):
        return too_many(request, refused)
    if address_locked_out(request):
        return locked_out(request)
    form = EmailForm(request.POST)
    if form.is_bot:  # the honeypot was filled: answer as if mailed, send nothing
        return render(request, "portal/check_mail.html", {"email": ""})
    if not form.is_valid():
        return render(request, "portal/sign_in.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    if refused := rate_limits.hit("link_address", email):
        return too_many(request, refused)
    try:
        services.magic_link_request(email=email, next_path=next_path, language=get_language() or "")
    except ValidationFailed as exc:
        form.add_error("email", str(exc.message))
        return render(request, "portal/sign_in.html", {"form": form}, status=400)
    return render(request, "portal/check_mail.html", {"email": email})


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows who is signing in (mail scanners that open links use nothing up); POST uses the link. A link
    that does not open counts against the address in the one sign-in lockout (decision 0146): guessing links
    is locked out like guessing passwords."""
    if address_locked_out(request):
        return locked_out(request)
    try:
        found = services.magic_link_get(token=token)
        if request.method == "GET":
            return render(request, "portal/link_confirm.html", {"link": found})
        redeemed = services.magic_link_redeem(token=token)
    except DomainError as exc:
        request.lockout_template = "portal/429.html"  # type: ignore[attr-defined]  # if this one locks it out
        count_failure_without_account(request)
        problem = {"message": exc.message, "code": exc.code}
        return render(request, "portal/link_problem.html", problem, status=exc.status_code)
    login(request, redeemed.user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(redeemed.next_path)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return HttpResponseRedirect(reverse("portal:home"))


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """Number + email for people without an account. The answer never says whether either matched: the
    link goes to the address if they belong together."""
    if request.method == "GET":
        return render(request, "portal/lookup.html", {"form": LookupForm()})
    if refused := rate_limits.hit("lookup_ip", client_address(request)):
        return too_many(request, refused)
    form = LookupForm(request.POST)
    if form.is_bot:
        return render(request, "portal/check_mail.html", {"email": "", "lookup": True})
    if not form.is_valid():
        return render(request, "portal/lookup.html", {"form": form}, status=400)
    email = form.cleaned_data["email"].strip().lower()
    if refused := rate_limits.hit("lookup_address", email):
        return too_many(request, refused)
    try:
        services.lookup_request(
            number=form.cleaned_data["number"], email=email, language=get_language() or ""
        )
    except ValidationFailed as exc:
        form.add_error("email", str(exc.message))
        return render(request, "portal/lookup.html", {"form": form}, status=400)
    return render(request, "portal/check_mail.html", {"email": email, "lookup": True})


# --- filing a request ---------------------------------------------------------------------------------------


def _pick(model: type[Category] | type[Location], value: Any) -> Any:
    pk = parse_id(value)
    return model.objects.filter(pk=pk, is_active=True).first() if pk is not None else None


def _new_page(request: SignedInRequest, form: RequestForm, *, category: Category | None,
              values: dict[str, Any], errors: dict[str, list[str]], status: int = 200) -> HttpResponse:  # fmt: skip
    context = {
        "form": form,
        "template_category": category.pk if category and category.template else "",
        "max_files": settings.GONGDAN_PORTAL_MAX_FILES,
        **fields_context(request.user, category, values, errors),
    }
    return render(request, "portal/new.html", context, status=status)


def walk_up_when_open(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A signed-out visitor who scanned a "report here" code of a place (or machine) open to reports
    without an account gets that form; anyone else signed out goes to the email sign-in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and request.method == "GET":
            location, asset = walk_up.place_from(request.GET)
            if (location or asset) and walk_up.place_allows(location=location, asset=asset):
                query = walk_up.place_query(location, asset)
                return HttpResponseRedirect(f"{reverse('portal:report_new')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


@walk_up_when_open
@portal_login_required
@require_http_methods(["GET", "POST"])
def request_new(request: SignedInRequest) -> HttpResponse:
    if request.method == "GET":
        category = _pick(Category, request.GET.get("category"))
        location = _pick(Location, request.GET.get("location"))
        asset = asset_in_use(request.GET.get("asset") or "")
        if asset is not None and location is None:
            location = asset.location
        initial = {
            "category": str(category.pk) if category else "",
            "location": str(location.pk) if location else "",
            "asset": asset.code if asset else "",
            "description": category.template if category and category.template else "",
            "subject": (request.GET.get("subject") or "")[:200],
        }
        return _new_page(request, RequestForm(initial=initial), category=category, values={}, errors={})
    if too_large := _body_too_large(request):
        return too_large
    if refused := rate_limits.check(
        ("submit_ip", client_address(request)), ("submit_user", str(request.user.pk))
    ):
        return too_many(request, refused)
    form = RequestForm(request.POST, request.FILES)
    category = _pick(Category, request.POST.get("category"))
    values = custom_values_from(request.POST, fields_for_category(category))
    if form.is_bot:
        form.add_error(None, _("This request could not be accepted."))
        return _new_page(request, form, category=category, values=values, errors={}, status=400)
    if not form.is_valid():
        return _new_page(request, form, category=category, values=values, errors={}, status=400)
    data = form.cleaned_data
    incoming, file_errors = _files(request, data.get("files") or [])
    if file_errors:
        for message in file_errors:
            form.add_error("files", message)
        return _new_page(request, form, category=category, values=values, errors={}, status=400)
    try:
        ticket = services.portal_request_submit(
            actor=request.user,
            subject=data["subject"],
            description=data.get("description") or "",
            category=data.get("category"),
            custom_values={k: v for k, v in values.items() if v not in ("", [])},
            location=data.get("location"),
            location_text=data.get("location_text") or "",
            asset=data.get("asset"),
            files=incoming,
        )
    except DomainError as exc:
        errors = {key: [str(m) for m in msgs] for key, msgs in (exc.details or {}).items()}
        for key, field_messages in errors.items():
            if key.startswith("custom_fields."):
                continue
            name = key if key in form.fields else None
            for message in field_messages:
                form.add_error(name, message)
        if not errors:
            form.add_error(None, str(exc.message))
        return _new_page(request, form, category=category, values=values, errors=errors,
                         status=exc.status_code)  # fmt: skip
    url = reverse("portal:request_detail", args=[ticket.number])
    return HttpResponseRedirect(f"{url}?submitted=1")


@portal_login_required
@require_GET
def request_fields(request: SignedInRequest) -> HttpResponse:
    """The chosen category's questions (htmx), and its template while the details are untouched."""
    category = _pick(Category, request.GET.get("category"))
    previous = _pick(Category, request.GET.get("template_category"))
    description = (request.GET.get("description") or "").replace("\r\n", "\n").strip()
    untouched = not description or (previous is not None and description == previous.template.strip())
    context: dict[str, Any] = fields_context(request.user, category, custom_values_from(request.GET, []), {})
    if untouched:
        context["replace_description"] = True
        context["description"] = category.template if category else ""
        context["template_category"] = category.pk if category and category.template else ""
    return render(request, "portal/includes/category_fields.html", context)


@portal_login_required
@require_GET
def suggest(request: SignedInRequest) -> HttpResponse:
    """Open requests of yours that look like what you are typing (htmx, debounced in the page)."""
    if refused := rate_limits.hit("suggest_ip", client_address(request)):
        response = HttpResponse(status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response
    text = f"{request.GET.get('subject', '')} {request.GET.get('description', '')}"[:300]
    suggestions = selectors.similar_requests(actor=request.user, text=text)
    return render(request, "portal/includes/suggestions.html", {"suggestions": suggestions})


# --- following a request ------------------------------------------------------------------------------------


def _detail_context(request: SignedInRequest, ticket: Ticket) -> dict[str, Any]:
    actor = request.user
    allowed = {t.action for t in available_transitions(actor=actor, ticket=ticket)}
    survey = selectors.open_survey(actor=actor, ticket=ticket)
    approvals = approval_status(ticket=ticket)
    return {
        "ticket": ticket,
        "words": plain_status(ticket.status),
        "tone": STATUS_TONE.get(ticket.status, "secondary"),
        "timeline": selectors.request_timeline_with_files(actor=actor, ticket=ticket),
        "can_confirm": ticket.status == Status.RESOLVED and "close" in allowed,
        "can_reopen": ticket.status == Status.RESOLVED and "reopen" in allowed,
        "can_cancel": "cancel" in allowed,
        "can_reply": ticket.status not in (Status.CLOSED, Status.CANCELLED),
        "survey": survey,
        "survey_token": services.survey_token(survey) if survey else "",
        "survey_form": SurveyForm(),
        "rated": selectors.last_rating(ticket=ticket),
        "approvals": approvals,
        "approval_open": next((v.request for v in approvals if v.request.is_open), None),
        "reply_form": ReplyForm(),
        "broken_form": StillBrokenForm(),
        "submitted": request.GET.get("submitted") == "1",
        "max_files": settings.GONGDAN_PORTAL_MAX_FILES,
    }


def _request_or_404(request: SignedInRequest, number: str) -> Ticket | HttpResponse:
    try:
        return selectors.request_get(actor=request.user, number=number)
    except DomainError:
        return not_found(request, _("There is no request %(number)s among yours.") % {"number": number[:40]})


@portal_login_required
@require_GET
def request_detail(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _request_or_404(request, number)
    if isinstance(ticket, HttpResponse):
        return ticket
    return render(request, "portal/detail.html", _detail_context(request, ticket))


@portal_login_required
@require_POST
def request_reply(request: SignedInRequest, number: str) -> HttpResponse:
    ticket = _request_or_404(request, number)
    if isinstance(ticket, HttpResponse):
        return ticket
    if too_large := _body_too_large(request):
        return too_large
    if refused := rate_limits.hit("reply_user", str(request.user.pk)):
        return too_many(request, refused)
    form = ReplyForm(request.POST, request.FILES)
    context = _detail_context(request, ticket)
    if form.is_bot or not form.is_valid():
        context["reply_form"] = form
        return render(request, "portal/detail.html", context, status=400)
    incoming, file_errors = _files(request, form.cleaned_data.get("files") or [])
    try:
        if file_errors:
            raise ValidationFailed(file_errors[0], details={"files": file_errors})
        ticket_comment(actor=request.user, ticket=ticket, body=form.cleaned_data.get("body") or "",
                       files=incoming, channel=Channel.PORTAL)  # fmt: skip
    except DomainError as exc:
        for key, field_messages in (exc.details or {"body": [exc.message]}).items():
            for message in field_messages:
                form.add_error(key if key in form.fields else None, str(message))
        context["reply_form"] = form
        return render(request, "portal/detail.html", context, status=exc.status_code)
    messages.success(request, _("Your reply was added."))
    return HttpResponseRedirect(reverse("portal:request_detail", args=[ticket.number]))


@portal_login_required
@require_POST
def request_action(request: SignedInRequest, number: str) -> HttpResponse:
    """“It's fixed”, “Still broken” and “Cancel”, through the workflow's own transitions."""
    ticket = _request_or_404(request, number)
    if isinstance(ticket, HttpResponse):
        return ticket
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return HttpResponseRedirect(reverse("portal:request_detail", args=[ticket.number]))
    form = StillBrokenForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        ticket = ticket_transition(actor=request.user, ticket=ticket, action=action, note=note)
        if action == "close":
            services.survey_after_confirmation(ticket=ticket)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, {
            "close": _("Thank you for confirming. The request is done."),
            "reopen": _("We are on it again; a technician will get back to you."),
            "cancel": _("The request was cancelled."),
        }[action])  # fmt: skip
    return HttpResponseRedirect(reverse("portal:request_detail", args=[ticket.number]))


# --- satisfaction survey ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail opens this page (nothing recorded: mail scanners open links too); the rating
    is recorded by the POST of one of its buttons. No sign-in needed: the signed link is the key."""
    if request.method == "POST" and (refused := rate_limits.hit("survey_ip", client_address(request))):
        return too_many(request, refused)
    try:
        found: Survey = services.survey_get(token=token)
    except DomainError as exc:
        problem = {"message": exc.message, "code": exc.code}
        return render(request, "portal/link_problem.html", problem, status=exc.status_code)
    context: dict[str, Any] = {"survey": found, "ticket": found.ticket, "token": token}
    if found.is_answered:
        again = request.method == "POST"
        return render(
            request, "portal/survey_done.html", {**context, "again": again}, status=409 if again else 200
        )
    if request.method == "GET":
        preset = request.GET.get("rating", "")
        form = SurveyForm(initial={"rating": int(preset)} if preset in {"1", "2", "3", "4", "5"} else None)
        return render(request, "portal/survey.html", {**context, "form": form})
    form = SurveyForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/survey.html", {**context, "form": form}, status=400)
    try:
        found = services.survey_answer(
            survey=found, rating=form.cleaned_data["rating"], comment=form.cleaned_data.get("comment") or ""
        )
    except DomainError as exc:
        if exc.code == "link_used":
            return render(request, "portal/survey_done.html", {**context, "again": True}, status=409)
        form.add_error(None, str(exc.message))
        return render(request, "portal/survey.html", {**context, "form": form}, status=exc.status_code)
    return render(request, "portal/survey_done.html", {**context, "survey": found, "again": False})
