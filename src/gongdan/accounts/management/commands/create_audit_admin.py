"""`./gongdan manage create_audit_admin [username]`: the audit administrator, who reads and exports the audit
trail and changes nothing (decision 0085)."""

from gongdan.accounts.duty_commands import CreateDutyAdmin
from gongdan.accounts.models import Role


class Command(CreateDutyAdmin):
    help = "Create an audit administrator (default username: auditor)."
    role = Role.AUDIT_ADMIN
    default_username = "auditor"
    title = "Audit administrator"
