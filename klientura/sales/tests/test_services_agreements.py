"""Agreements: who may create which kind, inheritance of terms, the checks on terms and statuses, and
who sees what. Every refusal is checked to have saved nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from klientura.catalog.tests.factories import PriceTypeFactory
from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditAction, AuditEntry
from klientura.sales import selectors_agreements as sel
from klientura.sales.inputs import AgreementInput
from klientura.sales.models import Agreement, AgreementKind, AgreementStatus
from klientura.sales.services_agreements import (
    agreement_create,
    agreement_input_of,
    agreement_set_status,
    agreement_update,
)
from klientura.sales.terms import agreement_terms

D = Decimal
SCHEDULE = [{"base": "order", "percent": "30", "days": 0}, {"base": "shipment", "percent": "70", "days": 10}]


def typical(**kw) -> AgreementInput:
    return AgreementInput(kind=AgreementKind.TYPICAL, name=kw.pop("name", "Оптовое"), **kw)


def individual(partner, **kw) -> AgreementInput:
    return AgreementInput(
        kind=AgreementKind.INDIVIDUAL, name=kw.pop("name", "Личное"), partner_id=partner.pk, **kw
    )


def state() -> tuple:
    """Everything a refused action must leave as it was."""
    agreements = [
        (model_to_dict(a, exclude=["partners"]), sorted(a.partners.values_list("pk", flat=True)))
        for a in Agreement.objects.order_by("pk")
    ]
    return agreements, AuditEntry.objects.exclude(action=AuditAction.ACCESS_DENIED).count()


@pytest.fixture
def head(departments):
    return departments.north_head


@pytest.fixture
def parent(head):
    price_type = PriceTypeFactory(currency="RUB")
    return agreement_create(
        actor=head,
        data=typical(
            status=AgreementStatus.ACTIVE,
            price_type_id=price_type.pk,
            discount_percent=D("5"),
            max_manual_discount_percent=D("10"),
            payment_schedule=SCHEDULE,
            delivery_days=7,
            vat_mode="on_top",
            currency="RUB",
            valid_from=date(2026, 1, 1),
            valid_to=date(2026, 12, 31),
        ),
    )


def test_an_individual_agreement_inherits_every_term_it_leaves_empty(departments, client_of, parent):
    partner = client_of(departments.north_a)
    child = agreement_create(
        actor=departments.north_a,
        data=individual(partner, parent_id=parent.pk, discount_percent=D("-15")),
    )
    terms = agreement_terms(child)
    assert terms.discount_percent == D("-15")  # its own: a markup
    assert terms.price_type_id == parent.price_type_id
    assert terms.max_manual_discount_percent == D("10")
    assert list(terms.payment_schedule) == SCHEDULE
    assert (terms.delivery_days, terms.vat_mode, terms.currency) == (7, "on_top", "RUB")
    assert (terms.valid_from, terms.valid_to) == (date(2026, 1, 1), date(2026, 12, 31))
    stored = Agreement.objects.get(pk=child.pk)
    assert stored.payment_schedule is None and stored.delivery_days is None  # inherited, not copied
    assert stored.status == AgreementStatus.DRAFT
    entry = AuditEntry.objects.get(object_id=str(child.pk), action=AuditAction.CREATE)
    assert entry.changes["discount_percent"] == [None, "-15"]


def test_a_change_of_the_typical_agreement_reaches_the_derived_one(departments, client_of, parent, head):
    child = agreement_create(
        actor=departments.north_a, data=individual(client_of(departments.north_a), parent_id=parent.pk)
    )
    data = agreement_input_of(parent)
    data.delivery_days = 3
    agreement_update(actor=head, agreement_id=parent.pk, data=data)
    assert agreement_terms(Agreement.objects.select_related("parent").get(pk=child.pk)).delivery_days == 3


def test_a_sales_manager_cannot_create_or_change_a_typical_agreement(departments, parent):
    before = state()
    with pytest.raises(Forbidden):
        agreement_create(actor=departments.north_a, data=typical())
    data = agreement_input_of(parent)
    data.name = "Другое"
    with pytest.raises(Forbidden):
        agreement_update(actor=departments.north_a, agreement_id=parent.pk, data=data)
    with pytest.raises(Forbidden):
        agreement_set_status(actor=departments.north_a, agreement_id=parent.pk, status="closed")
    assert state() == before


def test_an_individual_agreement_needs_a_client_the_actor_can_see(departments, client_of):
    foreign = client_of(departments.south_a)
    before = state()
    with pytest.raises(NotFound):
        agreement_create(actor=departments.north_a, data=individual(foreign))
    with pytest.raises(Forbidden):
        agreement_create(actor=departments.marketer, data=individual(foreign))  # sees it, may not add
    with pytest.raises(ValidationFailed) as no_client:
        agreement_create(
            actor=departments.north_a, data=AgreementInput(kind="individual", name="Без клиента")
        )
    assert "partner_id" in no_client.value.fields
    assert state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "Я" * 201}, "name"),
        ({"discount_percent": D("-1000.01")}, "discount_percent"),
        ({"discount_percent": D("100.01")}, "discount_percent"),
        ({"discount_percent": D("5.555")}, "discount_percent"),
        ({"discount_percent": D("NaN")}, "discount_percent"),
        ({"max_manual_discount_percent": D("-1")}, "max_manual_discount_percent"),
        ({"max_manual_discount_percent": D("100.5")}, "max_manual_discount_percent"),
        ({"vat_mode": "sometimes"}, "vat_mode"),
        ({"currency": "XYZ"}, "currency"),
        ({"delivery_days": -1}, "delivery_days"),
        ({"delivery_days": 4000}, "delivery_days"),
        ({"valid_from": date(2026, 5, 2), "valid_to": date(2026, 5, 1)}, "valid_to"),
        ({"payment_schedule": [{"base": "order", "percent": "90", "days": 0}]}, "payment_schedule"),
        ({"payment_schedule": [{"base": "whenever", "percent": "100", "days": 0}]}, "payment_schedule"),
        ({"payment_schedule": []}, "payment_schedule"),
        ({"organization_id": 10**9}, "organization_id"),
        ({"price_type_id": 10**9}, "price_type_id"),
        ({"partner_ids": [10**9]}, "partner_ids"),
        ({"parent_id": 10**9}, "parent_id"),
        ({"status": "closed"}, "status"),
    ],
)
def test_bad_terms_are_refused_with_the_field_named(head, changes, field):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        agreement_create(actor=head, data=typical(**changes))
    assert field in refused.value.fields
    assert state() == before


def test_the_extremes_of_the_ranges_are_accepted(head):
    markup = agreement_create(
        actor=head, data=typical(discount_percent=D("-1000"), max_manual_discount_percent=D("0"))
    )
    full = agreement_create(
        actor=head,
        data=typical(discount_percent=D("100"), max_manual_discount_percent=D("100"), delivery_days=0),
    )
    assert markup.discount_percent == D("-1000") and full.max_manual_discount_percent == D("100")


def test_kinds_keep_to_their_own_clients(departments, head, client_of, parent):
    partner = client_of(departments.north_a)
    before = state()
    with pytest.raises(ValidationFailed) as typical_with_client:
        agreement_create(actor=head, data=typical(partner_id=partner.pk))
    assert "partner_id" in typical_with_client.value.fields
    with pytest.raises(ValidationFailed) as individual_with_list:
        agreement_create(actor=head, data=individual(partner, partner_ids=[partner.pk]))
    assert "partner_ids" in individual_with_list.value.fields
    other = agreement_create(actor=head, data=individual(partner, name="Не типовое"))
    before = state()
    with pytest.raises(ValidationFailed) as parent_not_typical:
        agreement_create(actor=head, data=individual(partner, parent_id=other.pk))
    assert "parent_id" in parent_not_typical.value.fields
    with pytest.raises(ValidationFailed) as typical_with_parent:
        agreement_create(actor=head, data=typical(parent_id=parent.pk))
    assert "parent_id" in typical_with_parent.value.fields
    assert state() == before


def test_a_parent_must_be_open_to_the_client(departments, head, client_of):
    mine, theirs = client_of(departments.north_a), client_of(departments.north_b)
    closed_list = agreement_create(actor=head, data=typical(partner_ids=[theirs.pk]))
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        agreement_create(actor=departments.north_a, data=individual(mine, parent_id=closed_list.pk))
    assert "parent_id" in refused.value.fields
    assert state() == before
    agreement_create(actor=departments.north_b, data=individual(theirs, parent_id=closed_list.pk))


def test_the_currency_must_match_the_price_type_including_inherited_terms(departments, head, client_of):
    dollars = PriceTypeFactory(currency="USD")
    before = state()
    with pytest.raises(ValidationFailed) as roubles:
        agreement_create(actor=head, data=typical(price_type_id=dollars.pk, currency="RUB"))
    assert "currency" in roubles.value.fields
    with pytest.raises(ValidationFailed):  # no currency means roubles, which the prices are not in
        agreement_create(actor=head, data=typical(price_type_id=dollars.pk))
    assert state() == before
    parent = agreement_create(actor=head, data=typical(price_type_id=dollars.pk, currency="USD"))
    partner = client_of(departments.north_a)
    before = state()
    with pytest.raises(ValidationFailed) as child:
        agreement_create(
            actor=departments.north_a, data=individual(partner, parent_id=parent.pk, currency="EUR")
        )
    assert "currency" in child.value.fields
    assert state() == before
    agreement_create(actor=departments.north_a, data=individual(partner, parent_id=parent.pk))


def test_validity_is_checked_against_the_inherited_start(departments, head, client_of):
    parent = agreement_create(actor=head, data=typical(valid_from=date(2026, 3, 1)))
    partner = client_of(departments.north_a)
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        agreement_create(
            actor=departments.north_a,
            data=individual(partner, parent_id=parent.pk, valid_to=date(2026, 2, 1)),
        )
    assert "valid_to" in refused.value.fields
    assert state() == before


def test_update_changes_the_terms_and_records_them(departments, client_of):
    manager = departments.north_a
    agreement = agreement_create(actor=manager, data=individual(client_of(manager), discount_percent=D("3")))
    data = agreement_input_of(agreement)
    data.discount_percent, data.payment_schedule, data.comment = D("4.50"), SCHEDULE, "Новые условия"
    agreement_update(actor=manager, agreement_id=agreement.pk, data=data)
    agreement.refresh_from_db()
    assert agreement.discount_percent == D("4.50") and agreement.payment_schedule == SCHEDULE
    entry = AuditEntry.objects.filter(object_id=str(agreement.pk), action=AuditAction.UPDATE).get()
    assert entry.changes["discount_percent"] == ["3.00", "4.50"]
    assert set(entry.changes) == {"discount_percent", "payment_schedule", "comment"}


def test_refused_updates_change_nothing(departments, client_of, parent, head):
    manager = departments.north_a
    agreement = agreement_create(actor=manager, data=individual(client_of(manager), parent_id=parent.pk))
    before = state()
    bad = agreement_input_of(agreement)
    bad.discount_percent, bad.name = D("150"), "Новое имя"
    with pytest.raises(ValidationFailed):
        agreement_update(actor=manager, agreement_id=agreement.pk, data=bad)
    moved = agreement_input_of(agreement)
    moved.partner_id = client_of(manager).pk
    with pytest.raises(ValidationFailed) as move:
        agreement_update(actor=manager, agreement_id=agreement.pk, data=moved)
    assert "partner_id" in move.value.fields
    other_kind = agreement_input_of(agreement)
    other_kind.kind = AgreementKind.TYPICAL
    with pytest.raises(ValidationFailed):
        agreement_update(actor=head, agreement_id=agreement.pk, data=other_kind)
    with pytest.raises(NotFound):
        agreement_update(
            actor=departments.south_a, agreement_id=agreement.pk, data=agreement_input_of(agreement)
        )
    assert state() == before


def test_statuses_move_forward_only(departments, client_of):
    manager = departments.north_a
    agreement = agreement_create(actor=manager, data=individual(client_of(manager)))
    agreement_set_status(actor=manager, agreement_id=agreement.pk, status="active")
    before = state()
    agreement_set_status(actor=manager, agreement_id=agreement.pk, status="active")  # already: nothing
    assert state() == before
    with pytest.raises(ValidationFailed):
        agreement_set_status(actor=manager, agreement_id=agreement.pk, status="draft")
    with pytest.raises(ValidationFailed):
        agreement_set_status(actor=manager, agreement_id=agreement.pk, status="signed")
    assert state() == before
    agreement_set_status(actor=manager, agreement_id=agreement.pk, status="closed")
    entry = AuditEntry.objects.filter(object_id=str(agreement.pk), action=AuditAction.UPDATE).latest("id")
    assert list(entry.changes) == ["status"]
    before = state()
    with pytest.raises(ValidationFailed):
        agreement_set_status(actor=manager, agreement_id=agreement.pk, status="active")
    with pytest.raises(ValidationFailed):
        agreement_update(actor=manager, agreement_id=agreement.pk, data=agreement_input_of(agreement))
    assert state() == before
    assert Agreement.objects.get(pk=agreement.pk).status == AgreementStatus.CLOSED


def test_a_derived_agreement_is_not_activated_under_a_closed_parent(departments, client_of, parent, head):
    manager = departments.north_a
    child = agreement_create(actor=manager, data=individual(client_of(manager), parent_id=parent.pk))
    agreement_set_status(actor=head, agreement_id=parent.pk, status="closed")
    before = state()
    with pytest.raises(ValidationFailed):
        agreement_set_status(actor=manager, agreement_id=child.pk, status="active")
    with pytest.raises(ValidationFailed) as derive:
        agreement_create(actor=manager, data=individual(client_of(manager), parent_id=parent.pk))
    assert "parent_id" in derive.value.fields
    assert state() == before
    data = agreement_input_of(child)
    data.delivery_days = 4  # the closed parent it already has may stay while its own terms change
    agreement_update(actor=manager, agreement_id=child.pk, data=data)
    assert Agreement.objects.get(pk=child.pk).delivery_days == 4


def test_clients_hidden_from_the_editor_stay_on_a_typical_agreement(departments, client_of):
    north, south = client_of(departments.north_a), client_of(departments.south_a)
    agreement = agreement_create(actor=departments.admin, data=typical(partner_ids=[north.pk, south.pk]))
    data = agreement_input_of(agreement)
    data.partner_ids = [north.pk]  # what the northern head sees: the southern client is not shown
    extra = client_of(departments.north_b)
    data.partner_ids.append(extra.pk)
    agreement_update(actor=departments.north_head, agreement_id=agreement.pk, data=data)
    assert set(agreement.partners.values_list("pk", flat=True)) == {north.pk, south.pk, extra.pk}
    visible = sel.agreement_visible_partners(actor=departments.north_head, agreement=agreement)
    assert set(visible) == {north, extra}
    before = state()
    data.partner_ids = [north.pk, client_of(departments.south_a).pk]  # a client the head cannot see
    with pytest.raises(ValidationFailed) as refused:
        agreement_update(actor=departments.north_head, agreement_id=agreement.pk, data=data)
    assert "partner_ids" in refused.value.fields
    assert state() == before


def test_who_sees_which_agreements(departments, client_of, parent):
    north_client, south_client = client_of(departments.north_a), client_of(departments.south_a)
    mine = agreement_create(actor=departments.north_a, data=individual(north_client))
    theirs = agreement_create(actor=departments.south_a, data=individual(south_client))
    assert set(sel.agreements_visible(actor=departments.north_a)) == {parent, mine}
    assert set(sel.agreements_visible(actor=departments.south_a)) == {parent, theirs}
    assert set(sel.agreements_visible(actor=departments.director)) == {parent, mine, theirs}
    assert not sel.agreements_visible(actor=departments.nobody).exists()
    with pytest.raises(NotFound):
        sel.agreement_get(actor=departments.north_a, agreement_id=theirs.pk)
    with pytest.raises(NotFound):
        sel.agreement_get(actor=departments.north_a, agreement_id="x")
    assert sel.agreement_get(actor=departments.north_head, agreement_id=mine.pk) == mine
    filters = sel.AgreementFilters(partner_id=south_client.pk)
    assert sel.agreement_list(actor=departments.north_a, filters=filters).items == []
    filters = sel.AgreementFilters(kind="individual")
    assert sel.agreement_list(actor=departments.director, filters=filters).items == sorted(
        [mine, theirs], key=lambda a: (a.name, a.pk)
    )


def test_agreements_for_an_order_are_the_active_ones_open_to_the_client(departments, client_of, head, parent):
    manager = departments.north_a
    partner, other = client_of(manager), client_of(manager)
    own = agreement_create(actor=manager, data=individual(partner, status="active"))
    agreement_create(actor=manager, data=individual(partner, name="Черновик"))
    listed = agreement_create(
        actor=head, data=typical(name="Для списка", partner_ids=[partner.pk], status="active")
    )
    agreement_create(actor=head, data=typical(name="Для другого", partner_ids=[other.pk], status="active"))
    agreement_create(actor=manager, data=individual(other, name="Чужое", status="active"))
    assert set(sel.agreements_for_order(actor=manager, partner_id=partner.pk)) == {own, listed, parent}
    with pytest.raises(NotFound):
        sel.agreements_for_order(actor=departments.south_a, partner_id=partner.pk)
