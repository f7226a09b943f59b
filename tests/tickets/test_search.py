"""Search in Chinese and English over subject, description and replies, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.selectors import ticket_list
from gongdan.tickets.services import ticket_comment, ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(requester, agent, category):
    printer = ticket_create(
        actor=requester, subject="三楼打印机卡纸", description="每次打印第二页就卡住", category=category
    )
    jam = ticket_create(actor=requester, subject="Printer jammed on floor 3", description="Paper stuck in tray 2",
                        category=category)  # fmt: skip
    vpn = ticket_create(
        actor=requester, subject="VPN 无法连接", description="在家办公时提示证书错误", category=category
    )
    ticket_comment(actor=agent, ticket=vpn, body="请更新客户端到 5.2 版本")
    ticket_comment(actor=agent, ticket=vpn, body="Known bug with the Fortinet firmware", is_internal=True)
    return {"printer": printer, "jam": jam, "vpn": vpn}


def found(actor, query):
    return {t.subject for t in ticket_list(actor=actor, filters=TicketFilters(q=query))}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("打印机", {"三楼打印机卡纸"}),
        ("卡纸", {"三楼打印机卡纸"}),  # two characters: shorter than a trigram
        ("printer jam", {"Printer jammed on floor 3"}),
        ("PRINTER", {"Printer jammed on floor 3"}),
        ("floor 3", {"Printer jammed on floor 3"}),
        ("证书错误", {"VPN 无法连接"}),  # from the description
        ("客户端", {"VPN 无法连接"}),  # from a public reply
        ("vpn 证书", {"VPN 无法连接"}),  # mixed languages, every term must match
        ("打印机 vpn", set()),
        ("扫描仪", set()),
    ],
)
def test_search_finds_chinese_and_english(agent, tickets, query, expected):
    assert found(agent, query) == expected


def test_internal_notes_are_searchable_by_staff_only(requester, agent, tickets):
    assert found(agent, "fortinet") == {"VPN 无法连接"}
    assert found(requester, "fortinet") == set()


def test_a_ticket_number_finds_that_ticket(agent, tickets):
    number = tickets["vpn"].number
    assert found(agent, number) == {"VPN 无法连接"}
    assert found(agent, number.lower()) == {"VPN 无法连接"}


def test_search_survives_punctuation_and_quotes(agent, tickets):
    for query in ['"', "'", 'printer" OR "x', "*", "a AND", "NEAR(", "%", "_", "\\", "打印机；卡纸"]:
        ticket_list(actor=agent, filters=TicketFilters(q=query)).count()  # no error
    assert found(agent, "打印机；卡纸") == {"三楼打印机卡纸"}


def test_editing_the_subject_updates_the_index(agent, tickets):
    from gongdan.tickets.services import ticket_update

    ticket_update(actor=agent, ticket=tickets["jam"], changes={"subject": "Scanner offline"})
    assert found(agent, "scanner") == {"Scanner offline"}
    assert found(agent, "jammed") == set()
    assert found(agent, "tray 2") == {"Scanner offline"}


def test_the_search_indexes_survive_every_migration(db_vendor):
    """Search needs its indexes after the last migration: on SQLite the triggers that keep the FTS5 table
    (altering a ticket column rebuilds the table and drops them; migration 0006 installs them again), on
    PostgreSQL the two trigram indexes (ADR 0010)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if db_vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'"
            )
            expected = {"tickets_ticket_fts_ai", "tickets_ticket_fts_ad", "tickets_ticket_fts_au"}
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'tickets_ticket' AND indexdef LIKE %s",
                ["%gin_trgm_ops%"],
            )
            expected = {"ticket_search_text_trgm", "ticket_search_notes_trgm"}
        found = {row[0] for row in cursor.fetchall()}
    assert found == expected
