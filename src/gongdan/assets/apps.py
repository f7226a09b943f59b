from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "gongdan.assets"
    verbose_name = _("Assets and locations")
