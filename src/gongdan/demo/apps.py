from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo site `./gongdan start --demo` loads: people, places, configuration and a replayed history."""

    name = "gongdan.demo"
    label = "demo"
    verbose_name = _("Demo")
