import pytest
from django.utils import translation

from klientura.core.errors import Forbidden, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.parties import services
from klientura.parties.errors import DuplicatesFound
from klientura.parties.inputs import ContactInput, CounterpartyInput, PartnerInput
from klientura.parties.models import ContactInfo, Counterparty, Partner

pytestmark = pytest.mark.django_db

SBER_INN, SBER_KPP = "7707083893", "773601001"


def company(name='ПАО "Сбербанк"', inn=SBER_INN, phone="+7 495 500-55-50", email="", **extra):
    return PartnerInput(
        name=name,
        phones=[phone] if phone else [],
        emails=[email] if email else [],
        counterparty=CounterpartyInput(short_name=name, inn=inn, kpp=SBER_KPP),
        **extra,
    )


def test_register_creates_partner_counterparty_and_contacts(departments):
    data = company(contact=ContactInput(last_name="Иванов", first_name="Пётр", phone="8 912 345 67 89"))
    partner = services.partner_register(actor=departments.north_a, data=data)
    assert partner.manager == departments.north_a
    assert partner.counterparties.get().inn == SBER_INN
    assert partner.main_phone == "+7 495 500-55-50"
    assert ContactInfo.objects.filter(contact__partners=partner, normalized="+79123456789").exists()
    assert AuditEntry.objects.filter(object_id=str(partner.pk), action="create").exists()


def test_same_inn_is_a_duplicate_until_confirmed(departments):
    first = services.partner_register(actor=departments.north_a, data=company())
    with translation.override("en"), pytest.raises(DuplicatesFound) as caught:
        services.partner_register(actor=departments.north_b, data=company(name="Сбер", phone=""))
    assert [c.partner_id for c in caught.value.candidates] == [first.pk]
    assert "INN" in str(caught.value.candidates[0].reasons[0])
    assert Partner.objects.count() == 1
    services.partner_register(
        actor=departments.north_b, data=company(name="Сбер", phone=""), confirmed_duplicate_ids={first.pk}
    )
    assert Partner.objects.count() == 2


def test_phone_in_another_format_is_found_and_hidden_partner_is_not_opened(departments):
    first = services.partner_register(
        actor=departments.north_a, data=PartnerInput(name="Ромашка", phones=["+7 912 345 67 89"])
    )
    data = PartnerInput(name="Совсем другое имя", phones=["8 (912) 345-67-89"])
    with pytest.raises(DuplicatesFound) as caught:
        services.partner_register(actor=departments.south_a, data=data)
    candidate = caught.value.candidates[0]
    assert candidate.partner_id == first.pk
    assert candidate.visible is False  # south_a may learn it exists, not open it


def test_similar_name_is_found_with_legal_forms_folded(departments):
    services.partner_register(actor=departments.north_a, data=PartnerInput(name='ООО "Ромашка-Трейд"'))
    with translation.override("en"), pytest.raises(DuplicatesFound) as caught:
        services.partner_register(actor=departments.north_a, data=PartnerInput(name="«РОМАШКА ТРЕЙД», ООО"))
    assert "name" in str(caught.value.candidates[0].reasons[0])


def test_invalid_identifiers_are_refused_and_nothing_is_saved(departments):
    data = company(inn="7707083890", phone="12")
    data.counterparty.kpp = "77360100"
    with pytest.raises(ValidationFailed) as caught:
        services.partner_register(actor=departments.north_a, data=data)
    assert {"counterparty.inn", "counterparty.kpp", "phones"} <= set(caught.value.fields)
    assert Partner.objects.count() == 0 and Counterparty.objects.count() == 0


def test_skip_check_needs_the_permission(departments):
    services.partner_register(actor=departments.north_a, data=company())
    with pytest.raises(Forbidden):
        services.partner_register(actor=departments.north_a, data=company(), skip_check=True)
    services.partner_register(actor=departments.admin, data=company(), skip_check=True)
    assert Partner.objects.count() == 2


def test_manager_cannot_give_a_new_client_to_someone_else(departments):
    with pytest.raises(Forbidden):
        services.partner_register(actor=departments.north_a, data=company(manager_id=departments.north_b.pk))
    partner = services.partner_register(
        actor=departments.north_head, data=company(manager_id=departments.north_b.pk)
    )
    assert partner.manager == departments.north_b


def test_an_e_mail_longer_than_the_column_is_refused_before_the_database(departments):
    long_email = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".ru"
    assert len(long_email) > 254
    with pytest.raises(ValidationFailed) as caught:
        services.partner_register(
            actor=departments.north_a, data=PartnerInput(name="Длинная почта", emails=[long_email])
        )
    assert "emails" in caught.value.fields
    assert Partner.objects.count() == 0
