"""A queue view shared with a team is configuration: creating, changing (sharing and unsharing included) and
deleting it is in the audit trail, with who did it; a personal view leaves no entry."""

from __future__ import annotations

from gongdan.audit.models import AuditEntry
from gongdan.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_update


def _trail() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="tickets.savedview").order_by("pk"))


def test_a_shared_view_is_audited_from_creation_to_deletion(agent, lead, team):
    shared = saved_view_create(actor=agent, name="二线队列", query="status=open", team=team)
    saved_view_update(actor=lead, view=shared, name="团队队列")
    saved_view_delete(actor=lead, view=shared)
    trail = _trail()
    assert [(e.kind, e.actor) for e in trail] == [
        ("config.create", agent), ("config.update", lead), ("config.delete", lead)
    ]  # fmt: skip
    assert trail[0].detail["after"]["team"] == team.pk and trail[0].object_repr == "二线队列"
    assert trail[1].detail == {"before": {"name": "二线队列"}, "after": {"name": "团队队列"}}
    assert trail[2].detail["before"]["name"] == "团队队列" and trail[2].object_id == str(shared.pk)


def test_sharing_and_unsharing_are_audited_but_a_personal_view_is_not(agent, team):
    view = saved_view_create(actor=agent, name="Mine", query="")
    saved_view_update(actor=agent, view=view, name="Still mine")
    assert _trail() == []
    saved_view_update(actor=agent, view=view, team=team)
    saved_view_update(actor=agent, view=view, team=None)
    saved_view_update(actor=agent, view=view, name="Mine again")
    saved_view_delete(actor=agent, view=view)
    assert [(e.kind, e.detail.get("after", {}).get("team")) for e in _trail()] == [
        ("config.update", team.pk), ("config.update", None)
    ]  # fmt: skip
