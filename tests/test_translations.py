"""Every user-facing string exists in zh-Hans and en: no catalogue has an empty or fuzzy entry, and the
compiled .mo files (what the server reads) hold every translation of their .po."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.utils import translation

SRC = Path(__file__).resolve().parent.parent / "src" / "gongdan"
CATALOGUES = sorted(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/*.po"))


def read_po(path: Path) -> list[tuple[str, str, str, bool]]:
    """(context, msgid, msgstr, fuzzy) for each entry; plural entries report their first form."""
    entries: list[tuple[str, str, str, bool]] = []
    context: list[str] = []
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        nonlocal context, msgid, msgstr, fuzzy
        if msgid:
            entries.append(("".join(context), "".join(msgid), "".join(msgstr), fuzzy))
        context, msgid, msgstr, fuzzy = [], [], [], False

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("msgctxt "):
            flush() if msgid else None
            target = context
            target.append(ast.literal_eval(line[8:]))
        elif line.startswith("msgid "):
            flush() if msgid else None
            target = msgid
            target.append(ast.literal_eval(line[6:]))
        elif line.startswith("msgid_plural "):
            target = None
        elif line.startswith(("msgstr ", "msgstr[0] ")):
            target = msgstr
            target.append(ast.literal_eval(line.split(" ", 1)[1]))
        elif line.startswith("msgstr["):
            target = None
        elif line.startswith('"') and target is not None:
            target.append(ast.literal_eval(line))
        elif not line.strip():
            flush()
            target = None
    flush()
    return [e for e in entries if e[1]]  # the header has an empty msgid


def test_there_are_catalogues_for_the_core_apps():
    apps = {path.relative_to(SRC).parts[0] for path in CATALOGUES}
    assert {"accounts", "tickets", "assets", "project"} <= apps


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(SRC)))
def test_every_string_is_translated_and_compiled(po_path: Path):
    header = po_path.read_text(encoding="utf-8").split('msgid ""', 1)[0]
    assert "#, fuzzy" not in header, (
        f"{po_path}: a fuzzy header is skipped by msgfmt (charset, plural forms lost)"
    )
    entries = read_po(po_path)
    untranslated = [msgid for _context, msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert untranslated == [], f"{po_path}: untranslated or fuzzy"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run compilemessages"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for context, msgid, msgstr, _fuzzy in entries
        if (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], f"{mo_path} is older than its .po: run compilemessages"


def test_the_lifecycle_speaks_chinese():
    from gongdan.tickets.models import Status

    with translation.override("zh-hans"):
        assert str(Status.PENDING_REQUESTER.label) == "等待请求人"
        assert str(Status.RESOLVED.label) == "已解决"
    with translation.override("en"):
        assert str(Status.RESOLVED.label) == "Resolved"


def test_djangos_empty_choice_label_reads_in_chinese():
    from django.db.models.fields import BLANK_CHOICE_LABEL

    with translation.override("zh-hans"):
        assert str(BLANK_CHOICE_LABEL) == "- 请选择 -"
