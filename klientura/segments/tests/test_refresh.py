"""Refreshing a segment: who joined and who left, stored membership, a bounded number of statements."""

import pytest
from django.utils import timezone

from klientura.core.errors import Forbidden, NotFound
from klientura.segments.models import Segment, SegmentChange, SegmentMember
from klientura.segments.services_segments import segment_refresh

from .segment_helpers import make_segment

pytestmark = pytest.mark.django_db


def _members(segment):
    return set(SegmentMember.objects.filter(segment=segment).values_list("partner_id", flat=True))


def _changes(segment, joined):
    return set(
        SegmentChange.objects.filter(segment=segment, joined=joined).values_list("partner_id", flat=True)
    )


def test_two_refreshes_record_who_joined_and_who_left(departments, make_partner):
    marketer = departments.marketer
    a, b, c = (make_partner(kind="client") for _ in range(3))
    supplier = make_partner(kind="supplier")
    merged = make_partner(kind="client", merged_into=a)
    segment = make_segment(marketer)

    first = segment_refresh(actor=marketer, segment_id=segment.pk)

    assert (first.joined, first.left, first.member_count) == (3, 0, 3)
    assert _members(segment) == {a.pk, b.pk, c.pk}  # not the supplier, not the merged partner
    assert _changes(segment, True) == {a.pk, b.pk, c.pk}
    assert supplier.pk not in _members(segment) and merged.pk not in _members(segment)
    joined_a = SegmentMember.objects.get(segment=segment, partner=a).joined_at

    c.kind = "supplier"
    c.save()
    d = make_partner(kind="client")
    second = segment_refresh(actor=marketer, segment_id=segment.pk)

    assert (second.joined, second.left, second.member_count) == (1, 1, 3)
    assert _members(segment) == {a.pk, b.pk, d.pk}
    assert _changes(segment, True) == {a.pk, b.pk, c.pk, d.pk}
    assert _changes(segment, False) == {c.pk}
    kept = SegmentMember.objects.get(segment=segment, partner=a)
    assert kept.joined_at == joined_a  # a stayed: its joining date is kept
    assert kept.computed_at == second.refreshed_at  # but it was recomputed
    assert set(SegmentMember.objects.filter(segment=segment).values_list("computed_at", flat=True)) == {
        second.refreshed_at
    }
    segment.refresh_from_db()
    assert segment.member_count == 3
    assert segment.refreshed_at == second.refreshed_at
    assert segment.refresh_error == ""


def test_a_refresh_with_nothing_changed_records_nothing(departments, make_partner):
    make_partner(kind="client")
    segment = make_segment(departments.marketer)
    segment_refresh(actor=departments.marketer, segment_id=segment.pk)
    again = segment_refresh(actor=departments.marketer, segment_id=segment.pk)
    assert (again.joined, again.left, again.member_count) == (0, 0, 1)
    assert SegmentChange.objects.filter(segment=segment).count() == 1


def test_a_partner_who_leaves_and_comes_back_joins_again(departments, make_partner):
    partner = make_partner(kind="client")
    segment = make_segment(departments.marketer)
    segment_refresh(actor=None, segment_id=segment.pk)
    Segment.objects.filter(pk=segment.pk).update(refreshed_at=timezone.now())
    partner.kind = "supplier"
    partner.save()
    segment_refresh(actor=None, segment_id=segment.pk)
    partner.kind = "client"
    partner.save()
    third = segment_refresh(actor=None, segment_id=segment.pk)
    assert third.joined == 1
    assert list(
        SegmentChange.objects.filter(segment=segment).order_by("at", "id").values_list("joined", flat=True)
    ) == [True, False, True]


def _refresh_with_members(departments, make_partner, count, django_assert_max_num_queries):
    for _ in range(count):
        make_partner(kind="client")
    segment = make_segment(departments.marketer, name=f"Все клиенты {count}")
    segment_refresh(actor=None, segment_id=segment.pk)  # the second refresh has joins, stays and leaves
    for partner in list(segment.members.select_related("partner")[: count // 2]):
        partner.partner.kind = "supplier"
        partner.partner.save()
    for _ in range(count // 2):
        make_partner(kind="client")
    with django_assert_max_num_queries(12):
        return segment_refresh(actor=departments.marketer, segment_id=segment.pk)


@pytest.mark.parametrize("count", [5, 50])
def test_the_number_of_statements_does_not_grow_with_the_members(
    departments, make_partner, django_assert_max_num_queries, count
):
    result = _refresh_with_members(departments, make_partner, count, django_assert_max_num_queries)
    assert (result.joined, result.left, result.member_count) == (count // 2, count // 2, count)


def test_refresh_needs_the_right_and_changes_nothing_when_refused(departments, make_partner):
    make_partner(kind="client")
    segment = make_segment(departments.marketer)
    with pytest.raises(Forbidden):
        segment_refresh(actor=departments.north_a, segment_id=segment.pk)  # sees segments, cannot refresh
    with pytest.raises(NotFound):
        segment_refresh(actor=departments.nobody, segment_id=segment.pk)
    with pytest.raises(NotFound):
        segment_refresh(actor=departments.marketer, segment_id=segment.pk + 1000)
    assert not SegmentMember.objects.filter(segment=segment).exists()
    assert not SegmentChange.objects.exists()
    segment.refresh_from_db()
    assert segment.refreshed_at is None


def test_refresh_of_suppliers_too(departments, make_partner):
    supplier = make_partner(kind="supplier")
    make_partner(kind="client")
    segment = make_segment(
        departments.marketer,
        rules={
            "op": "and",
            "items": [{"indicator": "partner_kind", "operator": "in", "value": ["supplier"]}],
        },
    )
    segment_refresh(actor=None, segment_id=segment.pk)
    assert _members(segment) == {supplier.pk}


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_record_each_join_once():
    """Two workers refresh the same segment together: the row lock queues the second behind the first,
    which then finds nothing new; no partner is recorded as joining twice."""
    import threading

    from django.db import connection

    from klientura.accounts import roles
    from klientura.accounts.tests.factories import UserFactory
    from klientura.parties.tests.factories import PartnerFactory

    marketer = UserFactory.with_role(roles.MARKETER)
    partners = [PartnerFactory(kind="client") for _ in range(20)]
    segment = make_segment(marketer)
    start = threading.Barrier(2)
    results, errors = [], []

    def refresh():
        try:
            start.wait(timeout=10)
            results.append(segment_refresh(actor=None, segment_id=segment.pk))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sorted(r.joined for r in results) == [0, 20]
    assert SegmentChange.objects.filter(segment=segment, joined=True).count() == 20
    assert _members(segment) == {p.pk for p in partners}


def test_rules_gone_stale_are_refused_with_a_clear_message(departments, make_partner):
    from klientura.core.errors import ValidationFailed
    from klientura.parties.models import Tag

    tag = Tag.objects.create(name="Кровати")
    make_partner(kind="client").tags.add(tag)
    segment = make_segment(
        departments.marketer,
        rules={"op": "and", "items": [{"indicator": "tag", "operator": "any", "value": [tag.pk]}]},
    )
    segment_refresh(actor=None, segment_id=segment.pk)
    tag_id = tag.pk
    tag.delete()
    with pytest.raises(ValidationFailed) as refused:
        segment_refresh(actor=departments.marketer, segment_id=segment.pk)
    assert str(tag_id) in " ".join(refused.value.fields["rules"])
    assert SegmentMember.objects.filter(segment=segment).count() == 1  # the last good membership stays
    assert SegmentChange.objects.filter(segment=segment).count() == 1
