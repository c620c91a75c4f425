"""The catalog in a real browser: an administrator adds a product with a photo and prices it; a
manager browses the list by group on a phone and loads more rows. Screenshots land in
var/screenshots/."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from klientura.accounts.tests.factories import TEST_PASSWORD, department_pair
from klientura.catalog.models import ProductPrice
from klientura.catalog.tests.conftest import image_bytes
from klientura.catalog.tests.factories import PriceTypeFactory, ProductFactory, ProductGroupFactory
from klientura.web.tests.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    with page.expect_navigation():
        page.click("[data-testid=login-form] button[type=submit]")


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_an_administrator_adds_a_product_with_a_photo_and_prices_it(live_server, new_page, media, tmp_path):
    team = department_pair()
    retail = PriceTypeFactory(name="Розничная")
    ProductGroupFactory(name="Кресла")
    photo = tmp_path / "armchair.png"
    photo.write_bytes(image_bytes("PNG", size=(120, 90)))
    page = new_page(DESKTOP)
    sign_in(page, live_server, team.admin)

    page.goto(f"{live_server.url}/catalog/")
    expect(page.locator("[data-testid=empty-state]")).to_be_visible()
    page.click("[data-testid=new-product]")
    page.fill("#id_name", "Кресло руководителя")
    page.fill("#id_sku", "AR-100")
    page.select_option("#id_group", label="Кресла")
    page.fill("#id_cost_price", "12 000")
    page.fill("#id_recommended_price", "18 990,50")
    page.set_input_files("#id_photo", str(photo))
    with page.expect_navigation():
        page.click("[data-testid=product-form] button.btn-primary")

    expect(page.locator("[data-testid=product-name]")).to_have_text("Кресло руководителя")
    image = page.locator("[data-testid=product-photo]")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") == 120
    page.fill(f"#id_price_{retail.pk}", "17 500")
    with page.expect_navigation():
        page.click("[data-testid=prices-form] button")
    expect(page.locator(f"#id_price_{retail.pk}")).to_have_value("17500,00")
    shoot(page, "catalog-card")
    assert ProductPrice.objects.get(price_type=retail).price == 17500


def test_a_manager_browses_by_group_on_a_phone_and_loads_more(live_server, new_page):
    team = department_pair()
    chairs = ProductGroupFactory(name="Кресла")
    for i in range(55):
        ProductFactory(name=f"Кресло {i:02}", group=chairs)
    ProductFactory(name="Лампа без группы")
    page = new_page(PHONE)
    sign_in(page, live_server, team.north_a)

    page.goto(f"{live_server.url}/catalog/")
    tree = page.locator("[data-testid=group-tree]")
    expect(tree).to_be_hidden()
    page.click("button[data-bs-target='#group-tree']")
    expect(tree).to_be_visible()
    with page.expect_navigation():
        tree.locator(f"[data-group='{chairs.pk}']").click()

    rows = page.locator("#product-rows tr:not(#more-row)")
    expect(rows).to_have_count(50)
    expect(page.locator("#product-rows")).not_to_contain_text("Лампа")
    page.click("[data-testid=load-more]")
    expect(rows).to_have_count(55)
    shoot(page, "catalog-list-phone")
