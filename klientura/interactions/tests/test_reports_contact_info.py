"""The contact information report: partners with their contact persons, phones and e-mails, the gaps
flagged, filters, keyset pages with a fixed number of queries, and what each reader may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klientura.core.errors import ValidationFailed
from klientura.parties.models import ContactInfo, ContactKind, ContactPerson

from ..selectors_contact_info import ContactInfoFilters, Gap, contact_info_all, contact_info_page, gap_summary
from .factories import client_with_contact

pytestmark = pytest.mark.django_db


def person(partner, name: str, *, phone: str = "", email: str = "") -> ContactPerson:
    contact = ContactPerson.objects.create(full_name=name, last_name=name.split()[0], position="Закупщик")
    contact.partners.add(partner)
    if phone:
        ContactInfo.objects.create(contact=contact, kind=ContactKind.PHONE, value=phone, normalized=phone)
    if email:
        ContactInfo.objects.create(contact=contact, kind=ContactKind.EMAIL, value=email, normalized=email)
    return contact


@pytest.fixture
def base(departments, make_partner):
    """Альфа: complete. Бета: nothing at all. Гамма: an own e-mail and a contact with a phone only.
    Дельта (another manager's): a contact with nothing. Ель (south): complete."""
    d = departments
    d.alpha, d.ivanov = client_with_contact(manager=d.north_a, name="Альфа")
    d.beta = make_partner(name="Бета", manager=d.north_a)
    d.gamma = make_partner(name="Гамма", manager=d.north_a)
    ContactInfo.objects.create(
        partner=d.gamma, kind=ContactKind.EMAIL, value="info@gamma.test", normalized="x"
    )
    d.petrov = person(d.gamma, "Петров Пётр", phone="+74950000001")
    d.delta = make_partner(name="Дельта", manager=d.north_b)
    person(d.delta, "Сидоров Сидор")
    d.el, _ = client_with_contact(manager=d.south_a, name="Ель", email="y@el.test")
    return d


def names(actor, **filters) -> list[str]:
    return [e.partner.name for e in contact_info_all(actor=actor, filters=ContactInfoFilters(**filters))]


def test_each_partner_comes_with_contacts_and_gaps(base):
    page = contact_info_page(actor=base.north_a, filters=ContactInfoFilters())
    entries = {e.partner.name: e for e in page.items}

    assert list(entries) == ["Альфа", "Бета", "Гамма"]
    alpha = entries["Альфа"]
    assert alpha.gaps == [] and alpha.manager == str(base.north_a)
    assert [(c.name, c.phones, c.emails) for c in alpha.contacts] == [
        ("Иванов Иван", ["+7 495 123-45-67"], ["ivanov@romashka.test"])
    ]
    assert entries["Бета"].gaps == [Gap.NO_CONTACTS, Gap.NO_PHONE, Gap.NO_EMAIL]
    gamma = entries["Гамма"]
    assert gamma.gaps == [Gap.CONTACT_NO_EMAIL]
    assert gamma.emails == ["info@gamma.test"] and gamma.phones == []
    assert [(c.name, c.phones, c.emails) for c in gamma.contacts] == [("Петров Пётр", ["+74950000001"], [])]
    assert page.next_cursor is None


def test_the_summary_counts_every_gap(base):
    assert gap_summary(actor=base.north_a, filters=ContactInfoFilters()) == {
        "partners": 3,
        Gap.NO_CONTACTS: 1,
        Gap.NO_PHONE: 1,
        Gap.NO_EMAIL: 1,
        Gap.CONTACT_NO_PHONE: 0,
        Gap.CONTACT_NO_EMAIL: 1,
    }
    head = gap_summary(actor=base.north_head, filters=ContactInfoFilters(gap=Gap.NO_PHONE))
    assert head["partners"] == 4  # the gap filter does not narrow the summary
    assert (head[Gap.NO_PHONE], head[Gap.CONTACT_NO_PHONE], head[Gap.CONTACT_NO_EMAIL]) == (2, 1, 2)


def test_gap_and_manager_filters(base):
    assert names(base.north_a, only_gaps=True) == ["Бета", "Гамма"]
    assert names(base.north_a, gap=Gap.NO_PHONE) == ["Бета"]
    assert names(base.north_head, gap=Gap.CONTACT_NO_PHONE) == ["Дельта"]
    assert names(base.north_head, only_gaps=True) == ["Бета", "Гамма", "Дельта"]
    assert names(base.north_head, manager_id=base.north_b.pk) == ["Дельта"]
    assert names(base.director, kind="supplier") == []


def test_a_partners_main_phone_counts_as_a_phone(base):
    base.beta.main_phone = "+7 495 765-43-21"
    base.beta.save()
    entry = contact_info_page(actor=base.north_a, filters=ContactInfoFilters()).items[1]
    assert entry.gaps == [Gap.NO_CONTACTS, Gap.NO_EMAIL] and entry.phones == ["+7 495 765-43-21"]


def test_readers_see_only_their_partners(base):
    assert names(base.north_a) == ["Альфа", "Бета", "Гамма"]
    assert names(base.north_b) == ["Дельта"]
    assert names(base.south_head) == ["Ель"]
    assert names(base.director) == ["Альфа", "Бета", "Гамма", "Дельта", "Ель"]
    assert names(base.nobody) == []


def test_a_contact_of_two_partners_is_listed_under_both(base):
    base.ivanov.partners.add(base.beta)
    entries = contact_info_page(actor=base.north_a, filters=ContactInfoFilters()).items
    assert [[c.name for c in e.contacts] for e in entries] == [
        ["Иванов Иван"],
        ["Иванов Иван"],
        ["Петров Пётр"],
    ]
    assert entries[1].gaps == []  # Бета now reaches a phone and an e-mail through its contact


def test_pages_follow_the_names_with_the_same_number_of_queries(base, make_partner):
    filters = ContactInfoFilters()
    first = contact_info_page(actor=base.director, filters=filters, limit=2)
    assert [e.partner.name for e in first.items] == ["Альфа", "Бета"]
    second = contact_info_page(actor=base.director, filters=filters, cursor=first.next_cursor, limit=2)
    assert [e.partner.name for e in second.items] == ["Гамма", "Дельта"]

    def queries() -> int:
        contact_info_page(actor=base.director, filters=filters, limit=50)
        with CaptureQueriesContext(connection) as captured:
            contact_info_page(actor=base.director, filters=filters, limit=50)
        return len(captured.captured_queries)

    before = queries()
    for n in range(6):
        partner, _ = client_with_contact(manager=base.north_b, name=f"Жук {n}", email=f"j{n}@juk.test")
        person(partner, f"Второй {n}", phone=f"+7495000002{n}")
    assert queries() == before == 3  # the page, its contact persons, their phones and e-mails


def test_a_damaged_cursor_is_refused(base):
    with pytest.raises(ValidationFailed):
        contact_info_page(actor=base.director, filters=ContactInfoFilters(), cursor="not-a-cursor")


def test_the_export_walks_every_page(base, make_partner, monkeypatch):
    from .. import selectors_contact_info

    monkeypatch.setattr(selectors_contact_info, "EXPORT_CHUNK", 2)
    assert names(base.director) == ["Альфа", "Бета", "Гамма", "Дельта", "Ель"]
