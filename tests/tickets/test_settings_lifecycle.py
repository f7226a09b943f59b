"""Priorities, ticket types, numbering, the workflow list and locations."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from gongdan.assets.models import Location
from gongdan.assets.services import location_create
from gongdan.tickets.models import Priority, TicketNumbering, TicketType
from tests.html import field_errors


def test_admin_renames_recolours_and_makes_a_priority_the_default(admin_browser):
    p1 = Priority.objects.get(code="P1")
    old_default = Priority.objects.get(is_default=True)

    response = admin_browser.post(
        reverse("tickets:priority_edit", args=[p1.pk]),
        {
            f"p{p1.pk}-name": "重要",
            f"p{p1.pk}-name_en": "Important",
            f"p{p1.pk}-colour": "#AE3EC9",
            f"p{p1.pk}-is_default": "on",
        },
    )

    assert response.status_code == 302
    p1.refresh_from_db()
    assert (p1.name, p1.name_en, p1.colour, p1.is_default) == ("重要", "Important", "#AE3EC9", True)
    assert list(Priority.objects.filter(is_default=True)) == [p1]
    assert old_default.pk != p1.pk


def test_a_bad_colour_is_refused(admin_browser):
    p0 = Priority.objects.get(code="P0")

    response = admin_browser.post(
        reverse("tickets:priority_edit", args=[p0.pk]),
        {f"p{p0.pk}-name": "紧急", f"p{p0.pk}-colour": "red"},
    )

    assert response.status_code == 422
    assert field_errors(response, "colour") == ["Use a colour like #d63939."]
    p0.refresh_from_db()
    assert p0.colour == "#d63939"
    assert 'type="color"' in response.content.decode()


def test_admin_edits_a_ticket_type(admin_browser):
    complaint = TicketType.objects.get(code="complaint")

    response = admin_browser.post(
        reverse("tickets:ticket_type_edit", args=[complaint.pk]),
        {
            f"t{complaint.pk}-name": "客户投诉",
            f"t{complaint.pk}-name_en": "Customer complaint",
            f"t{complaint.pk}-order": "1",
        },
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.name, complaint.name_en, complaint.order, complaint.is_active) == (
        "客户投诉",
        "Customer complaint",
        1,
        False,
    )


def test_a_ticket_type_needs_a_name(admin_browser):
    incident = TicketType.objects.get(code="incident")

    response = admin_browser.post(
        reverse("tickets:ticket_type_edit", args=[incident.pk]),
        {f"t{incident.pk}-name": " ", f"t{incident.pk}-order": "0", f"t{incident.pk}-is_active": "on"},
    )

    assert response.status_code == 422
    incident.refresh_from_db()
    assert incident.name == "故障"


def test_numbering_page_shows_a_live_example_and_saves(admin_browser):
    year = timezone.localtime().year
    url = reverse("tickets:numbering")
    assert f"GD-{year}-000123" in admin_browser.get(url).content.decode()

    response = admin_browser.post(url, {"prefix": "it", "digits": "4"}, follow=True)

    numbering = TicketNumbering.objects.get(pk=1)
    assert (numbering.prefix, numbering.include_year, numbering.digits) == ("IT", False, 4)
    assert "IT-0123" in response.content.decode()


def test_a_bad_prefix_is_refused(admin_browser):
    response = admin_browser.post(
        reverse("tickets:numbering"), {"prefix": "9-X", "include_year": "on", "digits": "6"}
    )

    assert response.status_code == 422
    assert field_errors(response, "prefix") == ["1–10 letters and digits, starting with a letter."]
    assert TicketNumbering.objects.get(pk=1).prefix == "GD"


def test_workflow_page_lists_the_default_workflow_and_each_type(admin_browser):
    html = admin_browser.get(reverse("tickets:workflow")).content.decode()

    assert 'data-workflow="default"' in html and 'data-workflow="incident"' in html
    assert "v1" in html  # the default workflow as installed, published by the migration


def test_admin_builds_a_location_tree(admin_browser):
    admin_browser.post(
        reverse("assets:location_create"),
        {
            "kind": "site",
            "name": "上海园区",
            "address": "上海市浦东新区",
            "latitude": "31.2304",
            "longitude": "121.4737",
            "is_active": "on",
        },
    )
    site = Location.objects.get(name="上海园区")
    assert (site.latitude, site.longitude) == (Decimal("31.230400"), Decimal("121.473700"))
    form = admin_browser.get(reverse("assets:location_create"), {"parent": site.pk}).content.decode()
    assert '<option value="building" selected>' in form

    admin_browser.post(
        reverse("assets:location_create"),
        {"parent": site.pk, "kind": "building", "name": "A 栋", "is_active": "on"},
    )

    building = Location.objects.get(name="A 栋")
    assert building.full_name == "上海园区 / A 栋"
    html = admin_browser.get(reverse("assets:location_list")).content.decode()
    assert html.index("上海园区") < html.index("A 栋")


def test_bad_coordinates_and_moving_a_location_into_itself_are_refused(admin_browser):
    site = location_create(actor=None, name="北京", kind="site")
    floor = location_create(actor=None, name="3F", kind="floor", parent=site)

    bad = admin_browser.post(
        reverse("assets:location_create"), {"kind": "site", "name": "X", "latitude": "95"}
    )
    cycle = admin_browser.post(
        reverse("assets:location_edit", args=[site.pk]),
        {"kind": "site", "name": "北京", "parent": floor.pk},
    )

    assert bad.status_code == 422 and field_errors(bad, "latitude")
    assert not Location.objects.filter(name="X").exists()
    assert cycle.status_code == 422
    # the refusal names the loop it would make
    assert field_errors(cycle, "parent") == [
        "“北京” cannot move under “3F”: that place is inside it (北京 → 3F → 北京)."
    ]
    site.refresh_from_db()
    assert site.parent is None


def test_renaming_a_location_renames_the_full_names_below(admin_browser):
    site = location_create(actor=None, name="北京", kind="site")
    room = location_create(actor=None, name="301", kind="room", parent=site)

    admin_browser.post(
        reverse("assets:location_edit", args=[site.pk]),
        {"kind": "site", "name": "北京总部", "is_active": "on"},
    )

    room.refresh_from_db()
    assert room.full_name == "北京总部 / 301"
