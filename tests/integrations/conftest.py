from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import Integration, Kind
from tests.approvals.conftest import approver, file_ticket, make_flow, renovation  # noqa: F401 (chat app tests)
from tests.notifications.conftest import oncall_people, schedule  # noqa: F401 (chat app tests)

PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture(autouse=True)
def _empty_rate_limits():
    """Open311's per-IP counters live in the configured cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def captured(name: str) -> list[dict[str, Any]]:
    """Bodies captured from the real senders (docs: /work/shared/INTEGRATIONS.md)."""
    return [json.loads(line)["body"] for line in (PAYLOADS / name).read_text().splitlines() if line.strip()]


class Sender:
    """Posts to an integration endpoint the way the sender does: JSON body, bearer secret."""

    def __init__(self, client: Any, integration: Integration, secret: str, path: str) -> None:
        self.client, self.integration, self.secret = client, integration, secret
        self.url = f"/api/v1/integrations/{integration.slug}/{path}"

    def post(self, body: Any, *, secret: str | None = None, raw: bytes | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body)
        auth = {"HTTP_AUTHORIZATION": f"Bearer {self.secret if secret is None else secret}"}
        headers.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        return self.client.post(self.url, data=data, content_type=headers.pop("content_type", "application/json"),
                                **auth, **headers)  # fmt: skip


def make(admin_user: Any, kind: str, **values: Any) -> tuple[Integration, str]:
    return services.integration_create(actor=admin_user, kind=kind, **values)


@pytest.fixture
def alertmanager(admin_user, client, category) -> Sender:
    integration, secret = make(
        admin_user, Kind.ALERTMANAGER, name="Prometheus prod", slug="prom", category=category
    )
    return Sender(client, integration, secret, "alertmanager")


@pytest.fixture
def zabbix(admin_user, client, category) -> Sender:
    integration, secret = make(admin_user, Kind.ZABBIX, name="Zabbix plant", slug="zbx", category=category)
    return Sender(client, integration, secret, "zabbix")
