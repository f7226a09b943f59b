from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongdan.tickets.models import Priority, Ticket
from gongdan.tickets.services import ticket_assign, ticket_transition
from tests.clients import signed_in
from tests.factories import AgentFactory

QUEUE = reverse("tickets:queue")


def numbers_in(response) -> list[str]:
    return [t.number for t in response.context["tickets"]]


def test_queue_lists_tickets_with_their_columns(agent_client, make_ticket):
    ticket = make_ticket("Printer jammed on floor 3", due_at=timezone.now() - timedelta(hours=1))
    response = agent_client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert ticket.number in html
    assert "Printer jammed on floor 3" in html
    assert "gd-overdue" in html  # due in the past: shown in red
    assert "Alice" in html  # requester
    assert "IT Support" in html


def test_saved_views_filter_the_queue(agent_client, agent, make_ticket):
    mine = make_ticket("Mine", assignee=agent)
    unassigned = make_ticket("Nobody's")
    finished = make_ticket("Done")
    ticket_transition(actor=agent, ticket=finished, action="cancel")

    assert numbers_in(agent_client.get(QUEUE, {"view": "my_open"})) == [mine.number]
    assert numbers_in(agent_client.get(QUEUE, {"view": "unassigned"})) == [unassigned.number]
    assert finished.number not in numbers_in(agent_client.get(QUEUE))  # default: open tickets
    assert finished.number in numbers_in(agent_client.get(QUEUE, {"view": "all"}))


def test_filters_and_text_search(agent_client, make_ticket):
    p1 = Priority.objects.get(code="P1")
    urgent = make_ticket("Server room too hot", priority=p1)
    make_ticket("三楼打印机卡纸")
    assert numbers_in(agent_client.get(QUEUE, {"priority": "P1"})) == [urgent.number]
    found = numbers_in(agent_client.get(QUEUE, {"view": "all", "q": "打印机"}))
    assert len(found) == 1 and found != [urgent.number]


def test_sorting_by_priority(agent_client, make_ticket):
    low = make_ticket("Low", priority=Priority.objects.get(code="P4"))
    high = make_ticket("High", priority=Priority.objects.get(code="P0"))
    assert numbers_in(agent_client.get(QUEUE, {"view": "all", "sort": "priority"})) == [
        high.number,
        low.number,
    ]
    assert numbers_in(agent_client.get(QUEUE, {"view": "all", "sort": "-priority"})) == [
        low.number,
        high.number,
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "melted"},
        {"created_from": "yesterday-ish"},
        {"sort": "chaos"},
        {"team": "abc"},
        {"view": "nope"},
        {"cursor": "%%%not-a-cursor"},
        {"assignee": "<script>"},
        {"assignee": "99999999999999999999"},  # above a bigint: the database would overflow
        {"assignee": "²"},  # a digit to str.isdigit(), not to int()
        {"requester": "9223372036854775808"},
        {"category": "99999999999999999999"},
        {"team": "99999999999999999999"},
    ],
)
def test_bad_filter_values_show_a_message_not_a_500(agent_client, params):
    response = agent_client.get(QUEUE, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some filters are not valid." in html or "The cursor is not valid." in html
    assert "<script>" not in html


def test_keyset_pages_forward_and_back(agent_client, make_ticket):
    made = [make_ticket(f"Ticket {i}") for i in range(30)]
    newest_first = [t.number for t in reversed(made)]
    first = agent_client.get(QUEUE, {"view": "all"})
    assert numbers_in(first) == newest_first[:25]
    next_url = first.context["next_url"]
    assert next_url and not first.context["newer_url"]
    second = agent_client.get(QUEUE + next_url)
    assert numbers_in(second) == newest_first[25:]
    assert not second.context["next_url"]
    back = agent_client.get(QUEUE + second.context["newer_url"])
    assert numbers_in(back) == newest_first[:25]


def test_htmx_filter_request_gets_only_the_results_partial(agent_client, make_ticket):
    ticket = make_ticket()
    response = agent_client.get(QUEUE, {"view": "all"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert ticket.number in html
    assert "<html" not in html and 'id="queue-filters"' not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_links_and_history_restores_get_the_whole_queue(agent_client, make_ticket, header):
    # Given an htmx request that replaces the whole page (a boosted link, or the history cache missing)
    ticket = make_ticket()

    # When it asks for the queue
    response = agent_client.get(QUEUE, {"view": "all"}, headers={"HX-Request": "true", header: "true"})

    # Then it gets the full page, and caches keep the two answers apart
    html = response.content.decode()
    assert ticket.number in html and "<html" in html and 'id="queue-filters"' in html
    assert "HX-Request" in response["Vary"]


def test_a_plain_request_gets_the_whole_queue_and_says_it_varies(agent_client, make_ticket):
    response = agent_client.get(QUEUE, {"view": "all"})
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_requester_sees_only_own_tickets_and_no_staff_controls(requester, other_requester, make_ticket):
    own = make_ticket("My laptop", requester=requester)
    theirs = make_ticket("Bob's phone", requester=other_requester)
    client = signed_in(requester)
    response = client.get(QUEUE, {"view": "all"})
    html = response.content.decode()
    assert own.number in html and theirs.number not in html
    assert 'id="bulk-form"' in html  # the table form, but…
    assert 'name="operation"' not in html and 'name="ticket"' not in html
    assert "My teams" not in html  # staff-only saved views
    for query in ({"q": "phone"}, {"requester": str(other_requester.pk)}, {"view": "my_team"}):
        assert theirs.number not in client.get(QUEUE, query).content.decode()


def test_requester_cannot_post_bulk_actions(requester, make_ticket):
    ticket = make_ticket(requester=requester)
    response = signed_in(requester).post(
        reverse("tickets:bulk_action"), {"ticket": [ticket.number], "operation": "priority", "priority": "P0"}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.priority.code != "P0"


def test_bulk_assign_reports_successes_and_failures(agent_client, agent, other_agent, make_ticket, team):
    colleague = AgentFactory(username="colleague")
    team.memberships.create(user=colleague)
    first, second = make_ticket("One"), make_ticket("Two")
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {
            "ticket": [first.number, second.number],
            "operation": "assign",
            "assignee": colleague.pk,
            "next": QUEUE,
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 tickets updated." in html
    assert set(Ticket.objects.filter(assignee=colleague).values_list("number", flat=True)) == {
        first.number,
        second.number,
    }
    # other_agent is not in the team: each ticket fails with the service's reason, nothing changes
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [first.number], "operation": "assign", "assignee": other_agent.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "1 failed" in html and first.number in html and "is not a member of" in html
    first.refresh_from_db()
    assert first.assignee == colleague


def test_bulk_status_change_needs_a_note_to_resolve(agent_client, agent, make_ticket):
    ticket = make_ticket()
    other = make_ticket("Second")
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [ticket.number, other.number], "operation": "status", "action": "resolve", "note": ""},
        follow=True,
    )
    assert "2 failed" in response.content.decode()
    assert "A resolution note is required." in response.content.decode()
    agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [ticket.number], "operation": "status", "action": "start"},
    )
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_bulk_priority_change_goes_through_the_service(agent_client, agent, make_ticket):
    ticket = make_ticket()
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [ticket.number, "GD-0000-999999"], "operation": "priority", "priority": "P0"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 ticket updated." in html and "1 failed" in html and "GD-0000-999999" in html
    ticket.refresh_from_db()
    assert ticket.priority.code == "P0"
    assert ticket.events.filter(kind="updated").exists()


def test_bulk_with_nothing_selected_says_so(agent_client):
    response = agent_client.post(reverse("tickets:bulk_action"), {"operation": "priority"}, follow=True)
    assert "Select at least one ticket." in response.content.decode()


def test_agent_cannot_bulk_change_tickets_they_cannot_see(agent_client, other_agent, other_team, requester):
    from gongdan.tickets.services import ticket_create

    hidden = ticket_create(actor=other_agent, subject="Facilities only", requester=requester, team=other_team)
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [hidden.number], "operation": "priority", "priority": "P0"},
        follow=True,
    )
    assert "1 failed" in response.content.decode()
    hidden.refresh_from_db()
    assert hidden.priority.code != "P0"


def _count_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE, {"view": "all"})
    assert response.status_code == 200
    return len(captured), len(response.context["tickets"])


def test_queue_query_count_does_not_grow_with_tickets(agent_client, agent, make_ticket, db):
    for i in range(5):
        make_ticket(f"Ticket {i}", assignee=agent, due_at=timezone.now() + timedelta(days=1))
    _count_queries(agent_client, None)  # the first request builds the process's copies (the sign-in policy…)
    few, shown = _count_queries(agent_client, None)
    assert shown == 5
    for i in range(35):
        ticket = make_ticket(f"More {i}", tags=["printer", f"t{i}"])
        if i % 3 == 0:
            ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    many, shown = _count_queries(agent_client, None)
    assert shown == 25
    assert many == few
    # session, user, the agent's teams, the page of tickets, priorities, the agent's saved views and teams
    # (for the views dialog): the closed panels' option lists (teams, agents, categories, types, actions) load only when opened
    assert few <= 9  # + the configuration version, read once per request (decision 0118: session limits)


def test_times_in_the_queue_are_short_in_both_languages():
    from datetime import timedelta

    from django.utils import timezone, translation

    from gongdan.web.templatetags.gongdan_web import relative

    now = timezone.now()
    with translation.override("en"):
        assert relative(now - timedelta(days=16, hours=5)) == "2\xa0weeks ago"
        assert relative(now + timedelta(days=2, hours=23, minutes=5)) == "in 2\xa0days"
    with translation.override("zh-hans"):
        assert relative(now - timedelta(hours=3, minutes=10)) == "3\xa0小时前"
    assert relative(None) == ""


def test_closed_panels_load_their_option_lists_when_opened(agent_client, other_agent, make_ticket):
    # Given a queue with a ticket
    make_ticket("Printer jam")

    # When the page loads, the agent picker of "More filters" and "Bulk actions" is not in it
    page = agent_client.get(QUEUE).content.decode()
    assert other_agent.name not in page
    assert 'hx-get="/queue/panels/filters/"' in page and 'hx-get="/queue/panels/bulk/"' in page

    # Then opening a panel fetches its fields with every agent and action
    filters = agent_client.get(reverse("tickets:queue_panel", args=["filters"])).content.decode()
    assert f">{other_agent.name}</option>" in filters and 'name="assignee"' in filters
    bulk = agent_client.get(reverse("tickets:queue_panel", args=["bulk"])).content.decode()
    assert f">{other_agent.name}</option>" in bulk and 'name="operation" value="assign"' in bulk


def test_an_active_filter_renders_its_panel_open_with_the_choice_selected(agent_client, other_agent):
    page = agent_client.get(QUEUE, {"view": "all", "assignee": other_agent.pk}).content.decode()
    assert f'<option value="{other_agent.pk}" selected>{other_agent.name}</option>' in page
    assert '<details class="gd-more-filters mt-3" open>' in page


def test_queue_panels_are_for_staff_and_known_names(agent_client, requester, client):
    assert agent_client.get(reverse("tickets:queue_panel", args=["nothing"])).status_code == 404
    client.force_login(requester)
    assert client.get(reverse("tickets:queue_panel", args=["bulk"])).status_code == 403


def test_option_lists_escape_labels_and_select_one_or_many():
    from gongdan.web.templatetags.gongdan_web import options

    html = options([(1, "<b>Li & Wang</b>"), (2, "Zhao"), (3, "Qian")], [2, "3"])
    assert html == (
        '<option value="1">&lt;b&gt;Li &amp; Wang&lt;/b&gt;</option>'
        '<option value="2" selected>Zhao</option><option value="3" selected>Qian</option>'
    )
    assert options([('a"b', "x")], None) == '<option value="a&quot;b">x</option>'


def test_queue_rows_show_the_sla_clock_without_extra_queries(agent_client, make_ticket):
    # Given a new ticket under the default SLA policy (the clocks started when it was created)
    ticket = make_ticket("Printer jam")
    ticket.refresh_from_db()
    assert ticket.sla_due_at is not None

    # Then its queue row shows the time left, coloured as on track
    html = agent_client.get(QUEUE, {"view": "all"}).content.decode()
    assert "sla-ok" in html and " left</span>" in html


def test_overdue_view_includes_tickets_past_their_sla(agent_client, agent, requester, team, category):
    from gongdan.tickets.services import ticket_create

    # Given a ticket reported ten days ago and never answered (its SLA clocks ran out) and a fresh one
    late = ticket_create(actor=requester, subject="No answer for ten days", category=category,
                         created_at=timezone.now() - timedelta(days=10))  # fmt: skip
    ticket_create(actor=requester, subject="Just reported", category=category)

    # Then "Overdue" lists the late one only
    response = agent_client.get(QUEUE, {"view": "overdue"})
    assert numbers_in(response) == [late.number]


def test_bulk_merge_closes_the_others_as_duplicates_of_the_one_kept(agent_client, make_ticket):
    kept, first, second = (
        make_ticket("Printer jammed"),
        make_ticket("Printer jams again"),
        make_ticket("Same printer"),
    )
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": [kept.number, first.number, second.number], "operation": "merge", "into": kept.number},
        follow=True,
    )
    assert "2 tickets updated." in response.content.decode()
    for duplicate in (first, second):
        duplicate.refresh_from_db()
        assert (duplicate.duplicate_of_id, duplicate.status) == (kept.pk, "closed")
    kept.refresh_from_db()
    assert kept.duplicate_of_id is None and kept.is_open


@pytest.mark.parametrize(
    ("ticked", "into", "message"),
    [
        ("both", "", "Choose the ticket to keep."),
        ("kept", "kept", "Tick the duplicates as well as the ticket to keep."),
        ("both", "GD-0000-999999", "Ticket GD-0000-999999 not found."),
    ],
)
def test_bulk_merge_refusals_change_nothing(agent_client, make_ticket, ticked, into, message):
    kept, other = make_ticket("Printer jammed"), make_ticket("Printer jams again")
    numbers = [kept.number] if ticked == "kept" else [kept.number, other.number]
    response = agent_client.post(
        reverse("tickets:bulk_action"),
        {"ticket": numbers, "operation": "merge", "into": kept.number if into == "kept" else into},
        follow=True,
    )
    assert message in response.content.decode()
    assert not Ticket.objects.filter(duplicate_of__isnull=False).exists()
