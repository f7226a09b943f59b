# The rule engine reads ticket events through the shared pipeline's cursor (gongdan.tickets.pipeline): its
# position moves over, its own cursor table goes.
from django.db import migrations


def move_cursor(apps, schema_editor):
    RuleCursor = apps.get_model("notifications", "RuleCursor")
    EventCursor = apps.get_model("tickets", "EventCursor")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    cursor = RuleCursor.objects.filter(name="rules").first()
    last = cursor.last_event_id if cursor else TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    EventCursor.objects.update_or_create(
        name="notifications.rules", defaults={"last_event_id": last or 0, "gaps": {}}
    )

class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0009_eventcursor'),
        ('notifications', '0005_models_move_to_outbox_and_oncall'),
    ]

    operations = [
        migrations.RunPython(move_cursor, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='RuleCursor',
        ),
    ]
