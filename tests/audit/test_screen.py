"""The audit screen: only the audit administrator enters; filters, keyset pages, one entry's before/after,
and the JSON-lines download (itself recorded)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongdan.audit import kinds
from gongdan.audit.models import AuditEntry
from gongdan.audit.services import audit_chain_pending, audit_record
from gongdan.audit.views import selectors
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(auditor):
    client = Client()
    client.force_login(auditor)
    return client


def some_entries(n: int) -> list[AuditEntry]:
    written = [
        audit_record(kind=kinds.CONFIG_UPDATE if i % 2 else kinds.SIGN_OUT, actor_username=f"user{i % 3}",
                     object_type="tickets.category", object_id=i,
                     detail={"before": {"name": f"old {i}"}, "after": {"name": f"new {i}"}})
        for i in range(n)
    ]  # fmt: skip
    audit_chain_pending()  # as the chainer does after the commit
    return [AuditEntry.objects.get(pk=entry.pk) for entry in written]


def test_who_may_enter(admin_browser, security_admin, auditor_client, agent_client):
    url = reverse("audit:entries")
    assert Client().get(url).status_code == 302
    assert admin_browser.get(url).status_code == 403  # the system administrator reads nothing here
    other = Client()
    other.force_login(security_admin)
    assert other.get(url).status_code == 403
    assert agent_client.get(url).status_code == 403
    assert admin_browser.get(reverse("audit:export")).status_code == 403
    assert auditor_client.get(url).status_code == 200


def test_the_auditor_changes_no_configuration(auditor_client):
    assert auditor_client.get(reverse("admin_console:index")).status_code == 403
    assert auditor_client.get(reverse("sla:calendar_create")).status_code == 403
    response = auditor_client.post(
        reverse("sla:calendar_create"), {"name": "x", "time_zone": "Asia/Shanghai"}
    )
    assert response.status_code == 403


def test_the_auditor_lands_on_the_audit_trail_after_signing_in(auditor):
    response = Client().post(reverse("accounts:login"), {"username": "auditor", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("audit:entries")


def test_filters_and_keyset_pages(auditor_client, monkeypatch):
    updates = [e.seq for e in some_entries(7) if e.kind == kinds.CONFIG_UPDATE][::-1]  # newest first
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    page = auditor_client.get(reverse("audit:entries"), {"kind": kinds.CONFIG_UPDATE})
    assert [e.seq for e in page.context["rows"]] == updates[:2] and page.context["next_seq"] == updates[1]
    older = auditor_client.get(reverse("audit:entries"), {"kind": kinds.CONFIG_UPDATE, "before": updates[1]})
    assert [e.seq for e in older.context["rows"]] == updates[2:] and older.context["next_seq"] is None
    who = auditor_client.get(reverse("audit:entries"), {"who": "USER1"})
    assert {e.actor_username for e in who.context["rows"]} == {"user1"}
    obj = auditor_client.get(reverse("audit:entries"), {"object_type": "tickets.category", "object_id": "3"})
    assert [e.object_id for e in obj.context["rows"]] == ["3"]
    today = timezone.localdate()
    dated = auditor_client.get(reverse("audit:entries"), {"start": today + timedelta(days=1)})
    assert dated.context["rows"] == []


def test_bad_filters_are_field_errors(auditor_client):
    response = auditor_client.get(reverse("audit:entries"), {"address": "not-an-ip", "start": "2026-13-40"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"address", "start"}
    assert auditor_client.get(reverse("audit:export"), {"address": "x"}).status_code == 400


def test_the_list_costs_the_same_for_many_entries(auditor_client, django_assert_max_num_queries):
    some_entries(60)
    with django_assert_max_num_queries(
        5
    ):  # session, user, the page of entries, the configuration version (+ a savepoint on PostgreSQL)
        response = auditor_client.get(reverse("audit:entries"))
    assert len(response.context["rows"]) == 50


def test_an_entry_shows_before_and_after(auditor_client):
    entry = some_entries(2)[1]
    response = auditor_client.get(reverse("audit:entry", args=[entry.seq]))
    assert response.status_code == 200
    assert response.context["diff"] == [
        {"field": "name", "before": '"old 1"', "after": '"new 1"', "changed": True}
    ]
    assert auditor_client.get(reverse("audit:entry", args=[9999])).status_code == 404


def test_the_download_is_json_lines_and_is_itself_recorded(auditor_client, auditor):
    sign_outs = [e.seq for e in some_entries(3) if e.kind == kinds.SIGN_OUT]
    response = auditor_client.get(reverse("audit:export"), {"kind": kinds.SIGN_OUT})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [line["seq"] for line in lines] == sign_outs and all(line["kind"] == "sign_out" for line in lines)
    assert {"hash", "prev_hash", "algorithm"} <= set(lines[0])
    export = AuditEntry.objects.filter(kind=kinds.DATA_EXPORT).get()
    assert export.actor_id == auditor.pk and export.detail["rows"] == 2
    assert export.detail["filters"] == {"kind": "sign_out"}
