"""Absences: who may record them for whom, dates in order, no overlaps, and who is away on a day."""

import datetime

import pytest
from django.utils import timezone, translation

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry

from ..models import Absence
from ..selectors_absences import absences_visible, absent_user_ids, users_for_absences
from ..services_absences import absence_add, absence_remove

pytestmark = pytest.mark.django_db

D = datetime.date


def test_a_head_records_an_absence_of_a_member_and_it_counts_on_those_days(departments):
    absence = absence_add(
        actor=departments.north_head,
        user_id=departments.north_a.pk,
        starts_on=D(2026, 5, 4),
        ends_on=D(2026, 5, 8),
        reason="  Отпуск  ",
    )

    assert (absence.user, absence.reason) == (departments.north_a, "Отпуск")
    assert absent_user_ids(on=D(2026, 5, 4)) == {departments.north_a.pk}
    assert absent_user_ids(on=D(2026, 5, 8)) == {departments.north_a.pk}
    assert absent_user_ids(on=D(2026, 5, 9)) == set()
    assert absent_user_ids(on=D(2026, 5, 5), user_ids=[departments.north_b.pk]) == set()
    assert AuditEntry.objects.filter(object_id=str(absence.pk), actor=departments.north_head).exists()


def test_a_head_cannot_record_absences_in_another_department_nor_a_manager_at_all(departments):
    with pytest.raises(ValidationFailed):
        absence_add(
            actor=departments.north_head,
            user_id=departments.south_a.pk,
            starts_on=D(2026, 5, 4),
            ends_on=D(2026, 5, 5),
        )
    with pytest.raises(Forbidden):
        absence_add(
            actor=departments.north_a,
            user_id=departments.north_a.pk,
            starts_on=D(2026, 5, 4),
            ends_on=D(2026, 5, 5),
        )
    assert Absence.objects.count() == 0


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field", "expected"),
    [
        (D(2026, 5, 8), D(2026, 5, 4), "ends_on", "The last day cannot be before the first day."),
        (D(2026, 1, 1), D(2027, 1, 2), "ends_on", "An absence cannot be longer than a year."),
        (None, D(2026, 5, 4), "starts_on", "Enter the first day of the absence."),
        (D(2026, 5, 6), D(2026, 5, 20), "starts_on", "is already away"),
        (D(2026, 4, 1), D(2026, 5, 4), "starts_on", "is already away"),
    ],
)
def test_bad_dates_and_overlaps_are_refused_and_nothing_is_saved(
    departments, starts_on, ends_on, field, expected
):
    absence_add(
        actor=departments.admin,
        user_id=departments.north_a.pk,
        starts_on=D(2026, 5, 4),
        ends_on=D(2026, 5, 8),
    )

    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        absence_add(
            actor=departments.admin, user_id=departments.north_a.pk, starts_on=starts_on, ends_on=ends_on
        )

    assert expected in " ".join(refused.value.fields[field])
    assert Absence.objects.count() == 1


def test_back_to_back_absences_and_other_peoples_are_fine(departments):
    absence_add(
        actor=departments.admin,
        user_id=departments.north_a.pk,
        starts_on=D(2026, 5, 4),
        ends_on=D(2026, 5, 8),
    )
    absence_add(
        actor=departments.admin,
        user_id=departments.north_a.pk,
        starts_on=D(2026, 5, 9),
        ends_on=D(2026, 5, 9),
    )
    absence_add(
        actor=departments.admin,
        user_id=departments.north_b.pk,
        starts_on=D(2026, 5, 4),
        ends_on=D(2026, 5, 8),
    )

    assert absent_user_ids(on=D(2026, 5, 9)) == {departments.north_a.pk}
    assert Absence.objects.count() == 3


def test_absences_are_listed_and_removed_within_the_heads_department(departments):
    today = timezone.localdate()
    north = absence_add(
        actor=departments.admin, user_id=departments.north_a.pk, starts_on=today, ends_on=today
    )
    south = absence_add(
        actor=departments.admin, user_id=departments.south_a.pk, starts_on=today, ends_on=today
    )
    absence_add(
        actor=departments.admin,
        user_id=departments.north_b.pk,
        starts_on=D(2020, 1, 1),
        ends_on=D(2020, 1, 2),
    )

    assert list(absences_visible(actor=departments.north_head)) == [north]
    assert set(absences_visible(actor=departments.admin)) == {north, south}
    assert len(absences_visible(actor=departments.admin, include_past=True)) == 3
    assert list(absences_visible(actor=departments.north_a)) == []
    assert departments.south_a not in users_for_absences(actor=departments.north_head)

    with pytest.raises(NotFound):
        absence_remove(actor=departments.north_head, absence_id=south.pk)
    absence_remove(actor=departments.north_head, absence_id=north.pk)

    assert not Absence.objects.filter(pk=north.pk).exists()
    assert Absence.objects.filter(pk=south.pk).exists()
