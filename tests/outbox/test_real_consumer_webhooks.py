"""With a REAL Huey consumer: a ticket event reaches a webhook receiver through the rule engine and the
outbox, and a consumer killed with -9 while the receiver holds the request loses nothing: the next consumer
delivers it, with the same webhook-id, and then never again."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from tests.outbox.receivers import Receiver, verify_standard_webhook
from tests.outbox.test_real_consumer import site, start_consumer, stop, wait_for  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

SETUP = """
from gongdan.accounts.models import Team, User
from gongdan.outbox import services as outbox_services
from gongdan.notifications import services as notification_services
from gongdan.outbox.models import AllowedNetwork
from gongdan.notifications.models import NotificationRule
from gongdan.tickets.services import ticket_create

admin = User.objects.create_user("boss", email="boss@example.com", role="admin", language="en")
team = Team.objects.create(name="运维", name_en="Operations")
agent = User.objects.create_user("agent", email="agent@example.com", role="agent", language="en")
team.memberships.create(user=agent)
NotificationRule.objects.all().delete()
outbox_services.allow_list_set(actor=admin, entries=["127.0.0.1"])
hook = outbox_services.webhook_create(actor=admin, name="CRM", url=URL)
notification_services.rule_create(actor=admin, name="to CRM", event="created", recipients=[], channels=[], webhooks=[hook])
ticket = ticket_create(actor=agent, subject="Core switch down", team=team)
print("SETUP=" + json.dumps({"secret": hook.secret, "number": ticket.number}))
"""


def test_a_consumer_killed_mid_webhook_loses_nothing(site):  # noqa: F811 (the imported fixture)
    env, manage = site
    first = threading.Event()
    answered_at: list[float] = []

    def respond(got):
        if not first.is_set():  # the first attempt hangs: the consumer is killed while it waits
            first.set()
            time.sleep(4)
            return 500, b"too late", {}
        answered_at.append(time.time())
        return 200, b'{"ok":true}', {"Content-Type": "application/json"}

    receiver = Receiver(respond).start()
    consumer = start_consumer(env)
    try:
        script = "import json\nURL = " + json.dumps(receiver.url("/gongdan")) + "\n" + SETUP
        result = manage("shell", "-c", script)
        assert result.returncode == 0, result.stderr
        setup = json.loads(result.stdout.split("SETUP=")[1])
        assert wait_for(first.is_set, 30), "the consumer never called the webhook"
        os.killpg(consumer.pid, signal.SIGKILL)  # kill -9 while the receiver holds the request
        consumer.wait(timeout=10)
        consumer = start_consumer(env)
        # The lease (3 s here) runs out and the minute sweep takes the message over.
        assert wait_for(lambda: bool(answered_at), 80), "the webhook was never delivered"
        time.sleep(3)
    finally:
        stop(consumer)
        receiver.stop()
    assert len(receiver.requests) == 2
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(ids) == 1
    assert all(verify_standard_webhook(setup["secret"], r, tolerance=600) for r in receiver.requests)
    assert receiver.requests[1].json["data"]["ticket"]["number"] == setup["number"]
    state = manage("shell", "-c", "from gongdan.outbox.models import OutboxMessage as M;"
                   "print(list(M.objects.filter(channel='webhook').values_list('state', 'attempts')))")  # fmt: skip
    assert state.stdout.strip().splitlines()[-1] == "[('sent', 2)]", state.stdout + state.stderr
