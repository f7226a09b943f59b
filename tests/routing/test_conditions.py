"""Each condition kind, negation, first match wins, and validation of what admins save."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gongdan.accounts.models import Organisation
from gongdan.assets.models import Location
from gongdan.core.domain_errors import ValidationFailed
from gongdan.routing import services
from gongdan.routing.conditions import TicketFacts, clean_conditions, compile_conditions
from gongdan.tickets.models import Priority, Ticket, TicketType
from tests.factories import CategoryFactory, TeamFactory

pytestmark = pytest.mark.django_db

WEDNESDAY_10_SHANGHAI = datetime(2026, 11, 25, 2, tzinfo=UTC)


def _place(name, parent=None):
    place = Location.objects.create(name=name, parent=parent)
    place.path = f"{parent.path if parent else '/'}{place.pk}/"
    place.save()
    return place


def _matches(conditions, ticket, now=WEDNESDAY_10_SHANGHAI) -> bool:
    return compile_conditions(clean_conditions(conditions))(TicketFacts.of(ticket, now=now))


@pytest.fixture
def sample(category):
    vip = Organisation.objects.create(name="招商银行", service_tier="vip")
    site = _place("上海园区")
    room = _place("3F 机房", site)
    return Ticket(
        subject="VPN 断网", description="整层楼无法上网", category=category,
        ticket_type=TicketType.objects.get(code="incident"), priority=Priority.objects.get(code="P1"),
        organisation=vip, channel="email", location=room, custom_values={"floor": "3", "systems": ["ERP", "OA"]},
    )  # fmt: skip


def test_each_kind_of_condition_matches_and_misses(sample, category):
    child = CategoryFactory(name="无线", parent=category)
    sample.category = child
    sample.category.path  # noqa: B018
    site = sample.location.parent
    other = CategoryFactory(name="账号")
    p1, p3 = Priority.objects.get(code="P1"), Priority.objects.get(code="P3")
    cases = [
        ({"kind": "ticket_type", "values": [sample.ticket_type_id]}, True),
        ({"kind": "category", "values": [category.pk]}, True),  # the parent's subtree
        ({"kind": "category", "values": [other.pk]}, False),
        ({"kind": "priority", "values": [p1.pk]}, True),
        ({"kind": "priority", "values": [p3.pk]}, False),
        ({"kind": "organisation", "values": [sample.organisation_id]}, True),
        ({"kind": "service_tier", "values": ["vip"]}, True),
        ({"kind": "service_tier", "values": ["standard"]}, False),
        ({"kind": "channel", "values": ["email"]}, True),
        ({"kind": "channel", "values": ["phone"]}, False),
        ({"kind": "location", "values": [site.pk]}, True),
        ({"kind": "custom_field", "key": "floor", "values": ["3"]}, True),
        ({"kind": "custom_field", "key": "systems", "values": ["oa"]}, True),
        ({"kind": "custom_field", "key": "systems", "op": "contains", "values": ["ER"]}, True),
        ({"kind": "custom_field", "key": "floor", "values": ["4"]}, False),
        ({"kind": "words", "words": ["断网"], "within": "subject"}, True),
        ({"kind": "words", "words": ["无法上网"], "within": "subject"}, False),
        ({"kind": "words", "words": ["无法上网", "打印机"]}, True),
        ({"kind": "words", "words": ["vpn"]}, True),  # case-insensitive
        ({"kind": "time", "days": [2], "start": "09:00", "end": "18:00", "time_zone": "Asia/Shanghai"}, True),
        (
            {"kind": "time", "days": [2], "start": "09:00", "end": "18:00", "time_zone": "Europe/London"},
            False,
        ),
        ({"kind": "time", "days": [1], "start": "22:00", "end": "11:00", "time_zone": "Asia/Shanghai"}, True),
        ({"kind": "service_tier", "values": ["vip"], "negate": True}, False),
    ]
    for condition, expected in cases:
        assert _matches([condition], sample) is expected, condition


def test_all_conditions_must_hold(sample):
    assert _matches(
        [{"kind": "channel", "values": ["email"]}, {"kind": "service_tier", "values": ["vip"]}], sample
    )
    assert not _matches(
        [{"kind": "channel", "values": ["email"]}, {"kind": "channel", "values": ["web"]}], sample
    )
    assert _matches([], sample)


def test_the_first_matching_rule_wins_and_inactive_rules_are_skipped(admin_user, report, agent, team):
    vip_team, night_team = TeamFactory(name="VIP 专席"), TeamFactory(name="夜班")
    off = services.rule_create(actor=admin_user, name="Off", team=night_team)
    services.rule_set_active(actor=admin_user, rule=off, is_active=False)
    services.rule_create(
        actor=admin_user, name="Email", team=vip_team, conditions=[{"kind": "channel", "values": ["email"]}]
    )
    services.rule_create(actor=admin_user, name="Catch-all", team=team)

    by_email = report(channel="email")
    by_web = report(channel="web")

    assert by_email.team == vip_team
    assert (by_web.team, by_web.assignee) == (team, agent)


@pytest.mark.parametrize(
    ("conditions", "key"),
    [
        ([{"kind": "colour"}], "conditions.0.kind"),
        ([{"kind": "priority", "values": []}], "conditions.0.values"),
        ([{"kind": "priority", "values": ["abc"]}], "conditions.0.values"),
        ([{"kind": "channel", "values": ["fax"]}], "conditions.0.values"),
        ([{"kind": "custom_field", "key": "bad key!", "values": ["x"]}], "conditions.0.key"),
        ([{"kind": "custom_field", "key": "k", "op": "regex", "values": ["x"]}], "conditions.0.op"),
        ([{"kind": "words", "words": [" "]}], "conditions.0.words"),
        ([{"kind": "words", "words": ["a"], "within": "body"}], "conditions.0.within"),
        ([{"kind": "time", "days": [7], "start": "09:00", "end": "10:00"}], "conditions.0.days"),
        ([{"kind": "time", "days": [1], "start": "09:00", "end": "09:00"}], "conditions.0.end"),
        (
            [{"kind": "channel", "values": ["web"]}, {"kind": "location", "values": [987654]}],
            "conditions.1.values",
        ),
    ],
)
def test_bad_conditions_are_refused_with_the_field_named(conditions, key):
    with pytest.raises(ValidationFailed) as caught:
        clean_conditions(conditions)

    assert key in caught.value.details


def test_a_rule_needs_a_name_an_active_team_and_a_known_strategy(admin_user, agent):
    retired = TeamFactory(name="旧团队", is_active=False)

    with pytest.raises(ValidationFailed) as caught:
        services.rule_create(
            actor=admin_user, name=" ", team=retired, strategy="coin_flip", max_open_per_agent=0
        )

    assert set(caught.value.details) == {"name", "team", "strategy", "max_open_per_agent"}


def test_only_admins_change_rules(agent, team):
    from gongdan.core.domain_errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.rule_create(actor=agent, name="Mine", team=team)
