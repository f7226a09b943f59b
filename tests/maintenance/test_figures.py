"""The maintenance figures of the reports (decision 0163), each on a small hand-built history with the
numbers worked out by hand; days are local days in the site time zone (Asia/Shanghai in the tests)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from gongdan.maintenance import figures
from gongdan.maintenance.figures import FigureFilters, maintenance_figures
from gongdan.maintenance.models import Downtime, PmStatus, PmWorkOrder
from gongdan.maintenance.services import pm

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=SHANGHAI)
JUNE = FigureFilters(start=date(2026, 6, 1), end=date(2026, 6, 30))


def at(day: int, hour: float = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, tzinfo=SHANGHAI) + timedelta(hours=hour)


@pytest.fixture(autouse=True)
def _site_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


@pytest.fixture
def plan(admin_user, team, make_asset):
    def make(asset, name="月度保养"):
        made = pm.pm_plan_create(actor=admin_user, asset=asset, name=name, every=1, frequency="months",
                                 starts_on=date(2030, 1, 1), requester=admin_user, team=team)  # fmt: skip
        PmWorkOrder.objects.filter(plan=made).delete()  # the tests write their own work orders
        return made

    return make


def work_order(plan, due: date, *, done_at: datetime | None = None, status: str | None = None) -> PmWorkOrder:
    return PmWorkOrder.objects.create(
        plan=plan, asset=plan.asset, planned_on=due, due_on=due, opens_on=due,
        status=status or (PmStatus.DONE if done_at else PmStatus.OPEN), completed_at=done_at,
    )  # fmt: skip


def down(asset, start: datetime, end: datetime | None) -> Downtime:
    return Downtime.objects.create(asset=asset, started_at=start, ended_at=end)


def test_pm_compliance_counts_on_time_late_and_missed(make_asset, plan):
    # Given four work orders due in June: two done on their day, one done before, one done a day late, one
    # not done with its day passed, one not yet due and one cancelled
    p = plan(make_asset("AC-01"))
    work_order(p, date(2026, 6, 3), done_at=at(3, 17))
    work_order(p, date(2026, 6, 10), done_at=at(8, 9))
    work_order(p, date(2026, 6, 12), done_at=at(13, 10))
    work_order(p, date(2026, 6, 20))
    work_order(p, date(2026, 6, 30))  # due today: not missed yet
    work_order(p, date(2026, 6, 15), status=PmStatus.CANCELLED)
    work_order(p, date(2026, 7, 1), done_at=at(1, 9, month=7))  # due after the period

    # When the June figures are read
    result = maintenance_figures(JUNE, now=NOW)

    # Then 4 were due (2 on time, 1 late, 1 missed): 50 %
    assert (result.pm.on_time, result.pm.late, result.pm.missed, result.pm.not_yet_due) == (2, 1, 1, 1)
    assert result.pm.due == 4
    assert result.pm.rate == pytest.approx(0.5)


def test_three_of_four_on_time_is_75_percent(make_asset, plan):
    p = plan(make_asset("AC-01"))
    for day in (2, 9, 16):
        work_order(p, date(2026, 6, day), done_at=at(day, 10))
    work_order(p, date(2026, 6, 23), done_at=at(25, 10))
    assert maintenance_figures(JUNE, now=NOW).pm.rate == pytest.approx(0.75)


def test_done_on_time_is_judged_by_the_local_day(make_asset, plan):
    # Done at 23:30 in Shanghai on its due day (15:30 UTC): on time. Done at 00:30 local on the day after its
    # due day (16:30 UTC on the due day itself): late. The local day decides, not the UTC one.
    p = plan(make_asset("AC-01"))
    work_order(p, date(2026, 6, 3), done_at=at(3, 23.5))  # local 3 June 23:30 → on time
    work_order(p, date(2026, 6, 4), done_at=at(5, 0.5))  # local 5 June 00:30 (4 June 16:30 UTC) → late
    result = maintenance_figures(JUNE, now=NOW)
    assert (result.pm.on_time, result.pm.late) == (1, 1)


def test_pm_buckets_are_days_in_a_month_and_weeks_in_a_quarter(make_asset, plan):
    p = plan(make_asset("AC-01"))
    work_order(p, date(2026, 6, 1), done_at=at(1, 9))  # a Monday
    work_order(p, date(2026, 6, 3))
    buckets = maintenance_figures(JUNE, now=NOW).pm_buckets
    assert [(b["start"], b["on_time"], b["missed"]) for b in buckets] == [
        (date(2026, 6, 1), 1, 0),
        (date(2026, 6, 3), 0, 1),
    ]
    quarter = FigureFilters(start=date(2026, 4, 1), end=date(2026, 6, 30))
    weekly = maintenance_figures(quarter, now=NOW).pm_buckets
    assert [(b["start"], b["on_time"], b["missed"]) for b in weekly] == [(date(2026, 6, 1), 1, 1)]


def test_planned_and_corrective_work_orders(make_asset, make_ticket, plan, admin_user):
    # Given one preventive work order opened in June and three corrective ones (one cancelled, one about no
    # asset, one in May)
    asset = make_asset("AC-01")
    p = plan(asset)
    wo = work_order(p, date(2026, 6, 10), status=PmStatus.SCHEDULED)
    with timezone.override(SHANGHAI):
        pm.pm_work_order_open(work_order_id=wo.pk, today=date(2026, 6, 10))
    from gongdan.tickets.models import Ticket

    Ticket.objects.filter(pk=PmWorkOrder.objects.get(pk=wo.pk).ticket_id).update(created_at=at(5, 9))
    for day in (6, 7):
        ticket = make_ticket("空压机异响", asset=asset)
        Ticket.objects.filter(pk=ticket.pk).update(created_at=at(day, 9))
    cancelled = make_ticket("误报", asset=asset)
    Ticket.objects.filter(pk=cancelled.pk).update(created_at=at(8, 9), status="cancelled")
    may = make_ticket("五月的故障", asset=asset)
    Ticket.objects.filter(pk=may.pk).update(created_at=at(31, 23, month=5))  # 31 May 23:00 local
    Ticket.objects.filter(pk=make_ticket("打印机").pk).update(created_at=at(6, 9))

    result = maintenance_figures(JUNE, now=NOW)

    assert (result.planned, result.corrective) == (1, 2)
    assert result.planned_rate == pytest.approx(1 / 3)


def test_downtime_per_asset_and_per_line_inside_the_period(make_asset, line_type):
    # Given a line with two machines, a machine's component, and a standalone compressor
    line = make_asset("L1", name="装配线", asset_type=line_type)
    press = make_asset("L1-P", parent=line)
    motor = make_asset("L1-P-M", parent=press)
    robot = make_asset("L1-R", parent=line)
    compressor = make_asset("AC-01")
    down(press, at(31, 20, month=5), at(1, 2))  # 2 h in June (from local midnight)
    down(motor, at(10, 8), at(10, 11))  # 3 h
    down(robot, at(29, 20), None)  # open: until now, 30 June 12:00 → 16 h
    down(compressor, at(15, 0), at(15, 5))  # 5 h
    down(compressor, at(28, 0), at(1, 4, month=7))  # closed after "now": counted until now → 60 h

    result = maintenance_figures(JUNE, now=NOW)

    per_asset = {row["code"]: row["seconds"] / 3600 for row in result.downtime_by_asset}
    assert per_asset == {"L1-P": 2, "L1-P-M": 3, "L1-R": 16, "AC-01": 65}
    assert [row["code"] for row in result.downtime_by_asset] == ["AC-01", "L1-R", "L1-P-M", "L1-P"]
    per_line = {row["code"]: row["seconds"] / 3600 for row in result.downtime_by_line}
    assert per_line == {"L1": 21, "AC-01": 65}
    # failures: periods that started in June (the press's started in May)
    assert {row["code"]: row["failures"] for row in result.downtime_by_line} == {"L1": 2, "AC-01": 2}


def test_mtbf_and_mttr_per_asset_type(make_asset, compressor_type, line_type):
    # Given two compressors in service all June (installed before), observed 29.5 days each until now,
    # with three repairs of 2, 4 and 6 hours, and one open downtime of 10 hours
    one = make_asset("AC-01", installed_on=date(2025, 1, 1))
    two = make_asset("AC-02", installed_on=date(2025, 1, 1))
    make_asset("L1", asset_type=line_type, installed_on=date(2026, 6, 30))  # observed 12 h, no failure
    down(one, at(2, 8), at(2, 10))
    down(one, at(12, 8), at(12, 12))
    down(two, at(20, 8), at(20, 14))
    down(two, at(30, 2), None)

    result = maintenance_figures(JUNE, now=NOW)
    compressors = next(r for r in result.by_type if r["id"] == compressor_type.pk)["reliability"]

    observed = 2 * 29.5 * 24  # hours
    assert compressors.failures == 4
    assert compressors.repairs == 3
    assert compressors.downtime_seconds / 3600 == pytest.approx(22)
    assert compressors.mttr_seconds / 3600 == pytest.approx(4)
    assert compressors.mtbf_seconds / 3600 == pytest.approx((observed - 22) / 3)
    lines = next(r for r in result.by_type if r["id"] == line_type.pk)["reliability"]
    assert lines.observed_seconds / 3600 == pytest.approx(12)
    assert lines.mtbf_seconds is None and lines.mttr_seconds is None
    assert [r["id"] for r in result.top_failing] == [compressor_type.pk]
    assert result.total.failures == 4
    assert result.total.mttr_seconds / 3600 == pytest.approx(4)


def test_an_asset_without_an_installation_day_counts_from_its_registration(make_asset):
    asset = make_asset("AC-01")
    type(asset).objects.filter(pk=asset.pk).update(created_at=at(20))  # 10.5 days before now
    down(asset, at(25), at(25, 12))
    reliability = maintenance_figures(JUNE, now=NOW).total
    assert reliability.observed_seconds / 3600 == pytest.approx(10.5 * 24)
    assert reliability.mtbf_seconds / 3600 == pytest.approx(10.5 * 24 - 12)


def test_filters_by_location_type_and_criticality(make_asset, plant, line_type, plan):
    from gongdan.assets.services import location_create

    other_site = location_create(actor=None, name="二厂", kind="site")
    a = make_asset("AC-01", criticality="A")  # in the hall, under the plant's site
    b = make_asset("AC-02", criticality="C", location=other_site)
    line = make_asset("L1", asset_type=line_type, criticality="A")
    for asset in (a, b, line):
        down(asset, at(5), at(5, 1))
    work_order(plan(a), date(2026, 6, 5), done_at=at(5, 9))
    work_order(plan(b, name="b"), date(2026, 6, 5))

    def codes(**kw):
        return sorted(
            r["code"]
            for r in maintenance_figures(FigureFilters(**{**JUNE.__dict__, **kw}), now=NOW).downtime_by_asset
        )

    assert codes() == ["AC-01", "AC-02", "L1"]
    assert codes(location=plant["site"].pk) == ["AC-01", "L1"]
    assert codes(location=other_site.pk) == ["AC-02"]
    assert codes(asset_type=line_type.pk) == ["L1"]
    assert codes(criticality="A") == ["AC-01", "L1"]
    assert codes(location=999_999) == []
    filtered = maintenance_figures(FigureFilters(**{**JUNE.__dict__, "criticality": "C"}), now=NOW)
    assert (filtered.pm.on_time, filtered.pm.missed) == (0, 1)


def test_no_data_is_none_not_a_division_error(db):
    result = maintenance_figures(JUNE, now=NOW)
    assert result.pm.rate is None
    assert result.planned_rate is None
    assert result.total.mtbf_seconds is None and result.total.mttr_seconds is None
    assert result.downtime_by_asset == [] and result.by_type == [] and result.top_failing == []
    assert not result.has_data
    assert result.parts == []  # the spare parts app is installed and nothing was used


def test_a_period_in_the_future_has_no_observed_time(make_asset):
    make_asset("AC-01", installed_on=date(2025, 1, 1))
    later = FigureFilters(start=date(2026, 8, 1), end=date(2026, 8, 31))
    assert maintenance_figures(later, now=NOW).total.observed_seconds == 0


def test_the_parts_app_fills_parts_consumption(db, monkeypatch):
    monkeypatch.setattr(figures, "_parts_consumption", [])
    seen = []

    def provider(filters, asset_ids):
        seen.append(asset_ids)
        return [{"part": "油滤 Oil filter", "quantity": 3, "unit": "pcs", "cost": 240}]

    figures.register_parts_consumption(provider)
    figures.register_parts_consumption(provider)  # once only
    assert maintenance_figures(JUNE, now=NOW).parts == [
        {"part": "油滤 Oil filter", "quantity": 3, "unit": "pcs", "cost": 240}
    ]
    assert seen == [None]
