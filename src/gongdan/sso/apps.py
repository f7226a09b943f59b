from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "gongdan.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from gongdan.accounts.sign_in_options import register_sign_in_options
        from gongdan.admin_console.registry import register_sections
        from gongdan.audit.kinds import register_kind
        from gongdan.sso.events import KINDS
        from gongdan.sso.navigation import SECTIONS
        from gongdan.sso.sign_in_page import buttons

        register_sections(SECTIONS)
        register_sign_in_options(buttons)
        for kind, label in KINDS.items():
            register_kind(kind, label)
