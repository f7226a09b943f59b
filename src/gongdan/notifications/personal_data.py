"""What the notifications app holds about a person: the in-app notices they received, and their name in the
notices others received (an event's actor or requester, kept as text). Registered with
`gongdan.core.personal_data` from NotificationsConfig.ready()."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from gongdan.core.personal_data import Person, PersonalExport, json_needles, scrub_json
from gongdan.notifications.models import Notification


class NotificationsPersonalData:
    label = "notifications"

    def export(self, person: Person) -> PersonalExport:
        notices = Notification.objects.filter(user_id=person.user_id).order_by("pk")
        return PersonalExport(
            records={
                "notices_received": [
                    {
                        "kind": n.kind,
                        "data": n.data,
                        "created_at": n.created_at.isoformat(),
                        "read": n.read_at is not None,
                    }
                    for n in notices
                ]
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        deleted = Notification.objects.filter(user_id=person.user_id).delete()[0]
        identifiers = person.identifiers()
        scrubbed = 0
        if identifiers:
            mention = Q()
            for needle in json_needles(identifiers):
                mention |= Q(_raw__icontains=needle)
            rows = Notification.objects.annotate(_raw=Cast("data", models.TextField())).filter(mention)
            for pk, data in list(rows.values_list("pk", "data")):
                Notification.objects.filter(pk=pk).update(data=scrub_json(data, identifiers, pseudonym))
                scrubbed += 1
        return {"notices_deleted": deleted, "notices_scrubbed": scrubbed}
