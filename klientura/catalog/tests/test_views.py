"""Catalog pages: the list with its group tree and "Show more", the card, the forms, the classifiers
and the import page; who may see and change what."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from klientura.catalog.models import PriceType, Product, ProductGroup, ProductPrice, StockBalance, Warehouse
from klientura.catalog.photos import MAX_PHOTO_BYTES
from klientura.catalog.tests.conftest import image_bytes
from klientura.catalog.tests.factories import (
    ProductFactory,
    ProductGroupFactory,
    ProductPriceFactory,
    StockBalanceFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("catalog:product_list")


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def form_data(**overrides) -> dict:
    data = {
        "kind": "goods",
        "name": "Кресло",
        "sku": "AR-1",
        "unit": "шт",
        "vat_rate": "22",
        "cost_price": "3 000,00",
        "recommended_price": "4500,5",
        "min_price": "",
        "currency": "RUB",
        "description": "",
        "is_active": "on",
    }
    return {**data, **overrides}


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_products_and_the_group_tree(as_user, manager):
    group = ProductGroupFactory(name="Кресла")
    ProductFactory(name="Кресло руководителя", group=group)
    ProductFactory(name="Снятый с продажи", is_active=False)

    body = as_user(manager).get(LIST).content.decode()

    assert "Кресло руководителя" in body and "Кресла" in body
    assert "Снятый с продажи" not in body  # active products by default
    assert 'data-testid="new-product"' not in body  # a manager does not add products


def test_the_list_filters_by_group_and_text(as_user, manager):
    group = ProductGroupFactory(name="Кресла")
    ProductFactory(name="Кресло", group=group)
    ProductFactory(name="Стол")
    client = as_user(manager)

    assert "Стол" not in client.get(LIST, {"group": group.pk}).content.decode().split("product-table")[1]
    found = client.get(LIST, {"q": "стол"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="product-table")
    assert "Стол" in found.content.decode() and "Кресло" not in found.content.decode()
    assert "<html" not in found.content.decode()  # only the table for htmx


def test_the_list_shows_more_by_keyset_in_bounded_queries(as_user, manager, django_assert_max_num_queries):
    for i in range(60):
        ProductFactory(name=f"Товар {i:03}")
    client = as_user(manager)

    with django_assert_max_num_queries(14):
        first = client.get(LIST)
    page = first.context["page"]
    assert len(page.items) == 50 and page.next_cursor
    with django_assert_max_num_queries(14):
        more = client.get(LIST, {"cursor": page.next_cursor}, HTTP_HX_REQUEST="true")

    assert [p.name for p in more.context["page"].items] == [f"Товар {i:03}" for i in range(50, 60)]
    assert "<html" not in more.content.decode()


def test_a_bad_cursor_shows_the_first_page(as_user, manager):
    ProductFactory(name="Товар")

    response = as_user(manager).get(LIST, {"cursor": "garbage"})

    assert response.status_code == 200
    assert "Товар" in response.content.decode()


def test_an_empty_catalog_says_so(as_user, manager, admin):
    assert 'data-testid="empty-state"' in as_user(manager).get(LIST).content.decode()
    assert reverse("catalog:product_create") in as_user(admin).get(LIST).content.decode()


def test_without_the_right_the_list_is_refused(client, as_user, departments):
    assert client.get(LIST).status_code == 302
    assert as_user(departments.nobody).get(LIST).status_code == 403


# --- the card --------------------------------------------------------------------------------


def test_the_card_shows_prices_and_stock(as_user, manager, chair, retail, main_store):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("1234.50"))
    StockBalanceFactory(product=chair, warehouse=main_store, quantity=Decimal("7"))

    response = as_user(manager).get(reverse("catalog:product_card", args=[chair.pk]))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Розничная" in body and "1\xa0234,50" in body  # Russian digits: no-break space, comma
    assert "Основной склад" in body
    assert 'data-testid="prices-form"' not in body and 'data-testid="edit-product"' not in body


def test_the_administrator_edits_prices_and_stock_on_the_card(as_user, admin, chair, retail, main_store):
    client = as_user(admin)
    body = client.get(reverse("catalog:product_card", args=[chair.pk])).content.decode()
    assert 'data-testid="prices-form"' in body and 'data-testid="stock-form"' in body

    client.post(reverse("catalog:product_prices", args=[chair.pk]), {f"price_{retail.pk}": "1 999,90"})
    client.post(reverse("catalog:product_stock", args=[chair.pk]), {f"quantity_{main_store.pk}": "3,5"})

    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("1999.90")
    assert StockBalance.objects.get(product=chair, warehouse=main_store).quantity == Decimal("3.5")


def test_a_negative_price_on_the_card_is_refused(as_user, admin, chair, retail):
    ProductPriceFactory(product=chair, price_type=retail, price=Decimal("100"))

    response = as_user(admin).post(
        reverse("catalog:product_prices", args=[chair.pk]), {f"price_{retail.pk}": "-1"}, follow=True
    )

    [message] = [str(m) for m in response.context["messages"]]
    assert "Розничная" in message
    assert ProductPrice.objects.get(product=chair, price_type=retail).price == Decimal("100")


def test_a_manager_may_not_post_prices_or_stock(as_user, manager, chair, retail, main_store):
    client = as_user(manager)

    prices = client.post(reverse("catalog:product_prices", args=[chair.pk]), {f"price_{retail.pk}": "1"})
    stock = client.post(reverse("catalog:product_stock", args=[chair.pk]), {f"quantity_{main_store.pk}": "1"})

    assert (prices.status_code, stock.status_code) == (403, 403)
    assert not ProductPrice.objects.exists() and not StockBalance.objects.exists()


def test_a_missing_product_is_404(as_user, admin):
    client = as_user(admin)
    for name in ("product_card", "product_edit", "product_photo"):
        assert client.get(reverse(f"catalog:{name}", args=[10**9])).status_code == 404
    assert client.post(reverse("catalog:product_prices", args=[10**9])).status_code == 404


# --- the product form ------------------------------------------------------------------------


def test_the_administrator_adds_a_product_with_a_photo(as_user, admin, media):
    group = ProductGroupFactory(name="Кресла")
    photo = SimpleUploadedFile("p.png", image_bytes("PNG"), content_type="image/png")

    response = as_user(admin).post(
        reverse("catalog:product_create"), {**form_data(group=group.pk), "photo": photo}
    )

    product = Product.objects.get(sku="AR-1")
    assert response.status_code == 302 and response["Location"] == reverse(
        "catalog:product_card", args=[product.pk]
    )
    assert (product.group, product.cost_price, product.recommended_price) == (
        group,
        Decimal("3000"),
        Decimal("4500.50"),
    )
    assert product.photo.name.endswith(".png")


def test_a_bad_photo_keeps_the_form_with_the_message_and_saves_nothing(as_user, admin, media):
    photo = SimpleUploadedFile("p.jpg", b"<html>not a picture</html>", content_type="image/jpeg")

    response = as_user(admin).post(reverse("catalog:product_create"), {**form_data(), "photo": photo})

    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    assert not Product.objects.exists()


def test_an_upload_over_the_limit_is_refused_before_it_is_read(as_user, admin, media):
    photo = SimpleUploadedFile("p.png", b"\0" * (MAX_PHOTO_BYTES + 128 * 1024), content_type="image/png")

    response = as_user(admin).post(reverse("catalog:product_create"), {**form_data(), "photo": photo})

    assert response.status_code == 302 and response["Location"] == reverse("catalog:product_create")
    assert not Product.objects.exists()


def test_the_form_shows_the_services_messages(as_user, admin):
    ProductFactory(sku="AR-1", name="Другое кресло")

    response = as_user(admin).post(reverse("catalog:product_create"), form_data(min_price="9999"))

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert "Другое кресло" in errors["sku"][0] and errors["min_price"]
    assert Product.objects.count() == 1


def test_the_administrator_edits_a_product(as_user, admin, chair):
    client = as_user(admin)
    assert client.get(reverse("catalog:product_edit", args=[chair.pk])).status_code == 200

    response = client.post(
        reverse("catalog:product_edit", args=[chair.pk]), form_data(name="Стул новый", sku="CH-1")
    )

    assert response.status_code == 302
    chair.refresh_from_db()
    assert chair.name == "Стул новый"


def test_a_manager_may_not_open_or_post_the_forms(as_user, manager, chair):
    client = as_user(manager)

    assert client.get(reverse("catalog:product_create")).status_code == 403
    assert client.post(reverse("catalog:product_create"), form_data()).status_code == 403
    assert (
        client.post(reverse("catalog:product_edit", args=[chair.pk]), form_data(name="X")).status_code == 403
    )
    chair.refresh_from_db()
    assert chair.name == "Стул офисный" and Product.objects.count() == 1


# --- groups, price types, warehouses ---------------------------------------------------------


def test_groups_are_created_and_cannot_move_into_themselves(as_user, admin):
    client = as_user(admin)
    client.post(reverse("catalog:group_create"), {"name": "Мебель", "position": 0})
    top = ProductGroup.objects.get(name="Мебель")
    client.post(reverse("catalog:group_create"), {"name": "Столы", "parent": top.pk, "position": 0})
    child = ProductGroup.objects.get(name="Столы")

    response = client.post(
        reverse("catalog:group_edit", args=[top.pk]), {"name": "Мебель", "parent": child.pk, "position": 0}
    )

    assert response.status_code == 400
    top.refresh_from_db()
    assert top.parent_id is None and child.parent_id == top.pk


def test_price_types_page_and_forms(as_user, admin, manager, retail):
    assert "Розничная" in as_user(manager).get(reverse("catalog:price_type_list")).content.decode()
    assert as_user(manager).get(reverse("catalog:price_type_create")).status_code == 403

    client = as_user(admin)
    client.post(
        reverse("catalog:price_type_create"), {"name": "Дилерская", "currency": "RUB", "is_active": "on"}
    )
    duplicate = client.post(reverse("catalog:price_type_create"), {"name": "дилерская", "currency": "RUB"})
    client.post(reverse("catalog:price_type_edit", args=[retail.pk]), {"name": "Розница", "currency": "RUB"})

    assert duplicate.status_code == 400
    assert sorted(PriceType.objects.values_list("name", flat=True)) == ["Дилерская", "Розница"]
    assert client.get(reverse("catalog:price_type_edit", args=[10**9])).status_code == 404


def test_warehouses_page_and_forms(as_user, admin, manager, chair, main_store):
    StockBalanceFactory(product=chair, warehouse=main_store, quantity=Decimal("2"))
    assert "Основной склад" in as_user(manager).get(reverse("catalog:warehouse_list")).content.decode()

    client = as_user(admin)
    client.post(reverse("catalog:warehouse_create"), {"name": "Склад в Казани", "address": "Казань"})
    client.post(reverse("catalog:warehouse_edit", args=[main_store.pk]), {"name": "Главный", "address": ""})

    assert sorted(Warehouse.objects.values_list("name", flat=True)) == ["Главный", "Склад в Казани"]
    assert client.get(reverse("catalog:warehouse_edit", args=[10**9])).status_code == 404


def test_empty_classifier_pages_explain_themselves(as_user, manager):
    client = as_user(manager)
    for name in ("price_type_list", "warehouse_list"):
        assert 'data-testid="empty-state"' in client.get(reverse(f"catalog:{name}")).content.decode()


# --- import ----------------------------------------------------------------------------------


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("prices.csv", text.encode("utf-8-sig"), content_type="text/csv")


def test_the_import_page_applies_a_good_file(as_user, admin, chair, retail):
    response = as_user(admin).post(
        reverse("catalog:import"), {"file": csv_upload("Артикул;Вид цен;Цена\nCH-1;Розничная;1700\n")}
    )

    assert response.status_code == 200
    assert 'data-testid="import-done"' in response.content.decode()
    assert ProductPrice.objects.get(product=chair).price == Decimal("1700")


def test_the_import_page_reports_rejected_rows(as_user, admin, chair, retail):
    text = "sku;price_type;price\nCH-1;Розничная;1700\nNOPE;Розничная;1\n"

    response = as_user(admin).post(reverse("catalog:import"), {"file": csv_upload(text)})

    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-row="3"' in body and 'data-row="2"' not in body
    assert not ProductPrice.objects.exists()


def test_the_import_page_refuses_an_unreadable_file(as_user, admin):
    response = as_user(admin).post(
        reverse("catalog:import"), {"file": SimpleUploadedFile("prices.txt", b"hello")}
    )

    assert response.status_code == 400 and response.context["form"].errors["file"]


def test_a_manager_may_not_import(as_user, manager, chair, retail):
    client = as_user(manager)

    assert client.get(reverse("catalog:import")).status_code == 403
    response = client.post(
        reverse("catalog:import"), {"file": csv_upload("sku;price_type;price\nCH-1;Розничная;1\n")}
    )

    assert response.status_code == 403
    assert not ProductPrice.objects.exists()
