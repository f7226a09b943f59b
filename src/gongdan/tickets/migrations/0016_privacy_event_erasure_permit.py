"""Ticket events stay append-only, with one audited exception: erasing a person (gongdan.privacy) rewrites the
values the history recorded about them while its transaction holds a row in `tickets_event_erasure_permit`.
Like the audit purge's permit (decision 0086) the table is not a Django model; only
`gongdan.tickets.services.personal_data` writes it, and removes the row before its transaction ends
(decision 0132)."""

from django.db import migrations

SQLITE_UP = [
    "CREATE TABLE tickets_event_erasure_permit (reason varchar(40) NOT NULL)",
    "DROP TRIGGER IF EXISTS tickets_ticketevent_append_only",
    """CREATE TRIGGER tickets_ticketevent_append_only BEFORE UPDATE ON tickets_ticketevent
        WHEN NOT EXISTS (SELECT 1 FROM tickets_event_erasure_permit) BEGIN
        SELECT RAISE(ABORT, 'ticket events are append-only');
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_ticketevent_append_only",
    """CREATE TRIGGER tickets_ticketevent_append_only BEFORE UPDATE ON tickets_ticketevent BEGIN
        SELECT RAISE(ABORT, 'ticket events are append-only');
    END""",
    "DROP TABLE IF EXISTS tickets_event_erasure_permit",
]
POSTGRES_UP = [
    "CREATE TABLE tickets_event_erasure_permit (reason varchar(40) NOT NULL)",
    """CREATE OR REPLACE FUNCTION tickets_ticketevent_refuse_update() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM tickets_event_erasure_permit) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'ticket events are append-only';
    END;
    $$ LANGUAGE plpgsql""",
]
POSTGRES_DOWN = [
    """CREATE OR REPLACE FUNCTION tickets_ticketevent_refuse_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ticket events are append-only';
    END;
    $$ LANGUAGE plpgsql""",
    "DROP TABLE IF EXISTS tickets_event_erasure_permit",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0015_privacy_sensitive_and_personal_fields")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
