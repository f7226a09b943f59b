"""What the approvals app holds about a person: the approvals they were asked for and decided (with their
comments), the delegations they gave or took, and their name in anyone's approval comments. Registered with
`gongdan.core.personal_data` from ApprovalsConfig.ready().

Erasure keeps the decisions themselves — who approved a purchase is the organisation's record, and the
user row they point to is pseudonymised by the accounts app — but takes the person's name out of every
comment and removes their delegations (a note about someone's leave says nothing the record needs). A flow's
versions name approvers by username: an erased person's username there becomes the pseudonym too."""

from __future__ import annotations

from django.db.models import Q

from gongdan.approvals.models import ApprovalRequest, ApprovalTask, Delegation, FlowVersion
from gongdan.core.personal_data import Person, PersonalExport, scrub


def _mentioning(identifiers: list[str], field: str) -> Q:
    condition = Q(pk__in=[])
    for identifier in identifiers:
        condition |= Q(**{f"{field}__icontains": identifier})
    return condition


class ApprovalsPersonalData:
    label = "approvals"

    def export(self, person: Person) -> PersonalExport:
        tasks = (
            ApprovalTask.objects.filter(Q(approver_id=person.user_id) | Q(decided_by_id=person.user_id))
            .select_related("step__request__ticket")
            .order_by("pk")
        )
        delegations = Delegation.objects.filter(
            Q(person_id=person.user_id) | Q(delegate_id=person.user_id)
        ).order_by("pk")
        return PersonalExport(
            records={
                "approvals_asked": [
                    {
                        "ticket": task.step.request.ticket.number,
                        "step": task.step.name,
                        "status": task.status,
                        "decided_at": task.decided_at.isoformat() if task.decided_at else None,
                        "decided_by_them": task.decided_by_id == person.user_id,
                        "comment": task.comment,
                        "via": task.via,
                    }
                    for task in tasks
                ],
                "delegations": [
                    {
                        "given": d.person_id == person.user_id,
                        "starts_at": d.starts_at.isoformat(),
                        "ends_at": d.ends_at.isoformat(),
                        "note": d.note,
                    }
                    for d in delegations
                ],
            }
        )

    def erase(self, person: Person, pseudonym: str) -> dict[str, int]:
        delegations = Delegation.objects.filter(
            Q(person_id=person.user_id) | Q(delegate_id=person.user_id)
        ).delete()[0]
        identifiers = person.identifiers()
        comments = outcomes = 0
        if identifiers:
            for pk, text in list(
                ApprovalTask.objects.filter(_mentioning(identifiers, "comment")).values_list("pk", "comment")
            ):
                ApprovalTask.objects.filter(pk=pk).update(comment=scrub(text, identifiers, pseudonym))
                comments += 1
            for pk, text in list(
                ApprovalRequest.objects.filter(_mentioning(identifiers, "outcome_comment")).values_list(
                    "pk", "outcome_comment"
                )
            ):
                ApprovalRequest.objects.filter(pk=pk).update(
                    outcome_comment=scrub(text, identifiers, pseudonym)
                )
                outcomes += 1
        return {
            "delegations_deleted": delegations,
            "comments_scrubbed": comments,
            "outcomes_scrubbed": outcomes,
            "flow_versions_scrubbed": _scrub_flow_versions(person.username, pseudonym),
        }


def _scrub_flow_versions(username: str, pseudonym: str) -> int:
    """The versions whose stages name the person as an approver (a small table: read whole, in batches)."""
    scrubbed = 0
    for version in FlowVersion.objects.only("pk", "snapshot").iterator(chunk_size=500):
        stages = version.snapshot.get("stages") if isinstance(version.snapshot, dict) else None
        if not isinstance(stages, list) or not any(
            isinstance(stage, dict) and username in (stage.get("approver_people") or []) for stage in stages
        ):
            continue
        for stage in stages:
            if isinstance(stage, dict) and username in (stage.get("approver_people") or []):
                stage["approver_people"] = [
                    pseudonym if name == username else name for name in stage["approver_people"]
                ]
        FlowVersion.objects.filter(pk=version.pk).update(snapshot=version.snapshot)
        scrubbed += 1
    return scrubbed
