"""Search indexes: pg_trgm GIN on PostgreSQL; an FTS5 trigram table kept by triggers on SQLite."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5(
        search_text, search_notes, content='tickets_ticket', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER tickets_ticket_fts_ai AFTER INSERT ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(rowid, search_text, search_notes)
        VALUES (new.id, new.search_text, new.search_notes);
    END""",
    """CREATE TRIGGER tickets_ticket_fts_ad AFTER DELETE ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, search_text, search_notes)
        VALUES ('delete', old.id, old.search_text, old.search_notes);
    END""",
    """CREATE TRIGGER tickets_ticket_fts_au AFTER UPDATE OF search_text, search_notes ON tickets_ticket BEGIN
        INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, search_text, search_notes)
        VALUES ('delete', old.id, old.search_text, old.search_notes);
        INSERT INTO tickets_ticket_fts(rowid, search_text, search_notes)
        VALUES (new.id, new.search_text, new.search_notes);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_au",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ad",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_ai",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
]
POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ticket_search_text_trgm ON tickets_ticket USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ticket_search_notes_trgm ON tickets_ticket USING gin (search_notes gin_trgm_ops)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ticket_search_text_trgm", "DROP INDEX IF EXISTS ticket_search_notes_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
