from django.apps import AppConfig


class OperatorCommandsConfig(AppConfig):
    """Django's `createsuperuser` and `changepassword`, replaced by ones that go through the accounts
    services (the password policy, look-alike usernames, revocation, the audit trail). Listed before
    django.contrib.auth in INSTALLED_APPS, since the first app to name a command wins; it holds nothing
    else, so the rest of the order (axes before accounts) stays as it is."""

    name = "gongdan.accounts.operator_commands"
    label = "accounts_operator_commands"
