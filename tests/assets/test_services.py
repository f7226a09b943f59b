from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from gongdan.assets.models import AssetEvent, AssetStatus
from gongdan.assets.selectors import AssetFilters, asset_get, asset_list, asset_tree
from gongdan.assets.services import asset_create, asset_retire, asset_update
from gongdan.core.domain_errors import NotFound, PermissionDenied, ValidationFailed


def test_an_asset_is_created_with_its_custom_fields_and_a_history_line(
    make_asset, admin_user, compressor_type
):
    asset = make_asset("AC-01", actor=admin_user, cost="12000.5", custom_values={"power_kw": "55", "oil": "ISO 46"},
                       installed_on=date(2024, 3, 1), warranty_ends_on=date(2027, 3, 1))  # fmt: skip

    assert asset.custom_values == {"power_kw": 55, "oil": "ISO 46"}
    assert asset.cost == Decimal("12000.50")
    assert asset.path == f"/{asset.pk}/"
    assert list(AssetEvent.objects.filter(asset=asset).values_list("kind", flat=True)) == ["created"]


def test_bad_input_names_every_field_and_writes_nothing(admin_user, compressor_type):
    with pytest.raises(ValidationFailed) as caught:
        asset_create(actor=admin_user, code="bad code!", name=" ", asset_type=compressor_type, criticality="Z",
                     cost="-3", custom_values={"power_kw": "lots", "colour": "red"},
                     installed_on=date(2025, 1, 1), warranty_ends_on=date(2024, 1, 1))  # fmt: skip

    assert set(caught.value.details) == {
        "code", "name", "criticality", "cost", "warranty_ends_on", "custom_values.power_kw", "custom_values.colour",
    }  # fmt: skip
    assert not AssetEvent.objects.exists()


def test_codes_are_unique_whatever_their_case(make_asset):
    make_asset("AC-01")
    with pytest.raises(ValidationFailed) as caught:
        make_asset("ac-01")
    assert "code" in caught.value.details


def test_a_required_custom_field_is_required(make_asset):
    with pytest.raises(ValidationFailed) as caught:
        make_asset("AC-02", custom_values={})
    assert "custom_values.power_kw" in caught.value.details


def test_parent_cycles_are_refused(make_asset, line_type, admin_user):
    line = make_asset("L1", asset_type=line_type, name="Line 1")
    machine = make_asset("M1", parent=line)
    component = make_asset("C1", parent=machine)

    for parent in (line, machine, component):  # the line inside itself, its machine, its component
        with pytest.raises(ValidationFailed) as caught:
            asset_update(actor=admin_user, asset=line, parent=parent)
        assert "parent" in caught.value.details
    with pytest.raises(ValidationFailed):
        asset_update(actor=admin_user, asset=machine, parent=component)


def test_moving_a_machine_moves_its_components_paths(make_asset, line_type, admin_user):
    line1 = make_asset("L1", asset_type=line_type, name="Line 1")
    line2 = make_asset("L2", asset_type=line_type, name="Line 2")
    machine = make_asset("M1", parent=line1)
    component = make_asset("C1", parent=machine)

    asset_update(actor=admin_user, asset=machine, parent=line2)

    component.refresh_from_db()
    assert component.path == f"/{line2.pk}/{machine.pk}/{component.pk}/"
    assert AssetEvent.objects.filter(asset=machine, kind="edited").exists()


def test_only_admins_managers_and_team_leads_change_assets(make_asset, agent, lead, manager):
    asset = make_asset("AC-01")
    with pytest.raises(PermissionDenied):
        asset_update(actor=agent, asset=asset, name="Renamed")
    asset_update(actor=lead, asset=asset, name="By the lead")
    asset_update(actor=manager, asset=asset, name="By the manager")


def test_retiring_keeps_the_asset_and_hides_it_from_the_list(make_asset, admin_user):
    asset = make_asset("AC-01")
    asset_retire(actor=admin_user, asset=asset)

    assert asset_list(actor=admin_user, filters=AssetFilters()).rows == []
    assert (
        asset_list(actor=admin_user, filters=AssetFilters(status=AssetStatus.RETIRED)).rows[0].pk == asset.pk
    )


def test_a_parent_with_working_components_cannot_retire(make_asset, line_type, admin_user):
    line = make_asset("L1", asset_type=line_type, name="Line 1")
    make_asset("M1", parent=line)
    with pytest.raises(ValidationFailed):
        asset_retire(actor=admin_user, asset=line)


def test_filters_and_keyset_pages(make_asset, plant, agent):
    for n in range(5):
        make_asset(f"AC-{n:02}", criticality="A" if n % 2 else "C")

    first = asset_list(actor=agent, filters=AssetFilters(), limit=2)
    second = asset_list(actor=agent, filters=AssetFilters(), after=first.next_after or "", limit=2)
    assert [a.code for a in first.rows + second.rows] == ["AC-00", "AC-01", "AC-02", "AC-03"]
    only_a = asset_list(actor=agent, filters=AssetFilters.parse({"criticality": "A"}))
    assert [a.code for a in only_a.rows] == ["AC-01", "AC-03"]
    at_site = asset_list(
        actor=agent, filters=AssetFilters.parse({"location": str(plant["site"].pk), "q": "ac-04"})
    )
    assert [a.code for a in at_site.rows] == ["AC-04"]
    assert AssetFilters.parse({"status": "exploded", "asset_type": "x"}).errors.keys() == {
        "status",
        "asset_type",
    }


def test_the_tree_keeps_ancestors_of_what_matches(make_asset, line_type, agent):
    line = make_asset("L1", asset_type=line_type, name="Line 1")
    make_asset("M1", parent=line, criticality="A")
    make_asset("M2", parent=line)

    rows = asset_tree(actor=agent, filters=AssetFilters(criticality="A"))
    assert [(r.node.code, r.depth) for r in rows] == [("L1", 0), ("M1", 1)]


def test_requesters_see_no_assets(make_asset, requester):
    make_asset("AC-01")
    with pytest.raises(NotFound):
        asset_get(actor=requester, code="AC-01")


def test_the_history_reads_in_the_readers_language(make_asset, admin_user):
    asset = make_asset("AC-01")
    asset_update(actor=admin_user, asset=asset, status="down", name="Renamed", serial_number="X-1")
    status, edited = asset.events.filter(kind__in=["status_changed", "edited"]).order_by("id")
    with translation.override("zh-hans"):
        assert status.status_labels == ("运行", "停机")
        assert "序列号" in edited.changed_fields
