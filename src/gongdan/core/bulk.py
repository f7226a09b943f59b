"""Many rows in one statement, without building a model instance per row: for the consumers that write
hundreds of rows per batch (notices, outbox messages, report facts and rollups).

On PostgreSQL the rows travel as one array per column through unnest() — one statement whatever the count;
on SQLite as one multi-row VALUES per chunk (SQLite ≥ 3.35 returns ids from it too). Values are given as
plain Python values (datetimes, dicts for JSON); they are prepared for the database column by column."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import JSONField, Model

SQLITE_CHUNK_VARIABLES = 30_000


def write_rows(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str] = (),
    update: str = "",
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT the rows; with `conflict`, a row whose key exists is skipped (`update=""`), replaced
    (`"replace"`) or has its other columns added to (`"add"`, counters). Returns the `returning` columns of
    the rows written (not of skipped ones), in no particular order."""
    if not rows:
        return []
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    quoted = [ops.quote_name(c) for c in columns]
    clause = ""
    if conflict:
        keys = ", ".join(ops.quote_name(c) for c in conflict)
        rest = [q for c, q in zip(columns, quoted, strict=True) if c not in conflict]
        if update == "add":
            clause = f" ON CONFLICT ({keys}) DO UPDATE SET " + ", ".join(
                f"{q} = {table}.{q} + excluded.{q}" for q in rest
            )
        elif update == "replace":
            clause = f" ON CONFLICT ({keys}) DO UPDATE SET " + ", ".join(f"{q} = excluded.{q}" for q in rest)
        else:
            clause = f" ON CONFLICT ({keys}) DO NOTHING"
    tail = clause + (" RETURNING " + ", ".join(ops.quote_name(c) for c in returning) if returning else "")
    fields = {f.column: f for f in model._meta.concrete_fields}
    json_columns = [isinstance(fields[c], JSONField) for c in columns]
    found: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [
                fields[c].cast_db_type(connection) or fields[c].db_type(connection) or "" for c in columns
            ]
            arrays = ", ".join(f"%s::{t.split('(')[0] if t.startswith('varchar') else t}[]" for t in types)
            values = [
                [json.dumps(v, cls=DjangoJSONEncoder) if is_json and v is not None and not isinstance(v, str) else v
                 for v in column]
                for column, is_json in zip(zip(*rows, strict=True), json_columns, strict=True)
            ]  # fmt: skip
            cursor.execute(f"INSERT INTO {table} ({', '.join(quoted)}) SELECT * FROM unnest({arrays}){tail}",  # noqa: S608 (model table and column names, quoted; values as parameters)
                           values)  # fmt: skip
            if returning:
                found = [tuple(row) for row in cursor.fetchall()]
            return found
        prepared = [
            [
                (json.dumps(v, cls=DjangoJSONEncoder) if v is not None and not isinstance(v, str) else v)
                if is_json
                else fields[c].get_db_prep_save(v, connection)
                for c, v, is_json in zip(columns, row, json_columns, strict=True)
            ]
            for row in rows
        ]
        per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        chunk = max(1, SQLITE_CHUNK_VARIABLES // len(columns))
        for start in range(0, len(prepared), chunk):
            part = prepared[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([per_row] * len(part))}{tail}",  # noqa: S608 (model table and column names, quoted; values as parameters)
                [v for row in part for v in row],
            )
            if returning:
                found += [tuple(row) for row in cursor.fetchall()]
    return found
