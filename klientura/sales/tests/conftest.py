import pytest

from klientura.catalog.tests.factories import ProductFactory
from klientura.sales.tests.factories import OrganizationFactory


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def products(db):
    return [ProductFactory(), ProductFactory(recommended_price="250.00", cost_price="120.00")]


@pytest.fixture
def client_of(make_partner):
    """A partner led by the given manager."""

    def make(manager, **kwargs):
        return make_partner(manager=manager, **kwargs)

    return make
