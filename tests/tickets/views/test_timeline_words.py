"""The ticket page's words: channels by name, one relative time, e-mail addresses that wrap at "@"."""

from __future__ import annotations

from datetime import timedelta

from django.template import Context, Template
from django.utils import timezone, translation

from gongdan.tickets.models import Channel
from gongdan.tickets.services import ticket_create


def test_the_timeline_names_the_channel_a_ticket_came_in_by(agent, agent_client, requester, team):
    # Given a ticket a requester filed by e-mail
    ticket = ticket_create(
        actor=agent, requester=requester, subject="Printer", team=team, channel=Channel.EMAIL
    )
    # Then the agent's timeline says "via Email" in English, "来自电子邮件" in Chinese, never the code
    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "via Email" in html and "via email" not in html
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "来自电子邮件" in html and "来自 email" not in html


def test_one_relative_time_reads_just_now_then_one_unit():
    template = Template("{% load gongdan_web %}{{ a|relative }}|{{ b|relative }}|{{ c|relative }}")
    now = timezone.now()
    context = Context({"a": now - timedelta(seconds=20), "b": now - timedelta(hours=8, minutes=5),
                       "c": now + timedelta(days=2, hours=1)})  # fmt: skip
    with translation.override("en"):
        assert template.render(context) == "just now|8\xa0hours ago|in 2\xa0days"
    with translation.override("zh-hans"):
        assert template.render(context).startswith("刚刚|8\xa0小时前|")


def test_an_email_address_wraps_only_before_its_at_sign_and_is_escaped():
    template = Template("{% load gongdan_web %}{{ address|email_wrap }}")
    assert (
        template.render(Context({"address": "wang.lei@gongdan.example"})) == "wang.lei<wbr>@gongdan.example"
    )
    assert "<b>" not in template.render(Context({"address": "<b>x@y"}))
