"""The settings screens (rule builder, dry run, history, versions, export/import, macros) and the ticket page's
macro panel, in English and Chinese."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongdan.automation import services
from gongdan.automation.models import Macro, Rule
from gongdan.tickets.models import Priority

pytestmark = pytest.mark.django_db


def test_an_admin_builds_a_rule_row_by_row_and_is_sent_to_its_dry_run(admin_browser):
    # The builder's add buttons work without JavaScript too
    page = admin_browser.post(reverse("automation:rule_create"),
                              {"name": "Tag P1", "trigger": "created", "add_condition": "1"})  # fmt: skip
    assert page.status_code == 200 and b'name="cond"' in page.content
    token = page.content.decode().split('name="cond" value="')[1].split('"')[0]
    page = admin_browser.post(reverse("automation:rule_create"), {
        "name": "Tag P1", "trigger": "created", "cond": token, f"cond-{token}-field": "priority",
        f"cond-{token}-op": "eq", f"cond-{token}-value": "P1", "add_action": "1", "new_action": "add_tags"})  # fmt: skip
    act = page.content.decode().split('name="act" value="')[1].split('"')[0]
    answer = admin_browser.post(reverse("automation:rule_create"), {
        "name": "Tag P1", "trigger": "created", "cond": token, f"cond-{token}-field": "priority",
        f"cond-{token}-op": "eq", f"cond-{token}-value": "P1", "act": act, f"act-{act}-type": "add_tags",
        f"act-{act}-tags": "urgent, p1"})  # fmt: skip
    rule = Rule.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "automation:rule_dry_run", args=[rule.pk]
    )
    assert rule.conditions == [{"field": "priority", "op": "eq", "value": "P1"}]
    assert rule.actions == [{"type": "add_tags", "tags": ["urgent", "p1"]}]
    assert rule.is_active is False


def test_a_bad_row_is_refused_next_to_it_and_nothing_is_saved(admin_browser):
    answer = admin_browser.post(reverse("automation:rule_create"), {
        "name": "Bad", "trigger": "created", "cond": "c1", "cond-c1-field": "priority", "cond-c1-op": "eq",
        "cond-c1-value": "P9", "act": "a1", "act-a1-type": "add_tags", "act-a1-tags": ""})  # fmt: skip
    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'data-row-error="c1">Unknown value “P9”.' in html
    assert 'data-row-error="a1">Enter one to 10 tags' in html
    assert not Rule.objects.exists()


def test_htmx_rows_and_the_switch_on_after_a_dry_run(admin_browser, admin_user, make_ticket):
    assert b"act-" in admin_browser.get(reverse("automation:action_row"), {"new_action": "notify"}).content
    assert admin_browser.get(reverse("automation:action_row"), {"new_action": "rm -rf"}).status_code == 400
    assert b"cond-" in admin_browser.get(reverse("automation:condition_row")).content
    rule = services.rule_create(actor=admin_user, name="Tag", trigger="created",
                                actions=[{"type": "add_tags", "tags": ["x"]}])  # fmt: skip
    make_ticket("Something broke")
    # Switching on before a dry run is refused and leads to the dry run
    answer = admin_browser.post(reverse("automation:rule_toggle", args=[rule.pk]))
    assert answer["Location"] == reverse("automation:rule_dry_run", args=[rule.pk])
    page = admin_browser.post(reverse("automation:rule_dry_run", args=[rule.pk]))
    assert "1 of 1 tickets would match" in page.content.decode()
    assert "add tags x" in page.content.decode()
    admin_browser.post(reverse("automation:rule_toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_screens_render_in_both_languages(admin_browser, admin_user, make_rule, language, make_ticket):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    rule = make_rule("Tag P1", "created", [{"type": "add_tags", "tags": ["urgent"]}],
                     [{"field": "priority", "op": "eq", "value": "P1"}])  # fmt: skip
    macro = services.macro_create(actor=admin_user, name="Need more information", body="Hi {{requester}}",
                                  visibility="everyone")  # fmt: skip
    expected = {"en": "Automation rules", "zh-hans": "自动化规则"}[language]
    assert expected in admin_browser.get(reverse("automation:rule_list")).content.decode()
    for name, args in (("rule_edit", [rule.pk]), ("rule_dry_run", [rule.pk]), ("rule_history", [rule.pk]),
                       ("rule_versions", [rule.pk]), ("transfer", []), ("macro_list", []), ("macro_create", []),
                       ("macro_edit", [macro.pk]), ("macro_versions", [macro.pk]), ("rule_create", [])):  # fmt: skip
        assert admin_browser.get(reverse(f"automation:{name}", args=args)).status_code == 200, name


def test_versions_list_the_diff_and_revert(admin_browser, admin_user):
    rule = services.rule_create(actor=admin_user, name="Tag", trigger="created",
                                actions=[{"type": "add_tags", "tags": ["one"]}])  # fmt: skip
    services.rule_update(actor=admin_user, rule=rule, name="Tag", trigger="created",
                         actions=[{"type": "add_tags", "tags": ["two"]}])  # fmt: skip
    page = admin_browser.get(reverse("automation:rule_versions", args=[rule.pk])).content.decode()
    assert "two" in page and "one" in page
    admin_browser.post(reverse("automation:rule_revert", args=[rule.pk]), {"version": "1"})
    rule.refresh_from_db()
    assert rule.actions == [{"type": "add_tags", "tags": ["one"]}] and rule.version == 3


def test_export_then_import_from_the_screen(admin_browser, admin_user, team):
    services.rule_create(actor=admin_user, name="To the team", trigger="created",
                         actions=[{"type": "assign", "team": team.pk}])  # fmt: skip
    exported = admin_browser.get(reverse("automation:transfer"), {"download": "1"})
    assert exported["Content-Disposition"].startswith("attachment;")
    data = json.loads(exported.content)
    assert data["rules"][0]["actions"][0]["team"] == {"ref": "team", "key": team.name}
    Rule.objects.all().delete()
    upload = SimpleUploadedFile("export.json", exported.content, content_type="application/json")
    answer = admin_browser.post(reverse("automation:transfer"), {"file": upload})
    assert answer.status_code == 302
    assert Rule.objects.get().actions == [{"type": "assign", "team": team.pk, "assignee": None}]
    bad = SimpleUploadedFile("x.json", b"not json", content_type="application/json")
    assert admin_browser.post(reverse("automation:transfer"), {"file": bad}).status_code == 422


def test_an_agent_applies_a_macro_from_the_ticket_page(agent_client, agent, admin_user, make_ticket):
    macro = services.macro_create(actor=admin_user, name="Need more information", visibility="everyone",
                                  body="Hello {{requester}}, could you send a screenshot? — {{agent}}",
                                  actions=[{"type": "set_field", "field": "priority", "value": "P2"}])  # fmt: skip
    ticket = make_ticket()
    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert 'id="ticket-macros"' in page and "Need more information" in page
    answer = agent_client.post(reverse("automation:macro_apply", args=[ticket.number]), {"macro": macro.pk})
    assert answer.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == Priority.objects.get(code="P2")
    assert (
        ticket.comments.get().body
        == f"Hello {ticket.requester.name}, could you send a screenshot? — {agent.name}"
    )


def test_a_personal_macro_is_not_offered_to_others(agent_client, other_agent, make_ticket):
    Macro.objects.create(name="Mine", body="x", owner=other_agent)
    ticket = make_ticket()
    page = agent_client.get(reverse("tickets:ticket_detail", args=[ticket.number])).content.decode()
    assert 'id="ticket-macros"' not in page


def test_the_list_says_how_long_a_time_rule_waits(admin_browser, admin_user):
    services.rule_create(actor=admin_user, name="Remind", trigger="time", wait_status="pending_requester",
                         wait_business_days=3, actions=[{"type": "reply", "body": "Any news?"}])  # fmt: skip
    page = admin_browser.get(reverse("automation:rule_list")).content.decode()
    assert "Pending on requester for 3 business days" in page


def test_the_screens_audit_each_change_once(admin_browser, admin_user):
    """The services write each version's audit entry; the settings screens do not add a second one."""
    from gongdan.audit.models import AuditEntry

    rule = services.rule_create(actor=admin_user, name="Tag", trigger="created",
                                actions=[{"type": "add_tags", "tags": ["one"]}])  # fmt: skip
    macro = services.macro_create(actor=admin_user, name="Thanks", body="Thank you.", visibility="everyone")
    assert admin_browser.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == 302
    assert admin_browser.post(reverse("automation:macro_delete", args=[macro.pk])).status_code == 302
    for kind, pk in (("automation.rule", rule.pk), ("automation.macro", macro.pk)):
        entries = AuditEntry.objects.filter(object_type=kind, object_id=str(pk)).order_by("pk")
        assert [e.kind for e in entries] == ["config.create", "config.delete"], kind
