import pytest

from gongdan.meters.services import meter_create


@pytest.fixture
def make_meter(make_asset):
    def make(asset=None, **values):
        values.setdefault("code", "temp")
        values.setdefault("name", "Discharge temperature")
        values.setdefault("kind", "temperature")
        values.setdefault("unit", "°C")
        return meter_create(actor=values.pop("actor", None), asset=asset or make_asset("AC-01"), **values)

    return make
