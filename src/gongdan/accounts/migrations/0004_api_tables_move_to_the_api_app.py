# ApiToken and IdempotencyRecord now belong to the api app, which keeps their tables (decision 0061): the
# model state only.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_picker_index"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
        ),
    ]
