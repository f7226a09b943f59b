"""Changes reports make: report subscriptions, and sending the periodic reports they ask for.

A report goes out through the notifications outbox (rule 4) in the recipient's language; the XLSX is not
attached (the outbox carries text) but linked: a signed, expiring download link to the same report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.audit.services import audit_configuration_change
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.notifications.kinds import Rendered, site_url
from gongdan.notifications.services import notify
from gongdan.reports.metrics import ReportFilters
from gongdan.reports.models import Period, ReportSubscription
from gongdan.reports.period_reports import FIGURES, last_complete, period_bounds, period_report, shown
from gongdan.reports.selectors import report_scope

LINK_SALT = "gongdan.reports.download"
LINK_MAX_AGE = 14 * 24 * 3600


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators manage report subscriptions."))


@transaction.atomic
def subscription_create(
    *, actor: User, recipient: User, period: str, team: Team | None = None
) -> ReportSubscription:
    _require_admin(actor)
    if period not in Period.values:
        raise ValidationFailed(_("Unknown period."), details={"period": [_("Choose a valid option.")]})
    if not recipient.is_active or not recipient.is_staff_member or not recipient.email:
        message = _("%(name)s cannot receive reports (staff with an email address only).") % {
            "name": recipient.name
        }
        raise ValidationFailed(message, details={"recipient": [message]})
    if ReportSubscription.objects.filter(recipient=recipient, period=period, team=team).exists():
        message = _("%(name)s is already subscribed to this report.") % {"name": recipient.name}
        raise ValidationFailed(message, details={"recipient": [message]})
    subscription = ReportSubscription.objects.create(recipient=recipient, period=period, team=team)
    audit_configuration_change(
        actor=actor, instance=subscription, before=None, after=field_values(subscription)
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor: User, subscription: ReportSubscription) -> None:
    _require_admin(actor)
    pk, before = subscription.pk, field_values(subscription)
    subscription.delete()
    audit_configuration_change(actor=actor, instance=subscription, before=before, after=None, object_id=pk)


def download_token(*, subscription: ReportSubscription, start: date) -> str:
    return signing.dumps({"s": subscription.pk, "d": start.isoformat()}, salt=LINK_SALT)


def read_download_token(token: str) -> tuple[int, date]:
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
        return int(data["s"]), date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(_("This download link is invalid or has expired.")) from exc


def subscriptions_send_due(*, today: date | None = None) -> int:
    """Queue the report of the last finished period for every subscription not sent for it yet."""

    today = today or timezone.localdate()
    sent = 0
    for subscription in ReportSubscription.objects.filter(is_active=True).select_related("recipient", "team"):
        start, _end = period_bounds(subscription.period, last_complete(subscription.period, today))
        if subscription.last_sent_for is not None and subscription.last_sent_for >= start:
            continue
        if report_send(subscription_id=subscription.pk, start=start):
            sent += 1
    return sent


REPORT_READY = "report_ready"


@transaction.atomic
def report_send(*, subscription_id: int, start: date) -> bool:
    """Notify the recipient once per subscription and period (row lock + marker): an in-app notice and an
    email through the outbox, rendered in their language, with a signed link to the XLSX."""

    subscription = (
        ReportSubscription.objects.select_for_update(of=("self",))
        .select_related("recipient", "team")
        .get(pk=subscription_id)
    )
    if subscription.last_sent_for is not None and subscription.last_sent_for >= start:
        return False
    recipient = subscription.recipient
    scope = report_scope(actor=recipient, team=subscription.team_id)
    report = period_report(scope=scope, period=subscription.period, anchor=start,
                           filters=ReportFilters(start=start, end=start, team=subscription.team_id))  # fmt: skip
    notify(
        recipients=[recipient],
        kind=REPORT_READY,
        data={
            "period": subscription.period,
            "start": report.filters.start.isoformat(),
            "end": report.filters.end.isoformat(),
            "rows": [[r["key"], r["current"], r["previous"]] for r in report.rows()],
            "token": download_token(subscription=subscription, start=report.filters.start),
        },
    )
    subscription.last_sent_for = start
    subscription.save(update_fields=["last_sent_for"])
    return True


def render_report_ready(data: dict[str, Any], user: object) -> object:
    """What the report notice says, in the active language (the notifications app calls it)."""

    period = data.get("period")
    label = Period(period).label if period in Period.values else ""
    title = _("%(period)s report, %(start)s – %(end)s") % {
        "period": label,
        "start": data.get("start", ""),
        "end": data.get("end", ""),
    }
    kinds = {key: (name, kind) for key, name, kind in FIGURES}
    lines = [title]
    for key, current, previous in data.get("rows") or []:
        if key in kinds:
            name, kind = kinds[key]
            lines.append(f"{name}: {shown(kind, current)} ({_('before')}: {shown(kind, previous)})")
    rendered = Rendered(title=title, lines=lines)
    if data.get("token"):
        rendered.action_url = site_url(reverse("reports:download", args=[data["token"]]))
        rendered.action_label = _("Download the report (XLSX)")
    return rendered
