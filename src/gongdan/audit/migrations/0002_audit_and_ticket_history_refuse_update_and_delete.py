"""The audit trail and the ticket history are append-only in the database (decision 0086):

- audit entries and checkpoints: UPDATE refused; DELETE refused unless the deleting transaction holds a row
  in `audit_purge_permit` (only `gongdan.audit.services.audit_purge` writes one, and removes it before it
  commits, so no other transaction ever sees it);
- ticket events: DELETE refused as well (UPDATE already is, tickets 0004) behind the same permit;
- PostgreSQL: TRUNCATE of these tables refused the same way (a row trigger does not see a TRUNCATE).

`audit_purge_permit` is not a Django model on purpose: `flush` (the test runner's between-test emptying)
does not know it, and nothing in the ORM writes it by accident. The chain head row is seeded here.
"""

from django.db import migrations

GUARDED = ["audit_auditentry", "audit_checkpoint", "tickets_ticketevent"]

SQLITE_UP = [
    "CREATE TABLE audit_purge_permit (reason varchar(40) NOT NULL)",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry BEGIN
        SELECT RAISE(ABORT, 'audit entries are append-only');
    END""",
    """CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE ON audit_checkpoint BEGIN
        SELECT RAISE(ABORT, 'audit checkpoints are append-only');
    END""",
    *(
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit) BEGIN
            SELECT RAISE(ABORT, '{table} rows cannot be deleted');
        END"""
        for table in GUARDED
    ),
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_delete" for table in GUARDED),
    "DROP TRIGGER IF EXISTS audit_checkpoint_append_only",
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only",
    "DROP TABLE IF EXISTS audit_purge_permit",
]

POSTGRES_UP = [
    "CREATE TABLE audit_purge_permit (reason varchar(40) NOT NULL)",
    """CREATE OR REPLACE FUNCTION audit_refuse_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION audit_refuse_delete() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM audit_purge_permit) THEN
            RETURN CASE WHEN TG_LEVEL = 'ROW' THEN OLD ELSE NULL END;
        END IF;
        RAISE EXCEPTION '% rows cannot be deleted', TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE ON audit_auditentry
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_update()""",
    """CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE ON audit_checkpoint
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_update()""",
    *(
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION audit_refuse_delete()"""
        for table in GUARDED
    ),
    *(
        f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_delete()"""
        for table in GUARDED
    ),
]
POSTGRES_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}" for table in GUARDED),
    *(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}" for table in GUARDED),
    "DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint",
    "DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_refuse_delete()",
    "DROP FUNCTION IF EXISTS audit_refuse_update()",
    "DROP TABLE IF EXISTS audit_purge_permit",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)  # PL/pgSQL uses % itself

    return run


def seed_head(apps, schema_editor):
    apps.get_model("audit", "ChainHead").objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})
    apps.get_model("audit", "SyslogCursor").objects.get_or_create(pk=1, defaults={"seq": 0})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("tickets", "0009_eventcursor"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
        migrations.RunPython(seed_head, migrations.RunPython.noop),
    ]
