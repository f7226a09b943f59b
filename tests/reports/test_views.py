"""The dashboard, drill-down, exports and period reports as users meet them, and who sees what."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gongdan.outbox.models import OutboxMessage
from gongdan.reports.exports import neutralise
from gongdan.reports.models import ReportSubscription
from gongdan.reports.services import report_send, subscription_create
from gongdan.tickets.services import ticket_create, ticket_transition
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def tickets(wall_clock, agent, other_agent, team, other_team, requester):
    mine = ticket_create(actor=agent, requester=requester, subject='=HYPERLINK("http://evil")', team=team)
    ticket_transition(actor=agent, ticket=mine, action="resolve", note="ok")
    theirs = ticket_create(actor=other_agent, requester=requester, subject="Facilities leak", team=other_team)
    return mine, theirs


def test_an_agent_sees_only_their_teams_figures(client, agent, tickets):
    client.force_login(agent)
    page = client.get(reverse("reports:dashboard"), RANGE)
    assert page.status_code == 200
    assert page.context["board"].totals["created"] == 1  # the other team's ticket is not counted
    listed = client.get(reverse("reports:tickets"), {**RANGE, "metric": "created"})
    assert [t.subject for t in listed.context["rows"]] == ['=HYPERLINK("http://evil")']


def test_an_agent_in_no_team_sees_empty_figures_not_an_error(client, tickets):
    loner = AgentFactory(username="loner")
    client.force_login(loner)
    page = client.get(reverse("reports:dashboard"), RANGE)
    assert page.status_code == 200
    board = page.context["board"]
    assert (board.totals["created"], board.totals["median_wall_seconds"], board.teams, board.agents) == (
        0,
        None,
        [],
        [],
    )
    assert (
        client.get(
            reverse("reports:report_export", args=["xlsx"]), {"period": "monthly", "date": "2026-11-15"}
        ).status_code
        == 200
    )


def test_an_agent_cannot_ask_for_another_teams_figures(client, agent, other_team, tickets):
    client.force_login(agent)
    page = client.get(reverse("reports:dashboard"), {**RANGE, "team": other_team.pk})
    assert page.status_code == 400
    assert "board" not in page.context


def test_a_manager_sees_everything(client, manager, tickets):
    client.force_login(manager)
    page = client.get(reverse("reports:dashboard"), RANGE)
    assert page.context["board"].totals["created"] == 2
    assert page.context["board"].totals["resolved"] == 1


def test_requesters_get_no_reports(client, requester, tickets):
    client.force_login(requester)
    assert client.get(reverse("reports:dashboard")).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-13-01"}, "start"),
        ({"start": "2026-11-10", "end": "2026-11-01"}, "end"),
        ({"start": "2024-01-01", "end": "2026-01-01"}, "end"),
        ({"team": "abc"}, "team"),
    ],
)
def test_bad_filters_are_a_400_naming_the_field(client, manager, params, field):
    client.force_login(manager)
    page = client.get(reverse("reports:dashboard"), params)
    assert page.status_code == 400
    assert field in page.context["errors"]


def test_unknown_drill_metric_is_a_400(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:tickets"), {"metric": "nope"}).status_code == 400
    assert client.get(reverse("reports:tickets"), {"metric": "csat", "rating": "9"}).status_code == 400
    assert client.get(reverse("reports:tickets_export", args=["exe"])).status_code == 404


def test_the_dashboard_query_count_does_not_grow_with_tickets(
    client, manager, tickets, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(reverse("reports:dashboard"), RANGE)  # projection caught up
    with django_assert_max_num_queries(32):
        assert client.get(reverse("reports:dashboard"), RANGE).status_code == 200


def test_xlsx_export_neutralises_formulas(client, manager, tickets):
    client.force_login(manager)
    client.get(reverse("reports:dashboard"), RANGE)
    response = client.get(reverse("reports:tickets_export", args=["xlsx"]), {**RANGE, "metric": "created"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    subjects = sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert subjects == ['\'=HYPERLINK("http://evil")', "Facilities leak"]


def test_csv_export_of_the_queue_follows_its_filter_and_neutralises(client, agent, tickets):
    client.force_login(agent)
    response = client.get(reverse("reports:queue_export", args=["csv"]), {"view": "all"})
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Facilities leak" not in text


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_neutralise_prefixes_every_formula_start(value):
    assert neutralise(value) == "'" + value


def test_period_report_compares_with_the_previous_period(client, manager, tickets):
    client.force_login(manager)
    page = client.get(reverse("reports:report"), {"period": "monthly", "date": "2026-11-15"})
    rows = {r["key"]: r for r in page.context["rows"]}
    assert (rows["created"]["current"], rows["created"]["previous"], rows["created"]["change"]) == (2, 0, 2)
    xlsx = client.get(
        reverse("reports:report_export", args=["xlsx"]), {"period": "monthly", "date": "2026-11-15"}
    )
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[-1] == "Resolved tickets"
    assert [r[0] for r in book["Resolved tickets"].iter_rows(min_row=2, values_only=True)] == [
        tickets[0].number
    ]
    pdf = client.get(
        reverse("reports:report_export", args=["pdf"]), {"period": "weekly", "date": "2026-11-02"}
    )
    assert pdf.content.startswith(b"%PDF")


def test_a_subscription_sends_once_in_the_recipients_language(admin_user, manager, tickets, wall_clock):
    manager.email, manager.language = "boss@example.com", "zh-hans"
    manager.save()
    subscription = subscription_create(actor=admin_user, recipient=manager, period="weekly")
    from datetime import date

    assert report_send(subscription_id=subscription.pk, start=date(2026, 11, 2)) is True
    assert report_send(subscription_id=subscription.pk, start=date(2026, 11, 2)) is False
    (message,) = OutboxMessage.objects.filter(address="boss@example.com")
    assert "周报" in message.subject or "每周" in message.subject
    assert "/reports/download/" in message.body_text
    assert ReportSubscription.objects.get().last_sent_for == date(2026, 11, 2)


def test_the_api_gives_the_dashboard_figures(client, manager, tickets):
    client.force_login(manager)
    response = client.get("/api/v1/reports/dashboard", RANGE)
    assert response.status_code == 200, response.content
    assert response.json()["totals"]["created"] == 2
    assert client.get("/api/v1/reports/dashboard", {"start": "x"}).status_code == 422


def test_an_admin_subscribes_and_unsubscribes_a_manager(client, admin_user, manager, requester):
    manager.email = "boss@example.com"
    manager.save()
    client.force_login(admin_user)
    url = reverse("reports:subscription_list")
    assert client.post(url, {"recipient": manager.pk, "period": "monthly"}).status_code == 302
    subscription = ReportSubscription.objects.get()
    assert (subscription.recipient, subscription.period) == (manager, "monthly")
    again = client.post(url, {"recipient": manager.pk, "period": "monthly"})
    assert again.status_code == 422 and "already subscribed" in again.content.decode()
    refused = client.post(url, {"recipient": requester.pk, "period": "weekly"})
    assert refused.status_code == 422 and ReportSubscription.objects.count() == 1
    client.post(reverse("reports:subscription_delete", args=[subscription.pk]))
    assert not ReportSubscription.objects.exists()


def test_only_admins_manage_subscriptions(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:subscription_list")).status_code in (302, 403)


def test_the_queue_offers_its_own_list_for_download(client, agent, requester, tickets):
    client.force_login(agent)
    html = client.get("/", {"view": "all", "priority": "P2"}).content.decode()
    href = reverse("reports:queue_export", args=["xlsx"])
    assert f'href="{href}?view=all&amp;priority=P2"' in html
    client.force_login(requester)
    assert href not in client.get("/").content.decode()  # requesters see their own tickets, no export


def test_the_api_gives_the_previous_periods_figures_in_the_shape_of_the_current_ones(
    client, manager, agent, team, requester, wall_clock, tickets
):
    # Given a ticket created and resolved in October, the 30 days before November
    wall_clock.at(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    earlier = ticket_create(actor=agent, requester=requester, subject="October printer", team=team)
    wall_clock.advance(hours=3)
    ticket_transition(actor=agent, ticket=earlier, action="resolve", note="done")
    client.force_login(manager)
    # When the dashboard of November is asked for
    body = client.get("/api/v1/reports/dashboard", RANGE).json()
    # Then "previous" holds October's figures, with the same keys as "totals"
    previous = body["previous"]
    assert set(previous) == set(body["totals"])
    assert (previous["created"], previous["resolved"], body["totals"]["created"]) == (1, 1, 2)
    assert previous["median_wall_seconds"] == 3 * 3600
    october = client.get("/api/v1/reports/dashboard", {"start": "2026-10-02", "end": "2026-10-31"}).json()
    assert previous == october["totals"]


def test_the_api_default_is_the_last_30_days_beside_the_30_before(client, manager, tickets, wall_clock):
    client.force_login(manager)
    body = client.get("/api/v1/reports/dashboard").json()
    assert (body["filters"]["start"], body["filters"]["end"]) == ("2026-10-04", "2026-11-02")
    assert (body["totals"]["created"], body["previous"]["created"]) == (2, 0)


def test_a_ticket_created_a_moment_ago_is_listed_and_exported_at_once(
    client, manager, agent, team, requester, wall_clock
):
    # Given a ticket just created, with no queue worker running (its fact is not written yet)
    fresh = ticket_create(actor=agent, requester=requester, subject="Fresh leak on floor 2", team=team)
    client.force_login(manager)
    # When its figure's tickets are listed and downloaded, before any dashboard was opened
    listed = client.get(reverse("reports:tickets"), {**RANGE, "metric": "created"})
    csv = client.get(reverse("reports:tickets_export", args=["csv"]), {**RANGE, "metric": "backlog"})
    # Then the ticket is in both
    assert [t.number for t in listed.context["rows"]] == [fresh.number]
    assert fresh.number in csv.content.decode("utf-8-sig")
    assert "Fresh leak on floor 2" in csv.content.decode("utf-8-sig")
