from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigurationConfig(AppConfig):
    """The admin screens of the product (not Django's admin): people, teams, categories, forms, priorities."""

    name = "gongdan.configuration"
    verbose_name = _("Configuration")
