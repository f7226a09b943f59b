# The reports projection reads ticket events through the shared pipeline's cursor (gongdan.tickets.pipeline):
# its position and the ids it still waits for move over. ProjectionCursor keeps only a first build's progress.

from django.db import migrations


def move_cursor(apps, schema_editor):
    ProjectionCursor = apps.get_model("reports", "ProjectionCursor")
    EventCursor = apps.get_model("tickets", "EventCursor")
    for cursor in ProjectionCursor.objects.filter(name="ticket_facts"):
        EventCursor.objects.update_or_create(
            name="reports.facts", defaults={"last_event_id": cursor.last_event_id, "gaps": cursor.gaps or {}}
        )
        cursor.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_covering_indexes"),
        ("tickets", "0009_eventcursor"),
    ]

    operations = [migrations.RunPython(move_cursor, migrations.RunPython.noop)]
