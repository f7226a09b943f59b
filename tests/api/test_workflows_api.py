"""The workflows API: administrators read, save a draft, validate, publish and restore an old version as the
draft; everyone else is refused."""

from __future__ import annotations

import pytest

from gongdan.tickets.models import Status, TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.services import workflows
from tests.api.conftest import assert_error
from tests.tickets.test_workflow_restore import with_inspection
from tests.tickets.test_workflows import THREE_STATES, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit(db):
    return TicketType.objects.create(code="permit", name="装修审批", name_en="Renovation permit")


def test_an_admin_saves_validates_and_publishes_a_workflow(admin_api, permit):
    listed = admin_api.get("workflows").json()
    assert {"key": "default", "published": 1}.items() <= listed[0].items()

    checked = admin_api.post("workflows/permit/validate", {"definition": THREE_STATES})
    assert checked.status_code == 200 and checked.json() == {"problems": [], "stranded": {}}
    saved = admin_api.put("workflows/permit/draft", {"definition": THREE_STATES, "note": "first"})
    assert saved.status_code == 200 and saved.json()["version"] == 1
    published = admin_api.post("workflows/permit/publish", {"mapping": {}})
    assert published.status_code == 200 and published.json() == {"version": 1, "moved": 0}

    detail = admin_api.get("workflows/permit").json()
    assert detail["published"] == 1 and detail["versions"][0]["published_by"] == "admin"
    assert WorkflowVersion.objects.get(ticket_type=permit).status == VersionStatus.PUBLISHED


def test_bad_definitions_and_missing_drafts_are_refused(admin_api, permit):
    error = assert_error(admin_api.put("workflows/permit/draft", {"definition": {"states": "x"}}), 422)
    assert "states" in error["details"]
    assert_error(admin_api.post("workflows/permit/publish", {}), 404)
    assert_error(admin_api.get("workflows/nope"), 404)
    problems = {"states": [{"code": "a", "name": "A", "status": "new"}], "transitions": []}
    assert admin_api.put("workflows/permit/draft", {"definition": problems}).status_code == 200
    assert_error(admin_api.post("workflows/permit/publish", {}), 422, "workflow_invalid")


def test_only_administrators_use_the_workflows_api(agent_api, anon, permit):
    assert_error(agent_api.get("workflows"), 403)
    assert_error(agent_api.put("workflows/permit/draft", {"definition": THREE_STATES}), 403)
    assert_error(anon.get("workflows"), 401)


def test_the_workflow_list_reads_a_fixed_number_of_queries(admin_api, permit, django_assert_max_num_queries):
    admin_api.get("workflows")
    with django_assert_max_num_queries(8):
        assert admin_api.get("workflows").status_code == 200


def test_the_api_restores_a_version_as_the_draft(admin_api, agent_api, admin_user, permit):
    publish(admin_user, permit, THREE_STATES)
    publish(admin_user, permit, with_inspection())
    answer = admin_api.post("workflows/permit/versions/1/restore", {})
    assert answer.status_code == 200
    assert answer.json() == {"version": 3, "restored": 1, "problems": [], "stranded": {}}
    assert_error(admin_api.post("workflows/permit/versions/3/restore", {}), 409, "already_draft")
    assert_error(admin_api.post("workflows/permit/versions/9/restore", {}), 404)
    assert_error(agent_api.post("workflows/permit/versions/1/restore", {}), 403)
    assert workflows.published_version(permit).definition["states"][2]["code"] == "inspect"
    assert Status.NEW in {s["status"] for s in workflows.draft_version(permit).definition["states"]}
