"""Klientura in a real browser: sign-in, languages, every section, the phone layout and the «Client base»
acceptance flow (register, catch a duplicate by phone, merge, find). Screenshots for humans land in
var/screenshots/ and the README's picture of the client list in docs/img/clients.png."""

import re
from random import Random

import pytest
from django.conf import settings
from playwright.sync_api import expect

from klientura.accounts.tests.factories import TEST_PASSWORD, department_pair
from klientura.core.fake_ru import fake_company, fake_person
from klientura.parties import identifiers
from klientura.parties.errors import DuplicatesFound
from klientura.parties.inputs import ContactInput, CounterpartyInput, PartnerInput
from klientura.parties.models import BusinessRegion, Tag
from klientura.parties.services import partner_register
from klientura.web.navigation import SECTIONS

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"
README_IMAGE = settings.BASE_DIR / "docs" / "img" / "clients.png"
ACTIVE = re.compile(r"\bactive\b")


def sign_in(page, live_server, user, password=TEST_PASSWORD):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("[data-testid=login-form] button[type=submit]")


def switch_language(page, code):
    with page.expect_navigation():
        page.click(f"[data-testid=language-form] [data-lang={code}]")
    expect(page.locator("html")).to_have_attribute("lang", code)


def partner_id_from(page) -> int:
    return int(re.search(r"/clients/(\d+)/", page.url).group(1))


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_sign_in_languages_and_every_section(live_server, new_page):
    team = department_pair()
    page = new_page()
    sign_in(page, live_server, team.north_a)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_be_visible()
    clients = page.locator("[data-testid=nav] [data-section=clients]")

    switch_language(page, "en")
    expect(clients).to_contain_text("Clients")
    switch_language(page, "ru")
    expect(clients).to_contain_text("Клиенты")

    links = page.locator("[data-testid=nav] [data-section]").evaluate_all(
        "links => links.map(a => [a.dataset.section, a.getAttribute('href')])"
    )
    assert [key for key, _href in links] == [key for key, *_rest in SECTIONS]
    for key, href in links:
        response = page.goto(f"{live_server.url}{href}")
        assert response.status < 400, f"{href} answered {response.status}"
        expect(page.locator("h1").first).to_be_visible()
        body = page.locator("body").inner_text()
        assert "Traceback" not in body and "Server Error" not in body, href
        expect(page.locator(f"[data-testid=nav] [data-section={key}]")).to_have_class(ACTIVE)


def test_wrong_password_is_refused_and_sign_out_works(live_server, new_page):
    team = department_pair()
    page = new_page()
    sign_in(page, live_server, team.north_a, password="not-the-password")
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#id_username")).to_have_value(team.north_a.username)

    sign_in(page, live_server, team.north_a)
    expect(page).to_have_url(f"{live_server.url}/")
    page.click("nav .dropdown-toggle")
    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    expect(page.locator("[data-testid=nav]")).to_have_count(0)
    page.goto(f"{live_server.url}/clients/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))


def test_phone_layout_hides_the_sections_behind_the_toggler(live_server, new_page):
    team = department_pair()
    page = new_page(PHONE)
    sign_in(page, live_server, team.north_a)
    toggler = page.locator("nav .navbar-toggler")
    sections = page.locator("[data-testid=nav] [data-section]")
    expect(toggler).to_be_visible()
    expect(sections.first).to_be_hidden()

    toggler.click()
    for i in range(len(SECTIONS)):
        expect(sections.nth(i)).to_be_visible()
    expect(page.locator("[data-testid=language-form]")).to_be_visible()
    page.wait_for_timeout(400)  # the offcanvas slides in
    shoot(page, "nav-menu-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
        "the page scrolls sideways"
    )


def test_client_base_register_catch_duplicate_merge_and_find(live_server, new_page):
    team = department_pair()
    other = partner_register(
        actor=team.north_a, data=PartnerInput(name="Другая фирма", phones=["+7 495 111-22-33"])
    )
    first_name, second_name = 'ООО "Северное сияние"', 'ООО "Сияние Севера и партнёры"'

    manager = new_page()
    sign_in(manager, live_server, team.north_a)
    manager.goto(f"{live_server.url}/clients/new/")
    manager.fill("#id_inn", "7707083893")
    manager.fill("#id_name", first_name)
    manager.fill("#id_phone", "+7 912 345-67-89")
    with manager.expect_navigation():
        manager.get_by_test_id("register-submit").click()
    expect(manager.get_by_test_id("partner-name")).to_have_text(first_name)
    first_id = partner_id_from(manager)

    manager.goto(f"{live_server.url}/clients/new/")
    manager.fill("#id_inn", "7736050003")
    manager.fill("#id_name", second_name)
    manager.fill("#id_phone", "8 (912) 345-67-89")
    with manager.expect_navigation():
        manager.get_by_test_id("register-submit").click()
    duplicates = manager.get_by_test_id("duplicates")
    expect(duplicates).to_be_visible()
    expect(duplicates).to_contain_text(first_name)
    expect(duplicates).to_contain_text(f"#{first_id}")
    # The manager insists that this is another company: it is registered next to the first one.
    with manager.expect_navigation():
        manager.get_by_test_id("register-submit").click()
    expect(manager.get_by_test_id("partner-name")).to_have_text(second_name)
    second_id = partner_id_from(manager)
    assert second_id != first_id

    head = new_page()
    sign_in(head, live_server, team.north_head)
    head.goto(f"{live_server.url}/clients/{first_id}/merge/?merged_id={second_id}")
    with head.expect_navigation():
        head.get_by_test_id("confirm-merge").click()
    expect(head).to_have_url(f"{live_server.url}/clients/{first_id}/")
    expect(head.get_by_test_id("partner-name")).to_have_text(first_name)

    head.goto(f"{live_server.url}/clients/")
    table = head.locator("#partner-table")
    expect(table).to_contain_text(other.name)
    head.get_by_test_id("search").fill("912345")
    expect(head).to_have_url(re.compile(r"[?&]q=912345"))
    expect(table).not_to_contain_text(other.name)
    expect(table).to_contain_text(first_name)
    expect(table).not_to_contain_text(second_name)
    expect(head.locator("[data-testid=partner-table] tbody tr")).to_have_count(1)


def seed_clients(team, count=15, seed=2025):
    """Realistic clients of the northern department, spread over its people, regions and tags."""
    rng = Random(seed)
    people = [team.north_head, team.north_a, team.north_b]
    for user in people:
        person = fake_person(rng)
        user.first_name, user.last_name = person.first_name, person.last_name
        user.save(update_fields=["first_name", "last_name"])
    tags = [Tag.objects.create(name=name) for name in ("VIP", "Опт", "Дилер", "Тендеры")]
    companies = []
    while len(companies) < count:
        c = fake_company(rng)
        region, _created = BusinessRegion.objects.get_or_create(
            name=c.region.name, defaults={"timezone": c.region.timezone}
        )
        if c.legal_form == "ИП":
            counterparty = CounterpartyInput(
                kind="entrepreneur", short_name=c.short_name, full_name=c.full_name,
                inn=identifiers.make_inn12(rng), ogrn=identifiers.make_ogrnip(rng), legal_address=c.address.text,
            )  # fmt: skip
            contact = None
        else:
            inn = identifiers.make_inn10(rng)
            counterparty = CounterpartyInput(
                kind="legal", short_name=c.short_name, full_name=c.full_name, inn=inn,
                kpp=identifiers.make_kpp(rng, inn), ogrn=identifiers.make_ogrn(rng), legal_address=c.address.text,
            )  # fmt: skip
            p = fake_person(rng, c.domain)
            contact = ContactInput(
                last_name=p.last_name, first_name=p.first_name, middle_name=p.middle_name,
                position=p.position, phone=p.phone, email=p.email,
            )  # fmt: skip
        data = PartnerInput(
            name=c.short_name, phones=[c.phone], emails=[c.email], website=c.website, address=c.address.text,
            region_id=region.pk, manager_id=people[len(companies) % 3].pk, counterparty=counterparty,
            contact=contact, tag_ids=[t.pk for t in rng.sample(tags, rng.choice([0, 0, 1, 1, 2]))],
        )  # fmt: skip
        try:
            companies.append(partner_register(actor=team.north_head, data=data))
        except DuplicatesFound:
            continue
    return companies


def test_screenshots_for_humans(live_server, new_page):
    team = department_pair()
    companies = seed_clients(team)
    card_of = next(p for p in companies if p.main_email)
    for name, viewport in (("1280", DESKTOP), ("390", PHONE)):
        page = new_page(viewport)
        page.goto(f"{live_server.url}/login/")
        shoot(page, f"login-{name}")
        sign_in(page, live_server, team.north_head)

        page.goto(f"{live_server.url}/clients/")
        expect(page.locator("[data-testid=partner-table] tbody tr")).to_have_count(len(companies))
        shoot(page, f"clients-{name}")
        if viewport is DESKTOP:
            README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=README_IMAGE)

        page.goto(f"{live_server.url}/clients/{card_of.pk}/")
        expect(page.get_by_test_id("partner-name")).to_have_text(card_of.name)
        shoot(page, f"card-{name}")

        page.goto(f"{live_server.url}/clients/new/")
        page.fill("#id_inn", identifiers.make_inn10(Random(name)))
        page.fill("#id_name", "Сияние Севера")
        page.fill("#id_phone", card_of.main_phone)
        with page.expect_navigation():
            page.get_by_test_id("register-submit").click()
        expect(page.get_by_test_id("duplicates")).to_contain_text(card_of.name)
        shoot(page, f"new-client-duplicates-{name}")
