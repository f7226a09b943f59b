"""Ids read from query strings and forms."""

from __future__ import annotations

import pytest

from gongdan.core.ids import MAX_ID, parse_id, parse_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (7, 7),
        (str(MAX_ID + 1), None),  # the first number no bigint column holds
        ("99999999999999999999", None),
        ("", None),
        (None, None),
        ("-3", None),
        ("+3", None),
        ("1e3", None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits: int() reads them, an id in a URL should not
        ("0x10", None),
    ],
)
def test_parse_id_reads_only_ascii_digits_within_a_bigint(text, expected):
    assert parse_id(text) == expected


def test_parse_ids_refuses_the_lot_when_one_is_bad():
    assert parse_ids(["3", " 1"]) == [3, 1]
    assert parse_ids([]) == []
    assert parse_ids(["3", "99999999999999999999"]) is None
