"""Categories and their custom fields through the settings screens."""

from __future__ import annotations

import re

from django.urls import reverse

from gongdan.accounts.services import team_create
from gongdan.assets.services import location_create
from gongdan.tickets.models import Category, CustomField, Priority, TicketType
from gongdan.tickets.services.configuration import category_create, custom_field_create
from tests.html import field_errors


def _category_data(**values):
    data = {"name": "", "name_en": "", "description": "", "template": "", "order": "0", "is_active": "on"}
    data.update({k: v for k, v in values.items() if v is not None})
    return data


def test_admin_creates_a_category_with_defaults_and_a_template(admin_browser, team):
    p1 = Priority.objects.get(code="P1")
    incident = TicketType.objects.get(code="incident")
    parent = category_create(actor=None, name="网络故障", name_en="Network fault")

    response = admin_browser.post(
        reverse("tickets:category_create"),
        _category_data(
            name="无线网络",
            name_en="Wi-Fi",
            parent=parent.pk,
            default_team=team.pk,
            default_priority=p1.pk,
            default_type=incident.pk,
            template="## 位置\n\n## 现象\n",
            order="5",
        ),
    )

    category = Category.objects.get(name="无线网络")
    assert response["Location"] == reverse("tickets:category_edit", args=[category.pk])
    assert (category.parent, category.default_team, category.default_priority, category.default_type) == (
        parent,
        team,
        p1,
        incident,
    )
    assert category.template == "## 位置\n\n## 现象\n"
    assert category.path == f"/{parent.pk}/{category.pk}/"


def test_new_subcategory_form_starts_from_the_parents_defaults(admin_browser, team):
    parent = category_create(actor=None, name="网络故障", default_team=team)

    html = admin_browser.get(reverse("tickets:category_create"), {"parent": parent.pk}).content.decode()

    assert f'<option value="{parent.pk}" selected>' in html
    assert f'<option value="{team.pk}" selected>' in html


def test_sibling_categories_cannot_share_a_name(admin_browser):
    category_create(actor=None, name="网络故障")

    response = admin_browser.post(reverse("tickets:category_create"), _category_data(name="网络故障"))

    assert response.status_code == 422
    assert field_errors(response, "name") == ["Another category here has this name."]
    assert Category.objects.filter(name="网络故障").count() == 1


def test_a_category_cannot_be_moved_into_its_own_child(admin_browser):
    root = category_create(actor=None, name="设备")
    child = category_create(actor=None, name="打印机", parent=root)

    response = admin_browser.post(
        reverse("tickets:category_edit", args=[root.pk]), _category_data(name="设备", parent=child.pk)
    )

    assert response.status_code == 422
    assert field_errors(response, "parent") == ["A category cannot be inside itself."]
    root.refresh_from_db()
    assert (root.parent, root.path) == (None, f"/{root.pk}/")
    # The form does not even offer the category's own subtree.
    assert re.search(rf'<option value="{child.pk}"[^>]* disabled>', response.content.decode())


def test_moving_a_category_moves_its_children_too(admin_browser):
    hardware = category_create(actor=None, name="硬件")
    printers = category_create(actor=None, name="打印机", parent=hardware)
    jams = category_create(actor=None, name="卡纸", parent=printers)
    office = category_create(actor=None, name="办公设备")

    response = admin_browser.post(
        reverse("tickets:category_edit", args=[printers.pk]),
        _category_data(name="打印机", parent=office.pk),
    )

    assert response.status_code == 302
    printers.refresh_from_db()
    jams.refresh_from_db()
    assert printers.path == f"/{office.pk}/{printers.pk}/"
    assert jams.path == f"/{office.pk}/{printers.pk}/{jams.pk}/"
    assert Category.objects.filter(path__startswith=hardware.path).count() == 1


def test_category_list_shows_the_tree_indented_with_defaults(admin_browser, team):
    p0 = Priority.objects.get(code="P0")
    root = category_create(actor=None, name="网络故障", default_team=team, default_priority=p0)
    category_create(actor=None, name="无线网络", parent=root)

    html = admin_browser.get(reverse("tickets:category_list")).content.decode()

    assert html.index("网络故障") < html.index("无线网络")
    assert "padding-left: calc(1rem + 24px)" in html
    assert "IT Support" in html and "background-color: #d63939" in html


def test_admin_adds_a_choice_field_with_one_choice_per_line(admin_browser, category):
    response = admin_browser.post(
        reverse("tickets:field_create", args=[category.pk]),
        {
            "key": "network_kind",
            "label": "网络类型",
            "label_en": "Network kind",
            "field_type": "choice",
            "required": "on",
            "choices": "wired | 有线 | Wired\nwifi | 无线 | Wi-Fi\n\nvpn",
            "help_text": "",
            "order": "10",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    field = CustomField.objects.get(category=category, key="network_kind")
    assert field.required
    assert field.choices == [
        {"value": "wired", "label": "有线", "label_en": "Wired"},
        {"value": "wifi", "label": "无线", "label_en": "Wi-Fi"},
        {"value": "vpn", "label": "vpn", "label_en": "vpn"},
    ]
    page = admin_browser.get(reverse("tickets:category_edit", args=[category.pk])).content.decode()
    assert "network_kind" in page and "3 choices" in page


def test_a_choice_field_without_choices_is_refused(admin_browser, category):
    response = admin_browser.post(
        reverse("tickets:field_create", args=[category.pk]),
        {"key": "kind", "label": "类型", "field_type": "multi_choice", "choices": "  \n", "order": "0"},
    )

    assert response.status_code == 422
    assert field_errors(response, "choices") == ["A choice field needs at least one choice."]
    assert not CustomField.objects.filter(category=category).exists()


def test_a_bad_key_and_a_duplicate_key_are_refused(admin_browser, category):
    custom_field_create(actor=None, category=category, key="asset_tag", label="资产编号")
    url = reverse("tickets:field_create", args=[category.pk])

    bad = admin_browser.post(url, {"key": "Asset Tag", "label": "x", "field_type": "text", "order": "0"})
    taken = admin_browser.post(url, {"key": "asset_tag", "label": "x", "field_type": "text", "order": "0"})

    assert field_errors(bad, "key") == ["Use lower-case letters, digits and _; start with a letter."]
    assert field_errors(taken, "key") == ["This category already has a field with this key."]
    assert CustomField.objects.filter(category=category).count() == 1


def test_editing_a_field_keeps_its_key_and_shows_choices_as_lines(admin_browser, category):
    field = custom_field_create(
        actor=None,
        category=category,
        key="floor",
        label="楼层",
        field_type="choice",
        choices=[{"value": "f1", "label": "一楼", "label_en": "Ground floor"}],
    )
    url = reverse("tickets:field_edit", args=[field.pk])
    assert "f1 | 一楼 | Ground floor" in admin_browser.get(url).content.decode()

    response = admin_browser.post(
        url,
        {
            "key": "hacked",
            "label": "所在楼层",
            "label_en": "Floor",
            "field_type": "choice",
            "choices": "f1 | 一楼 | Ground floor\nf2 | 二楼 | First floor",
            "order": "3",
        },
    )

    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, len(field.choices), field.is_active) == ("floor", "所在楼层", 2, False)


def test_child_category_shows_inherited_fields_read_only(admin_browser, category):
    custom_field_create(
        actor=None, category=category, key="asset_tag", label="资产编号", label_en="Asset tag"
    )
    child = category_create(actor=None, name="无线网络", parent=category)

    html = admin_browser.get(reverse("tickets:category_edit", args=[child.pk])).content.decode()

    assert "Inherited fields" in html and "asset_tag" in html and "from Network fault" in html
    inherited = CustomField.objects.get(key="asset_tag")
    assert reverse("tickets:field_edit", args=[inherited.pk]) not in html


def test_tree_pages_do_not_query_per_row(admin_browser, team, django_assert_max_num_queries):
    """Twenty categories, teams and locations cost no more queries than two."""
    for n in range(20):
        parent = category_create(actor=None, name=f"分类{n}", default_team=team)
        custom_field_create(actor=None, category=parent, key="f", label="字段")
        team_create(actor=None, name=f"团队{n}", parent=team)
        location_create(actor=None, name=f"园区{n}", kind="site")

    for name in (
        "tickets:category_list",
        "accounts:team_list",
        "assets:location_list",
        "accounts:skill_list",
        "accounts:organisation_list",
    ):
        with django_assert_max_num_queries(8):
            assert admin_browser.get(reverse(name)).status_code == 200
