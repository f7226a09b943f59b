"""The rounds screens: settings (audited; bad stops refused, nothing written), the run list (filters, few
queries), the report, and the phone: today's rounds, a wrong code refused, the checklist opening a work
order."""

from datetime import timedelta

import pytest
from django.urls import reverse

from gongdan.audit.models import AuditEntry
from gongdan.rounds import services
from gongdan.rounds.models import Round, RoundRun, RunStatus
from gongdan.tickets.models import Ticket
from tests.clients import signed_in
from tests.rounds.conftest import TODAY, steps_of


@pytest.fixture
def admin_client(admin_user):
    return signed_in(admin_user)


def round_form(**values):
    form = {"name": "空压站巡检", "every": "1", "frequency": "weeks", "weekdays": ["0", "3"],
            "starts_on": TODAY.isoformat(), "window_start": "08:00", "window_hours": "6",
            "stops": "AC-01 | 空压机巡检 Compressor check\nPR-1", "is_active": "on"}  # fmt: skip
    form.update(values)
    return form


def test_an_admin_adds_a_round_from_the_settings_screen_and_it_is_audited(admin_client, admin_user, make_asset,
                                                                          checklist, pump_room):  # fmt: skip
    make_asset("AC-01")
    response = admin_client.post(reverse("rounds:round_create"), round_form(requester=admin_user.pk))

    assert response.status_code == 302, response.content.decode()[:3000]
    round_ = Round.objects.get()
    assert [(s.asset.code if s.asset else s.location.code) for s in round_.stops.all()] == ["AC-01", "PR-1"]
    assert round_.stops.first().checklist == checklist
    assert AuditEntry.objects.filter(object_type="rounds.round", kind="config.create").exists()
    listed = admin_client.get(reverse("rounds:round_list"))
    assert "空压站巡检" in listed.content.decode()
    edit = admin_client.get(reverse("rounds:round_edit", args=[round_.pk]))
    page = edit.content.decode()
    assert "AC-01 | 空压机巡检 Compressor check" in page
    assert (
        f'value="{TODAY.isoformat()}"' in page and 'value="08:00"' in page
    )  # what date and time inputs read


@pytest.mark.parametrize("stops", ["NOPE-1", "AC-01 | 没有这个检查表", ""])
def test_bad_stops_are_refused_and_nothing_is_written(admin_client, admin_user, make_asset, checklist, stops):
    make_asset("AC-01")
    response = admin_client.post(
        reverse("rounds:round_create"), round_form(requester=admin_user.pk, stops=stops)
    )
    assert response.status_code == 422
    assert Round.objects.count() == 0 and RoundRun.objects.count() == 0


def test_an_agent_may_not_configure_rounds(agent):
    assert signed_in(agent).get(reverse("rounds:round_list")).status_code == 403


def test_the_run_list_filters_and_reads_in_few_queries(agent, make_round, admin_user,
                                                       django_assert_max_num_queries):  # fmt: skip
    round_ = make_round()
    missed = RoundRun.objects.filter(round=round_).order_by("due_on").first()
    services.rounds_mark_missed(now=missed.window_ends_at + timedelta(minutes=1))
    client = signed_in(agent)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("rounds:run_list"))
    assert page.status_code == 200 and page.content.decode().count("空压站周巡检") >= 10
    only_missed = client.get(reverse("rounds:run_list"), {"state": "missed"}).content.decode()
    assert only_missed.count(reverse("rounds:run_detail", args=[missed.pk])) >= 1
    assert client.get(reverse("rounds:run_list"), {"state": "nope"}).status_code == 400
    assert client.get(reverse("rounds:run_list"), {"since": "2026-13-45"}).status_code == 400


def test_the_phone_walk_refuses_a_wrong_code_and_a_failed_item_opens_a_work_order(agent, run_today, checklist,
                                                                                 admin_user):  # fmt: skip
    client = signed_in(agent)
    today = client.get(reverse("rounds:phone_today")).content.decode()
    assert reverse("rounds:phone_run", args=[run_today.pk]) in today
    compressor = run_today.visits.get(position=1)
    stop_url = reverse("rounds:phone_stop", args=[run_today.pk, compressor.pk])
    assert client.get(stop_url).status_code == 200

    wrong = client.post(
        reverse("rounds:phone_check_in", args=[run_today.pk, compressor.pk]), {"code": "PR-1"}
    )
    assert wrong.status_code == 422 and "rd-error" in wrong.content.decode()

    right = client.post(reverse("rounds:phone_check_in", args=[run_today.pk, compressor.pk]),
                        {"code": "AC-01", "latitude": "31.2305", "longitude": "121.4737", "accuracy": "9"})  # fmt: skip
    assert right.status_code == 302
    steps = steps_of(checklist)
    form = {f"step_{steps['number'].pk}": "99", f"step_{steps['check'].pk}": "fail"}
    saved = client.post(reverse("rounds:phone_answers", args=[run_today.pk, compressor.pk]), form)
    assert saved.status_code == 302
    client.post(reverse("rounds:phone_answers", args=[run_today.pk, compressor.pk]), form)  # resent
    assert Ticket.objects.count() == 2

    client.post(reverse("rounds:phone_finish", args=[run_today.pk]))
    run_today.refresh_from_db()
    assert run_today.status == RunStatus.DONE

    report = signed_in(admin_user).get(reverse("rounds:run_detail", args=[run_today.pk])).content.decode()
    assert 'id="rounds-skipped">1<' in report and 'id="rounds-out-of-limits">1<' in report
    for ticket in Ticket.objects.all():
        assert ticket.number in report


def test_the_report_reads_in_few_queries(admin_user, run_today, django_assert_max_num_queries):
    client = signed_in(admin_user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rounds:run_detail", args=[run_today.pk])).status_code == 200
    assert client.get(reverse("rounds:run_detail", args=[999999])).status_code == 404


def test_a_requester_has_no_rounds(requester):
    client = signed_in(requester)
    assert client.get(reverse("rounds:run_list")).status_code == 403
    assert client.get(reverse("rounds:phone_today")).status_code == 403
