from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupConfig(AppConfig):
    """Backups, restores and the restore drill (docs/operations.md). It sits at the top of the layers, beside
    the demo: it reads every app's tables and files and changes none of them on the running site."""

    name = "gongdan.backup"
    label = "backup"
    verbose_name = _("Backups")
