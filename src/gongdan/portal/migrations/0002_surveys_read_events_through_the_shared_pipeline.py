# Surveys are sent by a consumer of the shared event pipeline (gongdan.tickets.pipeline): the scanner's
# position moves over, its own cursor table goes.
from django.db import migrations


def move_cursor(apps, schema_editor):
    ScanCursor = apps.get_model("portal", "ScanCursor")
    EventCursor = apps.get_model("tickets", "EventCursor")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    cursor = ScanCursor.objects.filter(name="csat").first()
    # A site that never scanned starts at the end of its history: no survey for old resolutions.
    last = cursor.last_event_id if cursor else TicketEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    EventCursor.objects.update_or_create(name="portal.surveys", defaults={"last_event_id": last or 0, "gaps": {}})

class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0009_eventcursor'),
        ('portal', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(move_cursor, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='ScanCursor',
        ),
    ]
