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
from gongdan.accounts.models import User
from gongdan.notifications.kinds import site_url
from gongdan.notifications.services import email_headers
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_enqueue
from gongdan.recovery.mail import CHANGED_KIND, language_for
from gongdan.recovery.tasks import password_reset_mail


def password_reset_request(*, email: str, language: str) -> None:
    """Queue the mail for `email` (known or not: the task decides)."""
    password_reset_mail((email or "").strip().lower(), language)  # nothing written here to wait for


@transaction.atomic
def password_reset_finish(*, token: str, password: str, client_address: str) -> User:
    """Set the new password (the accounts service: policy, revocation, audit) and tell the person by mail,
    in the same transaction, so a rolled-back reset sends nothing."""
    user = accounts.password_reset_complete(token=token, password=password)
    language = language_for(user, "")
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
