from datetime import timedelta

import pytest
from django.utils import timezone

from gongdan.assets.models import AssetStatus
from gongdan.assets.services import asset_retire
from gongdan.core.domain_errors import Conflict, ValidationFailed
from gongdan.maintenance.models import Downtime
from gongdan.maintenance.selectors import asset_reliability, asset_type_reliability
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets.services import ticket_edit, ticket_transition


def test_a_ticket_about_an_asset_takes_its_location(make_asset, make_ticket, plant):
    asset = make_asset("AC-01")
    ticket = make_ticket("Compressor trips", asset=asset)
    assert ticket.location == plant["hall"]


def test_a_retired_asset_gets_no_new_tickets(make_asset, make_ticket, admin_user):
    asset = make_asset("AC-01")
    asset = asset_retire(actor=admin_user, asset=asset)
    with pytest.raises(ValidationFailed) as caught:
        make_ticket("Compressor trips", asset=asset)
    assert "asset" in caught.value.details


def test_setting_down_starts_downtime_and_resolving_ends_it(make_asset, make_ticket, agent):
    asset = make_asset("AC-01")
    ticket = make_ticket("Compressor trips", asset=asset, assignee=agent)

    downtime = asset_down_from_ticket(actor=agent, ticket=ticket)
    asset.refresh_from_db()
    assert asset.status == AssetStatus.DOWN
    assert ticket.events.filter(kind="asset_down").exists()

    ticket_transition(actor=agent, ticket=ticket, action="start")
    ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Replaced the valve")

    downtime.refresh_from_db()
    asset.refresh_from_db()
    assert downtime.ended_at is not None
    assert asset.status == AssetStatus.RUNNING
    assert list(asset.events.filter(kind="status_changed").values_list("data__to", flat=True)) == [
        "down",
        "running",
    ]


def test_an_asset_is_set_down_once(make_asset, make_ticket, agent):
    asset = make_asset("AC-01")
    first = make_ticket("Compressor trips", asset=asset)
    second = make_ticket("Compressor loud", asset=asset)
    asset_down_from_ticket(actor=agent, ticket=first)
    with pytest.raises(Conflict):
        asset_down_from_ticket(actor=agent, ticket=second)
    assert Downtime.objects.count() == 1


def test_a_ticket_without_an_asset_cannot_set_one_down(make_ticket, agent):
    with pytest.raises(ValidationFailed):
        asset_down_from_ticket(actor=agent, ticket=make_ticket())


def test_changing_the_ticket_asset_moves_its_location(make_asset, make_ticket, agent, plant):
    other_place = plant["site"]
    first = make_asset("AC-01")
    second = make_asset("AC-02", location=other_place)
    ticket = make_ticket("Compressor trips", asset=first)
    ticket = ticket_edit(actor=agent, ticket=ticket, changes={"asset": second})
    assert ticket.location == other_place


def test_mtbf_and_mttr_per_asset_and_per_type(make_asset, compressor_type):
    now = timezone.now()
    one = make_asset("AC-01")
    two = make_asset("AC-02")
    for asset in (one, two):  # observed for exactly 100 hours
        type(asset).objects.filter(pk=asset.pk).update(created_at=now - timedelta(hours=100))
    Downtime.objects.create(
        asset=one, started_at=now - timedelta(hours=90), ended_at=now - timedelta(hours=88)
    )
    Downtime.objects.create(
        asset=one, started_at=now - timedelta(hours=50), ended_at=now - timedelta(hours=46)
    )
    Downtime.objects.create(
        asset=two, started_at=now - timedelta(hours=10), ended_at=now - timedelta(hours=4)
    )
    one.refresh_from_db()

    figures = asset_reliability(one, now=now)
    assert figures.failures == 2
    assert figures.mttr == timedelta(hours=3)  # (2 + 4) / 2
    assert figures.mtbf == timedelta(hours=47)  # (100 − 6) / 2

    pooled = asset_type_reliability(compressor_type, now=now)
    assert pooled.failures == 3
    assert pooled.mttr == timedelta(hours=4)  # (2 + 4 + 6) / 3
    assert pooled.mtbf == timedelta(hours=(200 - 12) / 3)
