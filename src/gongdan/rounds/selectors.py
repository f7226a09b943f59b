"""Reads that depend on who asks: the technician's rounds of the day, one run stop by stop, and the run
reports (skipped stops, out-of-limit values, timings, corrective work orders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.maintenance.models import ChecklistStep
from gongdan.rounds.models import Round, RoundRun, RunStatus, StopAnswer, StopVisit, VisitStatus
from gongdan.rounds.services import may_run

PAGE_SIZE = 50
OPEN = (RunStatus.SCHEDULED, RunStatus.IN_PROGRESS)
STATES = ("all", "open", "missed", "late", "done", "findings", "skipped")


def _mine(actor: User) -> Q:
    team_ids = list(actor.teams.values_list("pk", flat=True))
    return Q(assignee=actor) | Q(assignee__isnull=True, team_id__in=team_ids)


def today_runs(*, actor: User, today: date | None = None) -> list[RoundRun]:
    """The technician's runs to walk: due today or earlier and not finished or missed, theirs or their
    teams' unassigned ones, with how many stops are done."""
    today = today or timezone.localdate()
    return list(
        RoundRun.objects.filter(_mine(actor), status__in=OPEN, due_on__lte=today)
        .select_related("round")
        .annotate(
            stop_count=Count("visits"),
            done_count=Count("visits", filter=Q(visits__status=VisitStatus.DONE)),
        )
        .order_by("window_starts_at", "pk")[:50]
    )


def run_for_phone(*, actor: User, run_id: int) -> RoundRun:
    run = RoundRun.objects.select_related("round", "assignee").filter(pk=run_id).first()
    if run is None or not may_run(actor, run):
        raise NotFound(_("No such round run."))
    return run


def next_pending(*, run: RoundRun, after: int) -> StopVisit | None:
    """The next stop on the route not yet checked (after `after`, else the first one before it)."""
    waiting = StopVisit.objects.filter(
        run=run, status__in=(VisitStatus.PENDING, VisitStatus.PRESENT)
    ).order_by("position")
    return waiting.filter(position__gt=after).first() or waiting.filter(position__lt=after).first()


def run_visits(run: RoundRun) -> list[StopVisit]:
    return list(
        StopVisit.objects.filter(run=run)
        .select_related("asset", "location", "checklist")
        .annotate(failed=Count("answers", filter=Q(answers__passed=False)))
        .order_by("position")
    )


def visit_for_phone(*, actor: User, run_id: int, visit_id: int) -> tuple[RoundRun, StopVisit, list[ChecklistStep],
                                                                             dict[int, StopAnswer]]:  # fmt: skip
    run = run_for_phone(actor=actor, run_id=run_id)
    visit = (
        StopVisit.objects.select_related("asset", "location", "checklist")
        .filter(pk=visit_id, run=run)
        .first()
    )
    if visit is None:
        raise NotFound(_("No such stop on this round."))
    steps = list(ChecklistStep.objects.filter(template_id=visit.checklist_id)) if visit.checklist_id else []
    answers = {a.step_id: a for a in StopAnswer.objects.filter(visit=visit).select_related("ticket")}
    return run, visit, steps, answers


# --- the run list and report (web and API) --------------------------------------------------------------------


@dataclass
class RunFilters:
    state: str = "all"
    round_id: int | None = None
    since: date | None = None
    until: date | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, str]) -> RunFilters:
        filters = cls()
        state = (data.get("state") or "all").strip()
        if state in STATES:
            filters.state = state
        else:
            filters.errors["state"] = _("Choose one of the listed states.")
        raw_round = (data.get("round") or "").strip()
        if raw_round:
            if raw_round.isdigit() and len(raw_round) < 10:
                filters.round_id = int(raw_round)
            else:
                filters.errors["round"] = _("Choose a round from the list.")
        for name in ("since", "until"):
            raw = (data.get(name) or "").strip()
            if raw:
                try:
                    setattr(filters, name, date.fromisoformat(raw[:10]))
                except ValueError:
                    filters.errors[name] = _("Enter a valid date.")
        return filters


@dataclass
class RunPage:
    runs: Sequence[RoundRun]
    next_after: str


def _state(query: QuerySet[RoundRun], state: str) -> QuerySet[RoundRun]:
    now = timezone.now()
    if state == "open":
        return query.filter(status__in=OPEN)
    if state == "missed":
        return query.filter(status=RunStatus.MISSED)
    if state == "done":
        return query.filter(status=RunStatus.DONE)
    if state == "late":
        return query.filter(
            Q(status=RunStatus.DONE, finished_at__gt=F("window_ends_at"))
            | Q(status__in=OPEN, window_ends_at__lt=now)
        )
    if state == "findings":
        return query.filter(visits__answers__passed=False).distinct()
    if state == "skipped":
        return query.filter(visits__status=VisitStatus.NOT_VISITED).distinct()
    return query


def run_list(*, actor: User, filters: RunFilters, after: str = "", limit: int = PAGE_SIZE) -> RunPage:
    """Runs newest due date first (keyset pages: `after` is "YYYY-MM-DD:id"), with their counts."""
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can read inspection rounds."))
    query = _state(RoundRun.objects.all(), filters.state)
    if filters.round_id is not None:
        query = query.filter(round_id=filters.round_id)
    if filters.since is not None:
        query = query.filter(due_on__gte=filters.since)
    if filters.until is not None:
        query = query.filter(due_on__lte=filters.until)
    if after:
        day_text, _sep, id_text = after.partition(":")
        try:
            after_day, after_id = date.fromisoformat(day_text), int(id_text)
        except ValueError:
            after_day, after_id = None, 0
        if after_day is not None:
            query = query.filter(Q(due_on__lt=after_day) | Q(due_on=after_day, pk__lt=after_id))
    ids = list(query.order_by("-due_on", "-pk").values_list("pk", flat=True)[: limit + 1])
    next_after = ""
    if len(ids) > limit:
        ids = ids[:limit]
    runs = list(
        RoundRun.objects.filter(pk__in=ids)
        .select_related("round", "assignee", "team")
        .annotate(
            stop_count=Count("visits", distinct=True),
            skipped_count=Count("visits", filter=Q(visits__status=VisitStatus.NOT_VISITED), distinct=True),
            finding_count=Count("visits__answers", filter=Q(visits__answers__passed=False), distinct=True),
        )
        .order_by("-due_on", "-pk")
    )
    if len(ids) == limit and runs:
        probe = _state(RoundRun.objects.all(), filters.state).filter(
            Q(due_on__lt=runs[-1].due_on) | Q(due_on=runs[-1].due_on, pk__lt=runs[-1].pk)
        )
        if filters.round_id is not None:
            probe = probe.filter(round_id=filters.round_id)
        if filters.since is not None:
            probe = probe.filter(due_on__gte=filters.since)
        if filters.until is not None:
            probe = probe.filter(due_on__lte=filters.until)
        if probe.exists():
            next_after = f"{runs[-1].due_on.isoformat()}:{runs[-1].pk}"
    return RunPage(runs=runs, next_after=next_after)


@dataclass
class StopReport:
    visit: StopVisit
    answers: list[StopAnswer]
    minutes_from_previous: int | None

    @property
    def failed(self) -> list[StopAnswer]:
        return [a for a in self.answers if a.passed is False]


@dataclass
class RunReport:
    run: RoundRun
    stops: list[StopReport]
    skipped: list[StopVisit]
    out_of_limits: list[StopAnswer]
    failed: list[StopAnswer]
    tickets: list[StopAnswer]
    duration: timedelta | None

    @property
    def duration_minutes(self) -> int | None:
        return None if self.duration is None else int(self.duration.total_seconds() // 60)


def run_report(*, actor: User, run_id: int) -> RunReport:
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can read inspection rounds."))
    run = (
        RoundRun.objects.select_related("round", "assignee", "team", "finished_by").filter(pk=run_id).first()
    )
    if run is None:
        raise NotFound(_("No such round run."))
    answers = StopAnswer.objects.select_related("step", "ticket").order_by("step__position", "pk")
    visits = list(
        StopVisit.objects.filter(run=run)
        .select_related("asset", "location", "checklist", "user")
        .prefetch_related(Prefetch("answers", queryset=answers))
        .order_by("position")
    )
    stops: list[StopReport] = []
    previous = run.started_at
    for visit in visits:
        gap = None
        if visit.arrived_at is not None and previous is not None:
            gap = max(0, int((visit.arrived_at - previous).total_seconds() // 60))
            previous = visit.arrived_at
        stops.append(StopReport(visit=visit, answers=list(visit.answers.all()), minutes_from_previous=gap))
    all_answers = [a for s in stops for a in s.answers]
    duration = run.finished_at - run.started_at if run.finished_at and run.started_at else None
    return RunReport(
        run=run, stops=stops, skipped=[v for v in visits if v.status == VisitStatus.NOT_VISITED],
        out_of_limits=[a for a in all_answers if a.passed is False and a.number is not None],
        failed=[a for a in all_answers if a.passed is False], tickets=[a for a in all_answers if a.ticket_id],
        duration=duration,
    )  # fmt: skip


def round_list() -> QuerySet[Round]:
    return (
        Round.objects.select_related("team", "assignee")
        .annotate(stop_count=Count("stops"))
        .order_by("name", "pk")
    )
