"""The agreement pages: list with filters, the card's effective terms, the new/edit form with its
schedule rows and clients, and the status buttons."""

from decimal import Decimal

import pytest
from django.urls import reverse

from klientura.catalog.tests.factories import PriceTypeFactory
from klientura.sales.inputs import AgreementInput
from klientura.sales.models import Agreement, AgreementStatus
from klientura.sales.services_agreements import agreement_create, agreement_set_status

pytestmark = pytest.mark.django_db

SCHEDULE = [{"base": "order", "percent": "30", "days": 0}, {"base": "shipment", "percent": "70", "days": 10}]


def signed_in(client, user):
    client.force_login(user)
    return client


def make(actor, kind="individual", **kw) -> Agreement:
    return agreement_create(
        actor=actor, data=AgreementInput(kind=kind, name=kw.pop("name", "Соглашение"), **kw)
    )


def stored() -> list:
    return list(Agreement.objects.order_by("pk").values())


def form_data(**overrides) -> dict:
    data = {
        "name": "Личное",
        "discount_percent": "",
        "max_manual_discount_percent": "",
        "delivery_days": "",
        "vat_mode": "",
        "currency": "",
        "valid_from": "",
        "valid_to": "",
        "comment": "",
        "stage_base": ["order", "shipment", "shipment"],
        "stage_percent": ["", "", ""],
        "stage_days": ["", "", ""],
    }
    data.update(overrides)
    return data


@pytest.fixture
def parent(departments):
    return make(
        departments.north_head,
        kind="typical",
        name="Типовое оптовое",
        status="active",
        payment_schedule=SCHEDULE,
        delivery_days=7,
        discount_percent=Decimal("5"),
    )


def test_the_list_shows_typical_and_own_agreements_only(client, departments, client_of, parent):
    make(departments.north_a, partner_id=client_of(departments.north_a).pk, name="Наше личное")
    make(departments.south_a, partner_id=client_of(departments.south_a).pk, name="Чужое личное")
    body = signed_in(client, departments.north_a).get(reverse("sales:agreement_list")).content.decode()
    assert "Типовое оптовое" in body and "Наше личное" in body and "Чужое личное" not in body
    typical_only = client.get(reverse("sales:agreement_list"), {"kind": "typical"}).content.decode()
    assert "Типовое оптовое" in typical_only and "Наше личное" not in typical_only
    drafts = client.get(reverse("sales:agreement_list"), {"status": "draft"}).content.decode()
    assert "Наше личное" in drafts and "Типовое оптовое" not in drafts


def test_the_list_filters_by_client(client, departments, client_of, parent):
    mine, other = client_of(departments.north_a), client_of(departments.north_a)
    make(departments.north_a, partner_id=mine.pk, name="Первое")
    make(departments.north_a, partner_id=other.pk, name="Второе")
    response = signed_in(client, departments.north_a).get(
        reverse("sales:agreement_list"), {"partner": mine.pk}
    )
    body = response.content.decode()
    assert "Первое" in body and "Второе" not in body and response.context["partner"] == mine
    table = client.get(
        reverse("sales:agreement_list"),
        {"partner": other.pk},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="agreement-table",
    )
    assert "Второе" in table.content.decode() and "<html" not in table.content.decode()


def test_the_card_shows_which_terms_are_inherited(client, departments, client_of, parent):
    child = make(
        departments.north_a,
        partner_id=client_of(departments.north_a).pk,
        parent_id=parent.pk,
        discount_percent=Decimal("-10"),
    )
    response = signed_in(client, departments.north_a).get(reverse("sales:agreement_card", args=[child.pk]))
    assert response.status_code == 200
    rows = {row["name"]: row for row in response.context["terms"]}
    assert (rows["discount_percent"]["source"], rows["discount_percent"]["value"]) == ("own", "-10.00")
    assert (rows["delivery_days"]["source"], rows["delivery_days"]["value"]) == ("inherited", "7")
    assert rows["payment_schedule"]["source"] == "inherited" and rows["currency"]["source"] == "default"
    body = response.content.decode()
    assert 'data-term="delivery_days" data-source="inherited"' in body
    assert 'data-testid="status-active"' in body and 'data-testid="status-closed"' in body


def test_another_departments_agreement_is_404(client, departments, client_of):
    foreign = make(departments.south_a, partner_id=client_of(departments.south_a).pk)
    signed_in(client, departments.north_a)
    before = stored()
    assert client.get(reverse("sales:agreement_card", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("sales:agreement_edit", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("sales:agreement_edit", args=[foreign.pk]), form_data()).status_code == 404
    assert (
        client.post(reverse("sales:agreement_status", args=[foreign.pk]), {"status": "active"}).status_code
        == 404
    )
    assert stored() == before


def test_a_manager_makes_an_individual_agreement_with_a_schedule(client, departments, client_of, parent):
    partner = client_of(departments.north_a)
    signed_in(client, departments.north_a)
    start = client.get(reverse("sales:agreement_new"))
    assert start.status_code == 200 and start.context["step"] == "client"  # may not make typical ones
    url = reverse("sales:agreement_new") + f"?kind=individual&partner={partner.pk}"
    assert client.get(url).status_code == 200
    data = form_data(
        parent=parent.pk,
        discount_percent="2,5".replace(",", "."),
        stage_base=["order", "shipment", "order"],
        stage_percent=["50", "50,00", ""],
        stage_days=["", "14", ""],
        activate="1",
    )
    response = client.post(url, data)
    agreement = Agreement.objects.get(name="Личное")
    assert response.status_code == 302 and response["Location"] == reverse(
        "sales:agreement_card", args=[agreement.pk]
    )
    assert (
        agreement.partner == partner
        and agreement.parent == parent
        and agreement.status == AgreementStatus.ACTIVE
    )
    assert agreement.discount_percent == Decimal("2.5")
    assert agreement.payment_schedule == [
        {"base": "order", "percent": "50", "days": 0},
        {"base": "shipment", "percent": "50.00", "days": 14},
    ]
    assert agreement.delivery_days is None  # left empty: inherited


def test_refused_forms_show_the_problems_and_save_nothing(client, departments, client_of):
    partner = client_of(departments.north_a)
    signed_in(client, departments.north_a)
    url = reverse("sales:agreement_new") + f"?kind=individual&partner={partner.pk}"
    before = stored()
    bad_schedule = client.post(url, form_data(stage_percent=["60", "30", ""], stage_days=["0", "x", ""]))
    assert bad_schedule.status_code == 200 and bad_schedule.context["form"].schedule_errors
    assert 'data-testid="schedule-error"' in bad_schedule.content.decode()
    assert [row["percent"] for row in bad_schedule.context["form"].schedule_rows()][:2] == ["60", "30"]
    bad_terms = client.post(
        url, form_data(discount_percent="150", valid_from="2026-05-02", valid_to="2026-05-01")
    )
    form = bad_terms.context["form"]
    assert "discount_percent" in form.errors and "valid_to" in form.errors
    dollars = PriceTypeFactory(currency="USD")
    mismatch = client.post(url, form_data(price_type=dollars.pk, currency="RUB"))
    assert "currency" in mismatch.context["form"].errors
    assert stored() == before


def test_who_may_make_which_kind(client, departments, client_of):
    signed_in(client, departments.north_a)
    before = stored()
    assert client.get(reverse("sales:agreement_new") + "?kind=typical").status_code == 403
    assert client.post(reverse("sales:agreement_new") + "?kind=typical", form_data()).status_code == 403
    foreign = client_of(departments.south_a)
    assert (
        client.get(reverse("sales:agreement_new") + f"?kind=individual&partner={foreign.pk}").status_code
        == 404
    )
    signed_in(client, departments.marketer)
    assert client.get(reverse("sales:agreement_new")).status_code == 403
    assert stored() == before
    signed_in(client, departments.north_head)
    chooser = client.get(reverse("sales:agreement_new"))
    assert chooser.context["step"] == "kind" and 'data-testid="kind-typical"' in chooser.content.decode()


def test_a_head_lists_clients_on_a_typical_agreement_and_keeps_hidden_ones(client, departments, client_of):
    north, south = client_of(departments.north_a), client_of(departments.south_a)
    agreement = make(
        departments.admin, kind="typical", name="Для избранных", partner_ids=[north.pk, south.pk]
    )
    signed_in(client, departments.north_head)
    page = client.get(reverse("sales:agreement_edit", args=[agreement.pk]))
    assert [p.pk for p in page.context["listed"]] == [north.pk]
    assert south.name not in page.content.decode()
    card = client.get(reverse("sales:agreement_card", args=[agreement.pk]))
    assert card.context["hidden_partners"] == 1 and south.name not in card.content.decode()
    extra = client_of(departments.north_b)
    response = client.post(
        reverse("sales:agreement_edit", args=[agreement.pk]),
        form_data(name="Для избранных", partners=[extra.pk]),
    )
    assert response.status_code == 302
    assert set(agreement.partners.values_list("pk", flat=True)) == {south.pk, extra.pk}


def test_the_client_search_finds_only_visible_clients(client, departments, client_of):
    north = client_of(departments.north_a, name="Ромашка северная")
    client_of(departments.south_a, name="Ромашка южная")
    signed_in(client, departments.north_a)
    results = client.get(reverse("sales:agreement_new"), {"client_q": "Ромашка"}, HTTP_HX_REQUEST="true")
    body = results.content.decode()
    assert "северная" in body and "южная" not in body and f"kind=individual&partner={north.pk}" in body
    checks = client.get(reverse("sales:agreement_new"), {"client_q": "Ромашка", "mode": "check"})
    assert 'name="partners"' in checks.content.decode()


def test_edit_changes_the_terms(client, departments, client_of):
    agreement = make(departments.north_a, partner_id=client_of(departments.north_a).pk, delivery_days=3)
    signed_in(client, departments.north_a)
    page = client.get(reverse("sales:agreement_edit", args=[agreement.pk]))
    assert page.context["form"].initial["delivery_days"] == 3
    response = client.post(
        reverse("sales:agreement_edit", args=[agreement.pk]),
        form_data(name="Новое имя", delivery_days="10", vat_mode="without"),
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.name, agreement.delivery_days, agreement.vat_mode) == ("Новое имя", 10, "without")


def test_status_buttons_move_it_forward_only(client, departments, client_of):
    agreement = make(departments.north_a, partner_id=client_of(departments.north_a).pk)
    signed_in(client, departments.north_a)
    url = reverse("sales:agreement_status", args=[agreement.pk])
    assert client.get(url).status_code == 405
    assert client.post(url, {"status": "active"}).status_code == 302
    assert client.post(url, {"status": "closed"}).status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CLOSED
    refused = client.post(url, {"status": "active"}, follow=True)
    assert [m.level_tag for m in refused.context["messages"]][-1] == "error"
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.CLOSED
    card = client.get(reverse("sales:agreement_card", args=[agreement.pk]))
    assert card.context["status_actions"] == [] and not card.context["can_change"]
    edit = client.get(reverse("sales:agreement_edit", args=[agreement.pk]))
    assert edit.status_code == 302


def test_a_manager_cannot_change_a_typical_agreement(client, departments, parent):
    signed_in(client, departments.north_a)
    before = stored()
    assert client.get(reverse("sales:agreement_edit", args=[parent.pk])).status_code == 403
    card = client.get(reverse("sales:agreement_card", args=[parent.pk]))
    assert card.status_code == 200 and card.context["status_actions"] == []
    client.post(reverse("sales:agreement_status", args=[parent.pk]), {"status": "closed"})
    assert stored() == before
    agreement_set_status(actor=departments.north_head, agreement_id=parent.pk, status="closed")
    assert Agreement.objects.get(pk=parent.pk).status == AgreementStatus.CLOSED


def test_the_list_pages(client, departments, django_assert_max_num_queries):
    for i in range(55):
        Agreement.objects.create(kind="typical", name=f"Соглашение {i:03}")
    signed_in(client, departments.north_a)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("sales:agreement_list"))
    cursor = first.context["page"].next_cursor
    assert cursor and len(first.context["page"].items) == 50
    second = client.get(reverse("sales:agreement_list"), {"cursor": cursor}, HTTP_HX_REQUEST="true")
    assert second.context["page"].items[0].name == "Соглашение 050"
