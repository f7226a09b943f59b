from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running the site: first-start bootstrap, demo data, the start command's helpers."""

    name = "gongdan.operations"
    verbose_name = _("Operations")
