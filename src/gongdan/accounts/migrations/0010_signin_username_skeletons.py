"""Fill each user's username skeleton (decision 0117) and report usernames that already look alike. Nothing is
renamed: the report names them, and `./gongdan manage username_clashes` lists them again until an
administrator has renamed one of each pair."""

import sys

from django.db import migrations


def fill_skeletons(apps, schema_editor):
    from gongdan.accounts.usernames import skeleton

    User = apps.get_model("accounts", "User")
    seen: dict[str, list[str]] = {}
    batch = []
    for user in User.objects.only("pk", "username").order_by("pk").iterator(chunk_size=2000):
        user.username_skeleton = skeleton(user.username)
        seen.setdefault(user.username_skeleton, []).append(user.username)
        batch.append(user)
        if len(batch) >= 2000:
            User.objects.bulk_update(batch, ["username_skeleton"])
            batch = []
    if batch:
        User.objects.bulk_update(batch, ["username_skeleton"])
    clashes = [names for names in seen.values() if len(names) > 1]
    if clashes:
        sys.stdout.write(
            "\n  Usernames that look alike (none renamed; rename one of each group on the Users screen):\n"
        )
        for names in clashes:
            sys.stdout.write("    " + ", ".join(repr(name) for name in names) + "\n")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_signin_password_policy")]

    operations = [migrations.RunPython(fill_skeletons, migrations.RunPython.noop, elidable=False)]
