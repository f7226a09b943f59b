"""Business calendars, SLA policies and notification rules travel in the configuration file too: an export
imported into a site without them gives the same configuration back; what they name (a category by its path,
a place by its full name, a team, a chat bot) is found by name on the importing site, and a file naming what
the site lacks is refused by name with nothing written; a changed file updates days, targets and steps."""

from __future__ import annotations

import json
from datetime import date

import pytest

from gongdan.assets.services import location_create
from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications import services as notification_services
from gongdan.notifications.models import NotificationRule
from gongdan.outbox.models import ChatBot, Webhook
from gongdan.sla import services as sla_services
from gongdan.sla.models import BusinessCalendar, CalendarDay, EscalationStep, SlaPolicy
from gongdan.tickets.models import Category, Priority
from gongdan.tickets.services import configuration
from gongdan.transfer import services
from tests.factories import OrganisationFactory, TeamFactory

pytestmark = pytest.mark.django_db

SECTIONS = ("business_calendars", "sla_policies", "notification_rules")


@pytest.fixture
def configured(admin_user, team):
    """A calendar with a holiday and a make-up working day (调休), a policy on a subcategory, an organisation
    and a place with targets, a stage target and two escalation steps, and a rule that tells a chat bot."""
    network = configuration.category_create(actor=admin_user, name="网络", name_en="Network")
    wifi = configuration.category_create(actor=admin_user, name="无线", name_en="Wi-Fi", parent=network)
    building = location_create(actor=admin_user, name="一号楼")
    floor = location_create(actor=admin_user, name="三层", parent=building)
    org = OrganisationFactory(name="华东分公司")
    escalation_team = TeamFactory(name="二线支持")
    calendar = sla_services.calendar_create(
        actor=admin_user, name="上海办公", name_en="Shanghai office", time_zone="Asia/Shanghai",
        weekly_hours={str(d): [[540, 720], [810, 1080]] for d in range(5)},
    )  # fmt: skip
    sla_services.calendar_day_set(actor=admin_user, calendar=calendar, day=date(2026, 10, 1), kind="holiday",
                                  name="国庆节")  # fmt: skip
    sla_services.calendar_day_set(actor=admin_user, calendar=calendar, day=date(2026, 10, 10), kind="workday",
                                  name="国庆调休", hours="09:00-18:00")  # fmt: skip
    p1, p2 = Priority.objects.get(code="P1"), Priority.objects.get(code="P2")
    policy = sla_services.policy_create(
        actor=admin_user, name="华东网络", name_en="East China network", calendar=calendar, order=5,
        conditions={"categories": [wifi.pk], "organisations": [org.pk], "locations": [floor.pk]},
        targets={p1: (30, 60, 240), p2: (60, None, 480)}, stage_minutes=120, stage_targets={team: 90},
    )  # fmt: skip
    sla_services.step_create(actor=admin_user, policy=policy, target="resolution", action="reassign_team",
                             percent=80, team=escalation_team)  # fmt: skip
    sla_services.step_create(actor=admin_user, policy=policy, target="first_response", action="raise_priority",
                             minutes_from_due=-15, priority=p2, raise_to=p1)  # fmt: skip
    bot = ChatBot.objects.create(name="运维群", kind="dingtalk", secret="SECabc",
                                 url="https://oapi.dingtalk.com/robot/send?access_token=tok")  # fmt: skip
    Webhook.objects.create(name="CMDB", url="https://cmdb.example/hook", secret="s" * 32)
    notification_services.rule_create(actor=admin_user, name="P1 → 运维群", event="created", team=team,
                                      priorities=[p1], recipients=["team"], channels=["email"],
                                      chat_bots=[bot], webhooks=list(Webhook.objects.all()))  # fmt: skip
    return policy


def _remove_them() -> None:
    SlaPolicy.objects.all().delete()
    BusinessCalendar.objects.all().delete()
    NotificationRule.objects.all().delete()


def _ours(content: dict) -> dict:
    return json.loads(json.dumps({k: content["sections"][k] for k in SECTIONS}, ensure_ascii=False))


def _policy(data: dict) -> dict:
    return next(i for i in data["sections"]["sla_policies"] if i["name"] == "华东网络")


def test_calendars_policies_and_rules_come_back_the_same_by_name(configured, admin_user):
    # Given the site's file, whose policy names its rows by name, never by id
    exported = services.config_export(actor=admin_user)
    policy = _policy(exported)
    assert policy["calendar"] == "上海办公"
    assert policy["conditions"]["categories"] == ["网络 / 无线"]
    assert policy["conditions"]["locations"] == ["一号楼 / 三层"]
    assert policy["conditions"]["organisations"] == ["华东分公司"]
    assert policy["targets"]["P1"] == [30, 60, 240] and policy["stage_targets"] == {"IT 支持": 90}
    rule = next(i for i in exported["sections"]["notification_rules"] if i["name"] == "P1 → 运维群")
    assert rule["chat_bots"] == ["运维群"] and rule["team"] == "IT 支持" and rule["priorities"] == ["P1"]
    text = json.dumps(exported, ensure_ascii=False)
    assert "SECabc" not in text and "access_token" not in text  # the bot's secrets stay on the site
    # When a site without them imports the file
    _remove_them()
    report = services.config_import(actor=admin_user, data=json.loads(text))
    # Then every calendar, day, policy, step and rule is back, and exporting again gives the same sections
    assert {(c.section, c.key) for c in report.changes if c.action == "create"} >= {
        ("business_calendars", "上海办公"), ("sla_policies", "华东网络"), ("notification_rules", "P1 → 运维群")
    }  # fmt: skip
    assert _ours(services.config_export(actor=admin_user)) == _ours(exported)
    calendar = BusinessCalendar.objects.get(name="上海办公")
    assert calendar.days.get(date=date(2026, 10, 10)).kind == "workday"
    assert SlaPolicy.objects.get(name="华东网络").conditions["categories"] == [
        Category.objects.get(name="无线").pk
    ]
    assert EscalationStep.objects.filter(policy__name="华东网络").count() == 2
    # and the same file again changes nothing
    again = services.config_import(actor=admin_user, data=json.loads(text), dry_run=True)
    assert again.created == again.updated == 0


def test_a_changed_file_updates_targets_days_and_steps(configured, admin_user):
    data = services.config_export(actor=admin_user)
    policy = _policy(data)
    policy["targets"]["P1"] = [15, 60, 240]
    policy["steps"] = [s for s in policy["steps"] if s["action"] != "raise_priority"]
    calendar = next(i for i in data["sections"]["business_calendars"] if i["name"] == "上海办公")
    calendar["days"] = [d for d in calendar["days"] if d["kind"] == "holiday"]

    report = services.config_import(actor=admin_user, data=data)

    changed = {(c.section, c.key): c for c in report.changes}
    assert changed[("sla_policies", "华东网络")].action == "update"
    assert set(changed[("sla_policies", "华东网络")].fields) == {"targets", "steps"}
    assert changed[("business_calendars", "上海办公")].fields == ("days",)
    stored = SlaPolicy.objects.get(name="华东网络")
    assert stored.targets.get(priority__code="P1").first_response_minutes == 15
    assert list(stored.steps.filter(is_active=True).values_list("action", flat=True)) == ["reassign_team"]
    assert not CalendarDay.objects.filter(calendar__name="上海办公", date=date(2026, 10, 10)).exists()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: _policy(d).update(calendar="没有的日历"), "“没有的日历” does not exist on this site"),
        (
            lambda d: _policy(d)["conditions"].update(categories=["网络 / 有线"]),
            "“网络 / 有线” does not exist",
        ),
        (lambda d: _policy(d)["targets"].update(P9=[1, 2, 3]), "“P9” does not exist"),
        (lambda d: _policy(d)["targets"].update(P1=[0, 60, 240]), "whole number from 1"),
        (
            lambda d: _policy(d)["steps"].append(
                {"target": "resolution", "action": "reassign_team", "percent": 90, "team": "不存在的组"}
            ),
            "“不存在的组” does not exist",
        ),
        (
            lambda d: d["sections"]["business_calendars"][0]["days"].append(
                {"date": "2026-13-01", "kind": "holiday"}
            ),
            "is not a date",
        ),
        (
            lambda d: d["sections"]["notification_rules"][0].update(chat_bots=["没有的群"]),
            "“没有的群” does not exist",
        ),
        (lambda d: d["sections"]["notification_rules"][0].update(event="weather"), "Choose an event"),
        # shapes a hand-edited file can have, refused by name rather than failing the import
        (lambda d: d["sections"]["business_calendars"][0].update(weekly_hours=[1]), "Expected an object"),
        (lambda d: _policy(d).update(conditions=[1]), "Expected an object"),
        (lambda d: _policy(d).update(pause_statuses=5), "Expected a list"),
        (
            lambda d: _policy(d)["steps"].append({"target": "resolution", "percent": [90]}),
            "Expected a list of steps",
        ),
        (lambda d: _policy(d).update(steps={"a": 1}), "Expected a list of steps"),
        (lambda d: d["sections"]["notification_rules"][0].update(recipients=5), "Expected a list"),
    ],
)
def test_a_file_naming_what_the_site_lacks_is_refused_and_writes_nothing(
    configured, admin_user, spoil, message
):
    data = services.config_export(actor=admin_user)
    data["sections"]["notification_rules"] = [
        r for r in data["sections"]["notification_rules"] if r["name"] == "P1 → 运维群"
    ]
    data["sections"]["business_calendars"] = [
        c for c in data["sections"]["business_calendars"] if c["name"] == "上海办公"
    ]
    data["sections"]["business_calendars"].append(
        {"name": "新日历", "time_zone": "Asia/Shanghai", "is_24x7": True, "weekly_hours": {}, "days": []}
    )
    spoil(data)
    with pytest.raises(ValidationFailed) as error:
        services.config_import(actor=admin_user, data=data)
    assert message in str(error.value.message)
    assert not BusinessCalendar.objects.filter(name="新日历").exists()
