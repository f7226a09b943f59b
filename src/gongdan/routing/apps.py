from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "gongdan.routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from gongdan.routing import events, tasks  # noqa: F401  (event kinds and periodic tasks)
