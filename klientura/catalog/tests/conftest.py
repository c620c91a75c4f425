import io
from decimal import Decimal

import pytest
from PIL import Image

from klientura.catalog.tests.factories import PriceTypeFactory, ProductFactory, WarehouseFactory


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded photos go to a temporary directory, removed after the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin(departments):
    """The administrator: the one role that edits the catalog."""
    return departments.admin


@pytest.fixture
def manager(departments):
    """A sales manager: reads the catalog, changes nothing in it."""
    return departments.north_a


@pytest.fixture
def retail(db):
    return PriceTypeFactory(name="Розничная")


@pytest.fixture
def wholesale(db):
    return PriceTypeFactory(name="Оптовая")


@pytest.fixture
def main_store(db):
    return WarehouseFactory(name="Основной склад")


@pytest.fixture
def far_store(db):
    return WarehouseFactory(name="Дальний склад")


@pytest.fixture
def chair(db):
    return ProductFactory(name="Стул офисный", sku="CH-1", recommended_price=Decimal("1500.00"))


def image_bytes(fmt: str = "PNG", size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()
