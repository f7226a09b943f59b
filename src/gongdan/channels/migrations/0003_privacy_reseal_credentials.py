"""Sealed credentials move to the field encryption of gongdan.core.field_crypto (SM4-GCM or AES-256-GCM,
keys from GONGDAN_FIELD_KEYS; decision 0130): every stored value is re-sealed under the current key. Values
read through the sealed fields' own conversion, so the first scheme's and plain ones open as they are."""

from django.db import migrations

from gongdan.core.encrypted_stores import rotate_sealed_fields
from gongdan.core.sealed import SealedMixin


def reseal(apps, schema_editor):
    for model in apps.get_app_config("channels").get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedMixin)]
        if fields:
            rotate_sealed_fields(model, fields)


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_sealed_credentials")]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
