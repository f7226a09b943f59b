"""The append writes fewer index entries (decision 0180): every secondary index holds chained entries only
(`WHERE seq IS NOT NULL`), a small index holds the entries waiting for the chainer, and the full UNIQUE on
`seq` becomes a partial unique index.

On SQLite the old UNIQUE is part of the table's definition and dropping it would rebuild the table, which
drops the append-only triggers with it: there it stays (a stricter twin of the partial one)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_full_unique_on_postgresql(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    table = "audit_auditentry"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        if info["unique"] and not info["primary_key"] and info["columns"] == ["seq"] and name != "audit_entry_seq_unique":
            schema_editor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def drop_actor_index(apps, schema_editor):
    """The foreign key's own index (Django's default), by the name the database gave it: a DROP INDEX on both
    databases (AlterField would rebuild the table on SQLite, and its triggers with it)."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditentry")
    for name, info in constraints.items():
        if info["index"] and not info["unique"] and info["columns"] == ["actor_id"] and name != "audit_entry_actor_idx":
            schema_editor.execute(f'DROP INDEX "{name}"')


def restore_actor_index(apps, schema_editor):
    schema_editor.execute("CREATE INDEX audit_auditentry_actor_id_idx ON audit_auditentry (actor_id)")


def restore_full_unique_on_postgresql(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE audit_auditentry ADD CONSTRAINT audit_auditentry_seq_key UNIQUE (seq)")


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_backup_deferred_chain'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(condition=models.Q(('seq__isnull', False)), fields=('seq',), name='audit_entry_seq_unique'),
        ),
        migrations.RemoveIndex(
            model_name='auditentry',
            name='audit_entry_when_idx',
        ),
        migrations.RemoveIndex(
            model_name='auditentry',
            name='audit_entry_kind_idx',
        ),
        migrations.RemoveIndex(
            model_name='auditentry',
            name='audit_entry_who_idx',
        ),
        migrations.RemoveIndex(
            model_name='auditentry',
            name='audit_entry_object_idx',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='seq',
                    field=models.BigIntegerField(blank=True, null=True, verbose_name='sequence'),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_full_unique_on_postgresql, restore_full_unique_on_postgresql),
            ],
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', False)), fields=['occurred_at'], name='audit_entry_when_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', False)), fields=['kind', 'seq'], name='audit_entry_kind_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', False)), fields=['actor_username', 'seq'], name='audit_entry_who_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', False)), fields=['object_type', 'object_id'], name='audit_entry_object_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', True)), fields=['id'], name='audit_entry_unchained_idx'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
                ),
            ],
            database_operations=[migrations.RunPython(drop_actor_index, restore_actor_index)],
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('seq__isnull', False)), fields=['actor', 'seq'], name='audit_entry_actor_idx'),
        ),
    ]
