import pytest

from klientura.core.errors import Forbidden, NotFound
from klientura.core.models import AuditEntry
from klientura.parties import selectors, services
from klientura.parties.inputs import ContactInput, CounterpartyInput, PartnerInput
from klientura.parties.models import ContactInfo, Partner, PartnerShare, Tag
from klientura.parties.services_merge import partner_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(departments):
    tag_a, tag_b = Tag.objects.create(name="VIP"), Tag.objects.create(name="Опт")
    a = services.partner_register(
        actor=departments.north_a,
        data=PartnerInput(name="Альфа", phones=["+7 495 111-22-33"], tag_ids=[tag_a.pk]),
    )
    b = services.partner_register(
        actor=departments.north_b,
        data=PartnerInput(
            name="Бета",
            emails=["b@beta.ru"],
            tag_ids=[tag_a.pk, tag_b.pk],
            counterparty=CounterpartyInput(short_name="Бета", inn="7707083893"),
            contact=ContactInput(last_name="Петров", email="petrov@beta.ru"),
        ),
    )
    PartnerShare.objects.create(partner=b, user=departments.south_a)
    return a, b


def test_merge_moves_everything_to_the_survivor(departments, pair):
    a, b = pair
    partner_merge(actor=departments.north_head, survivor_id=a.pk, merged_id=b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.merged_into == a
    assert list(a.counterparties.values_list("inn", flat=True)) == ["7707083893"]
    assert a.contacts.get().full_name == "Петров"
    assert set(a.tags.values_list("name", flat=True)) == {"VIP", "Опт"}
    assert ContactInfo.objects.filter(partner=a, normalized="b@beta.ru").exists()
    assert a.main_email == "b@beta.ru"
    assert PartnerShare.objects.filter(partner=a, user=departments.south_a).exists()
    assert AuditEntry.objects.filter(action="merge", object_id=str(a.pk)).exists()
    ids = {p.pk for p in selectors.partners_visible(actor=departments.director)}
    assert b.pk not in ids and a.pk in ids


def test_merge_needs_permission_and_changes_nothing_when_refused(departments, pair):
    a, b = pair
    with pytest.raises(Forbidden):
        partner_merge(actor=departments.north_a, survivor_id=a.pk, merged_id=b.pk)
    assert Partner.objects.get(pk=b.pk).merged_into is None


def test_merge_of_an_invisible_partner_is_not_found(departments, pair):
    a, b = pair
    with pytest.raises(NotFound):
        partner_merge(actor=departments.south_head, survivor_id=a.pk, merged_id=b.pk)
    assert b.counterparties.count() == 1
