"""Every page reachable from the menus, as every demo role, in both languages, reads as words in the reader's
language: no raw code (`in_progress`, `portal` beside Chinese text), no English string of our catalogues left on
a Chinese page, no label in both languages at once ("新工单通知团队 / New ticket → team").

Rendered through the Django test client from a small demo site (the demo's own builder), so it runs in seconds
and needs no browser. A page is text in elements, minus what is not ours to translate: `<code>` (codes shown as
codes, on purpose), form values and text areas (what people typed), anything marked with its own `lang` (the
language menu names each language in itself), and the brand mark (工单 Gongdan is a name)."""

from __future__ import annotations

import gettext
import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from gongdan.accounts.models import Role, User
from gongdan.accounts.services import user_create
from gongdan.assets.models import Location
from gongdan.tickets import events as ticket_events
from gongdan.tickets.models import Channel, Status, Ticket
from gongdan.tickets.selectors import ticket_list

SRC = Path(__file__).resolve().parents[1] / "src" / "gongdan"
LANGUAGES = ("en", "zh-hans")
DEMO_USERS = ("zhou.min", "wang.lei", "li.na", "emily.carter", "david.miller", "chen.jing", "sarah.lee")
MAX_PAGES = 80  # per person and language: the admin's settings are the longest menu
CJK = "\u4e00-\u9fff"
SKIPPED_ELEMENTS = {"script", "style", "code", "textarea", "template", "svg"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


# --- reading a page --------------------------------------------------------------------------------------------
class _Page(HTMLParser):
    """The texts a reader sees (one per element, attributes included) and the links of the menus."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.menu_links: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, hidden from the check, inside a menu)
        self._current: list[str] = []

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    @property
    def _in_menu(self) -> bool:
        return bool(self._stack) and self._stack[-1][2]

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.texts.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        values = {name: value or "" for name, value in attrs}
        hidden = (
            self._hidden
            or tag in SKIPPED_ELEMENTS
            or ("lang" in values and tag != "html")
            or "gd-brand" in values.get("class", "").split()
        )
        menu = self._in_menu or tag in ("nav", "header")
        if not hidden:
            for name in SHOWN_ATTRIBUTES:
                if values.get(name, "").strip():
                    self.texts.append(" ".join(values[name].split()))
        if tag == "a" and (menu or "data-section" in values):  # the settings home's cards are its menu
            self.menu_links.append(values.get("href", ""))
        if tag not in VOID:
            self._stack.append((tag, hidden, menu))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._stack:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)


def read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    page._flush()
    return page


# --- what is wrong ---------------------------------------------------------------------------------------------
def _our_catalogue() -> dict[str, str]:
    """msgid → msgstr of every app's zh-Hans catalogue (contexts dropped), translated entries only."""
    pairs: dict[str, str] = {}
    for mo in sorted(SRC.glob("*/locale/zh_Hans/LC_MESSAGES/django.mo")):
        with mo.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for key, value in catalogue.items():
            if not isinstance(key, str) or not key or not isinstance(value, str) or not value:
                continue
            msgid = key.split("\x04", 1)[-1]
            if msgid != value:
                pairs[msgid] = value
    return pairs


CATALOGUE = _our_catalogue()
WORD = re.compile(r"[A-Za-z]{2,}")
# English strings worth looking for on a Chinese page: two words or more, no placeholders (a placeholder's
# value is data), and not the product's name.
ENGLISH = sorted(
    {m for m in CATALOGUE if len(WORD.findall(m)) >= 2 and "%" not in m and "{" not in m and "\n" not in m},
    key=len,
    reverse=True,
)
# One word is looked for only as an element's whole text (a badge, a column heading), and not when it is an
# acronym or a name that stays English in Chinese (API, SLA, Wi-Fi).
ONE_WORD = {
    m for m in CATALOGUE if re.fullmatch(r"[A-Z][a-z]{2,}", m) and not re.search("[A-Za-z]", CATALOGUE[m])
}
UNDERSCORED = sorted(
    {code for code in [*Status.values, *ticket_events.DESCRIPTIONS] if "_" in code}, key=len, reverse=True
)
WORD_CODES = sorted({code for code in [*Status.values, *Channel.values] if "_" not in code})
RAW_UNDERSCORED = re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, UNDERSCORED)) + r")(?![\w/-])")
RAW_BESIDE_CHINESE = re.compile(
    rf"(?:[{CJK}]\s?({'|'.join(WORD_CODES)})\b)|(?:\b({'|'.join(WORD_CODES)})\s?[{CJK}])"
)
# "中文 / English" or "English / 中文": a label in both languages. An acronym (SLA, VPN) is not English text.
BILINGUAL = re.compile(
    rf"[{CJK}][^/|]{{0,40}}\s[/|]\s[A-Za-z]*[a-z]{{2}}|[a-z]{{2}}[^/|]{{0,40}}\s[/|]\s[{CJK}]"
)


def problems(texts: list[str], language: str, data_names: tuple[str, ...] = ()) -> list[str]:
    """What is wrong in a page's texts. `data_names`: names people gave things (the demo names its places in
    both languages, as signs in Shanghai do), taken out before looking for labels in both languages."""
    found = []
    for text in texts:
        if match := RAW_UNDERSCORED.search(text):
            found.append(f"raw code {match.group(0)!r} in {text[:120]!r}")
        bare = text
        for name in data_names:
            bare = bare.replace(name, " ")
        if BILINGUAL.search(bare):
            found.append(f"bilingual label {text[:120]!r}")
        if language == "zh-hans":
            if match := RAW_BESIDE_CHINESE.search(text):
                found.append(f"raw code {(match.group(1) or match.group(2))!r} in {text[:120]!r}")
            if text in ONE_WORD:
                found.append(f"untranslated {text!r} (is {CATALOGUE[text]!r})")
            for msgid in ENGLISH:
                if text == msgid or (len(msgid) >= 24 and msgid in text):
                    found.append(f"untranslated {msgid!r} (is {CATALOGUE[msgid]!r}) in {text[:120]!r}")
                    break
    return found


def test_the_checks_catch_what_they_are_for():
    page = read(
        '<div><span title="Sign in">via portal</span> 来自 portal · 状态 in_progress</div>'
        "<p>新工单通知团队 / New ticket → team</p><code>in_progress</code><p lang='en'>English</p>"
        "<nav><a href='/x/'>X</a></nav>"
    )
    assert page.menu_links == ["/x/"]
    assert "English" not in " ".join(page.texts)
    found = " ".join(problems(page.texts, "zh-hans"))
    assert "'in_progress'" in found and "'portal'" in found and "bilingual" in found
    assert "untranslated 'Sign in'" in found
    assert problems(["via Portal", "Waiting for your reply"], "en") == []


# --- the crawl -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_people(django_db_setup, django_db_blocker):
    """A small demo site (the demo's own builder), and an administrator beside its seven sign-ins."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", tickets=24, stdout=StringIO(), stderr=StringIO())
        user_create(actor=None, username="demo.admin", display_name="管理员", email="admin@gongdan.example",
                    role=Role.ADMIN, language="zh-hans", password=None)  # fmt: skip
        yield
        transaction.set_rollback(True)


def _local(href: str) -> str | None:
    href = href.split("#", 1)[0]
    if not href.startswith("/") or href.startswith("//") or "/sign-out" in href or "logout" in href:
        return None
    if href.startswith(("/static/", "/media/", "/api/", "/django-admin/")) or "export" in href:
        return None
    return href


def _start_pages(user: User) -> list[str]:
    """The menus' pages, plus a ticket page with a created-by-email event and a rating (the timeline's words)."""
    pages = ["/", "/portal/", "/m/", "/profile/"]
    if user.is_staff_member:
        visible = ticket_list(actor=user).order_by("pk")
        worked = visible.filter(channel__in=[Channel.EMAIL, Channel.PORTAL]).first()
        rated = visible.filter(events__kind="csat_rated").first()
        pages += [f"/tickets/{t.number}/" for t in (worked, rated) if t is not None]
    else:
        own = Ticket.objects.filter(requester=user).order_by("-pk").first()
        if own is not None:
            pages.append(f"/portal/requests/{own.number}/")
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("username", [*DEMO_USERS, "demo.admin"])
def test_every_page_from_the_menus_reads_in_the_readers_language(demo_people, db, username, language):
    data_names = tuple(sorted(Location.objects.values_list("name", flat=True), key=len, reverse=True))
    user = User.objects.get(username=username)
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()
    client = Client()
    client.force_login(user)
    queue = deque(_start_pages(user))
    seen: set[str] = set()
    found: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        if response.status_code in (403, 404) and path in ("/portal/", "/m/"):
            continue  # a start page that is not for this role
        assert response.status_code == 200, f"{path} answered {response.status_code} for {username}"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = read(response.content.decode())
        found += [f"{path}: {problem}" for problem in problems(page.texts, language, data_names)]
        for href in page.menu_links:
            if (local := _local(href)) and local not in seen:
                queue.append(local)
    assert len(seen) >= 3
    assert not found, f"{username} ({language}), {len(seen)} pages:\n" + "\n".join(dict.fromkeys(found))
