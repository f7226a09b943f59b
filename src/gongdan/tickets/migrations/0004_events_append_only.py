"""Ticket events are the history: the database refuses to change one once written (deleting a whole ticket
still removes its events)."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER tickets_ticketevent_append_only BEFORE UPDATE ON tickets_ticketevent BEGIN
        SELECT RAISE(ABORT, 'ticket events are append-only');
    END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS tickets_ticketevent_append_only"]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION tickets_ticketevent_refuse_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ticket events are append-only';
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER tickets_ticketevent_append_only BEFORE UPDATE ON tickets_ticketevent
        FOR EACH ROW EXECUTE FUNCTION tickets_ticketevent_refuse_update()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_ticketevent_append_only ON tickets_ticketevent",
    "DROP FUNCTION IF EXISTS tickets_ticketevent_refuse_update()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_default_configuration")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
