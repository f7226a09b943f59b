from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0004_asset_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetfield",
            name="sensitive",
            field=models.BooleanField(default=False, verbose_name="sensitive"),
        ),
    ]
