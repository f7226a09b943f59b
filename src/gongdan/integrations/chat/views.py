"""The callback address each chat app gives its platform: /hooks/chat/<app id>/ (no session, no CSRF token:
the platform's signature is the authentication)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gongdan.integrations.chat import actions, inbound
from gongdan.integrations.models import ChatApp

log = logging.getLogger(__name__)


@csrf_exempt
def callback(request: HttpRequest, pk: int) -> HttpResponse:
    app = ChatApp.objects.filter(pk=pk, is_active=True).first()
    if app is None:
        return HttpResponse("unknown chat app\n", status=404, content_type="text/plain")
    try:
        received = inbound.read(app, request)
    except inbound.Refused as refused:
        log.warning("chat app %s: callback refused (%s)", app.pk, refused.reason)
        return HttpResponse(refused.reason + "\n", status=refused.status, content_type="text/plain")
    if received.kind in ("challenge", "other"):
        return inbound.reply(app, received, "", ok=True)
    try:
        entry = actions.record(app, received)
    except actions.Replayed:
        log.warning("chat app %s: callback %s seen before, refused", app.pk, received.key)
        return HttpResponse("already handled\n", status=409, content_type="text/plain")
    outcome = actions.handle(app, received, entry)
    return inbound.reply(app, received, outcome.text, ok=outcome.ok)
