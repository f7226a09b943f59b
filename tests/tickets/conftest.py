"""Fixtures shared by the tickets tests."""

from __future__ import annotations

import pytest

from gongdan.tickets.services import configuration
from tests.factories import CategoryFactory

URGENCY = [
    {"value": "low", "label": "低", "label_en": "Low"},
    {"value": "high", "label": "高", "label_en": "High"},
]
KIND = [{"value": v, "label": v, "label_en": v} for v in ("laptop", "desktop", "printer")]
SITE = [{"value": v, "label": v, "label_en": v} for v in ("sz", "bj")]
ROOM = [{"value": v, "label": v, "label_en": v} for v in ("r1", "r2", "r3")]


@pytest.fixture
def hardware(team, admin_user):
    """Hardware: urgency high → phone required; kind laptop/desktop → asset tag shown, laptop → required;
    site sz → rooms r1 and r2 only; a P0/P1 ticket must say the impact."""
    category = CategoryFactory(name="硬件", name_en="Hardware", default_team=team)
    make = configuration.custom_field_create
    make(actor=admin_user, category=category, key="urgency", label="紧急", label_en="Urgency", field_type="choice",
         choices=URGENCY, order=10)  # fmt: skip
    make(actor=admin_user, category=category, key="phone", label="电话", label_en="Phone", order=20,
         logic={"require_when": [{"field": "urgency", "op": "eq", "value": "high"}]})  # fmt: skip
    make(actor=admin_user, category=category, key="kind", label="设备", label_en="Kind", field_type="choice",
         choices=KIND, order=30)  # fmt: skip
    make(actor=admin_user, category=category, key="asset_tag", label="资产标签", label_en="Asset tag", order=40,
         logic={"show_when": [{"field": "kind", "op": "in", "value": ["laptop", "desktop"]}],
                "require_when": [{"field": "kind", "op": "eq", "value": "laptop"}]})  # fmt: skip
    make(actor=admin_user, category=category, key="site", label="园区", label_en="Site", field_type="choice",
         choices=SITE, order=50)  # fmt: skip
    make(actor=admin_user, category=category, key="room", label="房间", label_en="Room", field_type="choice",
         choices=ROOM, order=60,
         logic={"choices_when": [{"when": [{"field": "site", "op": "eq", "value": "sz"}], "values": ["r1", "r2"]}]})  # fmt: skip
    make(actor=admin_user, category=category, key="impact", label="影响", label_en="Impact", order=70,
         logic={"require_when": [{"field": "@priority", "op": "in", "value": ["P0", "P1"]}]})  # fmt: skip
    return category
