"""What the automation app holds about a person: the values its rules wrote (a rule's run history keeps what
it changed, which can name the requester — "assigned to 王芳", a reply quoting an address), and the personal
macros an agent saved. Registered with `gongdan.core.personal_data` from AutomationConfig.ready().

Erasure takes the person's identifiers out of the run history (the run itself stays: which rule changed which
ticket is the site's record) and deletes the person's own macros; rule and macro versions name their author
through the user row, which the accounts app pseudonymises."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast

from gongdan.automation.models import Macro, RuleRun
from gongdan.core.personal_data import Person, PersonalExport, json_needles, scrub, scrub_json


class AutomationPersonalData:
    label = "automation"

    def export(self, person: Person) -> PersonalExport:
        macros = Macro.objects.filter(owner_id=person.user_id).order_by("pk")
        return PersonalExport(
            records={
                "personal_macros": [{"name": m.name, "body": m.body, "actions": m.actions} for m in macros]
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        macros = Macro.objects.filter(owner_id=person.user_id).delete()[0]
        identifiers = person.identifiers()
        runs = 0
        if identifiers:
            mention = Q(pk__in=[])
            for needle in json_needles(identifiers):
                mention |= Q(_raw__icontains=needle)
            for identifier in identifiers:
                mention |= Q(message__icontains=identifier)
            rows = RuleRun.objects.annotate(_raw=Cast("changes", models.TextField())).filter(mention)
            for pk, changes, message in list(rows.values_list("pk", "changes", "message")):
                RuleRun.objects.filter(pk=pk).update(
                    changes=scrub_json(changes, identifiers, pseudonym),
                    message=scrub(message, identifiers, pseudonym),
                )
                runs += 1
        return {"personal_macros_deleted": macros, "rule_runs_scrubbed": runs}
