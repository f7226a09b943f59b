from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdminConsoleConfig(AppConfig):
    """The shell of the product's settings screens (not Django's admin): the home page, the side menu, the
    layout and who may enter. The screens themselves belong to the apps whose data they edit; each app
    registers its sections (gongdan.admin_console.registry)."""

    name = "gongdan.admin_console"
    label = "admin_console"
    verbose_name = _("Settings")
