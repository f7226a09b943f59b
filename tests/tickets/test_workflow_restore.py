"""Reverting a workflow: an old version is restored as the draft (never published by the restore), through the
editor's confirmation page or the API; the admin then publishes it with the usual mapping. Audited."""

from __future__ import annotations

import copy

import pytest

from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongdan.tickets.models import Ticket, TicketType, VersionStatus, WorkflowVersion
from gongdan.tickets.services import ticket_transition, workflows
from tests.tickets.test_workflows import THREE_STATES, move, publish, state

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit(db):
    return TicketType.objects.create(code="permit", name="装修审批", name_en="Renovation permit")


def with_inspection():
    """THREE_STATES with an inspection step between works and done."""
    after = copy.deepcopy(THREE_STATES)
    after["states"].insert(2, state("inspect", "pending_third_party", "验收"))
    after["transitions"][1] = move("inspect", "works", "inspect")
    after["transitions"].append(move("pass", "inspect", "done"))
    return after


def test_restoring_an_old_version_makes_it_the_draft_and_publishing_maps_its_tickets(
    admin_user, permit, make_ticket, agent
):
    # Given version 1 (three states) and version 2 (with an inspection), a ticket waiting in inspection
    publish(admin_user, permit, THREE_STATES)
    publish(admin_user, permit, with_inspection())
    ticket = make_ticket(ticket_type=permit, assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="inspect")
    # When the admin restores version 1
    draft = workflows.workflow_restore(actor=admin_user, ticket_type=permit, number=1)
    # Then it is the draft (version 3) with version 1's definition; version 2 is still what tickets follow
    assert (draft.number, draft.status) == (3, VersionStatus.DRAFT)
    assert draft.definition == WorkflowVersion.objects.get(ticket_type=permit, number=1).definition
    assert "1" in draft.note
    assert workflows.published_version(permit).number == 2
    entry = AuditEntry.objects.filter(kind=workflows.AUDIT_RESTORE).latest("pk")
    assert entry.actor == admin_user and entry.detail["restored"] == 1 and entry.detail["draft"] == 3
    # And publishing it asks where the inspected ticket goes, as any publish does
    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_publish(actor=admin_user, ticket_type=permit)
    assert "mapping.inspect" in refused.value.details
    workflows.workflow_publish(actor=admin_user, ticket_type=permit, mapping={"inspect": "works"})
    assert Ticket.objects.get(pk=ticket.pk).state == "works"


def test_restore_guards(admin_user, agent, permit):
    publish(admin_user, permit, THREE_STATES)
    workflows.workflow_draft_save(actor=admin_user, ticket_type=permit, definition=with_inspection())
    with pytest.raises(NotFound):
        workflows.workflow_restore(actor=admin_user, ticket_type=permit, number=9)
    with pytest.raises(Conflict) as refused:
        workflows.workflow_restore(actor=admin_user, ticket_type=permit, number=2)  # the draft itself
    assert refused.value.code == "already_draft"
    with pytest.raises(PermissionDenied):
        workflows.workflow_restore(actor=agent, ticket_type=permit, number=1)


def test_a_version_naming_a_field_gone_since_is_refused_by_its_place(admin_user, permit):
    version = publish(admin_user, permit, THREE_STATES)
    broken = copy.deepcopy(version.definition)
    broken["transitions"][0]["required_fields"] = ["gone_field"]
    WorkflowVersion.objects.filter(pk=version.pk).update(definition=broken)  # as a field deleted since would
    with pytest.raises(ValidationFailed) as refused:
        workflows.workflow_restore(actor=admin_user, ticket_type=permit, number=1)
    assert "transitions.0.required_fields" in refused.value.details
    assert workflows.draft_version(permit) is None


def test_the_versions_screen_asks_before_restoring(admin_browser, admin_user, permit):
    publish(admin_user, permit, THREE_STATES)
    publish(admin_user, permit, with_inspection())
    versions = admin_browser.get("/settings/workflow/permit/versions/").content.decode()
    assert "/settings/workflow/permit/versions/1/restore/" in versions
    page = admin_browser.get("/settings/workflow/permit/versions/1/restore/")
    html = page.content.decode()
    assert page.status_code == 200 and "inspect" in html  # what restoring removes, against the version in use
    assert not WorkflowVersion.objects.filter(status=VersionStatus.DRAFT, ticket_type=permit).exists()
    answer = admin_browser.post("/settings/workflow/permit/versions/1/restore/")
    assert answer.status_code == 302 and answer["Location"] == "/settings/workflow/permit/"
    draft = workflows.draft_version(permit)
    assert draft is not None and draft.number == 3
    assert draft.definition == WorkflowVersion.objects.get(ticket_type=permit, number=1).definition
    assert admin_browser.get("/settings/workflow/permit/versions/3/restore/", follow=True).status_code == 200
    assert admin_browser.get("/settings/workflow/permit/versions/9/restore/").status_code == 404
