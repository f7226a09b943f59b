"""The demo site: a living, bilingual help desk built through the services, loaded once."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from gongdan.accounts.models import AgentSkill, Membership, Organisation, Team, User
from gongdan.approvals.models import ApprovalFlow, ApprovalRequest, ApprovalTask
from gongdan.assets.models import Asset, Location
from gongdan.assets.selectors import asset_allows_public_reports, location_allows_public_reports
from gongdan.automation.engine import process_events
from gongdan.automation.models import Macro, Rule, RuleRun
from gongdan.maintenance.models import Downtime, PmPlan
from gongdan.maintenance.selectors import asset_reliability
from gongdan.portal.models import WalkUpReport
from gongdan.tickets.models import Category, Comment, CustomField, Priority, Ticket, TicketEvent, TimeEntry
from gongdan.tickets.selectors import saved_view_list, ticket_list
from gongdan.tickets.services import ticket_create

DEMO_PASSWORD = "Demo-Gongdan-2026"


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """Built once for this module inside a transaction that is rolled back afterwards (it takes seconds)."""
    with django_db_blocker.unblock(), transaction.atomic():
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GONGDAN_DEMO_PASSWORD", DEMO_PASSWORD)
            out, progress = StringIO(), StringIO()
            call_command("load_demo", tickets=80, stdout=out, stderr=progress)
        yield out.getvalue() + progress.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_site, db) -> str:
    return demo_site


def test_demo_builds_teams_people_places_and_forms(demo):
    assert "Demo site loaded" in demo
    assert {"IT Support", "Network", "Facilities", "Customer Service"} <= set(
        Team.objects.values_list("name_en", flat=True)
    )
    assert "IT 支持" in Team.objects.values_list("name", flat=True)
    assert User.objects.filter(role__in=["agent", "team_lead"]).count() >= 14
    assert User.objects.filter(role="requester").count() >= 40
    assert AgentSkill.objects.count() >= 15
    assert Organisation.objects.filter(service_tier="vip").exists()
    assert Organisation.objects.count() >= 6
    # a site → building → floor → room tree with addresses and coordinates
    room = Location.objects.filter(kind="room").select_related("parent__parent__parent").first()
    site = room.parent.parent.parent
    assert site.kind == "site" and site.address and site.latitude and site.longitude
    assert Category.objects.get(name_en="Password reset").parent.name == "账号异常"
    assert Category.objects.exclude(template="").exists()
    assert {"text", "number", "date", "choice", "multi_choice", "user"} <= set(
        CustomField.objects.values_list("field_type", flat=True)
    )


def test_demo_history_reads_like_ninety_days_of_real_work(demo):
    tickets = Ticket.objects.all()
    assert tickets.count() >= 80
    now = timezone.now()
    oldest = tickets.order_by("created_at").first().created_at
    assert (now - oldest).days >= 60
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    # Both languages are present in what people wrote.
    subjects = list(tickets.values_list("subject", flat=True))
    assert any("\u4e00" <= ch <= "\u9fff" for s in subjects for ch in s)
    assert any(s.isascii() for s in subjects)
    # Many finished tickets, each with a resolution note, resolved after they were reported. (A request closed
    # by a rejected approval carries its reason on the approval and the closing event, not as a resolution.)
    resolved = tickets.filter(status__in=["resolved", "closed"], duplicate_of__isnull=True).exclude(
        approval_requests__status="rejected"
    )
    assert resolved.count() >= 20
    assert not resolved.filter(resolution="").exists()
    assert not resolved.filter(resolved_at__lte=F("created_at")).exists()
    # Some work is still open, some of it late.
    assert tickets.filter(status__in=["new", "assigned", "in_progress", "pending_requester"]).exists()
    assert (
        Comment.objects.filter(is_internal=True).exists()
        and Comment.objects.filter(is_internal=False).exists()
    )
    assert TimeEntry.objects.exists()
    assert tickets.filter(duplicate_of__isnull=False).exists()


def test_demo_is_loaded_once(demo):
    counts = (Ticket.objects.count(), User.objects.count(), Category.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert (Ticket.objects.count(), User.objects.count(), Category.objects.count()) == counts


def test_demo_logins_work_and_a_requester_sees_only_their_own_tickets(demo):
    assert "GONGDAN_DEMO_PASSWORD" in demo and DEMO_PASSWORD not in demo
    assert Client().login(username="wang.lei", password=DEMO_PASSWORD)
    assert Client().login(username="sarah.lee", password=DEMO_PASSWORD)
    requester = User.objects.get(username="chen.jing")
    assert not requester.sees_organisation_tickets
    assert {t.requester_id for t in ticket_list(actor=requester)} <= {requester.pk}
    # Requesters without a demo login have no usable password until an admin sets one.
    assert User.objects.filter(role="requester", password__startswith="!").exists()


def test_demo_escalations_happened_in_the_past_not_on_the_first_sweep(demo):
    from gongdan.notifications.models import Notification
    from gongdan.outbox.models import OutboxMessage
    from gongdan.sla.escalation import escalation_sweep
    from gongdan.sla.models import EscalationFiring

    now = timezone.now()
    # The simulated consumer fired steps while the history was written: they sit at their due moments.
    fired = list(EscalationFiring.objects.values_list("fired_at", flat=True))
    assert fired and min(fired) < now - timezone.timedelta(days=7)
    assert not EscalationFiring.objects.filter(acted_at__isnull=True).exists()
    escalated = TicketEvent.objects.filter(kind="sla_escalated")
    assert escalated.exists() and not escalated.filter(created_at__gt=now).exists()
    # The first real sweep finds (almost) nothing left to do, and the leads' bells are not flooded.
    assert escalation_sweep() <= 3
    assert not Notification.objects.filter(
        read_at__isnull=True, created_at__lt=now - timezone.timedelta(days=1)
    ).exists()
    assert not OutboxMessage.objects.filter(created_at__lt=now - timezone.timedelta(days=1)).exists()


def test_a_p0_ticket_created_in_the_demo_pages_the_teams_on_call_person_within_seconds(
    demo, django_capture_on_commit_callbacks
):
    from gongdan.notifications.models import Notification
    from gongdan.oncall.models import OnCallParticipant, Page
    from gongdan.oncall.services import on_call_for
    from gongdan.tickets.models import Priority
    from gongdan.tickets.services import ticket_create

    # Given the demo as loaded: every team has a rotation with a backup and repeats
    network = Team.objects.get(name_en="Network")
    schedule, (on_call,), backup = on_call_for(network, timezone.now())
    assert schedule.team == network and schedule.repeat_interval_minutes == 5
    assert on_call.memberships.filter(team=network).exists() and backup is not None
    assert set(Team.objects.values_list("pk", flat=True)) <= set(
        OnCallParticipant.objects.values_list("schedule__team", flat=True)
    )
    # When a lead reports a P0 network outage; the consumer runs the escalation task queued on commit
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            actor=User.objects.get(username="huang.qiang"), requester=User.objects.get(username="chen.jing"),
            subject="全厂断网", category=Category.objects.get(name_en="No internet"),
            custom_values={"affected": "floor", "callback_phone": "13800000000"},
            priority=Priority.objects.get(code="P0"),
        )  # fmt: skip
    # Then the Network team's on-call person is paged, with a notice that says why in words
    page = Page.objects.get(ticket=ticket)
    assert page.state == Page.State.OPEN and list(page.recipients.all()) == [on_call]
    assert page.reason == "sla:first_response:0:P0"
    notice = Notification.objects.get(user=on_call, kind="oncall_page", ticket=ticket)
    assert notice.data["page_id"] == page.pk


def test_the_replayed_history_has_pages_answered_like_a_real_sites(demo):
    from gongdan.oncall.models import Page

    now = timezone.now()
    pages = list(Page.objects.select_related("acknowledged_by"))
    assert pages and all(p.reason.startswith("sla:first_response:0:") for p in pages)
    acknowledged = [p for p in pages if p.state == Page.State.ACKNOWLEDGED]
    assert acknowledged, "someone answers the pages"
    for page in acknowledged:
        assert page.created_at < page.acknowledged_at < now
        assert page.acknowledged_at - page.created_at < timezone.timedelta(minutes=20)
        assert page.page_recipients.filter(user=page.acknowledged_by).exists()
    # paged and acknowledged on the ticket timeline, at their moments
    ticket = acknowledged[0].ticket
    assert ticket.events.filter(kind="oncall_paged").exists()
    assert ticket.events.filter(
        kind="oncall_acknowledged", created_at=acknowledged[0].acknowledged_at
    ).exists()
    # nothing rings from the past at the first real minute
    assert not Page.objects.filter(
        state=Page.State.OPEN, next_repeat_at__lt=now - timezone.timedelta(hours=1)
    )


def test_the_history_has_satisfaction_ratings_the_reports_show(demo):
    from gongdan.portal.models import Survey
    from gongdan.reports.metrics import ReportFilters
    from gongdan.reports.projection import project_pending
    from gongdan.reports.selectors import dashboard_get

    # Surveys went out after resolutions, a good share answered, mostly 4-5, some low with a reason
    surveys = Survey.objects.all()
    answered = surveys.filter(answered_at__isnull=False)
    assert surveys.count() >= 20 and 0.3 <= answered.count() / surveys.count() <= 0.8
    ratings = list(answered.values_list("rating", flat=True))
    assert sum(r >= 4 for r in ratings) / len(ratings) >= 0.6
    assert not answered.filter(answered_at__lte=F("created_at")).exists()
    assert not answered.filter(answered_at__gt=timezone.now()).exists()
    comments = list(answered.exclude(comment="").values_list("comment", flat=True))
    assert any(c.isascii() for c in comments) and any(not c.isascii() for c in comments)
    assert not answered.filter(rating__lte=2, comment="").exists()
    # The ratings are on the ticket timelines
    rated = TicketEvent.objects.filter(kind="csat_rated")
    assert rated.count() == answered.count()
    survey = answered.exclude(comment="").first()
    assert rated.filter(ticket=survey.ticket, data__rating=survey.rating).exists()
    client = Client()
    client.force_login(User.objects.get(username="zhou.min"))
    timeline = client.get(f"/tickets/{survey.ticket.number}/").content.decode()
    assert f"评分 {survey.rating}/5：“{survey.comment}”" in timeline
    # When the consumer has folded the events into the reports, the CSAT figures are there
    project_pending()
    manager = User.objects.get(username="zhou.min")
    board = dashboard_get(actor=manager, filters=ReportFilters.default(days=90))
    assert board.totals["csat_count"] == answered.count()
    assert board.totals["csat_average"] >= 3.5
    assert sum(board.csat_distribution) == answered.count() and board.csat_distribution[4] > 0


def test_the_csat_panel_of_the_dashboard_shows_the_demo_ratings(demo):
    from gongdan.reports.projection import project_pending

    project_pending()
    client = Client()
    client.force_login(User.objects.get(username="zhou.min"))
    html = client.get("/reports/").content.decode()
    assert 'data-chart="csat"' in html
    shown = re.search(r"(\d+) 条评价", html)
    assert shown and int(shown.group(1)) > 0


def test_the_demo_imports_both_approval_flows_and_leaves_approvals_to_decide(demo):
    assert set(ApprovalFlow.objects.values_list("code", flat=True)) == {"renovation", "access-request"}
    # Their deadlines count working hours on the demo's calendar, make-up working days (调休) included
    for flow in ApprovalFlow.objects.select_related("calendar"):
        assert flow.calendar is not None and not flow.calendar.is_24x7
        assert flow.calendar.days.filter(kind="workday").exists()
    waiting = {
        t.approver.username
        for t in ApprovalTask.objects.filter(
            status="pending", step__request__status="pending"
        ).select_related("approver")
    }
    assert {"zhou.min", "zhao.gang", "chen.hao"} <= waiting
    statuses = set(ApprovalRequest.objects.values_list("status", flat=True))
    # approved: the drawn 装修审批 workflow's permit, approved and moved on by itself (docs/workflows.md)
    assert statuses == {"pending", "rejected", "approved"}


def test_the_demo_has_a_factory_and_a_residence_with_downtime_and_reliability_figures(demo):
    line = Asset.objects.get(code="SZ-L1")
    assert line.children.count() == 3 and Asset.objects.get(code="SZ-L1-IM01-M1").depth == 2
    assert (
        Asset.objects.filter(asset_type__code="lift", location__parent__name__startswith="翠湖花园").count()
        == 3
    )
    assert Downtime.objects.filter(ended_at__isnull=False).count() == 9
    assert not Asset.objects.filter(status="down").exists()
    figures = asset_reliability(Asset.objects.get(code="SZ-AC-01"))
    assert figures.failures == 2 and figures.mttr is not None and figures.mttr.total_seconds() == 4.25 * 3600


def test_the_demo_robot_keeps_its_service_pin_sealed_and_masked_until_shown(demo):
    from django.db import connection

    robot = Asset.objects.get(code="SZ-L1-RB01")
    with connection.cursor() as cursor:
        cursor.execute("SELECT custom_values FROM assets_asset WHERE id = %s", [robot.pk])
        stored = str(cursor.fetchone()[0])
    assert "4711-2026" not in stored and "gdenc:" in stored
    client = Client()
    client.force_login(User.objects.get(username="li.na"))
    response = client.get(f"/assets/{robot.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "4711-2026" not in page and "••••••" in page


def test_the_demo_assets_have_a_manual_and_a_photo(demo):
    from gongdan.assets.models import AssetDocument

    compressor = AssetDocument.objects.filter(asset__code="SZ-AC-01")
    kinds = dict(compressor.values_list("kind", "content_type"))
    assert kinds == {"manual": "application/pdf", "photo": "image/png"}
    # the files themselves went to the media folder of the test that loaded the shared demo: check their rows
    manual, photo = compressor.get(kind="manual"), compressor.get(kind="photo")
    assert manual.filename.endswith(".pdf") and manual.size > 1000 and len(manual.sha256) == 64
    assert photo.is_image and photo.thumbnail
    assert (
        not Asset.objects.exclude(status="retired")
        .filter(parent__isnull=True, documents__isnull=True)
        .exists()
    )


def test_the_demo_automation_rules_are_on_and_a_p1_gets_the_urgent_tag(demo):
    # Given the demo's rules (dry-run, then switched on) and its shared macros
    assert Rule.objects.filter(is_active=True).count() == 3
    shared = Macro.objects.filter(visibility="everyone")
    assert set(shared.values_list("name", flat=True)) == {"密码已重置", "需要更多信息"}
    # English-speaking agents keep English copies for themselves: no label reads in two languages
    assert set(Macro.objects.filter(owner__username="david.miller").values_list("name", flat=True)) == {
        "Password reset done",
        "Need more information",
    }
    # The rules did not act on the replayed history
    assert not RuleRun.objects.exists()
    # When a lead reports a P1 now, the rule tags it and tells the team's lead
    ticket = ticket_create(actor=User.objects.get(username="wang.lei"), requester=User.objects.get(username="chen.jing"),
                           subject="ERP 登录失败", priority=Priority.objects.get(code="P1"))  # fmt: skip
    process_events()
    assert list(ticket.tags.values_list("name", flat=True)) == ["urgent"]


def test_the_load_shows_its_progress_and_leaves_the_queue_nothing_to_catch_up(demo):
    from gongdan.tickets.models import EventCursor
    from gongdan.tickets.pipeline import consumers

    # Steps and counts were printed as they went
    for step in ("people and teams", "40/80 tickets", "80/80 tickets", "SLA escalations", "routing rules: 7"):
        assert step in demo
    # Every event consumer has read the whole history already: the started site has no backlog to work off
    top = TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    cursors = dict(EventCursor.objects.values_list("name", "last_event_id"))
    assert {c.name for c in consumers()} <= set(cursors)
    assert all(cursors[c.name] == top for c in consumers())


@pytest.mark.parametrize(
    ("category_en", "values"),
    [("Wi-Fi", {"affected": "just_me"}), ("Password reset", {"system": "email"}), ("Air conditioning", {}),
     ("Customer complaint", {"order_number": "SO-2026-1234"})],
)  # fmt: skip
def test_a_new_request_in_the_demo_is_routed_to_someone_in_the_categorys_team_at_once(
    demo, category_en, values
):
    from gongdan.tickets.models import Channel
    from gongdan.tickets.services import ticket_create

    category = Category.objects.select_related("default_team").get(name_en=category_en)
    ticket = ticket_create(
        actor=User.objects.get(username="sarah.lee"), subject="Help", description="Please help",
        category=category, custom_values=values, channel=Channel.PORTAL,
    )  # fmt: skip
    assert ticket.team == category.default_team
    assert ticket.assignee is not None and ticket.status == "assigned"
    assert ticket.assignee.memberships.filter(team=category.default_team).exists()
    assert ticket.events.filter(kind="assigned", actor=None).exists()


def test_the_leads_queue_views_are_tabs_their_teams_see(demo):
    lead = Membership.objects.filter(team_role="lead").select_related("user", "team").first()
    member = Membership.objects.filter(team=lead.team, team_role="member").select_related("user").first()
    seen = {(v.owner_id, v.name) for v in saved_view_list(actor=member.user)}
    own = {(v.owner_id, v.name) for v in saved_view_list(actor=lead.user) if v.owner_id == lead.user_id}
    assert len(own) == 2
    # the member sees the lead's shared view, not the lead's private one
    assert len(seen & own) == 1
    assert next(iter(seen & own))[1] in (f"{lead.team.name}·紧急未结", f"{lead.team.name_en}: urgent open")
    # and the lead's own view shows the columns for picking work up
    private = next(
        v for v in saved_view_list(actor=lead.user) if v.owner_id == lead.user_id and v.team_id is None
    )
    assert private.column_list == ["priority", "requester", "category", "created", "due"]


def test_the_demo_shows_a_chat_app_set_up_but_switched_off(demo):
    from gongdan.integrations.models import ChatApp
    from gongdan.outbox.models import OutboxMessage

    app = ChatApp.objects.get()
    assert not app.is_active and app.platform == "feishu"
    assert set(app.accounts.values_list("user__username", flat=True)) >= {"zhou.min", "zhao.gang", "chen.hao"}
    assert app.groups.get().team.name_en == "IT Support"
    assert not OutboxMessage.objects.filter(
        channel="chatapp"
    ).exists()  # nothing sent to a platform it cannot reach


def test_the_demo_forms_have_conditions(demo):
    from gongdan.core.domain_errors import ValidationFailed

    computer = Category.objects.get(name_en="Computer")
    requester = User.objects.get(username="chen.jing")
    with pytest.raises(ValidationFailed) as error:
        ticket_create(actor=requester, subject="电脑开不了机", category=computer)
    assert list(error.value.details) == ["custom_fields.asset_tag"]
    wifi = Category.objects.get(name_en="Wi-Fi")
    with pytest.raises(ValidationFailed) as error:
        ticket_create(
            actor=requester, subject="整层楼连不上", category=wifi, custom_values={"affected": "floor"}
        )
    assert list(error.value.details) == ["custom_fields.callback_phone"]


def test_the_demo_shows_single_sign_on_configured_but_turned_off(demo):
    from gongdan.sso.models import IdentityProvider

    providers = {p.slug: p for p in IdentityProvider.objects.prefetch_related("rules")}
    assert set(providers) == {"corp-id", "office-ad", "dingtalk"}
    assert not any(p.is_enabled for p in providers.values())  # the demo reaches no network
    assert {
        (r.value, r.role, r.team.name_en if r.team else "") for r in providers["corp-id"].rules.all()
    } >= {("it-support", "agent", "IT Support")}


def test_the_demo_access_requests_carry_a_sealed_id_number_and_closed_tickets_have_a_retention_rule(demo):
    from gongdan.privacy.services import retention_settings
    from gongdan.tickets.services.sensitive_values import MASK, masked_values, open_values

    field = CustomField.objects.get(key="id_number")
    assert field.sensitive and field.personal and field.label == "身份证号"
    stored = [t.custom_values for t in Ticket.objects.filter(category__custom_fields=field)]
    with_number = [values for values in stored if "id_number" in values]
    assert with_number, "some access requests carry an ID number"
    for values in with_number:
        assert values["id_number"].startswith("gdenc:1:sm4:")
        assert masked_values(values)["id_number"] == MASK
        assert re.fullmatch(r"110101\d{11}[\dX]", open_values(values)["id_number"])
    assert retention_settings().closed_ticket_months == 24


def test_the_demo_compressor_has_meters_with_history_and_one_hot_spell_that_opened_a_work_order(demo):
    from gongdan.meters.models import Excursion, Meter, Reading

    meters = Meter.objects.filter(asset__code="SZ-AC-01")
    assert {m.code for m in meters} == {"temp", "pressure", "hours"}
    assert all(m.mqtt_topic == "gongdan/demo/SZ-AC-01/state" for m in meters)
    assert Reading.objects.filter(meter__in=meters).count() > 3 * 2000
    spell = Excursion.objects.get(meter__asset__code="SZ-AC-01", meter__code="temp")
    assert spell.ended_at is not None and spell.ticket is not None
    assert spell.ticket.asset.code == "SZ-AC-01"
    assert {"meter_excursion", "meter_normal"} <= set(spell.ticket.events.values_list("kind", flat=True))
    assert not Excursion.objects.exclude(pk=spell.pk).exists()  # the noise stays inside the limits


def test_the_simulator_writes_readings_directly_without_a_broker(demo, settings):
    from gongdan.meters.models import Reading

    settings.GONGDAN_MQTT_URL = ""
    before = Reading.objects.count()
    out = StringIO()
    call_command("meters_simulate", rounds=1, stdout=out)
    assert "written directly" in out.getvalue()
    assert Reading.objects.count() == before + 6


# The residential property's reporting without an account (demo.residential).


def test_the_estate_takes_reports_without_an_account_except_in_the_flats(demo):
    estate = Location.objects.get(parent=None, code="GL")
    for code in ("GL-lobby", "GL-car-park", "GL-pump-room", "GL-1-LL"):
        assert location_allows_public_reports(Location.objects.get(code=code)), code
    flats = Location.objects.filter(path__startswith=estate.path, kind="room")
    assert flats.count() == 12 and not any(location_allows_public_reports(flat) for flat in flats)
    for asset in Asset.objects.filter(code__startswith="GL-"):
        assert asset_allows_public_reports(asset), asset.code
    assert PmPlan.objects.filter(asset_type__code__in=["lift", "pump"], frequency="months").count() == 2


def test_a_visitor_scanning_a_lift_in_the_demo_gets_the_form_and_the_reports_are_on_the_queue(demo):
    visitor = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = visitor.get("/a/GL-1-LIFT-A/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/report/?asset=GL-1-LIFT-A"
    assert "报修这台设备" in response.content.decode()
    reports = WalkUpReport.objects.select_related("ticket").order_by("created_at")
    assert [r.name for r in reports] == ["王先生", "Lucy Chen"]
    assert reports[0].ticket.location.code == "GL-car-park" and reports[1].ticket.asset.code == "GL-1-LIFT-B"


def test_the_demo_has_inspection_rounds_with_a_finding_a_stop_not_visited_and_todays_run(demo):
    from gongdan.rounds.models import Round, RoundRun, RunStatus, StopAnswer, VisitStatus
    from gongdan.rounds.selectors import today_runs

    station = Round.objects.get(name__startswith="空压站周巡检")
    assert Round.objects.filter(name__startswith="翠湖花园").exists()
    done = list(RoundRun.objects.filter(round=station, status=RunStatus.DONE).order_by("due_on"))
    assert len(done) == 2 and done[1].is_late and not done[0].is_late
    assert done[1].visits.filter(status=VisitStatus.NOT_VISITED).count() == 1
    finding = StopAnswer.objects.get(visit__run=done[1], passed=False)
    assert finding.ticket is not None and finding.ticket.asset.code == "SZ-AC-02"
    assert RoundRun.objects.filter(status=RunStatus.MISSED).exists()
    lead = User.objects.get(username="zhao.gang")
    assert [r.round for r in today_runs(actor=lead)] == [station]
