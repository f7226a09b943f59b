from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel every app may use and that uses no app: domain errors, sanitising, sealed fields,
    bilingual names, rate limits. Installed only for its translations and its `seal_secrets` command."""

    name = "gongdan.core"
    label = "core"
    verbose_name = _("Core")
