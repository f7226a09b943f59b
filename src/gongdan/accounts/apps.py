from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "gongdan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from gongdan.accounts import audit_kinds, session_policy
        from gongdan.accounts.models import Team
        from gongdan.accounts.navigation import SECTIONS
        from gongdan.accounts.personal_data import AccountsPersonalData
        from gongdan.accounts.sign_in_guard import connect
        from gongdan.admin_console.registry import register_sections
        from gongdan.core.config_cache import watch_configuration
        from gongdan.core.personal_data import register_personal_data_holder

        register_sections(SECTIONS)
        watch_configuration(Team)
        connect()
        audit_kinds.register()
        session_policy.connect()
        register_personal_data_holder(AccountsPersonalData())
