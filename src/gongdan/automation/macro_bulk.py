"""The queue bulk bar's "Apply macro" (registered with tickets.bulk): the macros the agent may use, applied to
the ticked tickets through `services.macro_apply_bulk`, the same door as `POST /macros/{id}/apply-bulk`. A ticket
changed since the agent loaded the queue, or one the agent may not work, is skipped and named with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gongdan.accounts.models import User
from gongdan.automation import services
from gongdan.automation.selectors import macros_usable
from gongdan.core.domain_errors import ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.tickets.bulk import BulkOperation, BulkOutcome

KEY = "macro"


def picker_context(actor: User) -> dict[str, Any]:
    macros = list(macros_usable(actor=actor).only("pk", "name", "body", "actions", "reply_kind"))
    return {"macros": [(macro.pk, macro.name, macro.action_count) for macro in macros]}


def apply_to_ticked(
    actor: User, post: QueryDict, numbers: list[str], versions: Mapping[str, int]
) -> BulkOutcome:
    macro_id = parse_id(post.get("macro", ""))
    macro = macros_usable(actor=actor).filter(pk=macro_id).first() if macro_id is not None else None
    if macro is None:
        raise ValidationFailed(
            _("Choose a macro you may use."), details={"macro": [_("Choose a macro you may use.")]}
        )
    results = services.macro_apply_bulk(actor=actor, macro=macro, numbers=numbers, versions=versions)
    applied = sum(1 for result in results if result.ok)
    summary = ngettext(
        "Macro “%(macro)s” applied to %(count)d ticket.",
        "Macro “%(macro)s” applied to %(count)d tickets.",
        applied,
    ) % {"macro": macro.name, "count": applied}
    return BulkOutcome(
        applied, summary, [(result.number, result.error) for result in results if not result.ok]
    )


OPERATION = BulkOperation(KEY, "automation/_bulk_macro.html", picker_context, apply_to_ticked)
