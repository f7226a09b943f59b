"""Entries are written unchained and chained after the commit (decision 0135): the sequence number is empty
until then, and the append-only trigger lets exactly one UPDATE through per entry — the chainer's, which
fills the empty sequence number and hashes and changes nothing else. Any other UPDATE is refused as before."""

from django.db import migrations, models

CHAIN_COLUMNS = ("seq", "prev_hash", "hash")
CONTENT_COLUMNS = (
    "id", "occurred_at", "actor_id", "actor_username", "actor_role", "address", "user_agent", "kind",
    "object_type", "object_id", "object_repr", "detail", "algorithm",
)  # fmt: skip

SQLITE_CHAINING = """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry
    WHEN OLD.seq IS NOT NULL OR OLD.hash <> '' OR NEW.seq IS NULL OR NEW.hash = '' OR {content_changed}
    BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only');
    END""".format(content_changed=" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT_COLUMNS))
SQLITE_STRICT = """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only');
    END"""

# The rebuild drops the DELETE guard too (migration 0002): made again, the same.
SQLITE_NO_DELETE = """CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
    WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit) BEGIN
        SELECT RAISE(ABORT, 'audit_auditentry rows cannot be deleted');
    END"""
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION audit_entry_chain_only() RETURNS trigger AS $$
    BEGIN
        IF OLD.seq IS NULL AND OLD.hash = '' AND NEW.seq IS NOT NULL AND NEW.hash <> ''
           AND (to_jsonb(NEW) - 'seq' - 'prev_hash' - 'hash') = (to_jsonb(OLD) - 'seq' - 'prev_hash' - 'hash')
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION audit_entry_chain_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_update()""",
    "DROP FUNCTION IF EXISTS audit_entry_chain_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)  # PL/pgSQL uses % itself

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_audit_and_ticket_history_refuse_update_and_delete")]

    operations = [
        # SQLite rebuilds a table to alter a column, and its triggers go with it: drop first, create after.
        migrations.RunPython(
            _run({"sqlite": SQLITE_DROP}),
            _run({"sqlite": [*SQLITE_DROP, SQLITE_STRICT, SQLITE_NO_DELETE]}),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True, verbose_name="sequence"),
        ),
        migrations.AlterField(
            model_name="auditentry", name="prev_hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.AlterField(
            model_name="auditentry", name="hash", field=models.CharField(blank=True, max_length=64)
        ),
        migrations.RunPython(
            _run({"sqlite": [SQLITE_CHAINING, SQLITE_NO_DELETE], "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DOWN}),
        ),
    ]
