"""Rules are made through the services (switched on after a dry run, as an admin does) and the engine is run
the way the queue runs it after each commit."""

from __future__ import annotations

import pytest

from gongdan.automation import services
from gongdan.automation.engine import process_events


@pytest.fixture
def make_rule(admin_user):
    def make(
        name: str,
        trigger: str,
        actions: list,
        conditions: list | None = None,
        *,
        active: bool = True,
        **extra,
    ):
        rule = services.rule_create(actor=admin_user, name=name, trigger=trigger, conditions=conditions or [],
                                    actions=actions, **extra)  # fmt: skip
        if active:
            services.rule_dry_run(actor=admin_user, rule=rule)
            rule = services.rule_set_active(actor=admin_user, rule=rule, is_active=True)
        return rule

    return make


@pytest.fixture
def settle():
    """Run the engine until it has nothing left to read (a rule's changes are events it reads next)."""

    def run(rounds: int = 10) -> int:
        total = 0
        for _ in range(rounds):
            result = process_events()
            total += result["runs"]
            if not result["events"]:
                break
        return total

    return run
