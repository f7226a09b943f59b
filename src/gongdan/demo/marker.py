"""Whether the demo is loaded, and who signs in to it: what `./gongdan start --demo` asks at every start,
without importing the demo's loader and the libraries its data needs (decision 0176)."""

from __future__ import annotations

from gongdan.accounts.models import User

MARKER_USERNAME = "zhou.min"  # the demo manager: present means the demo site is loaded
DEFAULT_TICKETS = 300
LOGINS = [
    ("zhou.min", "manager"),
    ("wang.lei", "IT Support lead"),
    ("li.na", "agent"),
    ("emily.carter", "Customer Service lead, English UI"),
    ("david.miller", "Network agent, English UI"),
    ("chen.jing", "requester at a VIP customer"),
    ("sarah.lee", "requester, English UI"),
    ("zhao.gang", "Facilities lead, approves renovations"),
    ("chen.hao", "Application Support lead, system owner in access requests"),
    ("qin.an", "security administrator"),
    ("shen.shen", "audit administrator: the audit trail"),
]


def demo_loaded() -> bool:
    return User.objects.filter(username=MARKER_USERNAME).exists()
