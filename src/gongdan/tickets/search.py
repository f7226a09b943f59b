"""Text search over subject, description and comments, for Chinese and English alike.

Terms are matched as substrings (Chinese has no spaces to split words on): every term must occur.
PostgreSQL answers from pg_trgm GIN indexes on the lower-cased search columns; SQLite from an FTS5
table with the trigram tokenizer (kept in step by triggers). Terms shorter than three characters
cannot use a trigram index and are checked on the rows the other conditions leave.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import StrIndex

from gongdan.tickets.models import Ticket

MAX_TERMS = 8
MAX_QUERY = 200


def search_terms(query: str) -> list[str]:
    terms = [t for t in re.split(r"[\s,，。;；]+", (query or "").strip().lower()[:MAX_QUERY]) if t]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def apply_search(tickets: QuerySet[Ticket], query: str, *, include_internal: bool) -> QuerySet[Ticket]:
    terms = search_terms(query)
    if not terms:
        return tickets
    number = query.strip().upper()
    if re.fullmatch(r"[A-Z][A-Z0-9]*-\d{4}-\d+|[A-Z][A-Z0-9]*-\d+", number):
        return tickets.filter(number=number)
    if connection.vendor == "sqlite":
        return _sqlite_search(tickets, terms, include_internal=include_internal)
    for index, term in enumerate(terms):
        if len(term) >= 3:
            condition = Q(search_text__contains=term)
            if include_internal:
                condition |= Q(search_notes__contains=term)
        else:
            # A trigram index has nothing to look up for one or two characters, yet the planner may still
            # pick it and read the whole index (6 s at 1M tickets). strpos() cannot use it: the term is
            # checked on the rows the other filters leave.
            text_at, notes_at = f"_text_at_{index}", f"_notes_at_{index}"
            tickets = tickets.alias(**{text_at: StrIndex("search_text", Value(term))})
            condition = Q(**{f"{text_at}__gt": 0})
            if include_internal:
                tickets = tickets.alias(**{notes_at: StrIndex("search_notes", Value(term))})
                condition |= Q(**{f"{notes_at}__gt": 0})
        tickets = tickets.filter(condition)
    return tickets


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _sqlite_search(
    tickets: QuerySet[Ticket], terms: list[str], *, include_internal: bool
) -> QuerySet[Ticket]:
    long_terms = [t for t in terms if len(t) >= 3]
    short_terms = [t for t in terms if len(t) < 3]
    if long_terms:
        column = "" if include_internal else "search_text : "
        match = " AND ".join(f"{column}{_fts_phrase(t)}" for t in long_terms)
        tickets = tickets.filter(
            id__in=RawSQL("SELECT rowid FROM tickets_ticket_fts WHERE tickets_ticket_fts MATCH %s", [match])
        )
    for term in short_terms:
        condition = Q(search_text__contains=term)
        if include_internal:
            condition |= Q(search_notes__contains=term)
        tickets = tickets.filter(condition)
    return tickets
