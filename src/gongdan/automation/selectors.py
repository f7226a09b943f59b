"""Reads of automation rules and macros that depend on who asks."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.automation.models import ConfigVersion, Macro, Rule, RuleRun
from gongdan.core.domain_errors import NotFound
from gongdan.tickets.access import team_ids

MAX_HISTORY = 200


def rule_list() -> QuerySet[Rule]:
    return Rule.objects.order_by("position", "pk")


def rule_runs(*, rule: Rule, limit: int = 50, before_id: int | None = None) -> list[RuleRun]:
    runs = RuleRun.objects.filter(rule=rule).select_related("ticket", "event")
    if before_id is not None:
        runs = runs.filter(pk__lt=before_id)
    return list(runs.order_by("-pk")[: max(1, min(limit, MAX_HISTORY))])


def versions(*, kind: str, object_id: int) -> list[ConfigVersion]:
    rows = ConfigVersion.objects.filter(kind=kind, object_id=object_id).select_related("actor")
    return list(rows.order_by("-version", "-pk")[:MAX_HISTORY])


def macros_usable(*, actor: User) -> QuerySet[Macro]:
    """The active macros this person may apply: their own, their teams', everyone's."""
    if not actor.is_active or not actor.is_staff_member:
        return Macro.objects.none()
    return (
        Macro.objects.filter(is_active=True)
        .filter(
            Q(visibility=Macro.Visibility.EVERYONE)
            | Q(owner=actor)
            | Q(visibility=Macro.Visibility.TEAM, team_id__in=team_ids(actor))
        )
        .order_by("name", "pk")
    )


def macros_editable(*, actor: User) -> QuerySet[Macro]:
    """What the macros screen lists: an admin sees every shared macro and their own; others their own and
    those they may use."""
    if actor.is_admin:
        return Macro.objects.filter(~Q(visibility=Macro.Visibility.PERSONAL) | Q(owner=actor)).select_related(
            "team", "owner"
        )
    return macros_usable(actor=actor).select_related("team", "owner")


def macro_get(*, actor: User, macro_id: int) -> Macro:
    macro = macros_editable(actor=actor).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("Macro not found."))
    return macro
