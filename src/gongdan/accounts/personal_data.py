"""What the accounts app holds about a person: the profile, memberships and skills, API tokens, sign-in
records (django-axes). Registered with `gongdan.core.personal_data` from AccountsConfig.ready()."""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from gongdan.accounts.models import User
from gongdan.accounts.services import user_pseudonymise
from gongdan.api.models import ApiToken
from gongdan.core.personal_data import Person, PersonalExport


def person_of(user: User) -> Person:
    names = tuple(n for n in (user.display_name, f"{user.first_name} {user.last_name}".strip()) if n)
    return Person(user_id=user.pk, username=user.username, email=user.email, phone=user.phone, names=names)


class AccountsPersonalData:
    label = "accounts"

    def export(self, person: Person) -> PersonalExport:
        user = User.objects.select_related("organisation").get(pk=person.user_id)
        profile = {
            "username": user.username,
            "display_name": user.display_name,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "role": user.role,
            "language": user.language,
            "time_zone": user.time_zone,
            "organisation": str(user.organisation) if user.organisation else None,
            "teams": sorted(str(m.team) for m in user.memberships.select_related("team")),
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        }
        tokens = [
            {"name": t.name, "created_at": t.created_at.isoformat(), "revoked": t.revoked_at is not None}
            for t in ApiToken.objects.filter(user=user).order_by("pk")
        ]
        sign_ins = [
            {"at": a.attempt_time.isoformat(), "address": a.ip_address, "user_agent": a.user_agent}
            for a in AccessLog.objects.filter(username=user.username).order_by("-attempt_time")[:500]
        ]
        return PersonalExport(records={"profile": profile, "api_tokens": tokens, "sign_ins": sign_ins})

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        removed = 0
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            removed += model.objects.filter(username=person.username).delete()[0]
        user = User.objects.get(pk=person.user_id)
        user_pseudonymise(user=user, pseudonym=pseudonym)
        return {"users": 1, "sign_in_records": removed}
