"""Every change to automation rules and macros (rule 1 of DESIGN), each recorded as a version (who, when, a
diff) that can be reverted; the dry run; applying a macro to one ticket or many; export and import as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import Team, User
from gongdan.accounts.services import require_admin
from gongdan.audit.services import audit_configuration_change
from gongdan.automation import actions as action_types
from gongdan.automation import references, templating, triggers
from gongdan.automation.conditions import Subject, clean_conditions
from gongdan.automation.engine import compile_rule, fresh_ticket
from gongdan.automation.events import MACRO_APPLIED
from gongdan.automation.models import ConfigVersion, Macro, Rule
from gongdan.automation.timed import add_business_days, calendar_for
from gongdan.core.config_cache import configuration_changed
from gongdan.core.domain_errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from gongdan.sla.models import BusinessCalendar
from gongdan.tickets.access import can_work
from gongdan.tickets.models import Status, Ticket, TicketEvent
from gongdan.tickets.services import append_event, lock_ticket, ticket_comment

MAX_NAME = 120
MAX_DESCRIPTION = 500
MAX_WAIT_DAYS = 365
MAX_BULK = 200
DRY_RUN_DAYS = 30
DRY_RUN_LIMIT = 50
EXPORT_FORMAT = "gongdan.automation/1"

RULE_FIELDS = ("name", "description", "trigger", "conditions", "actions", "position", "is_active", "wait_status",
               "wait_business_days", "calendar_id")  # fmt: skip
MACRO_FIELDS = ("name", "body", "reply_kind", "actions", "visibility", "team_id", "owner_id", "is_active")


# --- versions -------------------------------------------------------------------------------------------------


def _snapshot(row: Rule | Macro) -> dict[str, Any]:
    names = RULE_FIELDS if isinstance(row, Rule) else MACRO_FIELDS
    return {name: getattr(row, name) for name in names}


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {
        k: [before.get(k), after.get(k)] for k in sorted({*before, *after}) if before.get(k) != after.get(k)
    }


def _version(
    row: Rule | Macro, *, actor: User | None, action: str, before: Mapping[str, Any]
) -> ConfigVersion:
    kind = ConfigVersion.Kind.RULE if isinstance(row, Rule) else ConfigVersion.Kind.MACRO
    after = _snapshot(row) if action != "deleted" else {}
    version = row.version + 1 if action == "deleted" else row.version  # the deletion is a version of its own
    # The audit trail gets every version too: the versions screen is for reverting, the trail for the auditor.
    audit_configuration_change(actor=actor, instance=row, before=dict(before) if action != "created" else None,
                               after=after if action != "deleted" else None, object_id=row.pk)  # fmt: skip
    return ConfigVersion.objects.create(kind=kind, object_id=row.pk, version=version, action=action,
                                        snapshot=after or dict(before), diff=_diff(before, after), actor=actor)  # fmt: skip


# --- rules ----------------------------------------------------------------------------------------------------


def _clean_rule(values: Mapping[str, Any], *, rule: Rule | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(max)d characters.") % {"max": MAX_NAME}]
    elif Rule.objects.filter(name=name).exclude(pk=rule.pk if rule else 0).exists():
        errors["name"] = [_("Another rule is called “%(name)s”.") % {"name": name}]
    description = str(values.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("At most %(max)d characters.") % {"max": MAX_DESCRIPTION}]
    trigger = str(values.get("trigger") or "")
    if trigger not in dict(triggers.choices()):
        errors["trigger"] = [_("Choose what starts the rule.")]
    cleaned: dict[str, Any] = {"name": name, "description": description, "trigger": trigger,
                               "wait_status": "", "wait_business_days": None, "calendar": None}  # fmt: skip
    if trigger == triggers.TIME:
        status = str(values.get("wait_status") or "")
        if status not in Status.values:
            errors["wait_status"] = [_("Choose the status the ticket waits in.")]
        days = values.get("wait_business_days")
        try:
            days = int(days)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= MAX_WAIT_DAYS:
            errors["wait_business_days"] = [_("Enter 1 to %(max)d business days.") % {"max": MAX_WAIT_DAYS}]
        calendar = values.get("calendar")
        if calendar is not None and not isinstance(calendar, BusinessCalendar):
            calendar = (
                BusinessCalendar.objects.filter(pk=calendar).first() if str(calendar).isdigit() else None
            )
            if calendar is None:
                errors["calendar"] = [_("Unknown calendar.")]
        cleaned.update(wait_status=status, wait_business_days=days, calendar=calendar)
    try:
        cleaned["conditions"] = clean_conditions(values.get("conditions"))
    except ValidationFailed as exc:
        errors.update(exc.details)
    try:
        cleaned["actions"] = action_types.clean_actions(values.get("actions"))
    except ValidationFailed as exc:
        errors.update(exc.details)
    if errors:
        raise ValidationFailed(_("The rule is not valid."), details=errors)
    return cleaned


@transaction.atomic
def rule_create(*, actor: User | None, **values: Any) -> Rule:
    """A new rule, switched off: it is switched on after a dry run of it (`rule_set_active`)."""
    if actor is not None:
        require_admin(actor)
    cleaned = _clean_rule(values, rule=None)
    position = (Rule.objects.aggregate(top=Max("position"))["top"] or 0) + 10
    try:
        with transaction.atomic():
            rule = Rule.objects.create(**cleaned, position=position, is_active=False)
    except IntegrityError:
        message = _("Another rule is called “%(name)s”.") % {"name": cleaned["name"]}
        raise ValidationFailed(message, details={"name": [message]}) from None
    _version(rule, actor=actor, action="created", before={})
    return rule


@transaction.atomic
def rule_update(*, actor: User | None, rule: Rule, **values: Any) -> Rule:
    """Change a rule. An active rule stays active; its new version should be dry-run again (the screen says)."""
    if actor is not None:
        require_admin(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    before = _snapshot(rule)
    for name, value in _clean_rule(values, rule=rule).items():
        setattr(rule, name, value)
    if _snapshot(rule) == before:
        return rule
    rule.version += 1
    rule.loop_warning, rule.loop_warning_at = "", None
    rule.updated_at = timezone.now()
    rule.save()
    _version(rule, actor=actor, action="updated", before=before)
    return rule


@transaction.atomic
def rule_set_active(*, actor: User | None, rule: Rule, is_active: bool) -> Rule:
    if actor is not None:
        require_admin(actor)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if is_active == rule.is_active:
        return rule
    if is_active and rule.dry_run_version != rule.version:
        raise Conflict(_("Try the rule with a dry run before you switch it on."), code="dry_run_required")
    before = _snapshot(rule)
    rule.is_active = is_active
    rule.version += 1
    rule.dry_run_version = rule.version if is_active else rule.dry_run_version
    rule.updated_at = timezone.now()
    rule.save()
    _version(rule, actor=actor, action="updated", before=before)
    return rule


@transaction.atomic
def rule_move(*, actor: User | None, rule: Rule, direction: str) -> Rule:
    """Swap with the rule before ("up") or after ("down") it in the order."""
    if actor is not None:
        require_admin(actor)
    ordered = list(Rule.objects.select_for_update().order_by("position", "pk"))
    index = next(i for i, r in enumerate(ordered) if r.pk == rule.pk)
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move up or down."), details={"direction": [_("Use up or down.")]})
    if not 0 <= other < len(ordered):
        return ordered[index]
    before = {"order": [r.name for r in ordered]}
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered, start=1):
        if row.position != position * 10:
            Rule.objects.filter(pk=row.pk).update(position=position * 10)
    moved = Rule.objects.get(pk=rule.pk)
    audit_configuration_change(actor=actor, instance=moved, before=before,
                               after={"order": [r.name for r in ordered]})  # fmt: skip
    configuration_changed()
    return moved


@transaction.atomic
def rule_delete(*, actor: User | None, rule: Rule) -> None:
    if actor is not None:
        require_admin(actor)
    before = _snapshot(rule)
    _version(rule, actor=actor, action="deleted", before=before)
    rule.delete()


@transaction.atomic
def rule_revert(*, actor: User | None, rule: Rule, version: int) -> Rule:
    """Make the rule what it was at `version` (a new version; it stays switched off until dry-run again if
    the old version was not active)."""
    old = ConfigVersion.objects.filter(
        kind=ConfigVersion.Kind.RULE, object_id=rule.pk, version=version
    ).first()
    if old is None:
        raise NotFound(_("That version does not exist."))
    snapshot = dict(old.snapshot)
    values = {k: v for k, v in snapshot.items() if k not in ("position", "is_active", "calendar_id")}
    values["calendar"] = snapshot.get("calendar_id")
    rule = rule_update(actor=actor, rule=rule, **values)
    if rule.is_active and not snapshot.get("is_active"):
        rule = rule_set_active(actor=actor, rule=rule, is_active=False)
    latest = (
        ConfigVersion.objects.filter(kind=ConfigVersion.Kind.RULE, object_id=rule.pk).order_by("-pk").first()
    )
    if latest is not None and latest.action == "updated":
        ConfigVersion.objects.filter(pk=latest.pk).update(action="reverted")
    return rule


# --- the dry run ----------------------------------------------------------------------------------------------


@dataclass
class DryRunLine:
    number: str
    subject: str
    matched: bool
    changes: list[str] = field(default_factory=list)
    due_at: datetime | None = None


@dataclass
class DryRun:
    rule_id: int
    version: int
    tried: int
    matched: int
    lines: list[DryRunLine]


def rule_dry_run(
    *, actor: User | None, rule: Rule, limit: int = DRY_RUN_LIMIT, days: int = DRY_RUN_DAYS
) -> DryRun:
    """What the rule would do to the tickets changed in the last `days` (at most `limit`, newest first): which
    match (against the latest event of the rule's trigger on each) and what each would change. Changes no
    ticket; remembers that this version was tried (so it may be switched on)."""
    if actor is not None:
        require_admin(actor)
    compiled = compile_rule(rule)
    since = timezone.now() - timedelta(days=max(1, min(days, 365)))
    ids = list(Ticket.objects.filter(updated_at__gte=since).order_by("-updated_at", "-pk")
               .values_list("pk", flat=True)[: max(1, min(limit, 500))])  # fmt: skip
    latest: dict[int, TicketEvent] = {}
    kinds = triggers.kinds_of(rule.trigger)
    if kinds and ids:
        for event in TicketEvent.objects.filter(ticket_id__in=ids, kind__in=kinds).order_by("pk"):
            latest[event.ticket_id] = event
    lines: list[DryRunLine] = []
    now = timezone.now()
    for ticket_id in ids:
        ticket = fresh_ticket(ticket_id)
        line = DryRunLine(number=ticket.number, subject=ticket.subject, matched=False)
        if rule.trigger == triggers.TIME:
            if ticket.status == rule.wait_status and compiled.check(Subject(ticket)):
                started = _episode_start(ticket, rule.wait_status)
                line.due_at = add_business_days(calendar_for(compiled), started, compiled.wait_business_days)
                line.matched = line.due_at <= now
        elif ticket_id in latest:
            line.matched = compiled.check(Subject(ticket, latest[ticket_id]))
        if line.matched or line.due_at:
            tags = [t.name for t in ticket.tags.all()]
            line.changes = [
                p for p in (action_types.plan(a, ticket, tags=tags) for a in compiled.actions) if p
            ]
        lines.append(line)
    Rule.objects.filter(pk=rule.pk, version=rule.version).update(dry_run_version=rule.version)
    rule.dry_run_version = rule.version
    return DryRun(rule_id=rule.pk, version=rule.version, tried=len(lines),
                  matched=sum(1 for line in lines if line.matched), lines=lines)  # fmt: skip


def _episode_start(ticket: Ticket, status: str) -> datetime:
    moved = (TicketEvent.objects.filter(ticket=ticket)
             .filter(Q(kind="transitioned", data__to=status) | Q(kind="assigned", data__to__status=status))
             .order_by("-pk").values_list("created_at", flat=True).first())  # fmt: skip
    return moved or ticket.created_at


# --- macros ---------------------------------------------------------------------------------------------------


def _clean_macro(values: Mapping[str, Any], *, actor: User | None, macro: Macro | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        errors["name"] = [_("This field is required.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(max)d characters.") % {"max": MAX_NAME}]
    body = templating.check_template(values.get("body"), errors, "body", required=False)
    reply_kind = str(values.get("reply_kind") or Macro.ReplyKind.PUBLIC)
    if reply_kind not in Macro.ReplyKind.values:
        errors["reply_kind"] = [_("Choose a public reply or an internal note.")]
    visibility = str(values.get("visibility") or Macro.Visibility.PERSONAL)
    team = values.get("team")
    if visibility not in Macro.Visibility.values:
        errors["visibility"] = [_("Choose who may use it.")]
    elif visibility == Macro.Visibility.TEAM:
        if team is not None and not isinstance(team, Team):
            team = Team.objects.filter(pk=team).first() if str(team).isdigit() else None
        if team is None:
            errors["team"] = [_("Choose the team that shares it.")]
        elif actor is not None and not actor.is_admin and not actor.memberships.filter(team=team).exists():
            errors["team"] = [_("You can share a macro only with a team you belong to.")]
    else:
        team = None
    if visibility == Macro.Visibility.EVERYONE and actor is not None and not actor.is_admin:
        errors["visibility"] = [_("Only administrators share macros with everyone.")]
    try:
        macro_actions = action_types.clean_actions(values.get("actions"), allowed=action_types.MACRO_TYPES,
                                                   required=False)  # fmt: skip
    except ValidationFailed as exc:
        errors.update(exc.details)
        macro_actions = []
    if not errors and not body and not macro_actions:
        errors["body"] = [_("Write a reply or add a field change.")]
    if errors:
        raise ValidationFailed(_("The macro is not valid."), details=errors)
    return {"name": name, "body": body, "reply_kind": reply_kind, "visibility": visibility, "team": team,
            "actions": macro_actions, "is_active": bool(values.get("is_active", True))}  # fmt: skip


def _require_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff use macros."))


def may_edit_macro(actor: User, macro: Macro) -> bool:
    return actor.is_admin or macro.owner_id == actor.pk


def may_use_macro(actor: User, macro: Macro) -> bool:
    if not macro.is_active or not actor.is_staff_member:
        return False
    if macro.visibility == Macro.Visibility.EVERYONE or macro.owner_id == actor.pk:
        return True
    return (
        macro.visibility == Macro.Visibility.TEAM
        and macro.team_id is not None
        and actor.memberships.filter(team_id=macro.team_id).exists()
    )


@transaction.atomic
def macro_create(*, actor: User | None, owner: User | None = None, **values: Any) -> Macro:
    """A macro owned by its author; the system (`actor=None`: the demo, an import script) names the owner."""
    if actor is not None:
        _require_staff(actor)
    owner = actor or owner
    if owner is None:
        raise ValidationFailed(
            _("This field is required."), details={"owner": [_("This field is required.")]}
        )
    macro = Macro.objects.create(owner=owner, **_clean_macro(values, actor=actor, macro=None))
    _version(macro, actor=actor, action="created", before={})
    return macro


@transaction.atomic
def macro_update(*, actor: User, macro: Macro, **values: Any) -> Macro:
    _require_staff(actor)
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    if not may_edit_macro(actor, macro):
        raise PermissionDenied(_("Only its owner or an administrator can change this macro."))
    before = _snapshot(macro)
    for name, value in _clean_macro(values, actor=actor, macro=macro).items():
        setattr(macro, name, value)
    if _snapshot(macro) == before:
        return macro
    macro.version += 1
    macro.updated_at = timezone.now()
    macro.save()
    _version(macro, actor=actor, action="updated", before=before)
    return macro


@transaction.atomic
def macro_delete(*, actor: User, macro: Macro) -> None:
    if not may_edit_macro(actor, macro):
        raise PermissionDenied(_("Only its owner or an administrator can delete this macro."))
    _version(macro, actor=actor, action="deleted", before=_snapshot(macro))
    macro.delete()


@transaction.atomic
def macro_revert(*, actor: User, macro: Macro, version: int) -> Macro:
    old = ConfigVersion.objects.filter(
        kind=ConfigVersion.Kind.MACRO, object_id=macro.pk, version=version
    ).first()
    if old is None:
        raise NotFound(_("That version does not exist."))
    values = {k: v for k, v in old.snapshot.items() if k not in ("owner_id", "team_id")}
    values["team"] = old.snapshot.get("team_id")
    macro = macro_update(actor=actor, macro=macro, **values)
    ConfigVersion.objects.filter(kind=ConfigVersion.Kind.MACRO, object_id=macro.pk, version=macro.version,
                                 action="updated").update(action="reverted")  # fmt: skip
    return macro


@dataclass
class MacroResult:
    number: str
    ok: bool
    changes: list[str] = field(default_factory=list)
    error: str = ""
    code: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def macro_apply(
    *, actor: User, macro: Macro, ticket: Ticket, expected_version: int | None = None
) -> MacroResult:
    """The macro's field changes, then its reply or note, on one ticket as the agent: all of it or nothing
    (a refused value rolls the whole ticket back and raises). With `expected_version`, a ticket changed since
    the agent read it is refused (Conflict) rather than answered from a stale page."""
    if not may_use_macro(actor, macro):
        raise NotFound(_("Macro not found."))
    if not can_work(actor, ticket):
        raise NotFound(_("Ticket not found."))
    context = action_types.Context(actor=actor, author=actor, key=f"m{macro.pk}", agent_name=actor.name,
                                   source={"macro": macro.pk, "name": macro.name})  # fmt: skip
    done: list[str] = []
    current = lock_ticket(ticket, expected_version=expected_version)
    for action in macro.actions:
        current, described = action_types.apply(action, fresh_ticket(current.pk), context)
        if described:
            done.append(described)
    if macro.body.strip():
        current = fresh_ticket(current.pk)
        body = templating.render(macro.body, current, agent=actor.name)
        ticket_comment(
            actor=actor, ticket=current, body=body, is_internal=macro.reply_kind == Macro.ReplyKind.NOTE
        )
        done.append(_("added an internal note") if macro.reply_kind == Macro.ReplyKind.NOTE else _("replied"))
    append_event(lock_ticket(current, expected_version=None), actor=actor, kind=MACRO_APPLIED, is_internal=True,
                 data={"macro": {"id": macro.pk, "label": macro.name}, "changes": done})  # fmt: skip
    return MacroResult(number=current.number, ok=True, changes=done)


def macro_apply_bulk(
    *, actor: User, macro: Macro, numbers: Sequence[str], versions: Mapping[str, int] | None = None
) -> list[MacroResult]:
    """The macro on many tickets, each in its own transaction: a ticket that refuses a change is left as it was
    and reported with the reason; the others are done. `versions` (number → the version the agent saw, the
    queue's bulk bar) reports a ticket changed since as a conflict instead of applying to it."""
    if not may_use_macro(actor, macro):
        raise NotFound(_("Macro not found."))
    wanted = list(dict.fromkeys(str(n).strip() for n in numbers if str(n).strip()))
    if not wanted:
        raise ValidationFailed(
            _("Choose at least one ticket."), details={"tickets": [_("Choose at least one ticket.")]}
        )
    if len(wanted) > MAX_BULK:
        message = _("At most %(max)d tickets at a time.") % {"max": MAX_BULK}
        raise ValidationFailed(message, details={"tickets": [message]})
    found = {t.number: t for t in Ticket.objects.filter(number__in=wanted)}
    results: list[MacroResult] = []
    for number in wanted:
        ticket = found.get(number)
        if ticket is None:
            results.append(
                MacroResult(number=number, ok=False, error=str(_("Ticket not found.")), code="not_found")
            )
            continue
        try:
            results.append(macro_apply(actor=actor, macro=macro, ticket=ticket,
                                       expected_version=(versions or {}).get(number)))  # fmt: skip
        except DomainError as exc:
            results.append(MacroResult(number=number, ok=False, error=str(exc.message), code=exc.code,
                                       details=exc.details))  # fmt: skip
    return results


# --- export and import ----------------------------------------------------------------------------------------


def config_export(*, actor: User | None) -> dict[str, Any]:
    """Every rule and every shared macro, with references by natural key (automation.references)."""
    if actor is not None:
        require_admin(actor)
    rules = []
    for rule in Rule.objects.order_by("position", "pk"):
        conditions, rule_actions = references.export_refs(list(rule.conditions), list(rule.actions))
        rules.append({"name": rule.name, "description": rule.description, "trigger": rule.trigger,
                      "conditions": conditions, "actions": rule_actions, "is_active": rule.is_active,
                      "wait_status": rule.wait_status, "wait_business_days": rule.wait_business_days,
                      "calendar": references.natural("calendar", rule.calendar_id) if rule.calendar_id else None})  # fmt: skip
    macros = []
    for macro in Macro.objects.exclude(visibility=Macro.Visibility.PERSONAL).order_by("name", "pk"):
        _conditions, macro_actions = references.export_refs([], list(macro.actions))
        macros.append({"name": macro.name, "body": macro.body, "reply_kind": macro.reply_kind,
                       "actions": macro_actions, "visibility": macro.visibility, "is_active": macro.is_active,
                       "team": references.natural("team", macro.team_id) if macro.team_id else None})  # fmt: skip
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now().isoformat(),
        "rules": rules,
        "macros": macros,
    }


@dataclass
class ImportSummary:
    rules_created: int = 0
    rules_updated: int = 0
    macros_created: int = 0
    macros_updated: int = 0


def _items(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationFailed(
            _("“%(key)s” must be a list of objects.") % {"key": key}, details={"file": [key]}
        )
    return items


@transaction.atomic
def config_import(*, actor: User, data: Any) -> ImportSummary:
    """Create or update rules (by name) and shared macros (by name, owned by the importer). All or nothing.
    Imported rules arrive switched off: each is dry-run and switched on on this site."""
    require_admin(actor)
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        message = _("This is not an automation export (format %(format)s).") % {"format": EXPORT_FORMAT}
        raise ValidationFailed(message, details={"file": [message]})
    summary = ImportSummary()
    for index, item in enumerate(_items(data, "rules")):
        resolver = references.Resolver()
        conditions, rule_actions = references.import_refs(list(item.get("conditions") or []),
                                                          list(item.get("actions") or []), resolver)  # fmt: skip
        calendar = resolver("calendar", item.get("calendar")) if item.get("calendar") else None
        resolver.check(_("Rule %(n)d (%(name)s)") % {"n": index + 1, "name": item.get("name", "")})
        values = {**{k: item.get(k) for k in ("name", "description", "trigger", "wait_status",
                                              "wait_business_days")},
                  "conditions": conditions, "actions": rule_actions, "calendar": calendar}  # fmt: skip
        existing = Rule.objects.filter(name=" ".join(str(item.get("name") or "").split())).first()
        try:
            if existing is None:
                rule = rule_create(actor=actor, **values)
                summary.rules_created += 1
            else:
                rule = rule_update(actor=actor, rule=existing, **values)
                rule = rule_set_active(actor=actor, rule=rule, is_active=False)
                summary.rules_updated += 1
        except ValidationFailed as exc:
            raise ValidationFailed(_("Rule %(n)d (%(name)s): %(message)s") % {
                "n": index + 1, "name": item.get("name", ""), "message": exc.message},
                details={f"rules.{index}.{k}": v for k, v in exc.details.items()}) from None  # fmt: skip
        ConfigVersion.objects.filter(kind=ConfigVersion.Kind.RULE, object_id=rule.pk, version=rule.version
                                     ).update(action="imported")  # fmt: skip
    for index, item in enumerate(_items(data, "macros")):
        resolver = references.Resolver()
        _conditions, macro_actions = references.import_refs([], list(item.get("actions") or []), resolver)
        team = resolver("team", item.get("team")) if item.get("team") else None
        resolver.check(_("Macro %(n)d (%(name)s)") % {"n": index + 1, "name": item.get("name", "")})
        macro_values: dict[str, Any] = {**{k: item.get(k) for k in ("name", "body", "reply_kind", "visibility", "is_active")},
                                  "actions": macro_actions, "team": team}  # fmt: skip
        existing_macro = Macro.objects.exclude(visibility=Macro.Visibility.PERSONAL).filter(
            name=" ".join(str(item.get("name") or "").split())).first()  # fmt: skip
        try:
            if existing_macro is None:
                macro_create(actor=actor, **macro_values)
                summary.macros_created += 1
            else:
                macro_update(actor=actor, macro=existing_macro, **macro_values)
                summary.macros_updated += 1
        except ValidationFailed as exc:
            raise ValidationFailed(_("Macro %(n)d (%(name)s): %(message)s") % {
                "n": index + 1, "name": item.get("name", ""), "message": exc.message},
                details={f"macros.{index}.{k}": v for k, v in exc.details.items()}) from None  # fmt: skip
    return summary
