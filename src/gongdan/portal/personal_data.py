"""What the portal holds about a person: sign-in links mailed to them, and the contact they left when they
reported without an account (by their email or phone). Registered with
`gongdan.core.personal_data` from PortalConfig.ready()."""

from __future__ import annotations

from django.db.models import Q

from gongdan.core.personal_data import Person, PersonalExport
from gongdan.portal.models import MagicLink, WalkUpReport


def _theirs(person: Person) -> Q:
    condition = Q(user_id=person.user_id)
    if person.email:
        condition |= Q(email__iexact=person.email)
    return condition


def _their_reports(person: Person) -> Q:
    condition = Q(ticket__requester_id=person.user_id) & ~Q(email="")
    if person.email:
        condition |= Q(email__iexact=person.email)
    if person.phone:
        condition |= Q(phone=person.phone)
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
                ],
                "reports_without_an_account": [
                    {"ticket": report.ticket.number, "name": report.name, "phone": report.phone,
                     "email": report.email, "created_at": report.created_at.isoformat()}
                    for report in WalkUpReport.objects.filter(_their_reports(person))
                    .select_related("ticket")
                    .order_by("pk")
                ],
            }
        )  # fmt: skip

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        # The report's row goes with its tracking link; the ticket itself is erased by the tickets app.
        return {
            "sign_in_links": MagicLink.objects.filter(_theirs(person)).delete()[0],
            "reports_without_an_account": WalkUpReport.objects.filter(_their_reports(person)).delete()[0],
        }
