"""Factories for sales tests; documents themselves are made through the services, as users make them."""

from decimal import Decimal

import factory

from klientura.sales.inputs import LineInput, OrderInput
from klientura.sales.models import Agreement, AgreementKind, AgreementStatus, Organization


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = 'ООО "Клиентура"'
    full_name = 'Общество с ограниченной ответственностью "Клиентура"'
    inn = "7707083893"
    kpp = "773601001"
    address = "г. Москва, ул. Тверская, д. 1"
    bank_name = 'ПАО "Сбербанк"'
    bik = "044525225"
    account = "40702810938000000001"
    corr_account = "30101810400000000225"
    director_name = "Иванов И. И."
    accountant_name = "Петрова П. П."
    is_default = True


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    kind = AgreementKind.TYPICAL
    name = factory.Sequence(lambda n: f"Соглашение {n}")
    status = AgreementStatus.ACTIVE


def order_input(partner, products, quantity=Decimal("1"), **kwargs) -> OrderInput:
    lines = [LineInput(product_id=p.pk, quantity=Decimal(quantity)) for p in products]
    return OrderInput(partner_id=partner.pk, lines=lines, **kwargs)
