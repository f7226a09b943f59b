"""The decision: which rule matches a ticket, who in its team may take it, and whom the strategy picks.

`decide` only reads (apart from the round-robin cursor when `lock=True`): the dry run calls it with
`lock=False` and writes nothing; `services.route_new_ticket` calls it with `lock=True` inside the creating
transaction, after locking the team's routing-state row, so loads and the cursor are read under that lock.
"""

from __future__ import annotations

import time as time_module
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongdan.accounts.models import STAFF_ROLES, AgentSkill, Membership, Team, User
from gongdan.assets.models import Location
from gongdan.routing.conditions import TicketFacts, compile_conditions
from gongdan.routing.models import (
    AgentPresence,
    PresenceStatus,
    RoutingRule,
    SkillRequirement,
    Strategy,
    TeamRoutingState,
    WorkPeriod,
    WorkSchedule,
)
from gongdan.routing.presence import great_circle_km, on_shift
from gongdan.tickets.models import Priority, Ticket
from gongdan.tickets.models.ticket import OPEN_STATUSES

MAX_LISTED_CANDIDATES = 20

# Why a member of the target team was not chosen (stable codes stored in events; labels for people).
EXCLUSIONS = {
    "excluded": _("returned the ticket"),
    "away": _("away"),
    "offline": _("offline"),
    "off_shift": _("off shift"),
    "at_cap": _("at cap"),
    "missing_skill": _("lacks a required skill"),
    "no_location": _("location unknown"),
}
OUTCOMES = {
    "assigned": _("assigned"),
    "no_rule": _("no rule matched"),
    "no_candidate": _("no agent available"),
}


@dataclass
class Candidate:
    user_id: int
    name: str
    open_count: int = 0
    load: float = 0.0
    score: float | None = None
    excluded: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def as_reason(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.user_id, "name": self.name, "open": self.open_count,
                                "load": round(self.load, 2)}  # fmt: skip
        if self.score is not None:
            data["score"] = round(self.score, 3)
        if self.excluded:
            data["excluded"] = self.excluded
        data.update(self.detail)
        return data


@dataclass
class Decision:
    rule: RoutingRule | None = None
    team: Team | None = None
    strategy: str = ""
    candidates: list[Candidate] = field(default_factory=list)
    chosen: Candidate | None = None
    chosen_user: User | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        if self.rule is None:
            return "no_rule"
        return "assigned" if self.chosen else "no_candidate"

    def listed(self) -> list[Candidate]:
        """The candidates an explanation names: the chosen one, then the other eligible ones best first,
        then the excluded ones; at most MAX_LISTED_CANDIDATES."""
        eligible = sorted(
            (c for c in self.candidates if not c.excluded and c is not self.chosen),
            key=lambda c: (c.score is None, c.score if c.score is not None else 0),
        )
        excluded = [c for c in self.candidates if c.excluded]
        return (([self.chosen] if self.chosen else []) + eligible + excluded)[:MAX_LISTED_CANDIDATES]

    def reason(self) -> dict[str, Any]:
        """What the ticket's ASSIGNED event stores: enough to explain the choice a year later."""
        excluded = [c for c in self.candidates if c.excluded]
        listed = self.listed()
        return {
            "by": "routing",
            "outcome": self.outcome,
            "rule": {"id": self.rule.pk, "name": self.rule.name} if self.rule else None,
            "team": {"id": self.team.pk, "label": str(self.team)} if self.team else None,
            "strategy": self.strategy,
            "chosen": self.chosen.as_reason() if self.chosen else None,
            "candidates": [c.as_reason() for c in listed],
            "candidates_total": len(self.candidates),
            "excluded_counts": dict(_count(c.excluded for c in excluded)),
            "notes": self.notes,
        }


def _count(codes: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for code in codes:
        counts[code] += 1
    return counts


@dataclass(frozen=True)
class CompiledRule:
    rule: RoutingRule
    matches: Callable[[TicketFacts], bool]


# What every decision needs from the configuration — the active rules (compiled), the priorities' weights and
# which teams are active — is read once per process and reused while one cheap fingerprint query says it is
# unchanged: every rule change bumps updated_at and deletes lower the count; priorities and teams are summed.
# The fingerprint itself is checked at most once a second per process (like the SLA rules): another process's
# change is seen within a second, this process's own at once (saving or deleting a rule, team or priority
# calls `forget_config`).
CONFIG_CHECK_SECONDS = 1.0
_config_cache: dict[str, Any] = {
    "key": None, "checked": 0.0, "rules": [], "weights": {}, "active_teams": frozenset(),
}  # fmt: skip


def forget_config(**_signal: Any) -> None:
    _config_cache.update(key=None, checked=0.0)


def _config() -> dict[str, Any]:
    now = time_module.monotonic()
    if _config_cache["key"] is not None and now - _config_cache["checked"] < CONFIG_CHECK_SECONDS:
        return _config_cache
    rule, priority, team = _table(RoutingRule), _table(Priority), _table(Team)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {rule}), (SELECT MAX(updated_at) FROM {rule}), "  # noqa: S608 — our own table names
            f"(SELECT MAX(id) FROM {rule}), (SELECT COUNT(*) FROM {priority}), "
            f"(SELECT SUM(id * 1000 + {connection.ops.quote_name('rank')}) FROM {priority}), "
            f"(SELECT COUNT(*) FROM {team} WHERE is_active = %s), (SELECT SUM(id) FROM {team} WHERE is_active = %s)",
            [True, True],
        )
        key = tuple(cursor.fetchone() or ())
    if _config_cache["key"] != key:
        rows = RoutingRule.objects.filter(is_active=True).order_by("position", "id")
        _config_cache.update(
            rules=[CompiledRule(r, compile_conditions(r.conditions)) for r in rows],
            weights=priority_weights(),
            active_teams=frozenset(Team.objects.filter(is_active=True).values_list("pk", flat=True)),
            key=key,
        )
    _config_cache["checked"] = now
    return _config_cache


def _active_rules() -> list[CompiledRule]:
    return _config()["rules"]  # type: ignore[no-any-return]


def matching_rule(facts: TicketFacts) -> RoutingRule | None:
    """The first active rule, in the admin's order, whose conditions all hold (of an active team). The
    rule returned is a copy: callers may not save it. Its team is loaded by `decide` with the members."""
    config = _config()
    active_teams = config["active_teams"]
    for compiled in config["rules"]:
        rule = compiled.rule
        if rule.team_id in active_teams and compiled.matches(facts):
            return RoutingRule(
                pk=rule.pk, name=rule.name, position=rule.position, is_active=True, conditions=rule.conditions,
                team_id=rule.team_id, strategy=rule.strategy, max_open_per_agent=rule.max_open_per_agent,
                updated_at=rule.updated_at,
            )  # fmt: skip
    return None


@dataclass
class _State:
    last_assignee_id: int | None
    decisions: int


def lock_team_state(team: Team | int) -> _State:
    """Lock the team's routing-state row (creating it on the team's first decision) and read it."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    team_id = team if isinstance(team, int) else team.pk
    sql = f"SELECT last_assignee_id, decisions FROM {_table(TeamRoutingState)} WHERE team_id = %s{lock}"  # noqa: S608 — our own table names
    with connection.cursor() as cursor:
        cursor.execute(sql, [team_id])
        row = cursor.fetchone()
        if row is None:  # a concurrent first decision may create it too: get_or_create copes, then lock
            TeamRoutingState.objects.get_or_create(team_id=team_id)
            cursor.execute(sql, [team_id])
            row = cursor.fetchone()
    return _State(row[0], row[1])


def _read_team_state(team_id: int) -> _State | None:
    row = (
        TeamRoutingState.objects.filter(team_id=team_id).values_list("last_assignee_id", "decisions").first()
    )
    return _State(row[0], row[1]) if row else None


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _in(values: Collection[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# The queries below run on every decision. They are plain SQL on purpose: building the equivalent ORM
# querysets (joins through membership → user → presence) cost more CPU than running them (measured with
# bench/routing.py: about a third of a decision). Table names come from the models.

_TEAM_FIELDS = list(Team._meta.concrete_fields)
_NAMES = len(User.NAME_COLUMNS)


def _members(
    team_id: int, now: datetime, exclude_ids: Collection[int], *, with_position: bool
) -> tuple[Team, list[Candidate]]:
    """The team (as it is now) and its active staff with their names and why each is excluded (away, offline,
    off shift). One round trip: a row per member (presence, names, the team's columns), then a row per weekly
    period of the schedules those members follow."""
    roles = sorted(STAFF_ROLES)
    quote = connection.ops.quote_name
    team_columns = ", ".join(f"t.{quote(str(f.column))}" for f in _TEAM_FIELDS)
    no_team = ", ".join(["NULL"] * len(_TEAM_FIELDS))
    names = ", ".join(f"u.{quote(c)}" for c in User.NAME_COLUMNS)
    no_names = ", ".join(["NULL"] * _NAMES)
    member_names = ", ".join(f"mem.{quote(c)}" for c in User.NAME_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH mem AS (SELECT m.user_id AS user_id, p.status AS status, p.schedule_id AS schedule_id, "  # noqa: S608 — our own table names
            f"p.latitude AS latitude, p.longitude AS longitude, {names} "
            f"FROM {_table(Membership)} m JOIN {_table(User)} u ON u.id = m.user_id "
            f"LEFT JOIN {_table(AgentPresence)} p ON p.user_id = m.user_id "
            f"WHERE m.team_id = %s AND u.is_active = %s AND u.role IN ({_in(roles)})) "
            f"SELECT 0, mem.user_id, mem.status, mem.schedule_id, mem.latitude, mem.longitude, {member_names}, "
            f"NULL, NULL, NULL, NULL, {team_columns} FROM mem JOIN {_table(Team)} t ON t.id = %s "
            f"UNION ALL SELECT 1, NULL, NULL, w.schedule_id, NULL, NULL, {no_names}, "
            f"w.weekday, w.start, w.{quote('end')}, s.time_zone, {no_team} "
            f"FROM {_table(WorkPeriod)} w JOIN {_table(WorkSchedule)} s ON s.id = w.schedule_id "
            f"WHERE w.schedule_id IN (SELECT schedule_id FROM mem WHERE schedule_id IS NOT NULL)",
            [team_id, True, *roles, team_id],
        )
        rows = cursor.fetchall()
    people = [row for row in rows if row[0] == 0]
    if not people:  # nobody to pick: the team alone
        return Team.objects.get(pk=team_id), []
    people.sort(key=lambda row: row[1])
    team = Team.from_db(connection.alias, [f.attname for f in _TEAM_FIELDS], people[0][10 + _NAMES :])
    periods: dict[int, list[_Period]] = defaultdict(list)
    zones: dict[int, str] = {}
    for row in rows:
        if row[0] == 1:
            schedule_id = row[3]
            periods[schedule_id].append(
                _Period(row[6 + _NAMES], _as_time(row[7 + _NAMES]), _as_time(row[8 + _NAMES]))
            )
            zones[schedule_id] = row[9 + _NAMES]
    shifts = {sid: on_shift(periods[sid], zone, now) for sid, zone in zones.items()}
    candidates = []
    for row in people:
        user_id, status, schedule_id, latitude, longitude = row[1:6]
        candidate = Candidate(user_id=user_id, name=User.name_from(*row[6 : 6 + _NAMES]))
        if with_position and latitude is not None and longitude is not None:
            candidate.detail["position"] = (float(latitude), float(longitude))
        if user_id in exclude_ids:
            candidate.excluded = "excluded"
        elif status in (PresenceStatus.AWAY, PresenceStatus.OFFLINE):
            candidate.excluded = str(status)
        elif schedule_id and not shifts.get(schedule_id, False):
            candidate.excluded = "off_shift"
        candidates.append(candidate)
    return team, candidates


@dataclass(frozen=True)
class _Period:
    weekday: int
    start: time
    end: time


def _as_time(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def priority_weights() -> dict[int, int]:
    """Open tickets weigh by urgency: the lowest priority counts 1, each rank above it one more
    (with P0–P4: P0 = 5 … P4 = 1)."""
    ranks = dict(Priority.objects.values_list("pk", "rank"))
    top = max(ranks.values(), default=0)
    return {pk: top - rank + 1 for pk, rank in ranks.items()}


def _fill_loads(candidates: list[Candidate], weights: dict[int, int], team: Team) -> None:
    """Open tickets (any team) and their priority-weighted load, for these candidates."""
    if not candidates:
        return
    by_id = {c.user_id: c for c in candidates}
    statuses = [str(s) for s in OPEN_STATUSES]
    # A few: by id. Many: by team membership (one parameter instead of hundreds).
    if len(by_id) <= 50:
        who, params = f"t.assignee_id IN ({_in(by_id)})", list(by_id)
    else:
        who, params = (
            f"t.assignee_id IN (SELECT user_id FROM {_table(Membership)} WHERE team_id = %s)",  # noqa: S608 — as above
            [team.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.assignee_id, t.priority_id, COUNT(*) FROM {_table(Ticket)} t "  # noqa: S608 — our own table names
            f"WHERE {who} AND t.status IN ({_in(statuses)}) GROUP BY t.assignee_id, t.priority_id",
            [*params, *statuses],
        )
        rows = cursor.fetchall()
    for c in candidates:
        c.open_count, c.load = 0, 0.0
    for assignee_id, priority_id, n in rows:
        candidate = by_id.get(assignee_id)
        if candidate is not None:
            candidate.open_count += n
            candidate.load += n * weights.get(priority_id, 1)


def _rank_least_loaded(eligible: list[Candidate]) -> list[Candidate]:
    for c in eligible:
        c.score = c.load
    return sorted(eligible, key=lambda c: (c.load, c.open_count, c.user_id))


def _rank_round_robin(eligible: list[Candidate], last_id: int | None) -> list[Candidate]:
    """The team in id order, starting after the last person who got a ticket."""
    ordered = sorted(eligible, key=lambda c: c.user_id)
    start = next((i for i, c in enumerate(ordered) if last_id is None or c.user_id > last_id), 0)
    rotation = ordered[start:] + ordered[:start]
    for distance, c in enumerate(rotation):
        c.score = float(distance)  # 0 = whose turn it is
    return rotation


def required_skills(facts: TicketFacts) -> dict[int, int]:
    """Skill id → minimum level the ticket needs, from its category (and the categories above it) and
    its custom field values. A requirement naming both applies when both hold."""
    keys = [k for k in facts.custom_values if k]
    rows = SkillRequirement.objects.filter(
        Q(category_id__in=facts.category_ids) | Q(category__isnull=True, field_key__in=keys)
    )
    needed: dict[int, int] = {}
    for req in rows:
        if req.category_id is not None and req.category_id not in facts.category_ids:
            continue
        if req.field_key:
            have = facts.custom_values.get(req.field_key)
            texts = [str(v).strip().lower() for v in (have if isinstance(have, list) else [have])]
            if req.field_value.strip().lower() not in texts:
                continue
        needed[req.skill_id] = max(needed.get(req.skill_id, 1), req.min_level)
    return needed


def _rank_skills(
    eligible: list[Candidate], team: Team, facts: TicketFacts, notes: list[str]
) -> list[Candidate] | None:
    """Those with every needed skill at the minimum level, best summed level first. None: the ticket needs
    no skill (the caller falls back to least loaded)."""
    needed = required_skills(facts)
    if not needed:
        notes.append("no_skills_required")
        return None
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    eligible_ids = {c.user_id for c in eligible}
    for user_id, skill_id, level in AgentSkill.objects.filter(
        skill_id__in=needed, user__memberships__team=team
    ).values_list("user_id", "skill_id", "level"):
        if user_id in eligible_ids:
            levels[user_id][skill_id] = level
    qualified = []
    for c in eligible:
        have = levels.get(c.user_id, {})
        if all(have.get(skill, 0) >= minimum for skill, minimum in needed.items()):
            c.score = float(sum(have[s] for s in needed))
            c.detail["skills"] = have
            qualified.append(c)
        else:
            c.excluded = "missing_skill"
    return sorted(qualified, key=lambda c: (-(c.score or 0), c.user_id))


def ticket_position(facts: TicketFacts) -> tuple[float, float] | None:
    """The ticket location's coordinates, or those of the nearest place above it that has them."""
    if not facts.location_ids:
        return None
    places = Location.objects.filter(
        pk__in=facts.location_ids, latitude__isnull=False, longitude__isnull=False
    ).values_list("path", "latitude", "longitude")
    deepest = max(places, key=lambda p: len(p[0]), default=None)
    if deepest is None or deepest[1] is None or deepest[2] is None:
        return None
    return (float(deepest[1]), float(deepest[2]))


def _rank_nearest(eligible: list[Candidate], facts: TicketFacts, notes: list[str]) -> list[Candidate] | None:
    """Those with a known position, nearest first. None: the ticket's place has no coordinates."""
    target = ticket_position(facts)
    if target is None:
        notes.append("ticket_location_unknown")
        return None
    located = []
    for c in eligible:
        position = c.detail.get("position")
        if position is None:
            c.excluded = "no_location"
            continue
        c.score = great_circle_km(target[0], target[1], position[0], position[1])
        c.detail["distance_km"] = round(c.score, 2)
        located.append(c)
    return sorted(located, key=lambda c: (c.score or 0.0, c.user_id))


CAP_BATCH = 25


def decide(ticket: Ticket, *, now: datetime, lock: bool, exclude_ids: Collection[int] = ()) -> Decision:
    facts = TicketFacts.of(ticket, now=now)
    rule = matching_rule(facts)
    if rule is None:
        return Decision()
    state = lock_team_state(rule.team_id) if lock else _read_team_state(rule.team_id)
    team, candidates = _members(
        rule.team_id, now, exclude_ids, with_position=rule.strategy == Strategy.NEAREST
    )
    rule.team = team
    decision = Decision(rule=rule, team=team, strategy=rule.strategy)
    decision.candidates = candidates
    eligible = [c for c in candidates if not c.excluded]
    loaded: set[int] = set()
    weights: dict[int, int] = _config_cache["weights"]

    def ensure_loads(some: list[Candidate]) -> None:
        missing = [c for c in some if c.user_id not in loaded]
        if missing:
            _fill_loads(missing, weights, team)
            loaded.update(c.user_id for c in missing)

    ranked: list[Candidate] | None = None
    if rule.strategy == Strategy.ROUND_ROBIN:
        ranked = _rank_round_robin(eligible, state.last_assignee_id if state else None)
    elif rule.strategy == Strategy.SKILLS:
        ranked = _rank_skills(eligible, team, facts, decision.notes)
    elif rule.strategy == Strategy.NEAREST:
        ranked = _rank_nearest(eligible, facts, decision.notes)
    if ranked is None:  # least loaded, or the fallback of skills/nearest
        ensure_loads(eligible)
        ranked = _rank_least_loaded(eligible)
    # Best first; the cap is checked in small batches so a big team's loads are read only when needed.
    cap = rule.max_open_per_agent
    chosen = None
    for start in range(0, len(ranked), CAP_BATCH):
        batch = ranked[start : start + CAP_BATCH]
        if cap is not None:
            ensure_loads(batch)
        for c in batch:
            if cap is not None and c.open_count >= cap:
                c.excluded = "at_cap"
                continue
            chosen = c
            break
        if chosen is not None:
            break
    for c in candidates:
        c.detail.pop("position", None)
    decision.chosen = chosen
    ensure_loads(decision.listed() if lock else candidates)
    decision.chosen_user = User.objects.get(pk=chosen.user_id) if chosen else None
    if chosen is not None and lock and state is not None:
        TeamRoutingState.objects.filter(team_id=team.pk).update(
            last_assignee_id=chosen.user_id, decisions=state.decisions + 1, updated_at=now
        )
    return decision
