"""What the portal holds about a person: sign-in links mailed to them. Registered with
`gongdan.core.personal_data` from PortalConfig.ready()."""

from __future__ import annotations

from django.db.models import Q

from gongdan.core.personal_data import Person, PersonalExport
from gongdan.portal.models import MagicLink


def _theirs(person: Person) -> Q:
    condition = Q(user_id=person.user_id)
    if person.email:
        condition |= Q(email__iexact=person.email)
    return condition


class PortalPersonalData:
    label = "portal"

    def export(self, person: Person) -> PersonalExport:
        links = MagicLink.objects.filter(_theirs(person)).order_by("pk")
        return PersonalExport(
            records={
                "sign_in_links": [
                    {
                        "email": link.email,
                        "created_at": link.created_at.isoformat(),
                        "used": link.used_at is not None,
                    }
                    for link in links
                ]
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        return {"sign_in_links": MagicLink.objects.filter(_theirs(person)).delete()[0]}
