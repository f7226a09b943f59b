from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    """Account recovery: the password reset by mailed link, for staff and for requesters who have a
    password (decision 0119). The tokens and the password change are the accounts app's; this app asks for
    them, mails the link through the outbox and shows the pages."""

    name = "gongdan.recovery"
    verbose_name = _("Account recovery")
