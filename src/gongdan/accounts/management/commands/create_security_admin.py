"""`./gongdan manage create_security_admin [username]`: the security administrator (roles, sign-in policies,
second factors, lockouts), separate from the system administrator (decision 0085)."""

from gongdan.accounts.duty_commands import CreateDutyAdmin
from gongdan.accounts.models import Role


class Command(CreateDutyAdmin):
    help = "Create a security administrator (default username: security)."
    role = Role.SECURITY_ADMIN
    default_username = "security"
    title = "Security administrator"
