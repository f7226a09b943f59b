import pytest

from gongdan.assets.services import asset_create, asset_field_create, asset_type_create, location_create


@pytest.fixture
def plant(db):
    site = location_create(actor=None, name="华东工厂", kind="site")
    hall = location_create(actor=None, name="一号车间", kind="building", parent=site)
    return {"site": site, "hall": hall}


@pytest.fixture
def compressor_type(db):
    kind = asset_type_create(actor=None, name="空压机", name_en="Air compressor", code="compressor")
    asset_field_create(actor=None, asset_type=kind, key="power_kw", label="功率", label_en="Power (kW)",
                       field_type="number", required=True)  # fmt: skip
    asset_field_create(actor=None, asset_type=kind, key="oil", label="润滑油", label_en="Oil",
                       field_type="choice", choices=["ISO 46", "ISO 68"])  # fmt: skip
    return kind


@pytest.fixture
def line_type(db):
    return asset_type_create(actor=None, name="生产线", name_en="Production line", code="line")


@pytest.fixture
def make_asset(compressor_type, plant):
    def make(code: str = "AC-01", **values):
        values.setdefault("name", f"Compressor {code}")
        values.setdefault("asset_type", compressor_type)
        values.setdefault("location", plant["hall"])
        if values["asset_type"] == compressor_type:
            values.setdefault("custom_values", {"power_kw": 55})
        return asset_create(actor=values.pop("actor", None), code=code, **values)

    return make
