from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):
    name = "gongdan.mfa"
    verbose_name = _("Two-factor sign-in")

    def ready(self) -> None:
        from gongdan.accounts.second_factor import register_gate
        from gongdan.audit.kinds import register_kind
        from gongdan.mfa import events
        from gongdan.mfa.gate import Gate

        for kind, label in events.KINDS.items():
            register_kind(kind, label)
        register_gate(Gate())
