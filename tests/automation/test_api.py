"""The automation API: rules CRUD, switch on after a dry run, history, versions, export/import; macros and the
bulk apply the queue calls."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongdan.automation import services
from gongdan.automation.engine import process_events
from gongdan.automation.models import Macro, Rule
from gongdan.tickets.models import Priority, Ticket
from gongdan.tickets.services import ticket_transition
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db

RULE = {"name": "P1 urgent", "trigger": "created", "conditions": [{"field": "priority", "op": "eq", "value": "P1"}],
        "actions": [{"type": "add_tags", "tags": ["urgent"]}]}  # fmt: skip


def test_rules_crud_dry_run_activate_history_and_versions(
    admin_user, make_ticket, django_assert_max_num_queries
):
    api = ApiClient(admin_user)
    created = api.post("automation/rules", RULE)
    assert created.status_code == 201, created.content
    rule = created.json()
    assert rule["is_active"] is False and rule["version"] == 1
    # Switching on before a dry run: 409
    assert_error(
        api.put(f"automation/rules/{rule['id']}/active", {"is_active": True}), 409, "dry_run_required"
    )
    make_ticket("Core switch", priority=Priority.objects.get(code="P1"))
    make_ticket("Mouse", priority=Priority.objects.get(code="P4"))
    process_events()  # the site caught up before the rule is switched on
    dry = api.post(f"automation/rules/{rule['id']}/dry-run", {"limit": 10})
    assert dry.status_code == 200
    assert dry.json()["matched"] == 1 and dry.json()["tried"] == 2
    assert not Ticket.objects.filter(tags__name="urgent").exists()  # the dry run changed nothing
    on = api.put(f"automation/rules/{rule['id']}/active", {"is_active": True})
    assert on.status_code == 200 and on.json()["is_active"] is True
    ticket = make_ticket("Another P1", priority=Priority.objects.get(code="P1"))
    process_events()
    with django_assert_max_num_queries(6):
        runs = api.get(f"automation/rules/{rule['id']}/runs")
    assert [(r["ticket"], r["outcome"], r["changes"]) for r in runs.json()] == [
        (ticket.number, "applied", ["add tags urgent"])]  # fmt: skip
    changed = api.put(
        f"automation/rules/{rule['id']}", {**RULE, "actions": [{"type": "add_tags", "tags": ["p1"]}]}
    )
    assert changed.json()["version"] == 3
    versions = api.get(f"automation/rules/{rule['id']}/versions").json()
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[0]["diff"]["actions"] == [[{"type": "add_tags", "tags": ["urgent"]}],
                                              [{"type": "add_tags", "tags": ["p1"]}]]  # fmt: skip
    reverted = api.post(f"automation/rules/{rule['id']}/revert", {"version": 2})
    assert reverted.json()["actions"] == [{"type": "add_tags", "tags": ["urgent"]}]
    assert api.get("automation/rules").json()[0]["name"] == "P1 urgent"
    assert api.delete(f"automation/rules/{rule['id']}").status_code == 204
    assert_error(api.get(f"automation/rules/{rule['id']}"), 404)


def test_bad_rules_are_refused_naming_the_field(admin_user):
    api = ApiClient(admin_user)
    error = assert_error(api.post("automation/rules", {**RULE, "trigger": "whenever"}), 422)
    assert "trigger" in error["details"]
    error = assert_error(api.post("automation/rules", {**RULE, "conditions": [{"field": "priority", "op": "gt",
                                                                               "value": "high"}]}), 422)  # fmt: skip
    assert error["details"] == {"conditions.0.value": ["Enter a number."]}
    error = assert_error(
        api.post("automation/rules", {**RULE, "actions": [{"type": "note", "body": "{{secret}}"}]}), 422
    )
    assert "actions.0.body" in error["details"]
    error = assert_error(
        api.post("automation/rules", {**RULE, "actions": [{"type": "exec", "cmd": "rm"}]}), 422
    )
    assert "actions.0.type" in error["details"]
    assert_error(api.post("automation/rules", {**RULE, "extra": 1}), 422)


def test_only_admins_manage_rules(agent):
    assert_error(ApiClient(agent).get("automation/rules"), 403)
    assert_error(ApiClient(agent).post("automation/rules", RULE), 403)
    assert_error(ApiClient().get("automation/rules"), 401)


def test_export_and_import_round_trip(admin_user, team):
    api = ApiClient(admin_user)
    api.post("automation/rules", {**RULE, "actions": [{"type": "assign", "team": team.pk}]})
    services.macro_create(actor=admin_user, name="Shared", body="Hi", visibility="everyone")
    exported = api.get("automation/export").json()
    assert exported["rules"][0]["actions"][0]["team"] == {"ref": "team", "key": team.name}
    summary = api.post("automation/import", exported)
    assert summary.json() == {
        "rules_created": 0,
        "rules_updated": 1,
        "macros_created": 0,
        "macros_updated": 1,
    }
    exported["rules"][0]["actions"][0]["team"] = {"ref": "team", "key": "No such team"}
    error = assert_error(api.post("automation/import", exported), 422)
    assert "No such team" in error["message"]
    assert_error(api.post("automation/import", {"format": "something else"}), 422)


def test_macros_single_and_bulk_with_a_report_of_what_failed(agent, admin_user, make_ticket):
    api = ApiClient(agent)
    made = api.post("macros", {"name": "Password reset done", "body": "Your password was reset, {{requester}}.",
                               "actions": [{"type": "set_field", "field": "priority", "value": "P3"},
                                           {"type": "add_tags", "tags": ["password"]}]})  # fmt: skip
    assert made.status_code == 201, made.content
    macro = made.json()
    assert macro["visibility"] == "personal"
    one = make_ticket("Forgot password")
    two = make_ticket("Locked out")
    closed = ticket_transition(actor=agent, ticket=make_ticket("Old"), action="cancel")
    single = api.post(f"macros/{macro['id']}/apply", {"ticket": one.number})
    assert single.status_code == 200 and single.json()["ok"] is True
    bulk = api.post(f"macros/{macro['id']}/apply-bulk", {"tickets": [two.number, closed.number, "NOPE-1"]})
    assert bulk.status_code == 200
    body = bulk.json()
    assert (body["applied"], body["failed"]) == (1, 2)
    results = {r["number"]: r for r in body["results"]}
    assert results[two.number]["ok"] and results["NOPE-1"]["code"] == "not_found"
    assert results[closed.number]["ok"] is False and results[closed.number]["error"]
    # The cancelled ticket was left exactly as it was: no priority change, no tag, no reply
    closed = Ticket.objects.get(pk=closed.pk)
    assert closed.priority.code != "P3" and not closed.tags.exists() and not closed.comments.exists()
    for ticket in (one, two):
        ticket = Ticket.objects.get(pk=ticket.pk)
        assert ticket.priority.code == "P3" and ticket.comments.get().body.startswith(
            "Your password was reset"
        )


def test_a_macro_applied_with_the_versions_read_leaves_a_ticket_changed_since(agent, make_ticket):
    api = ApiClient(agent)
    macro = api.post("macros", {"name": "Tag it", "actions": [{"type": "add_tags", "tags": ["seen"]}]}).json()
    stale, fresh = make_ticket("Printer jam"), make_ticket("Scanner jam")
    read = {ticket.number: ticket.version for ticket in (stale, fresh)}
    # The ticket moves on (another tab, another client) after the client read both
    ticket_transition(actor=agent, ticket=Ticket.objects.get(pk=stale.pk), action="start")

    # One ticket: 409 and nothing changed
    single = api.post(f"macros/{macro['id']}/apply", {"ticket": stale.number, "version": read[stale.number]})
    assert_error(single, 409)
    assert not Ticket.objects.get(pk=stale.pk).tags.exists()

    # Many: the changed ticket is reported as a conflict and left alone, the other is done
    bulk = api.post(f"macros/{macro['id']}/apply-bulk", {"tickets": list(read), "versions": read})
    assert bulk.status_code == 200, bulk.content
    results = {r["number"]: r for r in bulk.json()["results"]}
    assert results[stale.number]["ok"] is False and results[stale.number]["code"] == "version_conflict"
    assert results[fresh.number]["ok"] is True
    assert not Ticket.objects.get(pk=stale.pk).tags.exists()
    assert Ticket.objects.get(pk=fresh.pk).tags.filter(name="seen").exists()

    # Refused whole, nothing written: a version for a ticket not in the list, or not a version at all
    other = make_ticket("Fax jam")
    error = assert_error(api.post(f"macros/{macro['id']}/apply-bulk",
                                  {"tickets": [other.number], "versions": {"NOPE-1": 3}}), 422)  # fmt: skip
    assert "NOPE-1" in error["message"]
    for version in (0, -1, "three", 2**31):
        assert_error(api.post(f"macros/{macro['id']}/apply-bulk",
                              {"tickets": [other.number], "versions": {other.number: version}}), 422)  # fmt: skip
    assert_error(api.post(f"macros/{macro['id']}/apply", {"ticket": other.number, "version": 0}), 422)
    assert not Ticket.objects.get(pk=other.pk).tags.exists()


def test_a_macro_with_a_bad_value_is_refused_and_others_cannot_use_a_personal_macro(
    agent, other_agent, make_ticket
):
    api = ApiClient(agent)
    bad = assert_error(api.post("macros", {"name": "Bad", "actions": [{"type": "set_field", "field": "priority",
                                                                       "value": "P9"}]}), 422)  # fmt: skip
    assert bad["details"] == {"actions.0.value": ["Unknown priority “P9”."]}
    mine = api.post("macros", {"name": "Mine", "body": "x"}).json()
    assert_error(
        ApiClient(other_agent).post(f"macros/{mine['id']}/apply", {"ticket": make_ticket().number}), 404
    )
    assert [m["name"] for m in ApiClient(other_agent).get("macros").json()] == []
    assert_error(api.post("macros", {"name": "Everyone", "body": "x", "visibility": "everyone"}), 422)


def test_a_macro_that_fails_on_a_ticket_leaves_nothing_half_applied(agent, make_ticket, category):
    api = ApiClient(agent)
    macro = api.post("macros", {"name": "Set floor", "body": "Noted.",
                                "actions": [{"type": "add_tags", "tags": ["floor"]},
                                            {"type": "set_field", "field": "custom.floor", "value": "3"}]}).json()  # fmt: skip
    ticket = make_ticket("No floor field here")
    error = assert_error(api.post(f"macros/{macro['id']}/apply", {"ticket": ticket.number}), 422)
    assert "custom_fields.floor" in error["details"]
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert not ticket.tags.exists() and not ticket.comments.exists()


def test_the_commands_carry_rules_and_macros_from_one_site_to_another(admin_user, team, tmp_path):
    services.rule_create(actor=admin_user, name="To the team", trigger="created",
                         actions=[{"type": "assign", "team": team.pk}])  # fmt: skip
    services.macro_create(
        actor=admin_user, name="Shared", body="Hi {{requester}}", visibility="team", team=team
    )
    target = tmp_path / "automation.json"
    call_command("automation_export", output=str(target))
    Rule.objects.all().delete()
    Macro.objects.all().delete()
    out = StringIO()
    call_command("automation_import", str(target), username=admin_user.username, stdout=out)
    assert "Rules: 1 created" in out.getvalue() and "macros: 1 created" in out.getvalue()
    assert Rule.objects.get().actions == [{"type": "assign", "team": team.pk, "assignee": None}]
    assert Macro.objects.get().team == team
    with pytest.raises(CommandError):
        call_command("automation_import", str(target), username="nobody")


def test_rules_changed_over_the_api_are_in_the_audit_trail(admin_user):
    """The API is a door to the same configuration: what it changes, the auditor sees, like the screens."""
    from gongdan.audit.models import AuditEntry

    api = ApiClient(admin_user)
    rule = api.post("automation/rules", RULE).json()
    api.put(f"automation/rules/{rule['id']}", {**RULE, "name": "P1 very urgent"})
    api.delete(f"automation/rules/{rule['id']}")

    entries = list(
        AuditEntry.objects.filter(object_type="automation.rule", object_id=str(rule["id"])).order_by("pk")
    )
    assert [e.kind for e in entries] == ["config.create", "config.update", "config.delete"]
    assert entries[1].detail["after"]["name"] == "P1 very urgent"
    assert {e.actor_id for e in entries} == {admin_user.pk}
