"""Chat bots: DingTalk custom robots, Feishu/Lark custom bots, WeCom group robots, Slack incoming webhooks.

A chat message is an outbox row naming its bot; `headers` holds its parts (title, lines, link) and the
wire format is built at send time, because DingTalk and Feishu sign a timestamp that must be fresh.

Rate limits are kept, never paid for with dropped messages: before a post the bot's sliding window of
recent sends (on its row, under a lock, so every consumer on every machine sees the same window) must have
room. When it has none, the bot's waiting messages are put off until the window opens; when it opens,
everything then waiting for the bot goes out merged into one post (up to the service's size limit). A
burst of a hundred events therefore reaches DingTalk as at most twenty posts a minute, and every event is
in one of them."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gongdan.outbox import tasks
from gongdan.outbox.delivery import network, register
from gongdan.outbox.delivery.signing import dingtalk_sign, feishu_sign
from gongdan.outbox.models import ChatBot, DeliveryAttempt, OutboxMessage
from gongdan.outbox.services import MAX_ERROR_LENGTH, backoff, claimable, lease, max_attempts

log = logging.getLogger(__name__)

# (window in seconds, posts allowed in it), per service (docs/notifications.md, INTEGRATIONS.md).
LIMITS: dict[str, list[tuple[int, int]]] = {
    "dingtalk": [(60, 20)],
    "wecom": [(60, 20)],
    "feishu": [(60, 100), (1, 5)],
    "slack": [(1, 1)],
}
# Bytes of merged text per post: WeCom markdown takes 4096 bytes, Feishu bodies 20 KB.
SIZE_BUDGET = {"dingtalk": 15_000, "wecom": 3_800, "feishu": 15_000, "slack": 2_900}
MAX_MERGED = 30
SEPARATOR = "\n\n---\n\n"


class ChatError(Exception):
    def __init__(self, message: str, *, retry: bool, disable: bool = False) -> None:
        super().__init__(message)
        self.retry = retry
        self.disable = disable


@dataclass
class Part:
    title: str
    lines: list[str]
    url: str
    link_label: str

    @classmethod
    def of(cls, message: Any) -> Part:
        h = message.headers or {}
        return cls(
            title=str(h.get("title") or message.subject),
            lines=[str(x) for x in h.get("lines") or []],
            url=str(h.get("url") or ""),
            link_label=str(h.get("link_label") or "Open"),
        )


# What people typed (a subject, a comment) must not become markup in a group chat: a "[text](url)" link or an
# HTML-like tag (<font>, <at>) in a subject would render as such. The three markdown dialects don't agree on
# backslash escapes, so brackets become their full-width forms, which read the same.
_PLAIN = str.maketrans({"[": "［", "]": "］", "<": "‹", ">": "›"})


def _plain(text: str) -> str:
    return text.translate(_PLAIN)


def _md(part: Part) -> str:
    """Markdown for DingTalk, WeCom and Feishu's lark_md; the text people wrote is kept plain."""
    text = [f"**{_plain(part.title)}**", *(_plain(line) for line in part.lines)]
    if part.url:
        text.append(f"[{part.link_label}]({part.url})")
    return "\n\n".join(text)


def _slack(part: Part) -> str:
    def esc(s: str) -> str:
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    text = [f"*{esc(part.title)}*", *(esc(line) for line in part.lines)]
    if part.url:
        text.append(f"<{part.url}|{esc(part.link_label)}>")
    return "\n".join(text)


def piece_size(kind: str, part: Part) -> int:
    return len((_slack(part) if kind == "slack" else _md(part)).encode()) + len(SEPARATOR)


def build_request(bot: Any, parts: list[Part], *, now: float) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, signed where the service signs."""
    title = parts[0].title if len(parts) == 1 else f"{parts[0].title} (+{len(parts) - 1})"
    url = bot.url
    if bot.kind == "dingtalk":
        text = SEPARATOR.join(_md(p) for p in parts)
        body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title[:100], "text": text}}
        if bot.secret:
            stamp = int(now * 1000)
            joiner = "&" if "?" in url else "?"
            url = f"{url}{joiner}timestamp={stamp}&sign={dingtalk_sign(stamp, bot.secret)}"
        return url, body
    if bot.kind == "feishu":
        elements: list[dict[str, Any]] = []
        for i, p in enumerate(parts):
            if i:
                elements.append({"tag": "hr"})
            elements.append({"tag": "div", "text": {"tag": "lark_md", "content": _md(p)}})
        if len(parts) == 1 and parts[0].url:
            elements.append({"tag": "action", "actions": [{"tag": "button", "type": "primary",
                             "text": {"tag": "plain_text", "content": parts[0].link_label},
                             "url": parts[0].url}]})  # fmt: skip
        body = {"msg_type": "interactive", "card": {
            "header": {"title": {"tag": "plain_text", "content": title[:100]}, "template": "blue"},
            "elements": elements}}  # fmt: skip
        if bot.secret:
            stamp = int(now)
            body = {"timestamp": str(stamp), "sign": feishu_sign(stamp, bot.secret), **body}
        return url, body
    if bot.kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": SEPARATOR.join(_md(p) for p in parts)}}
    fallback = "; ".join(p.title for p in parts)[:300]
    blocks: list[dict[str, Any]] = []
    for i, p in enumerate(parts):
        if i:
            blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _slack(p)}})
    return url, {"text": fallback, "blocks": blocks}


def check_reply(kind: str, reply: network.Response) -> None:
    """Raise ChatError unless the service accepted the post (DingTalk, Feishu, WeCom answer 200 on errors)."""
    excerpt = reply.text[:200]
    if kind == "slack":
        if reply.status == 200:
            return
        if reply.status == 429 or reply.status >= 500:
            raise ChatError(f"HTTP {reply.status}: {excerpt}", retry=True)
        raise ChatError(
            f"HTTP {reply.status}: {excerpt}", retry=False, disable=reply.status in (403, 404, 410)
        )
    if reply.status == 429 or reply.status >= 500:
        raise ChatError(f"HTTP {reply.status}: {excerpt}", retry=True)
    if reply.status != 200:
        raise ChatError(f"HTTP {reply.status}: {excerpt}", retry=False)
    try:
        answer = json.loads(reply.body or b"{}")
    except ValueError as error:
        raise ChatError(f"unreadable reply: {excerpt}", retry=True) from error
    if not isinstance(answer, dict):
        raise ChatError(f"unreadable reply: {excerpt}", retry=True)
    if kind == "feishu":
        code = answer.get("code", answer.get("StatusCode", 0))
        if code in (0, None):
            return
        raise ChatError(f"Feishu code {code}: {answer.get('msg', '')}", retry=code == 11232)
    code = answer.get("errcode", 0)
    if code == 0:
        return
    retry = code in ({130101} if kind == "dingtalk" else {45009})
    raise ChatError(
        f"{kind} errcode {code}: {answer.get('errmsg', '')}", retry=retry, disable=code in (300005, 93000)
    )


def reserve_slot(bot_id: int, now: dt.datetime) -> dt.datetime | None:
    """Take one post from the bot's rate limit, or return when the next one is free."""

    with transaction.atomic():
        # A write first: it takes the row lock on PostgreSQL and the write lock on SQLite before we read.
        ChatBot.objects.filter(pk=bot_id).update(is_active=F("is_active"))
        bot = ChatBot.objects.select_for_update().get(pk=bot_id)
        limits = LIMITS.get(bot.kind, [(60, 20)])
        stamp = now.timestamp()
        longest = max(w for w, _n in limits)
        recent = sorted(
            x for x in (bot.recent_sends or []) if isinstance(x, int | float) and x > stamp - longest
        )
        free_at = 0.0
        for window, allowed in limits:
            inside = [x for x in recent if x > stamp - window]
            if len(inside) >= allowed:
                free_at = max(free_at, inside[-allowed] + window)
        if free_at:
            return dt.datetime.fromtimestamp(free_at, tz=dt.UTC) + dt.timedelta(milliseconds=5)
        bot.recent_sends = [*recent, stamp]
        bot.save(update_fields=["recent_sends"])
        return None


def _schedule(message_id: int, eta: dt.datetime) -> None:

    try:
        tasks.deliver_outbox_message.schedule((message_id,), eta=eta)
    except Exception:  # the minute sweep delivers it anyway
        log.exception("could not schedule chat message %s", message_id)


class ChatChannel:
    name = "chat"

    def is_configured(self) -> bool:
        return True

    def not_configured_reason(self) -> str:
        return ""

    def send(self, message: Any) -> None:  # the batch path below is the one used
        raise NotImplementedError

    def deliver(self, message_id: int, *, now: dt.datetime) -> str | None:
        import urllib3  # loaded by the delivery itself; not at every start (decision 0176)

        State = OutboxMessage.State
        bot_id = OutboxMessage.objects.filter(pk=message_id).values_list("chat_bot_id", flat=True).first()
        bot = ChatBot.objects.filter(pk=bot_id).first() if bot_id else None
        if bot is None:
            OutboxMessage.objects.filter(pk=message_id, state__in=[State.PENDING, State.FAILED]).update(
                state=State.DEAD, last_error="the chat bot was deleted"
            )
            return State.DEAD
        if not bot.is_active:
            return None  # waits until an admin switches the bot on again
        if not OutboxMessage.objects.filter(claimable(now), pk=message_id).exists():
            return None
        free_at = reserve_slot(bot.pk, now)
        if free_at is not None:
            OutboxMessage.objects.filter(
                chat_bot=bot, state__in=[State.PENDING, State.FAILED], next_attempt_at__lt=free_at
            ).update(next_attempt_at=free_at)
            transaction.on_commit(lambda: _schedule(message_id, free_at))
            return None
        # Everything waiting for this bot, oldest first, as much as fits in one post.
        waiting = list(
            OutboxMessage.objects.filter(claimable(now), chat_bot=bot)
            .exclude(attempts__gte=max_attempts(), state=State.SENDING)
            .order_by("created_at", "id")[:MAX_MERGED]
        )
        budget, chosen = SIZE_BUDGET.get(bot.kind, 3_000), list[int]()
        for row in waiting:
            size = piece_size(bot.kind, Part.of(row))
            if chosen and size > budget:
                break
            chosen.append(row.pk)
            budget -= size
        token = uuid.uuid4().hex
        OutboxMessage.objects.filter(claimable(now), pk__in=chosen).update(
            state=State.SENDING, claimed_until=now + lease(), attempts=F("attempts") + 1, claim_token=token
        )
        batch = list(
            OutboxMessage.objects.filter(claim_token=token, state=State.SENDING).order_by("created_at", "id")
        )
        if not batch:
            return None
        mine = OutboxMessage.objects.filter(claim_token=token, state=State.SENDING)
        url, body = build_request(bot, [Part.of(m) for m in batch], now=now.timestamp())
        raw = json.dumps(body, ensure_ascii=False).encode()
        reply: network.Response | None = None
        error: ChatError | None = None
        started = timezone.now()
        try:
            reply = network.post(url, body=raw, headers={"Content-Type": "application/json; charset=utf-8"})
            check_reply(bot.kind, reply)
        except network.Refused as refused:
            error = ChatError(f"refused: {refused}", retry=False)
        except ChatError as failed:
            error = failed
        except (urllib3.exceptions.HTTPError, OSError) as failed:
            error = ChatError(f"{type(failed).__name__}: {failed}", retry=True)
        DeliveryAttempt.objects.bulk_create([DeliveryAttempt(
            message=m, attempt=m.attempts, started_at=started, duration_ms=reply.duration_ms if reply else 0,
            status_code=reply.status if reply else None, response_excerpt=reply.text[:500] if reply else "",
            error=str(error)[:500] if error else "", succeeded=error is None) for m in batch])  # fmt: skip
        if error is None:
            mine.update(state=State.SENT, claimed_until=None, sent_at=timezone.now(), last_error="")
            return State.SENT
        if error.disable:
            ChatBot.objects.filter(pk=bot.pk).update(is_active=False, disabled_reason=str(error)[:300])
        message = str(error)[:MAX_ERROR_LENGTH]
        if not error.retry:
            mine.update(state=State.DEAD, claimed_until=None, last_error=message)
            return State.DEAD
        worst = max(m.attempts for m in batch)
        dead = worst >= max_attempts()
        mine.update(state=State.DEAD if dead else State.FAILED, claimed_until=None,
                    next_attempt_at=now + backoff(worst), last_error=message)  # fmt: skip
        return State.DEAD if dead else State.FAILED


register(ChatChannel())
