"""Every change the portal makes: sign-in links, requests filed from the portal, surveys and their answers,
the admin's portal settings. Ticket changes go through gongdan.tickets.services (rule 1)."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts import usernames
from gongdan.accounts.models import Language, Membership, Organisation, Role, User
from gongdan.accounts.services import user_create
from gongdan.assets.models import Asset, Location
from gongdan.core.domain_errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from gongdan.notifications.services import email_headers, notify
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_enqueue
from gongdan.portal import events, notices
from gongdan.portal.models import MagicLink, PortalSettings, Survey
from gongdan.portal.tokens import (
    LINK_SALT,
    SURVEY_SALT,
    TokenExpired,
    TokenInvalid,
    link_max_age,
    make_token,
    read_token,
    survey_max_age,
)
from gongdan.tickets import events as ticket_events
from gongdan.tickets import pipeline
from gongdan.tickets.models import Category, Channel, Status, Ticket, TicketEvent, TicketType
from gongdan.tickets.services import (
    IncomingFile,
    append_event,
    attachment_add,
    ticket_create,
    ticket_transition,
)

log = logging.getLogger(__name__)

MAX_COMMENT = 2000
LOW_RATING = 2
PORTAL_HOME = "/portal/"


class LinkInvalid(NotFound):
    code = "link_invalid"


class LinkExpired(DomainError):
    status_code = 410
    code = "link_expired"


class LinkUsed(Conflict):
    code = "link_used"


# --- settings -----------------------------------------------------------------------------------------------


def portal_settings() -> PortalSettings:
    return PortalSettings.objects.order_by("pk").first() or PortalSettings()


@transaction.atomic
def portal_settings_update(
    *, actor: User | None, csat_enabled: bool, low_rating_reopen: bool, low_rating_notify_lead: bool
) -> PortalSettings:
    """`actor=None` is the system (demo data); everyone else must be an administrator."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change the portal settings."))
    row = PortalSettings.objects.select_for_update().order_by("pk").first() or PortalSettings()
    row.csat_enabled = bool(csat_enabled)
    row.low_rating_reopen = bool(low_rating_reopen)
    row.low_rating_notify_lead = bool(low_rating_notify_lead)
    row.updated_at = timezone.now()
    row.save()
    return row


# --- sign-in links ------------------------------------------------------------------------------------------


def clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        message = _("Enter a valid email address.")
        raise ValidationFailed(message, details={"email": [message]}) from None
    if len(email) > 254:
        message = _("Enter a valid email address.")
        raise ValidationFailed(message, details={"email": [message]})
    return email


def safe_next(path: str) -> str:
    """Only a path inside the portal: a mailed link must never send anyone elsewhere."""
    path = (path or "").strip()
    if not path.startswith(PORTAL_HOME) or "//" in path or "\\" in path or len(path) > 500:
        return PORTAL_HOME
    return path


def _language(language: str) -> str:
    return language if language in Language.values else settings.LANGUAGE_CODE


def user_for_email(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).order_by("pk").first()


def _may_use_links(user: User | None) -> bool:
    # Staff sign in with their password (and later SSO/2FA): a mailed link must not open an agent session.
    return user is None or (user.is_active and not user.is_staff_member)


@transaction.atomic
def magic_link_request(
    *, email: str, next_path: str = PORTAL_HOME, language: str = "", purpose: str = MagicLink.Purpose.SIGN_IN
) -> MagicLink | None:
    """Mail a sign-in link to `email` (after commit, through the outbox). None, and nothing sent, for an
    address that may not sign in this way (a staff member's, a deactivated account's)."""
    email = clean_email(email)
    user = user_for_email(email)
    if not _may_use_links(user):
        return None
    language = _language(user.language if user else language)
    now = timezone.now()
    link = MagicLink.objects.create(
        email=email,
        purpose=purpose,
        next_path=safe_next(next_path),
        language=language,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=link_max_age()),
        user=user,
    )
    url = notices.site_url(reverse("portal:link", args=[make_token(link.pk, salt=LINK_SALT)]))
    with translation.override(language):
        context = {
            "url": url,
            "minutes": max(link_max_age() // 60, 1),
            "lookup": purpose == MagicLink.Purpose.LOOKUP,
            "language": language,
        }
        subject = (
            (_("Your link to follow your request") if context["lookup"] else _("Your sign-in link"))
            + " · "
            + str(settings.GONGDAN_NAME)
        )
        key = f"portal-link-{link.pk}"
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            address=email,
            subject=subject,
            body_text=render_to_string("portal/email/sign_in.txt", context),
            body_html=render_to_string("portal/email/sign_in.html", context),
            headers=email_headers(key=key, kind="portal_sign_in", ticket=None),
            idempotency_key=key,
            kind="portal_sign_in",
            recipient=user,
        )
    return link


def lookup_request(*, number: str, email: str, language: str = "") -> MagicLink | None:
    """The lookup for people without an account: if `number` is a ticket requested by `email`, mail that
    address a link to it. The caller shows the same answer either way (nothing is revealed)."""
    email = clean_email(email)
    number = (number or "").strip().upper()[:40]
    ticket = (
        Ticket.objects.filter(number=number).select_related("requester").only("number", "requester").first()
    )
    if ticket is None or (ticket.requester.email or "").lower() != email:
        return None
    return magic_link_request(
        email=email,
        next_path=reverse("portal:request_detail", args=[ticket.number]),
        language=language,
        purpose=MagicLink.Purpose.LOOKUP,
    )


def magic_link_get(*, token: str) -> MagicLink:
    """The link a token names, if it is still good (for the confirm page; nothing is recorded)."""
    try:
        pk = read_token(token, salt=LINK_SALT, max_age=link_max_age())
    except TokenExpired:
        raise LinkExpired(_("This link has expired. Ask for a new one.")) from None
    except TokenInvalid:
        raise LinkInvalid(_("This link is not valid.")) from None
    link = MagicLink.objects.filter(pk=pk).first()
    if link is None:
        raise LinkInvalid(_("This link is not valid."))
    if link.used_at is not None:
        raise LinkUsed(_("This link has already been used. Ask for a new one."))
    if link.expires_at <= timezone.now():
        raise LinkExpired(_("This link has expired. Ask for a new one."))
    return link


def _new_username(email: str) -> str:
    candidate = email[:150]
    look_alike = Q(username__iexact=candidate) | Q(username_skeleton=usernames.skeleton(candidate))
    if not User.objects.filter(look_alike).exists():
        return candidate
    return f"portal-{secrets.token_hex(6)}"


def requester_for_email(email: str, language: str) -> User:
    user = user_for_email(email)
    if user is not None:
        return user
    domain = email.rsplit("@", 1)[-1]
    organisation = (
        Organisation.objects.filter(email_domain__iexact=domain, is_active=True).order_by("pk").first()
        if domain
        else None
    )
    try:
        with transaction.atomic():
            return user_create(
                actor=None,
                username=_new_username(email),
                email=email,
                role=Role.REQUESTER,
                language=_language(language),
                organisation=organisation,
                display_name=email.split("@", 1)[0][:150],
            )
    except (IntegrityError, ValidationFailed):  # the same address confirmed twice at once
        user = user_for_email(email)
        if user is None:
            raise
        return user


@dataclass
class Redeemed:
    user: User
    next_path: str
    created: bool


@transaction.atomic
def magic_link_redeem(*, token: str) -> Redeemed:
    """Use a sign-in link once: record its use, find or create the requester. Raises LinkInvalid,
    LinkExpired or LinkUsed; the view then signs the user in."""
    link = magic_link_get(token=token)
    used = MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not used:  # another click won the race
        raise LinkUsed(_("This link has already been used. Ask for a new one."))
    existed = user_for_email(link.email) is not None
    user = requester_for_email(link.email, link.language)
    if not _may_use_links(user):
        raise LinkInvalid(_("This link is not valid."))
    return Redeemed(user=user, next_path=safe_next(link.next_path), created=not existed)


def magic_links_purge(*, now: dt.datetime | None = None) -> int:
    """Delete links that expired more than a day ago (they can do nothing any more)."""
    now = now or timezone.now()
    return MagicLink.objects.filter(expires_at__lt=now - dt.timedelta(days=1)).delete()[0]


# --- requests filed from the portal -------------------------------------------------------------------------


@transaction.atomic
def portal_request_submit(
    *,
    actor: User,
    subject: str,
    description: str = "",
    category: Category | None = None,
    ticket_type: TicketType | None = None,
    custom_values: dict[str, Any] | None = None,
    location: Location | None = None,
    location_text: str = "",
    asset: Asset | None = None,
    files: Sequence[IncomingFile] = (),
) -> Ticket:
    """File a request for oneself through the ticket services, with its files, and confirm it by email."""
    ticket = ticket_create(
        actor=actor,
        subject=subject,
        description=description,
        category=category,
        ticket_type=ticket_type,
        custom_values=custom_values,
        location=location,
        location_text=location_text,
        asset=asset,
        channel=Channel.PORTAL,
    )
    for file in files:
        attachment_add(actor=actor, ticket=ticket, file=file)
    notify(recipients=[actor], kind=notices.PORTAL_SUBMITTED, ticket=ticket, data={"number": ticket.number})
    return ticket


# --- satisfaction surveys -----------------------------------------------------------------------------------


def survey_token(survey: Survey) -> str:
    return make_token(survey.pk, salt=SURVEY_SALT)


def survey_url(survey: Survey) -> str:
    return notices.site_url(reverse("portal:survey", args=[survey_token(survey)]))


def _wants_survey(ticket: Ticket, event: TicketEvent) -> bool:
    requester = ticket.requester
    return (
        requester.is_active
        and not requester.is_staff_member
        and event.actor_id != requester.pk  # nobody rates their own work
    )


def survey_for_resolution(event: TicketEvent) -> tuple[Survey | None, bool]:
    """The survey of one resolution, created (with its email and portal notice) if it does not exist yet.
    Safe to run twice and on several consumers at once: one survey per resolution event."""
    existing = Survey.objects.filter(resolved_event=event).first()
    if existing is not None:
        return existing, False
    ticket = Ticket.objects.select_related("requester").get(pk=event.ticket_id)
    if not _wants_survey(ticket, event):
        return None, False
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                ticket=ticket, requester=ticket.requester, resolved_event=event, created_at=timezone.now()
            )
            notify(
                recipients=[ticket.requester],
                kind=notices.CSAT_REQUEST,
                ticket=ticket,
                data={"survey": survey.pk, "number": ticket.number},
            )
    except IntegrityError:
        return Survey.objects.filter(resolved_event=event).first(), False
    return survey, True


SURVEY_CONSUMER = "portal.surveys"


def surveys_for_events(events: list[TicketEvent]) -> int:
    """The after-commit consumer of status changes (gongdan.tickets.pipeline): ask the requester of each
    resolution for a rating. Returns the number of surveys created."""
    if not portal_settings().csat_enabled:
        return 0
    created = 0
    for event in events:
        if isinstance(event.data, dict) and event.data.get("to") == Status.RESOLVED:
            created += int(survey_for_resolution(event)[1])
    return created


def survey_scan() -> int:
    """Send the surveys of resolutions not handled yet, now (scripts and tests; the queue does this after
    each commit). Returns the number of surveys created."""
    result = pipeline.run(names=[SURVEY_CONSUMER])
    return result.results.get(SURVEY_CONSUMER, 0)


def survey_get(*, token: str) -> Survey:
    """The survey a mailed token names (tampered, foreign or expired tokens: LinkInvalid/LinkExpired)."""
    try:
        pk = read_token(token, salt=SURVEY_SALT, max_age=survey_max_age())
    except TokenExpired:
        raise LinkExpired(_("This survey link has expired.")) from None
    except TokenInvalid:
        raise LinkInvalid(_("This link is not valid.")) from None
    survey = Survey.objects.select_related("ticket", "requester").filter(pk=pk).first()
    if survey is None:
        raise LinkInvalid(_("This link is not valid."))
    return survey


def _clean_rating(rating: Any) -> int:
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        value = 0
    if isinstance(rating, bool) or not 1 <= value <= 5:
        message = _("Choose a rating from 1 to 5.")
        raise ValidationFailed(message, details={"rating": [message]})
    return value


def _team_leads(ticket: Ticket) -> list[User]:
    if ticket.team_id:
        leads = list(
            User.objects.filter(
                is_active=True,
                memberships__team_id=ticket.team_id,
                memberships__team_role=Membership.TeamRole.LEAD,
            ).distinct()
        )
        if leads:
            return leads
    return list(User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True), is_active=True).distinct())


@transaction.atomic
def survey_answer(*, survey: Survey, rating: Any, comment: str = "") -> Survey:
    """Record the answer once: the survey row, the ticket event `csat_rated` {"rating", "comment"}, and what
    the admin chose for a low rating (reopen the ticket, alert the team lead)."""
    rating = _clean_rating(rating)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        message = _("The comment is too long (at most %(max)d characters).") % {"max": MAX_COMMENT}
        raise ValidationFailed(message, details={"comment": [message]})
    survey = Survey.objects.select_for_update().select_related("ticket", "requester").get(pk=survey.pk)
    if survey.answered_at is not None:
        raise LinkUsed(_("This survey has already been answered. Thank you!"))
    now = timezone.now()
    survey.rating, survey.comment, survey.answered_at = rating, comment, now
    survey.save(update_fields=["rating", "comment", "answered_at"])
    ticket, requester = survey.ticket, survey.requester
    append_event(ticket, actor=requester, kind=events.CSAT_RATED, at=now,
                 data={"rating": rating, "comment": comment})  # fmt: skip
    if rating <= LOW_RATING:
        choice = portal_settings()
        if choice.low_rating_reopen and ticket.status in (Status.RESOLVED, Status.CLOSED):
            note = _("Reopened after a rating of %(rating)d/5.") % {"rating": rating}
            try:
                with transaction.atomic():
                    ticket_transition(actor=requester, ticket=ticket, action="reopen", note=note)
            except DomainError as exc:  # the workflow has no reopen for the requester here
                log.warning("low rating on %s could not reopen it: %s", ticket.number, exc.message)
        if choice.low_rating_notify_lead:
            notify(recipients=_team_leads(ticket), kind=notices.CSAT_LOW, ticket=ticket,
                   data={"rating": rating, "comment": comment[:500], "requester": requester.name})  # fmt: skip
    return survey


def survey_after_confirmation(*, ticket: Ticket) -> Survey | None:
    """The requester just confirmed the fix in the portal: make sure the survey of the resolution exists
    now (rather than at the next minute's scan) so the page can ask for the rating at once."""
    if not portal_settings().csat_enabled:
        return None
    recent = (
        TicketEvent.objects.filter(ticket=ticket, kind=ticket_events.TRANSITIONED)
        .order_by("-created_at", "-id")
        .only("pk", "ticket_id", "actor_id", "data", "created_at")[:10]
    )
    for event in recent:
        if isinstance(event.data, dict) and event.data.get("to") == Status.RESOLVED:
            return survey_for_resolution(event)[0]
    return None
