"""Asking for a password reset and mailing the link (decision 0119).

The request path does the same work whatever the address: count it against the rate limits, then queue one
task with the address. Only the task, in a worker, looks the address up; for an account that may reset it
makes the token and writes the mail to the outbox, for any other address it does nothing. So the answer, its
timing and the statements the web process runs are the same for a known and an unknown address."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongdan.accounts import services as accounts
from gongdan.accounts.models import Language, User
from gongdan.accounts.password_policy import policy
from gongdan.notifications.kinds import site_url
from gongdan.notifications.services import email_headers
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_enqueue

RESET_KIND = "password_reset"
CHANGED_KIND = "password_reset_done"


def _language(user: User | None, asked_in: str) -> str:
    if user is not None and user.language in Language.values:
        return user.language
    return asked_in if asked_in in Language.values else settings.LANGUAGE_CODE


def password_reset_request(*, email: str, language: str) -> None:
    """Queue the mail for `email` (known or not: the task decides)."""
    from gongdan.recovery.tasks import password_reset_mail

    email = (email or "").strip().lower()
    transaction.on_commit(lambda: password_reset_mail(email, language))


@transaction.atomic
def password_reset_mail_send(*, email: str, language: str) -> OutboxMessage | None:
    """In the worker: the link to the account with this address, or nothing for an unknown address."""
    user = accounts.password_reset_candidate(email=email)
    if user is None:
        return None
    token = accounts.password_reset_token(user=user)
    language = _language(user, language)
    minutes = policy().reset_link_minutes
    with translation.override(language):
        context = {
            "url": site_url(reverse("recovery:reset", args=[token])),
            "minutes": minutes,
            "name": user.name,
            "username": user.username,
            "language": language,
            "site": settings.GONGDAN_NAME,
        }
        subject = _("Reset your password") + " · " + str(settings.GONGDAN_NAME)
        key = f"password-reset-{user.pk}-{token[-16:]}"
        return outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            address=user.email,
            subject=subject,
            body_text=render_to_string("recovery/email/reset.txt", context),
            body_html=render_to_string("recovery/email/reset.html", context),
            headers=email_headers(key=key, kind=RESET_KIND, ticket=None),
            idempotency_key=key,
            kind=RESET_KIND,
            recipient=user,
        )


@transaction.atomic
def password_reset_finish(*, token: str, password: str, client_address: str) -> User:
    """Set the new password (the accounts service: policy, revocation, audit) and tell the person by mail,
    in the same transaction, so a rolled-back reset sends nothing."""
    user = accounts.password_reset_complete(token=token, password=password)
    language = _language(user, "")
    with translation.override(language):
        context = {
            "name": user.name,
            "username": user.username,
            "when": timezone.localtime(timezone.now()).strftime("%Y-%m-%d %H:%M %Z"),
            "address": client_address,
            "login_url": site_url(reverse("accounts:login")),
            "language": language,
        }
        key = f"password-reset-done-{user.pk}-{user.credentials_version}"
        outbox_enqueue(
            channel=OutboxMessage.Channel.EMAIL,
            address=user.email,
            subject=_("Your password was changed") + " · " + str(settings.GONGDAN_NAME),
            body_text=render_to_string("recovery/email/changed.txt", context),
            body_html=render_to_string("recovery/email/changed.html", context),
            headers=email_headers(key=key, kind=CHANGED_KIND, ticket=None),
            idempotency_key=key,
            kind=CHANGED_KIND,
            recipient=user,
        )
    return user
