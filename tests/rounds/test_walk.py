"""Walking a run: presence by the stop's QR code (another code refused), by hand only where the round allows
it; the checklist all or nothing; one corrective work order per failed item, none on a resend; finishing
reports the stops not visited."""

from decimal import Decimal

import pytest

from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.rounds import selectors, services
from gongdan.rounds.models import Proof, RunStatus, StopAnswer, VisitStatus
from gongdan.rounds.presence import Position, clean_position
from gongdan.tickets.models import Ticket, TicketEvent
from tests.rounds.conftest import steps_of

HERE = Position("shared", Decimal("31.230500"), Decimal("121.473700"), 8.0)


def first_two(run):
    return run.visits.get(position=1), run.visits.get(position=2)


@pytest.mark.parametrize("code", ["AC-01", "ac-01", "https://gongdan.example.com/a/AC-01/"])
def test_the_assets_label_proves_presence_with_time_and_position(run_today, agent, code):
    compressor, _room = first_two(run_today)

    visit = services.visit_check_in(actor=agent, visit=compressor, code=code, position=HERE)

    assert visit.status == VisitStatus.PRESENT and visit.proof == Proof.QR and visit.arrived_at is not None
    assert visit.latitude == Decimal("31.230500") and visit.user == agent
    run_today.refresh_from_db()
    assert run_today.status == RunStatus.IN_PROGRESS and run_today.started_at is not None


@pytest.mark.parametrize(
    "code", ["PR-1", "https://x.example/m/locations/{pk}/", "https://x.example/portal/new/?location={pk}"]
)
def test_a_places_labels_prove_presence_and_the_distance_is_measured(run_today, agent, pump_room, code):
    _compressor, room = first_two(run_today)

    visit = services.visit_check_in(actor=agent, visit=room, code=code.format(pk=pump_room.pk), position=HERE)

    assert visit.status == VisitStatus.PRESENT
    assert visit.distance_m is not None and 5 < visit.distance_m < 20


@pytest.mark.parametrize("code", ["AC-02", "PR-1", "https://x.example/a/AC-02/", "https://x.example/m/locations/999/",
                                  "GD-2026-000001", "\x00", "x" * 600])  # fmt: skip
def test_another_code_is_refused_and_nothing_is_recorded(run_today, agent, make_asset, code):
    make_asset("AC-02")
    compressor, _room = first_two(run_today)

    with pytest.raises(ValidationFailed) as refused:
        services.visit_check_in(actor=agent, visit=compressor, code=code, position=HERE)

    assert "code" in refused.value.details
    compressor.refresh_from_db()
    run_today.refresh_from_db()
    assert compressor.status == VisitStatus.PENDING and compressor.arrived_at is None
    assert run_today.status == RunStatus.SCHEDULED


def test_half_a_position_is_refused():
    with pytest.raises(ValidationFailed):
        clean_position(latitude="31.2", longitude=None)
    with pytest.raises(ValidationFailed):
        clean_position(latitude="91", longitude="0")
    assert clean_position(status="denied").status == "denied"


def test_presence_by_hand_needs_the_rounds_permission_and_a_reason(make_round, agent, admin_user):
    round_ = make_round()
    run = round_.runs.order_by("due_on").first()
    compressor = run.visits.get(position=1)
    with pytest.raises(PermissionDenied):
        services.visit_confirm(actor=agent, visit=compressor, reason="标签脱落", position=HERE)

    services.round_update(actor=admin_user, round=round_, allow_manual_confirm=True)
    run = round_.runs.order_by("due_on").first()
    compressor = run.visits.get(position=1)
    with pytest.raises(ValidationFailed):
        services.visit_confirm(actor=agent, visit=compressor, reason="  ", position=HERE)
    visit = services.visit_confirm(actor=agent, visit=compressor, reason="标签脱落", position=HERE)
    assert visit.proof == Proof.MANUAL and visit.reason == "标签脱落"


def test_someone_outside_the_team_may_not_walk_it(run_today, other_agent):
    compressor, _room = first_two(run_today)
    with pytest.raises(PermissionDenied):
        services.visit_check_in(actor=other_agent, visit=compressor, code="AC-01", position=HERE)
    assert selectors.today_runs(actor=other_agent) == []


def test_the_checklist_waits_for_presence(run_today, agent, checklist):
    compressor, _room = first_two(run_today)
    steps = steps_of(checklist)
    with pytest.raises(Conflict):
        services.visit_record(
            actor=agent, visit=compressor, answers={steps["check"].pk: services.AnswerIn(passed=True)}
        )


def test_a_failed_item_opens_one_corrective_work_order_and_a_resend_opens_none(
    run_today, agent, checklist, team
):
    compressor, _room = first_two(run_today)
    services.visit_check_in(actor=agent, visit=compressor, code="AC-01", position=HERE)
    steps = steps_of(checklist)
    answers = {
        steps["number"].pk: services.AnswerIn(number="102.5"),
        steps["check"].pk: services.AnswerIn(passed=False, note="轴承异响"),
    }

    first = services.visit_record(actor=agent, visit=compressor, answers=answers)
    again = services.visit_record(actor=agent, visit=compressor, answers=answers)

    assert len(first.opened) == 2 and again.opened == []
    tickets = Ticket.objects.filter(round_findings__visit=compressor).distinct()
    assert tickets.count() == 2 == Ticket.objects.count()
    for ticket in tickets:
        assert ticket.asset.code == "AC-01" and ticket.team == team
        assert list(ticket.tags.values_list("name", flat=True)) == ["round"]
        event = TicketEvent.objects.get(ticket=ticket, kind="round_finding")
        assert event.data["run_id"] == run_today.pk and event.data["visit_id"] == compressor.pk
    numbered = Ticket.objects.get(round_findings__step=steps["number"])
    assert "102.5" in numbered.subject
    compressor.refresh_from_db()
    assert compressor.status == VisitStatus.DONE


def test_values_within_limits_open_nothing(run_today, agent, checklist):
    compressor, _room = first_two(run_today)
    services.visit_check_in(actor=agent, visit=compressor, code="AC-01", position=HERE)
    steps = steps_of(checklist)
    result = services.visit_record(actor=agent, visit=compressor, answers={
        steps["number"].pk: services.AnswerIn(number="80"), steps["check"].pk: services.AnswerIn(passed=True)})  # fmt: skip
    assert result.opened == [] and Ticket.objects.count() == 0


@pytest.mark.parametrize("bad", [
    {"number": services.AnswerIn(number="abc"), "check": services.AnswerIn(passed=True)},
    {"number": services.AnswerIn(number="NaN"), "check": services.AnswerIn(passed=True)},
    {"number": services.AnswerIn(number="90")},  # the check is required
    {"number": services.AnswerIn(number="200"), "check": services.AnswerIn(passed=None)},
])  # fmt: skip
def test_a_bad_or_incomplete_checklist_records_nothing(run_today, agent, checklist, bad):
    compressor, _room = first_two(run_today)
    services.visit_check_in(actor=agent, visit=compressor, code="AC-01", position=HERE)
    steps = steps_of(checklist)

    with pytest.raises(ValidationFailed):
        services.visit_record(actor=agent, visit=compressor, answers={steps[k].pk: v for k, v in bad.items()})

    assert StopAnswer.objects.count() == 0 and Ticket.objects.count() == 0


def test_a_step_of_another_checklist_is_refused(run_today, agent):
    compressor, _room = first_two(run_today)
    services.visit_check_in(actor=agent, visit=compressor, code="AC-01", position=HERE)
    with pytest.raises(ValidationFailed):
        services.visit_record(actor=agent, visit=compressor, answers={999999: services.AnswerIn(passed=True)})


def test_finishing_reports_the_stops_not_visited_and_out_of_limit_values(
    run_today, agent, checklist, admin_user
):
    compressor, room = first_two(run_today)
    services.visit_check_in(actor=agent, visit=compressor, code="AC-01", position=HERE)
    steps = steps_of(checklist)
    services.visit_record(actor=agent, visit=compressor, answers={
        steps["number"].pk: services.AnswerIn(number="101"), steps["check"].pk: services.AnswerIn(passed=True)})  # fmt: skip

    services.run_finish(actor=agent, run=run_today)
    services.run_finish(actor=agent, run=run_today)  # twice: nothing more

    report = selectors.run_report(actor=admin_user, run_id=run_today.pk)
    assert [v.position for v in report.skipped] == [2]
    assert [a.number for a in report.out_of_limits] == [Decimal("101")]
    assert len(report.tickets) == 1
    room.refresh_from_db()
    assert room.status == VisitStatus.NOT_VISITED
    with pytest.raises(Conflict):
        services.visit_check_in(actor=agent, visit=room, code="PR-1", position=HERE)
