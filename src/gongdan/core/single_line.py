"""Text that must stay on one line: names quoted in mail headers, list rows, chat titles.

A carriage return or line feed in such a value can start a header of its own in a mail ("\\r\\nBcc: …"), and
bidirectional overrides can make a name read as something else. People are refused such text where they type
it (`has_control_characters`); values already stored are folded where they are used (`one_line`)."""

from __future__ import annotations

import re
import unicodedata

# Unicode's "Other, control", line and paragraph separators.
_BREAKING = {"Cc", "Zl", "Zp"}
# Format characters that reorder the text around them (bidirectional embeddings, overrides, isolates).
_REORDERING = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SPACES = re.compile(r"\s+")


def has_control_characters(value: str | None) -> bool:
    """Whether the text holds a line break, a tab or another character no one-line field may hold."""
    return any(unicodedata.category(ch) in _BREAKING or ch in _REORDERING for ch in value or "")


def one_line(value: object, *, limit: int | None = None) -> str:
    """The value as one line: each control character and line break becomes a space, runs of spaces one,
    reordering characters go; cut to `limit` characters."""
    text = "".join(
        " " if unicodedata.category(ch) in _BREAKING else ch
        for ch in str(value if value is not None else "")
        if ch not in _REORDERING
    )
    text = _SPACES.sub(" ", text).strip()
    return text[:limit] if limit is not None else text
