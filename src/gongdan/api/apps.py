from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API's own parts: bearer tokens, idempotency records, authentication, the error shape, input
    checks and pagination every app's router uses. The routers themselves live in their apps; the project
    mounts them (gongdan.project.api)."""

    name = "gongdan.api"
    label = "api"
    verbose_name = _("API")
