"""Configuration as JSON between sites (issue 15, item 7): an export imported into an empty site gives the same
configuration back; a bad file or a bad item writes nothing and says why, by name; the preview is the import
rolled back; every import keeps versions, whose diff and revert work; the API and the commands do the same."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from gongdan.approvals.models import ApprovalFlow
from gongdan.approvals.services import flow_import
from gongdan.audit.models import AuditEntry
from gongdan.automation.models import Macro, Rule
from gongdan.automation.services import macro_create, rule_create
from gongdan.core.domain_errors import ValidationFailed
from gongdan.routing.models import RoutingRule
from gongdan.routing.services import rule_create as routing_rule_create
from gongdan.tickets.models import Category, CustomField
from gongdan.tickets.services import configuration
from gongdan.transfer import services
from gongdan.transfer.models import ConfigurationVersion
from tests.api.conftest import ApiClient
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

FIXTURE_SECTIONS = {"categories", "routing_rules", "automation_rules", "macros", "approval_flows"}
KIND = [{"value": v, "label": v, "label_en": v} for v in ("laptop", "desktop")]


@pytest.fixture
def configured(admin_user, team):
    """A test site's configuration: a category tree whose form has conditions (one on a category below), a
    routing rule on that category, an automation rule, a shared macro and an approval flow."""
    TeamFactory(name="应用支持")
    equipment = configuration.category_create(
        actor=admin_user, name="设备", name_en="Equipment", default_team=team
    )
    computer = configuration.category_create(
        actor=admin_user, name="电脑", name_en="Computer", parent=equipment
    )
    configuration.category_create(actor=admin_user, name="权限申请", name_en="Access request")
    configuration.custom_field_create(actor=admin_user, category=equipment, key="kind", label="设备类型",
                                      field_type="choice", choices=KIND, order=10)  # fmt: skip
    configuration.custom_field_create(
        actor=admin_user, category=equipment, key="asset_tag", label="资产标签", order=20,
        logic={"show_when": [{"field": "kind", "op": "set", "value": None}],
               "require_when": [{"field": "@category", "op": "eq", "value": str(computer.pk)}]},
    )  # fmt: skip
    routing_rule_create(actor=admin_user, name="电脑给一线", team=team,
                        conditions=[{"kind": "category", "values": [computer.pk]}])  # fmt: skip
    rule_create(actor=admin_user, name="高优先级加标签", trigger="created",
                conditions=[{"field": "priority", "op": "eq", "value": "P1"}],
                actions=[{"type": "add_tags", "tags": ["urgent"]}])  # fmt: skip
    macro_create(actor=admin_user, name="请重启", body="请重启后再试。", visibility="everyone")
    with open("src/gongdan/approvals/examples/access.json", encoding="utf-8") as f:
        flow_import(actor=admin_user, data=json.load(f))
    return computer


def _empty_the_site() -> None:
    ApprovalFlow.objects.all().delete()
    Rule.objects.all().delete()
    Macro.objects.all().delete()
    RoutingRule.objects.all().delete()
    CustomField.objects.all().delete()
    for category in sorted(Category.objects.all(), key=lambda c: -len(c.path)):
        category.delete()


def _item(data: dict, name: str) -> dict:
    return next(i for i in data["sections"]["categories"] if i["path"] == [name])


def _sections(content: dict) -> dict:
    return json.loads(json.dumps(content["sections"], ensure_ascii=False))


def test_an_export_imported_into_an_empty_site_gives_the_same_configuration(configured, admin_user):
    # Given the test site's file
    exported = services.config_export(actor=admin_user)
    assert {"categories", "routing_rules", "automation_rules", "macros", "approval_flows"} <= set(
        exported["sections"]
    )
    text = json.dumps(exported, ensure_ascii=False)
    assert "设备 / 电脑" in text or '"电脑"' in text
    # When production has none of it and imports the file
    _empty_the_site()
    report = services.config_import(actor=admin_user, data=json.loads(text))
    # Then every row comes back, with its references found by name, and exporting again gives the same file
    ours = [c for c in report.changes if c.section in FIXTURE_SECTIONS]
    assert report.updated == 0 and report.created == len(ours) > 0
    assert _sections(services.config_export(actor=admin_user)) == _sections(exported)
    tag = CustomField.objects.get(key="asset_tag")
    computer = Category.objects.get(name="电脑")
    assert tag.logic["require_when"][0]["value"] == str(computer.pk)  # the id on this site
    assert RoutingRule.objects.get().conditions[0]["values"] == [computer.pk]
    # and importing the same file again changes nothing
    again = services.config_import(actor=admin_user, data=json.loads(text), dry_run=True)
    assert again.created == again.updated == 0


def test_the_preview_reports_by_name_and_writes_nothing(configured, admin_user):
    data = services.config_export(actor=admin_user)
    _item(data, "设备")["description"] = "新的说明"
    data["sections"]["macros"].append({"name": "已解决", "body": "已解决。", "reply_kind": "public",
                                       "actions": [], "visibility": "everyone", "is_active": True, "team": None})  # fmt: skip
    versions, entries = ConfigurationVersion.objects.count(), AuditEntry.objects.count()
    report = services.config_import(actor=admin_user, data=data, dry_run=True)
    assert ("categories", "设备", "update", ("description",)) in [
        (c.section, c.key, c.action, c.fields) for c in report.changes
    ]
    assert ("macros", "已解决", "create") in [(c.section, c.key, c.action) for c in report.changes]
    assert not Macro.objects.filter(name="已解决").exists()
    assert Category.objects.get(name="设备").description == ""
    assert ConfigurationVersion.objects.count() == versions
    # the preview itself is in the trail (someone compared a file with this site), and nothing else is
    assert list(AuditEntry.objects.filter(pk__gt=0).order_by("-pk").values_list("kind", flat=True)[:1]) == [
        "config.preview"
    ]
    assert AuditEntry.objects.count() == entries + 1


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: d.update(format="gongdan.automation/1"), "not a Gongdan configuration file"),
        (lambda d: d.update(sections={}), "no sections"),
        (lambda d: d["sections"].update(weather=[]), "does not know the sections weather"),
        (lambda d: d["sections"].update(macros={"name": "x"}), "must be a list of objects"),
        (lambda d: _item(d, "设备").update(default_team="没有这个组"), "“没有这个组” does not exist"),
        (
            lambda d: d["sections"]["routing_rules"][0].update(team="没有这个组"),
            "does not exist on this site",
        ),
        (
            lambda d: _item(d, "设备")["fields"][1]["logic"]["show_when"][0].update(field="later"),
            "above this one",
        ),
        (lambda d: d["sections"]["macros"].append(dict(d["sections"]["macros"][0])), "more than once"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_writes_nothing(configured, admin_user, spoil, message):
    # Given a file with one good new row and one bad thing
    data = services.config_export(actor=admin_user)
    data["sections"]["categories"].append({"path": ["新分类"], "fields": []})
    spoil(data)
    versions, entries = ConfigurationVersion.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as error:
        services.config_import(actor=admin_user, data=data)
    assert message in str(error.value.message)
    # Then not even the good row was written, and no version or audit entry either
    assert not Category.objects.filter(name="新分类").exists()
    assert ConfigurationVersion.objects.count() == versions and AuditEntry.objects.count() == entries


def test_versions_keep_the_before_and_after_and_revert_puts_it_back(configured, admin_user):
    # Given an import that changes a category (the configuration before it is kept as a version)
    data = services.config_export(actor=admin_user)
    _item(data, "设备")["description"] = "导入的说明"
    report = services.config_import(actor=admin_user, data=data)
    before, after = ConfigurationVersion.objects.order_by("number")
    assert (before.reason, after.reason, report.version) == ("before_import", "imported", after)
    assert after.changes == [
        {"section": "categories", "key": "设备", "action": "update", "fields": ["description"]}
    ]
    assert AuditEntry.objects.filter(kind="config.import", actor=admin_user).exists()
    # When someone then changes it by hand, the version's page shows the difference
    equipment = Category.objects.get(name="设备")
    configuration.category_update(actor=admin_user, category=equipment, description="手改的")
    diff = services.version_diff(older=after.content, newer=services.config_export(actor=None))
    assert [(c.key, c.fields) for c in diff] == [("设备", ("description",))]
    # And going back to the version before the import puts the description back, as a new version
    services.version_revert(actor=admin_user, version=before)
    equipment.refresh_from_db()
    assert equipment.description == ""
    assert ConfigurationVersion.objects.order_by("-number").first().reason == "reverted"
    assert AuditEntry.objects.filter(kind="config.revert").exists()


def test_the_screen_previews_then_applies(
    configured, admin_browser, admin_user, django_assert_max_num_queries
):
    data = services.config_export(actor=admin_user)
    _item(data, "设备")["description"] = "屏幕导入"
    upload = StringIO(json.dumps(data, ensure_ascii=False))
    upload.name = "config.json"
    preview = admin_browser.post(reverse("transfer:preview"), {"file": upload})
    html = preview.content.decode()
    assert preview.status_code == 200 and "Preview of the import" in html and "设备" in html
    assert Category.objects.get(name="设备").description == ""
    applied = admin_browser.post(reverse("transfer:apply"), {"content": json.dumps(data, ensure_ascii=False)})
    assert applied.status_code == 302 and Category.objects.get(name="设备").description == "屏幕导入"
    bad = StringIO("{not json")
    bad.name = "bad.json"
    refused = admin_browser.post(reverse("transfer:preview"), {"file": bad})
    assert refused.status_code == 422 and "The file is not JSON." in refused.content.decode()
    with django_assert_max_num_queries(15):
        page = admin_browser.get(reverse("transfer:index"))
    assert page.status_code == 200 and "#2" in page.content.decode()
    version = ConfigurationVersion.objects.order_by("number").first()
    detail = admin_browser.get(reverse("transfer:version_detail", args=[version.number]))
    assert detail.status_code == 200 and "屏幕导入" not in detail.content.decode()
    download = admin_browser.get(reverse("transfer:index") + "?download=1&section=macros")
    assert list(json.loads(download.content)["sections"]) == ["macros"]


def test_the_api_exports_previews_imports_and_reverts(configured, admin_user, agent):
    api = ApiClient(admin_user)
    exported = api.get("configuration/export").json()
    _item(exported, "设备")["description"] = "接口导入"
    dry = api.post("configuration/import?dry_run=true", exported)
    assert dry.status_code == 200 and dry.json()["updated"] == 1 and dry.json()["version"] is None
    done = api.post("configuration/import", exported)
    assert done.status_code == 200 and done.json()["version"] == 2
    assert [v["number"] for v in api.get("configuration/versions").json()] == [2, 1]
    assert api.post("configuration/versions/1/revert", {}).status_code == 200
    assert Category.objects.get(name="设备").description == ""
    bad = api.post("configuration/import", {"format": "x", "sections": {"categories": []}})
    assert bad.status_code == 422
    assert ApiClient(agent).get("configuration/export").status_code == 403


def test_the_commands_export_and_import(configured, admin_user, tmp_path):
    path = tmp_path / "config.json"
    call_command("config_export", "-o", str(path), stderr=StringIO())
    data = json.loads(path.read_text(encoding="utf-8"))
    _item(data, "设备")["description"] = "命令导入"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("config_import", str(path), "--as", "admin", "--dry-run", stdout=out)
    assert "update    categories: 设备 (description)" in out.getvalue()
    assert Category.objects.get(name="设备").description == ""
    call_command("config_import", str(path), "--as", "admin", stdout=StringIO())
    assert Category.objects.get(name="设备").description == "命令导入"
    data["sections"]["routing_rules"][0]["team"] = "没有这个组"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("config_import", str(path), "--as", "admin", stdout=StringIO())
