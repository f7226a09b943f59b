"""The mails of the password reset, written to the outbox in the caller's transaction (decision 0119)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
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


def language_for(user: User | None, asked_in: str) -> str:
    if user is not None and user.language in Language.values:
        return user.language
    return asked_in if asked_in in Language.values else settings.LANGUAGE_CODE


@transaction.atomic
def password_reset_mail_send(*, email: str, language: str) -> OutboxMessage | None:
    """In the worker: the link to the account with this address, or nothing for an unknown address."""
    user = accounts.password_reset_candidate(email=email)
    if user is None:
        return None
    token = accounts.password_reset_token(user=user)
    language = language_for(user, language)
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
