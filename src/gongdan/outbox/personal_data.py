"""What the outbox holds about a person: the messages sent to them (address, subject, body), and their name in
messages sent to others. Registered with `gongdan.core.personal_data` from OutboxConfig.ready()."""

from __future__ import annotations

from django.db.models import Q

from gongdan.core.personal_data import Person, PersonalExport, scrub
from gongdan.outbox.models import OutboxMessage


def _theirs(person: Person) -> Q:
    condition = Q(recipient_id=person.user_id)
    if person.email:
        condition |= Q(address__iexact=person.email)
    return condition


class OutboxPersonalData:
    label = "outbox"

    def export(self, person: Person) -> PersonalExport:
        messages = OutboxMessage.objects.filter(_theirs(person)).order_by("pk")
        return PersonalExport(
            records={
                "messages_sent_to_them": [
                    {
                        "channel": m.channel,
                        "address": m.address,
                        "subject": m.subject,
                        "text": m.body_text,
                        "state": m.state,
                        "created_at": m.created_at.isoformat(),
                    }
                    for m in messages
                ]
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        deleted = OutboxMessage.objects.filter(_theirs(person)).delete()[0]
        identifiers = person.identifiers()
        scrubbed = 0
        if identifiers:
            mention = Q()
            for identifier in identifiers:
                mention |= Q(subject__icontains=identifier) | Q(body_text__icontains=identifier)
                mention |= Q(body_html__icontains=identifier) | Q(address__icontains=identifier)
            for message in OutboxMessage.objects.filter(mention):
                OutboxMessage.objects.filter(pk=message.pk).update(
                    subject=scrub(message.subject, identifiers, pseudonym)[:300],
                    body_text=scrub(message.body_text, identifiers, pseudonym),
                    body_html=scrub(message.body_html, identifiers, pseudonym),
                    address=scrub(message.address, identifiers, pseudonym),
                )
                scrubbed += 1
        return {"messages_deleted": deleted, "messages_scrubbed": scrubbed}
