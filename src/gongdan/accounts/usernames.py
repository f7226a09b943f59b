"""How usernames are written and compared (decision 0117). A username is stored NFKC-normalised (so a
full-width `ａｇｅｎｔ` is `agent`) and compared by its skeleton: NFKC, case folding, then every character
replaced by the representative of its class in Unicode's confusables table (UTS #39, shipped by
`confusable-homoglyphs`). Two usernames with one skeleton look alike on screen (`li.na` and `lі.na` with a
Cyrillic і, `paypal` and `paypa1`), and the second is refused."""

from __future__ import annotations

import functools
import unicodedata


def normalise(username: str) -> str:
    """The form a username is stored in: NFKC, without surrounding spaces."""
    return unicodedata.normalize("NFKC", str(username or "")).strip()


@functools.cache
def _representatives() -> dict[str, str]:
    """Character → the representative of its confusable class. The table lists, per character, the ones it
    can be mistaken for; classes join every pair (union-find) and are represented by their ASCII member
    when there is one, else their lowest code point, so the skeleton of plain ASCII stays readable."""
    parent: dict[str, str] = {}

    def find(char: str) -> str:
        root = char
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(char, char) != root:  # path compression
            parent[char], char = root, parent[char]
        return root

    def rank(char: str) -> tuple[bool, int]:
        return (not char.isascii(), ord(char))

    # The confusables table is read when the first username is checked, not at start (decision 0176).
    from confusable_homoglyphs.confusables import confusables_data

    for char, homoglyphs in confusables_data.items():
        if len(char) != 1:
            continue
        for homoglyph in homoglyphs:
            other = homoglyph["c"]
            if len(other) != 1:
                continue
            a, b = find(char), find(other)
            if a != b:
                low, high = sorted((a, b), key=rank)
                parent[high] = low
    return {char: find(char) for char in parent}


def skeleton(username: str) -> str:
    """What a username looks like, for comparison: equal skeletons are confusable."""
    folded = unicodedata.normalize("NFKC", normalise(username).casefold())
    table = _representatives()
    return "".join(table.get(char, char) for char in folded)
