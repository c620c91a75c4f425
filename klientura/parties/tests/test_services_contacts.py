"""Adding a contact person and an e-mail address to one: access, validation, the audit trail."""

import pytest

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.parties.models import ContactInfo, ContactPerson
from klientura.parties.services import contact_email_add, contact_person_add


@pytest.fixture
def partner(departments, make_partner):
    return make_partner(manager=departments.north_a)


def test_a_manager_adds_a_contact_person_by_name(departments, partner):
    contact = contact_person_add(actor=departments.north_a, partner=partner, full_name="  Пётр   Новиков ")

    assert contact.full_name == "Пётр Новиков"
    assert list(contact.partners.all()) == [partner]
    assert AuditEntry.objects.filter(object_id=str(contact.pk), action="create").exists()


def test_a_contact_person_of_an_invisible_client_is_refused(departments, partner):
    with pytest.raises(NotFound):
        contact_person_add(actor=departments.south_a, partner=partner, full_name="Чужой")
    with pytest.raises(Forbidden):
        contact_person_add(actor=departments.director, partner=partner, full_name="Директор не может")
    with pytest.raises(ValidationFailed):
        contact_person_add(actor=departments.north_a, partner=partner, full_name="   ")
    assert not ContactPerson.objects.exists()


def test_an_address_is_added_once_and_the_first_is_main(departments, partner):
    contact = contact_person_add(actor=departments.north_a, partner=partner, full_name="Пётр Новиков")

    assert contact_email_add(actor=departments.north_a, contact=contact, email=" Novikov@Romashka.test ")
    assert not contact_email_add(actor=departments.north_a, contact=contact, email="novikov@romashka.test")
    assert contact_email_add(actor=departments.north_a, contact=contact, email="p@romashka.test")

    infos = list(ContactInfo.objects.filter(contact=contact).order_by("id").values_list("normalized", "is_main"))
    assert infos == [("novikov@romashka.test", True), ("p@romashka.test", False)]


def test_a_bad_address_is_refused(departments, partner):
    contact = contact_person_add(actor=departments.north_a, partner=partner, full_name="Пётр Новиков")

    with pytest.raises(ValidationFailed) as refused:
        contact_email_add(actor=departments.north_a, contact=contact, email="not an address")

    assert "email" in refused.value.fields
    with pytest.raises(NotFound):
        contact_email_add(actor=departments.south_a, contact=contact, email="x@romashka.test")
    assert not ContactInfo.objects.exists()
