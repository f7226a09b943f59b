from decimal import Decimal

import pytest

from gongdan.parts.services import part_create, stock_receive, store_create


@pytest.fixture
def stores(plant):
    return {
        "A": store_create(actor=None, code="A", name="一号库房", location=plant["hall"]),
        "B": store_create(actor=None, code="B", name="二号库房", location=plant["site"]),
    }


@pytest.fixture
def filter_part(compressor_type):
    return part_create(actor=None, code="F-100", name="空气滤芯", name_en="Air filter", unit="pcs",
                       unit_cost=Decimal("85.50"), supplier="阿特拉斯", reorder_point=Decimal(3),
                       asset_types=[compressor_type])  # fmt: skip


@pytest.fixture
def stocked(filter_part, stores, admin_user):
    """Ten filters in store A."""
    stock_receive(actor=admin_user, part=filter_part, store=stores["A"], quantity=10, reference="PO-1")
    return filter_part
