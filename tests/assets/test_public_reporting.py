"""Where people without an account may report: the admin's choice on a location (settings screen, audited)
and on an asset (form, API, the asset's history), and how it reads on the screens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.assets.models import AssetEvent, Location, PublicReporting
from gongdan.assets.services import location_create
from gongdan.audit.models import AuditEntry
from tests.api.conftest import ApiClient, assert_error
from tests.clients import signed_in

pytestmark = pytest.mark.django_db


def test_the_admin_opens_a_site_on_the_settings_screen_and_it_is_audited(admin_user):
    site = location_create(actor=None, name="翠湖花园", kind="site")
    client = signed_in(admin_user)
    response = client.post(reverse("assets:location_edit", args=[site.pk]), {
        "parent": "", "kind": "site", "name": "翠湖花园", "is_active": "on", "public_reporting": "allowed",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    site.refresh_from_db()
    assert site.public_reporting == PublicReporting.ALLOWED
    assert AuditEntry.objects.filter(object_id=str(site.pk), object_type__icontains="location").exists()
    listed = client.get(reverse("assets:location_list")).content.decode()
    assert 'data-public-reporting="allowed"' in listed


def test_a_bad_choice_on_the_screen_saves_nothing(admin_user):
    site = location_create(actor=None, name="翠湖花园", kind="site")
    response = signed_in(admin_user).post(reverse("assets:location_edit", args=[site.pk]), {
        "parent": "", "kind": "site", "name": "翠湖花园", "is_active": "on", "public_reporting": "everyone",
    })  # fmt: skip
    assert response.status_code == 422
    assert Location.objects.get(pk=site.pk).public_reporting == PublicReporting.INHERIT


def test_an_asset_opens_itself_through_the_api_and_its_history_says_so(lead, make_asset):
    make_asset("AC-01")
    api = ApiClient(lead)
    assert api.get("assets/AC-01").json()["public_reporting"] == "inherit"
    response = api.patch("assets/AC-01", {"public_reporting": "allowed"})
    assert response.status_code == 200 and response.json()["public_reporting"] == "allowed"
    edited = AssetEvent.objects.filter(asset__code="AC-01", kind="edited").get()
    assert edited.data["public_reporting"] == {"from": "inherit", "to": "allowed"}
    assert_error(api.patch("assets/AC-01", {"public_reporting": "everyone"}), 422)
    assert_error(api.patch("assets/AC-01", {"public_reporting": None}), 422)


def test_the_asset_page_says_whether_its_label_takes_reports_without_an_account(
    agent_client, make_asset, plant
):
    make_asset("AC-01")
    page = agent_client.get(reverse("assets:asset_detail", args=["AC-01"])).content.decode()
    assert 'data-public-reports="refused"' in page
    site = plant["hall"].parent or plant["hall"]
    site.public_reporting = PublicReporting.ALLOWED
    site.save(update_fields=["public_reporting"])
    page = agent_client.get(reverse("assets:asset_detail", args=["AC-01"])).content.decode()
    assert 'data-public-reports="allowed"' in page
