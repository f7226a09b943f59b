"""What the intake channels hold about a person: the mails they sent (sender, subject, the raw message).
Registered with `gongdan.core.personal_data` from ChannelsConfig.ready()."""

from __future__ import annotations

from gongdan.channels.models import InboundMail
from gongdan.core.personal_data import Person, PersonalExport


class ChannelsPersonalData:
    label = "channels"

    def export(self, person: Person) -> PersonalExport:
        if not person.email:
            return PersonalExport()
        mails = InboundMail.objects.filter(sender__iexact=person.email).order_by("pk")
        return PersonalExport(
            records={
                "mails_received_from_them": [
                    {
                        "subject": m.subject,
                        "state": m.state,
                        "received_at": m.received_at.isoformat(),
                        "ticket": m.ticket.number if m.ticket else None,
                    }
                    for m in mails.select_related("ticket")
                ]
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        if not person.email:
            return {"mails": 0}
        # The tickets they opened stay (erased in the tickets app); the mail as received goes.
        return {"mails": InboundMail.objects.filter(sender__iexact=person.email).delete()[0]}
