"""core.audit: model_update saves and records only what changed, inside the caller's transaction."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import override_settings

from klientura.accounts.models import Department, User
from klientura.core.audit import audit_created, audit_history, audit_log, model_update
from klientura.core.context import request_ip
from klientura.core.errors import ValidationFailed
from klientura.core.models import AuditAction, AuditEntry
from klientura.parties.models import BusinessRegion, Partner, PartnerKind

pytestmark = pytest.mark.django_db

PARTNER_FIELDS = ["name", "kind", "manager", "region_id", "notes", "on_exchange"]


@pytest.fixture
def people(make_user):
    return make_user(username="boss", first_name="Анна", last_name="Орлова"), make_user(
        username="seller", first_name="Пётр", last_name="Смирнов"
    )


@pytest.fixture
def partner(make_partner, people):
    return make_partner(name="Ромашка", kind=PartnerKind.CLIENT, manager=people[0], notes="")


def trail(instance):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance), object_id=str(instance.pk)
    )


def label(choice) -> str:
    return str(choice.label)


def test_only_changed_fields_are_saved_and_recorded(partner, people):
    boss, seller = people

    changes = model_update(
        actor=boss,
        instance=partner,
        data={"name": "Ромашка", "kind": PartnerKind.PROSPECT, "manager": seller, "notes": "VIP"},
        fields=PARTNER_FIELDS,
    )

    expected = {
        "kind": [label(PartnerKind.CLIENT), label(PartnerKind.PROSPECT)],
        "manager": ["Анна Орлова", "Пётр Смирнов"],
        "notes": ["", "VIP"],
    }
    assert changes == expected
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.kind, stored.manager_id, stored.notes) == (PartnerKind.PROSPECT, seller.pk, "VIP")
    entry = trail(partner).get()
    assert entry.action == AuditAction.UPDATE
    assert entry.changes == expected
    assert entry.actor == boss
    assert entry.object_repr == "Ромашка"


def test_foreign_keys_show_as_text_and_may_be_cleared(partner, people):
    changes = model_update(actor=people[0], instance=partner, data={"manager": None}, fields=["manager"])

    assert changes == {"manager": ["Анна Орлова", None]}
    assert Partner.objects.get(pk=partner.pk).manager_id is None


def test_a_foreign_key_given_by_its_id_is_recorded_by_name(partner, people):
    region = BusinessRegion.objects.create(name="Урал", timezone="Asia/Yekaterinburg")

    changes = model_update(
        actor=people[0], instance=partner, data={"region_id": region.pk}, fields=PARTNER_FIELDS
    )

    assert changes == {"region": [None, "Урал"]}
    assert Partner.objects.get(pk=partner.pk).region_id == region.pk
    assert trail(partner).get().changes == {"region": [None, "Урал"]}


def test_foreign_key_on_a_user(people):
    boss, _seller = people
    north = Department.objects.create(name="Север")

    changes = model_update(actor=boss, instance=boss, data={"department": north}, fields=["department"])

    assert changes == {"department": [None, "Север"]}
    assert User.objects.get(pk=boss.pk).department == north


def test_nothing_changed_writes_nothing(partner, people):
    updated_at = Partner.objects.get(pk=partner.pk).updated_at

    changes = model_update(
        actor=people[0],
        instance=partner,
        data={"name": "Ромашка", "kind": PartnerKind.CLIENT, "manager": people[0], "notes": ""},
        fields=PARTNER_FIELDS,
    )

    assert changes == {}
    assert not trail(partner).exists()
    assert Partner.objects.get(pk=partner.pk).updated_at == updated_at


def test_fields_not_allowed_are_ignored(partner, people):
    changes = model_update(
        actor=people[0], instance=partner, data={"on_exchange": True, "name": "Другое"}, fields=["notes"]
    )

    assert changes == {}
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.on_exchange, stored.name) == (False, "Ромашка")
    assert not trail(partner).exists()


def test_only_the_changed_columns_are_written(partner, people):
    # Someone else changes the notes meanwhile; our update of the kind must not overwrite them.
    Partner.objects.filter(pk=partner.pk).update(notes="written by a colleague")

    model_update(
        actor=people[0], instance=partner, data={"kind": PartnerKind.SUPPLIER}, fields=PARTNER_FIELDS
    )

    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.kind, stored.notes) == (PartnerKind.SUPPLIER, "written by a colleague")


def test_update_is_rolled_back_with_the_callers_transaction(partner, people):
    with pytest.raises(RuntimeError), transaction.atomic():
        model_update(actor=people[0], instance=partner, data={"notes": "lost"}, fields=PARTNER_FIELDS)
        assert trail(partner).count() == 1
        raise RuntimeError("the service failed after the update")

    assert Partner.objects.get(pk=partner.pk).notes == ""
    assert not trail(partner).exists()


def test_invalid_value_is_refused_as_a_validation_error_and_changes_nothing(partner, people):
    with pytest.raises(ValidationFailed) as refused:
        model_update(actor=people[0], instance=partner, data={"kind": "nonsense"}, fields=PARTNER_FIELDS)

    assert "kind" in refused.value.fields
    assert Partner.objects.get(pk=partner.pk).kind == PartnerKind.CLIENT
    assert not trail(partner).exists()


def test_audit_created_records_non_empty_fields(partner, people):
    entry = audit_created(
        actor=people[0], instance=partner, fields=["name", "kind", "manager", "notes", "region"]
    )

    assert entry.action == AuditAction.CREATE
    assert entry.changes == {
        "name": [None, "Ромашка"],
        "kind": [None, label(PartnerKind.CLIENT)],
        "manager": [None, "Анна Орлова"],
    }


def test_audit_log_records_the_request_address_and_anonymous_actor():
    token = request_ip.set("10.1.2.3")
    try:
        entry = audit_log(actor=None, action=AuditAction.LOGIN_FAILED, username="x" * 200, comment="c" * 600)
    finally:
        request_ip.reset(token)

    entry.refresh_from_db()
    assert entry.ip == "10.1.2.3"
    assert entry.actor is None
    assert len(entry.username) == 150
    assert len(entry.comment) == 500


@override_settings(LANGUAGE_CODE="en")
def test_history_is_newest_first_and_only_for_that_record(partner, make_partner, people):
    other = make_partner(name="Лютик")
    model_update(actor=people[0], instance=partner, data={"notes": "one"}, fields=PARTNER_FIELDS)
    model_update(actor=people[0], instance=other, data={"notes": "other"}, fields=PARTNER_FIELDS)
    model_update(actor=people[0], instance=partner, data={"notes": "two"}, fields=PARTNER_FIELDS)

    history = list(audit_history(instance=partner))

    assert [e.changes["notes"] for e in history] == [["one", "two"], ["", "one"]]
