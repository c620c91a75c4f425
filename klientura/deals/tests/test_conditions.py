"""The conditions registry: each condition is false until the deal meets it, and true after."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from klientura.catalog.tests.factories import ProductFactory
from klientura.deals import conditions
from klientura.deals.models import Deal, DealOrder, DealParticipant, DemandLine
from klientura.interactions.models import Event
from klientura.parties.models import Counterparty
from klientura.parties.tests.factories import PartnerFactory

from .factories import contact_of, make_deal, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(make_user):
    manager = make_user()
    return make_deal(manager=manager, partner=PartnerFactory(manager=manager, kind="prospect"), amount=0)


def _holds(deal, code) -> bool:
    deal = Deal.objects.get(pk=deal.pk)
    return conditions.CONDITIONS[code].check(deal)


def test_every_condition_has_a_label_and_a_missing_phrase():
    assert set(conditions.CONDITIONS) >= {
        "partner_is_client",
        "partner_has_counterparty",
        "has_contact",
        "has_amount",
        "has_close_date",
        "has_quote",
        "has_confirmed_order",
        "has_done_event",
        "has_demand",
    }
    with translation.override("en"):
        for code, (label, check) in conditions.CONDITIONS.items():
            assert str(label) and callable(check)
            assert str(conditions.CONDITIONS[code].missing).startswith("the ")
    assert [code for code, _label in conditions.choices()] == list(conditions.CONDITIONS)


def test_partner_is_client(deal):
    assert not _holds(deal, "partner_is_client")
    type(deal.partner).objects.filter(pk=deal.partner_id).update(kind="client")
    assert _holds(deal, "partner_is_client")


def test_partner_has_counterparty(deal):
    assert not _holds(deal, "partner_has_counterparty")
    Counterparty.objects.create(full_name='ООО "Ромашка"', short_name="Ромашка").partners.add(deal.partner)
    assert _holds(deal, "partner_has_counterparty")


def test_has_contact_on_the_deal_or_among_participants(deal):
    assert not _holds(deal, "has_contact")
    DealParticipant.objects.create(deal=deal, contact=contact_of(deal.partner))
    assert _holds(deal, "has_contact")
    other = make_deal(manager=deal.manager, partner=deal.partner)
    Deal.objects.filter(pk=other.pk).update(contact=contact_of(deal.partner, "Петров Пётр"))
    assert _holds(other, "has_contact")


def test_has_amount_and_close_date(deal):
    assert not _holds(deal, "has_amount") and not _holds(deal, "has_close_date")
    Deal.objects.filter(pk=deal.pk).update(
        amount=Decimal("0.01"), expected_close_date=datetime.date(2030, 1, 1)
    )
    assert _holds(deal, "has_amount") and _holds(deal, "has_close_date")


@pytest.mark.parametrize(
    ("status", "quote", "confirmed"),
    [
        ("quote", True, False),
        ("confirmed", True, True),
        ("in_fulfilment", True, True),
        ("closed", True, True),
        ("cancelled", False, False),
    ],
)
def test_quotes_and_confirmed_orders(deal, status, quote, confirmed):
    assert not _holds(deal, "has_quote") and not _holds(deal, "has_confirmed_order")
    DealOrder.objects.create(deal=deal, order=make_order(partner=deal.partner, status=status))
    assert (_holds(deal, "has_quote"), _holds(deal, "has_confirmed_order")) == (quote, confirmed)


def test_has_done_event_about_this_deal(deal):
    deal_type = ContentType.objects.get_for_model(Deal)
    now = timezone.now()

    def event(status, subject_id):
        return Event.objects.create(
            kind="call",
            title="Звонок",
            partner=deal.partner,
            status=status,
            at=now,
            subject_type=deal_type,
            subject_id=subject_id,
        )

    event("planned", deal.pk)
    event("done", deal.pk + 1000)  # about another deal
    assert not _holds(deal, "has_done_event")
    event("done", deal.pk)
    assert _holds(deal, "has_done_event")


def test_has_demand(deal):
    assert not _holds(deal, "has_demand")
    DemandLine.objects.create(deal=deal, product=ProductFactory(), quantity=1)
    assert _holds(deal, "has_demand")


def test_missing_lists_labels_of_unmet_and_skips_unknown_codes(deal):
    with translation.override("en"):
        assert conditions.missing(deal, ["has_amount", "partner_is_client", "retired_code"]) == [
            "The expected amount is set",
            "The partner is a client (not a prospect)",
        ]
        assert conditions.missing(deal, []) == []
    assert conditions.unknown(["has_quote", "retired_code"]) == ["retired_code"]
