"""Who sees and who changes a deal; the deal as an event subject; the client card's Deals tab."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from klientura.deals.access import can_assign_manager, can_edit_deal
from klientura.deals.selectors import deals_visible
from klientura.interactions import subjects
from klientura.parties.models import PartnerShare
from klientura.parties.tests.factories import PartnerFactory

from .factories import make_deal

pytestmark = pytest.mark.django_db

ROLES = (
    "north_a",
    "north_b",
    "north_head",
    "south_a",
    "south_head",
    "director",
    "admin",
    "marketer",
    "nobody",
)


def _seen_by(team, deal) -> set[str]:
    return {name for name in ROLES if deals_visible(actor=getattr(team, name)).filter(pk=deal.pk).exists()}


def _editors(team, deal) -> set[str]:
    return {name for name in ROLES if can_edit_deal(actor=getattr(team, name), deal=deal)}


def test_own_deal_on_own_client(departments):
    deal = make_deal(manager=departments.north_a, partner=PartnerFactory(manager=departments.north_a))
    assert _seen_by(departments, deal) == {"north_a", "north_head", "director", "admin", "marketer"}
    assert _editors(departments, deal) == {"north_a", "north_head", "admin"}


def test_deal_given_to_a_manager_who_does_not_lead_the_client(departments):
    """The client is led in the south, the deal is run in the north: both sides see it, the north runs it."""
    deal = make_deal(manager=departments.north_b, partner=PartnerFactory(manager=departments.south_a))
    assert _seen_by(departments, deal) == {
        "north_b",
        "north_head",
        "south_a",
        "south_head",
        "director",
        "admin",
        "marketer",
    }
    assert _editors(departments, deal) == {"north_b", "north_head", "admin"}


def test_shared_and_exchange_clients_show_their_deals_without_the_right_to_change(departments):
    shared = make_deal(manager=departments.south_a, partner=PartnerFactory(manager=departments.south_a))
    PartnerShare.objects.create(partner=shared.partner, user=departments.north_a)
    assert "north_a" in _seen_by(departments, shared) and "north_a" not in _editors(departments, shared)
    exchange = make_deal(manager=departments.south_a, partner=PartnerFactory(on_exchange=True))
    assert {"north_a", "north_b"} <= _seen_by(departments, exchange)


def test_inactive_users_and_deals_without_manager(departments):
    deal = make_deal(manager=departments.north_a)
    departments.north_a.is_active = False
    departments.north_a.save()
    assert not deals_visible(actor=departments.north_a).exists()
    assert not can_edit_deal(actor=departments.north_a, deal=deal)
    orphan = make_deal(manager=departments.north_b)
    orphan.manager = None
    orphan.save()
    assert _editors(departments, orphan) == {"admin"}


def test_assigning_managers(departments):
    t = departments
    assert not can_assign_manager(actor=t.north_a, old=t.north_a, new=t.north_b)  # no right to reassign
    assert can_assign_manager(actor=t.north_head, old=t.north_a, new=t.north_b)
    assert not can_assign_manager(actor=t.north_head, old=t.north_a, new=t.south_a)
    assert not can_assign_manager(actor=t.north_head, old=t.south_a, new=t.north_a)
    assert can_assign_manager(actor=t.north_head, old=None, new=t.north_head)
    assert can_assign_manager(actor=t.admin, old=t.north_a, new=t.south_a)


def test_deal_is_an_event_subject(departments):
    kind = subjects.kind_of("deals.deal")
    deal = make_deal(manager=departments.north_a)
    assert list(kind.visible(actor=departments.north_a)) == [deal]
    assert not kind.visible(actor=departments.south_a).exists()
    assert kind.title(deal) == f"{deal.number} {deal.title}"
    with translation.override("en"):
        assert str(kind.name) == "Deal"
    # Needs the deals:deal_card URL (the web UI helper's urls_deals).
    assert kind.url(deal.pk) == reverse("deals:deal_card", args=[deal.pk])


def test_client_card_deals_tab(departments):
    partner = PartnerFactory(manager=departments.north_a)
    won = make_deal(manager=departments.north_a, partner=partner, status="won", title="Прошлогодняя поставка")
    open_ = make_deal(manager=departments.north_a, partner=partner, title="Кухни для офиса")
    client = Client()
    client.force_login(departments.north_a)
    response = client.get(
        reverse("parties:partner_card", args=[partner.pk]), {"tab": "deals"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(open_.number) < html.index(won.number)  # open deals first
    assert "Кухни для офиса" in html and 'data-testid="partner-deals"' in html
    assert f"{reverse('deals:deal_new')}?partner={partner.pk}" in html
    assert reverse("deals:deal_card", args=[open_.pk]) in html


def test_client_card_deals_tab_empty_and_without_the_new_button_for_readers(departments):
    partner = PartnerFactory(manager=departments.north_a)
    client = Client()
    client.force_login(departments.director)
    html = client.get(reverse("parties:partner_card", args=[partner.pk]), {"tab": "deals"}).content.decode()
    assert 'data-testid="empty-state"' in html and "new-deal-for-client" not in html
