"""The catalog API through HTTP with bearer tokens: reads for every sales role, changes for the
administrator, the error format, and the cursor pages."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from klientura.accounts.services import api_token_create
from klientura.catalog import services
from klientura.catalog.models import Product, ProductPrice, StockBalance
from klientura.catalog.tests.conftest import image_bytes
from klientura.catalog.tests.factories import (
    ProductFactory,
    ProductGroupFactory,
    ProductPriceFactory,
    StockBalanceFactory,
)

pytestmark = pytest.mark.django_db

MISSING = 10**12


class ApiClient:
    def __init__(self, client, user):
        _token, key = api_token_create(actor=user, name="tests")
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def get(self, path, params=None):
        return self.client.get("/api/v1" + path, data=params or {}, **self.headers)

    def send(self, method, path, body=None):
        send = getattr(self.client, method)
        return send(
            "/api/v1" + path, data=json.dumps(body or {}), content_type="application/json", **self.headers
        )


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json()["error"]


# --- reads -----------------------------------------------------------------------------------


def test_groups_come_in_tree_order(api, manager):
    top = ProductGroupFactory(name="Мебель")
    ProductGroupFactory(name="Столы", parent=top)
    ProductGroupFactory(name="Свет", position=5)

    groups = api(manager).get("/catalog/groups").json()

    assert [(g["name"], g["depth"]) for g in groups] == [("Мебель", 0), ("Столы", 1), ("Свет", 0)]


def test_products_page_by_cursor_with_filters(api, manager):
    group = ProductGroupFactory()
    for i in range(5):
        ProductFactory(name=f"Стол {i}", group=group)
    ProductFactory(name="Лампа")
    ProductFactory(name="Стол старый", group=group, is_active=False)
    client = api(manager)

    first = client.get("/catalog/products", {"group_id": group.pk, "limit": 3}).json()
    second = client.get(
        "/catalog/products", {"group_id": group.pk, "limit": 3, "cursor": first["next_cursor"]}
    ).json()

    assert [p["name"] for p in first["items"] + second["items"]] == [f"Стол {i}" for i in range(5)]
    assert second["next_cursor"] is None
    assert first["items"][0]["stock_total"] == "0.000"
    everything = client.get("/catalog/products", {"q": "стол", "status": "all"}).json()["items"]
    assert {p["name"] for p in everything} >= {"Стол старый"}


def test_a_bad_cursor_is_422(api, manager):
    error = error_of(api(manager).get("/catalog/products", {"cursor": "garbage"}), 422)

    assert "cursor" in error["fields"]


def test_the_card_carries_prices_and_stock(api, manager, chair, retail, wholesale, main_store):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("1500"))
    StockBalanceFactory(product=chair, warehouse=main_store, quantity=Decimal("2.5"))

    card = api(manager).get(f"/catalog/products/{chair.pk}").json()

    assert card["prices"] == [
        {"price_type_id": retail.pk, "price_type": "Розничная", "currency": "RUB", "price": "1500.00"}
    ]
    assert card["stock"] == [
        {"warehouse_id": main_store.pk, "warehouse": "Основной склад", "quantity": "2.500"}
    ]
    assert card["stock_total"] == "2.500"
    assert card["has_photo"] is False


def test_a_missing_product_is_404(api, manager):
    assert error_of(api(manager).get(f"/catalog/products/{MISSING}"), 404)["code"] == "not_found"
    assert api(manager).get(f"/catalog/products/{MISSING}/photo").status_code == 404


def test_price_types_and_warehouses(api, manager, retail, main_store):
    client = api(manager)

    assert [p["name"] for p in client.get("/catalog/price-types").json()] == ["Розничная"]
    assert client.get("/catalog/warehouses").json() == [
        {"id": main_store.pk, "name": "Основной склад", "address": ""}
    ]


def test_a_user_without_catalog_rights_is_refused(api, departments, chair):
    client = api(departments.nobody)

    for path in (
        "/catalog/groups",
        "/catalog/products",
        f"/catalog/products/{chair.pk}",
        "/catalog/price-types",
    ):
        assert error_of(client.get(path), 403)["code"] == "forbidden"


# --- changes ---------------------------------------------------------------------------------


def test_the_administrator_creates_and_patches_a_product(api, admin):
    client = api(admin)

    created = client.send(
        "post", "/catalog/products", {"name": "Кресло", "sku": "AR-1", "cost_price": "100.5"}
    )
    assert created.status_code == 201, created.content
    product_id = created.json()["id"]
    patched = client.send(
        "patch", f"/catalog/products/{product_id}", {"recommended_price": 150, "is_active": False}
    )

    assert patched.status_code == 200
    assert (patched.json()["recommended_price"], patched.json()["is_active"]) == ("150.00", False)
    product = Product.objects.get(pk=product_id)
    assert (product.sku, product.cost_price, product.recommended_price) == (
        "AR-1",
        Decimal("100.50"),
        Decimal("150"),
    )


def test_bad_product_fields_are_422_with_field_names(api, admin):
    client = api(admin)

    negative = error_of(client.send("post", "/catalog/products", {"name": "X", "cost_price": "-1"}), 422)
    unknown = error_of(client.send("post", "/catalog/products", {"name": "X", "colour": "red"}), 422)
    empty = error_of(client.send("post", "/catalog/products", {}), 422)

    assert "cost_price" in negative["fields"]
    assert "colour" in unknown["fields"]
    assert "name" in empty["fields"]
    assert not Product.objects.exists()


def test_a_manager_may_not_change_the_catalog(api, manager, chair, retail, main_store):
    client = api(manager)

    assert error_of(client.send("post", "/catalog/products", {"name": "X"}), 403)["code"] == "forbidden"
    error_of(client.send("patch", f"/catalog/products/{chair.pk}", {"name": "X"}), 403)
    error_of(client.send("put", f"/catalog/products/{chair.pk}/prices/{retail.pk}", {"price": "1"}), 403)
    error_of(
        client.send("put", f"/catalog/products/{chair.pk}/stock/{main_store.pk}", {"quantity": "1"}), 403
    )

    chair.refresh_from_db()
    assert chair.name == "Стул офисный" and Product.objects.count() == 1
    assert not ProductPrice.objects.exists() and not StockBalance.objects.exists()


def test_prices_are_put_and_removed(api, admin, chair, retail):
    client = api(admin)
    path = f"/catalog/products/{chair.pk}/prices/{retail.pk}"

    put = client.send("put", path, {"price": "1 999,5"})  # not a JSON number: refused by the schema
    assert put.status_code == 422
    put = client.send("put", path, {"price": 1999.5})
    assert put.json() == {"product_id": chair.pk, "price_type_id": retail.pk, "price": "1999.50"}
    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("1999.50")

    removed = client.send("delete", path)

    assert removed.status_code == 200 and removed.json()["price"] is None
    assert not ProductPrice.objects.exists()


@pytest.mark.parametrize("price", ["-1", "10.005"])
def test_a_bad_price_is_422_and_changes_nothing(api, admin, chair, retail, price):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("100"))

    error = error_of(
        api(admin).send("put", f"/catalog/products/{chair.pk}/prices/{retail.pk}", {"price": price}), 422
    )

    assert "price" in error["fields"]
    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("100")


def test_prices_of_missing_records_are_404(api, admin, chair, retail):
    client = api(admin)

    assert (
        client.send("put", f"/catalog/products/{MISSING}/prices/{retail.pk}", {"price": "1"}).status_code
        == 404
    )
    assert (
        client.send("put", f"/catalog/products/{chair.pk}/prices/{MISSING}", {"price": "1"}).status_code
        == 404
    )
    assert not ProductPrice.objects.exists()


def test_stock_is_put(api, admin, chair, main_store):
    client = api(admin)
    path = f"/catalog/products/{chair.pk}/stock/{main_store.pk}"

    assert client.send("put", path, {"quantity": "4.25"}).json()["quantity"] == "4.250"
    error_of(client.send("put", path, {"quantity": "-4"}), 422)

    assert StockBalance.objects.get(product=chair, warehouse=main_store).quantity == Decimal("4.25")


def test_the_photo_comes_with_its_content_type(api, admin, manager, media):
    picture = SimpleUploadedFile("x.png", image_bytes("JPEG"), content_type="image/png")
    product = services.product_create(actor=admin, data={"name": "Лампа"}, photo=picture)

    response = api(manager).get(f"/catalog/products/{product.pk}/photo")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == image_bytes("JPEG")
    assert api(manager).get(f"/catalog/products/{product.pk}").json()["has_photo"] is True
