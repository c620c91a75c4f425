import pytest
from django.urls import reverse

from klientura.accounts.tests.factories import TEST_PASSWORD
from klientura.parties import services
from klientura.parties.inputs import CounterpartyInput, PartnerInput
from klientura.parties.models import Partner, Tag

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def register(user, name, **kw):
    return services.partner_register(actor=user, data=PartnerInput(name=name, **kw))


def test_list_shows_only_visible_partners(client, departments):
    register(departments.north_a, "Видимый")
    register(departments.south_a, "Чужой")
    body = signed_in(client, departments.north_a).get(reverse("parties:partner_list")).content.decode()
    assert "Видимый" in body and "Чужой" not in body


@pytest.mark.parametrize("query", ["Ромашк", "7707083893", "8 912 345-67-89", "INFO@romashka.ru"])
def test_search_by_name_inn_phone_email(client, departments, query):
    register(
        departments.north_a,
        'ООО "Ромашка"',
        phones=["+7 912 345 67 89"],
        emails=["info@romashka.ru"],
        counterparty=CounterpartyInput(short_name="Ромашка", inn="7707083893"),
    )
    register(departments.north_a, "Другая фирма")
    body = (
        signed_in(client, departments.north_a)
        .get(reverse("parties:partner_list"), {"q": query})
        .content.decode()
    )
    assert "Ромашка" in body and "Другая фирма" not in body


def test_list_pages_with_a_bounded_number_of_queries(client, departments, django_assert_max_num_queries):
    tag = Tag.objects.create(name="VIP")
    for i in range(60):
        partner = Partner.objects.create(
            name=f"Клиент {i:03}", name_normalized=f"клиент {i:03}", manager=departments.north_a
        )
        partner.tags.add(tag)
    signed_in(client, departments.north_a)
    with django_assert_max_num_queries(14):
        first = client.get(reverse("parties:partner_list"))
    cursor = first.context["page"].next_cursor
    assert cursor and len(first.context["page"].items) == 50
    with django_assert_max_num_queries(14):
        second = client.get(reverse("parties:partner_list"), {"cursor": cursor}, HTTP_HX_REQUEST="true")
    names = [p.name for p in second.context["page"].items]
    assert names == [f"Клиент {i:03}" for i in range(50, 60)]


def test_card_of_a_foreign_partner_is_404_like_a_missing_one(client, departments):
    foreign = register(departments.south_a, "Чужой")
    signed_in(client, departments.north_a)
    assert client.get(reverse("parties:partner_card", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("parties:partner_card", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "tab", ["overview", "contacts", "events", "deals", "documents", "finance", "claims", "history"]
)
def test_every_card_tab_renders(client, departments, tab):
    partner = register(departments.north_a, "Клиент", phones=["+7 495 123-45-67"])
    response = signed_in(client, departments.north_a).get(
        reverse("parties:partner_card", args=[partner.pk]), {"tab": tab}
    )
    assert response.status_code == 200
    assert 'href="tel:+7 495 123-45-67"' in response.content.decode()


def test_web_registration_warns_of_a_duplicate_then_registers_on_confirmation(client, departments):
    existing = register(departments.north_a, "Ромашка", phones=["+7 912 345 67 89"])
    signed_in(client, departments.north_b)
    form = {"counterparty_kind": "person", "name": "Ромашка Плюс", "kind": "client", "phone": "89123456789"}
    response = client.post(reverse("parties:partner_register"), form)
    assert response.status_code == 200 and 'data-testid="duplicates"' in response.content.decode()
    assert Partner.objects.count() == 1
    response = client.post(reverse("parties:partner_register"), {**form, "confirmed": [existing.pk]})
    assert response.status_code == 302
    assert Partner.objects.filter(name="Ромашка Плюс", manager=departments.north_b).exists()


def test_web_registration_shows_field_errors_in_russian(client, departments):
    signed_in(client, departments.north_a)
    response = client.post(
        reverse("parties:partner_register"),
        {"counterparty_kind": "legal", "name": "X", "inn": "1234567890", "kind": "client"},
    )
    assert response.status_code == 200
    assert "ИНН" in response.content.decode()
    assert Partner.objects.count() == 0


def test_bulk_tagging_touches_only_visible_partners(client, departments):
    tag = Tag.objects.create(name="VIP")
    mine = register(departments.north_a, "Мой")
    foreign = register(departments.south_a, "Чужой")
    signed_in(client, departments.north_a)
    client.post(
        reverse("parties:partner_bulk"), {"partner": [mine.pk, foreign.pk], "action": "tag", "tag": tag.pk}
    )
    assert not foreign.tags.exists() and not mine.tags.exists()  # refused as a whole: one was not visible
    client.post(reverse("parties:partner_bulk"), {"partner": [mine.pk], "action": "tag", "tag": tag.pk})
    assert list(mine.tags.all()) == [tag]


def test_registry_button_says_when_not_configured(client, departments):
    response = signed_in(client, departments.north_a).get(
        reverse("parties:registry_lookup"), {"inn": "7707083893"}
    )
    assert response.status_code == 409 and "REGISTRY_TOKEN" in response.json()["error"]


def test_search_by_the_beginning_of_a_phone_number(client, departments):
    register(departments.north_a, "Северное сияние", phones=["+7 912 345-67-89"])
    register(departments.north_a, "Другая фирма", phones=["+7 495 111-22-33"])
    signed_in(client, departments.north_a)
    for query in ("912345", "8912345", "56789"):
        body = client.get(reverse("parties:partner_list"), {"q": query}).content.decode()
        assert "Северное сияние" in body and "Другая фирма" not in body, query


def test_history_tab_names_fields_by_their_labels(client, departments):
    partner = register(departments.north_a, "Клиент с историей")
    body = (
        signed_in(client, departments.north_a)
        .get(reverse("parties:partner_card", args=[partner.pk]), {"tab": "history"})
        .content.decode()
    )
    assert "<strong>Ответственный менеджер</strong>" in body
    assert "<strong>manager</strong>" not in body
