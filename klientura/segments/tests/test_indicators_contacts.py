"""Contact and classifier indicators: the last interaction, zone, tags, region, manager, kind,
additional fields, other segments and the client exchange."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from klientura.core.errors import ValidationFailed
from klientura.interactions.models import EventStatus
from klientura.parties.models import BusinessRegion, CustomField, Tag
from klientura.segments.compiler import indicator_values, segment_partners
from klientura.segments.models import Segment, SegmentMember
from klientura.segments.rules import rules_validate

from .test_compiler import NOW, TODAY, ago, at_day, cond, event, group, ids, matching, partner


def only(condition) -> set:
    return matching(group("and", condition))


# --- The last interaction ----------------------------------------------------------------------


@pytest.fixture
def contacted(db):
    """exactly_10: last done event 10 days ago, late in the evening (Moscow); days_11: 11 days ago at
    the first minute; never: only a planned event and a done one stamped after now."""
    exactly_10, days_11, never = partner(), partner(), partner()
    event(exactly_10, timezone.make_aware(datetime.combine(ago(10), time(23, 59))))
    event(exactly_10, at_day(ago(40)))
    event(days_11, timezone.make_aware(datetime.combine(ago(11), time(0, 0))))
    event(never, at_day(ago(1)), status=EventStatus.PLANNED)
    event(never, NOW + timedelta(minutes=5))
    return exactly_10, days_11, never


def test_last_event_days(contacted):
    exactly_10, days_11, never = contacted
    assert only(cond("last_event_days", "gt", 10)) == ids(days_11, never)
    assert only(cond("last_event_days", "gte", 10)) == ids(exactly_10, days_11, never)
    assert only(cond("last_event_days", "lt", 11)) == ids(exactly_10)
    assert only(cond("last_event_days", "lte", 10)) == ids(exactly_10)
    assert only(cond("last_event_days", "lte", 11)) == ids(exactly_10, days_11)
    assert only(cond("last_event_days", "lt", 10)) == set()


def test_last_event_days_values(contacted):
    exactly_10, days_11, never = contacted
    rules = rules_validate(group("and", cond("last_event_days", "gte", 0)))
    rows = indicator_values(rules, segment_partners(rules, today=TODAY, now=NOW), today=TODAY, now=NOW)
    assert dict(rows.values_list("pk", "ind_1")) == {exactly_10.pk: 10, days_11.pk: 11, never.pk: None}


# --- Classifiers on the partner row ------------------------------------------------------------


def test_zone_and_partner_kind(db):
    red_supplier = partner(zone="red", kind="supplier")
    green_client = partner(zone="green", kind="client")
    no_zone = partner(zone="", kind="competitor")
    assert only(cond("zone", "in", ["red", "yellow"])) == ids(red_supplier)
    assert only(cond("zone", "not_in", ["red"])) == ids(green_client, no_zone)
    assert only(cond("partner_kind", "in", ["supplier", "competitor"])) == ids(red_supplier, no_zone)
    assert only(cond("partner_kind", "not_in", ["supplier"])) == ids(green_client, no_zone)


def test_tags_any_all_none(db):
    beds, sofas, sale = (Tag.objects.create(name=name) for name in ("Beds", "Sofas", "Sale"))
    both, beds_only, untagged = partner(), partner(), partner()
    both.tags.set([beds, sofas, sale])
    beds_only.tags.set([beds])
    assert only(cond("tag", "any", [beds.pk, sofas.pk])) == ids(both, beds_only)
    assert only(cond("tag", "all", [beds.pk, sofas.pk])) == ids(both)
    assert only(cond("tag", "all", [beds.pk])) == ids(both, beds_only)
    assert only(cond("tag", "none", [sofas.pk])) == ids(beds_only, untagged)
    assert only(cond("tag", "all", [beds.pk, sofas.pk], negate=True)) == ids(beds_only, untagged)


def test_region(db):
    north, south = BusinessRegion.objects.create(name="North"), BusinessRegion.objects.create(name="South")
    in_north, in_south, nowhere = partner(region=north), partner(region=south), partner()
    assert only(cond("region", "in", [north.pk])) == ids(in_north)
    assert only(cond("region", "not_in", [north.pk])) == ids(in_south, nowhere)


def test_manager_with_no_manager(departments):
    mine, theirs, nobodys = (
        partner(manager=departments.north_a),
        partner(manager=departments.south_a),
        partner(manager=None),
    )
    assert only(cond("manager", "in", [departments.north_a.pk])) == ids(mine)
    assert only(cond("manager", "in", [departments.north_a.pk, None])) == ids(mine, nobodys)
    assert only(cond("manager", "in", [None])) == ids(nobodys)
    assert only(cond("manager", "not_in", [departments.north_a.pk])) == ids(theirs, nobodys)
    assert only(cond("manager", "not_in", [None])) == ids(mine, theirs)


def test_on_exchange(db):
    released, kept = partner(on_exchange=True), partner()
    assert only(cond("on_exchange", "is", True)) == ids(released)
    assert only(cond("on_exchange", "is", False)) == ids(kept)


def test_segment_membership(db):
    first = Segment.objects.create(name="First", rules={})
    second = Segment.objects.create(name="Second", rules={})
    in_first, in_both, outside = partner(), partner(), partner()
    for segment, member in ((first, in_first), (first, in_both), (second, in_both)):
        SegmentMember.objects.create(segment=segment, partner=member, joined_at=NOW, computed_at=NOW)
    assert only(cond("segment", "in", [first.pk])) == ids(in_first, in_both)
    assert only(cond("segment", "in", [second.pk])) == ids(in_both)
    assert only(cond("segment", "not_in", [second.pk])) == ids(in_first, outside)
    both = group("and", cond("segment", "in", [first.pk]), cond("segment", "in", [second.pk]))
    assert matching(both) == ids(in_both)


# --- Additional fields -------------------------------------------------------------------------


@pytest.fixture
def custom_partners(db):
    CustomField.objects.create(code="city", name="City", kind="text")
    CustomField.objects.create(code="staff", name="Staff", kind="number")
    CustomField.objects.create(code="founded", name="Founded", kind="date")
    CustomField.objects.create(code="size", name="Size", kind="choice", choices=["small", "large"])
    big = partner(
        custom={"city": "Нижний Новгород", "staff": 250.0, "founded": "2001-03-05", "size": "large"}
    )
    small = partner(custom={"city": "Москва", "staff": 12.5, "founded": "2019-12-31", "size": "small"})
    blank = partner(custom={})
    return big, small, blank


def test_custom_text(custom_partners):
    big, small, blank = custom_partners
    assert only(cond("custom", "eq", "москва", field="city")) == ids(small)
    assert only(cond("custom", "neq", "Москва", field="city")) == ids(big, blank)
    assert only(cond("custom", "contains", "новгор", field="city")) == ids(big)
    assert only(cond("custom", "contains", "новгор", negate=True, field="city")) == ids(small, blank)
    assert only(cond("custom", "empty", field="city")) == ids(blank)
    assert only(cond("custom", "not_empty", field="city")) == ids(big, small)


def test_custom_number_date_choice(custom_partners):
    big, small, blank = custom_partners
    assert only(cond("custom", "gte", "250", field="staff")) == ids(big)
    assert only(cond("custom", "lte", "12.5", field="staff")) == ids(small)
    assert only(cond("custom", "eq", 12.5, field="staff")) == ids(small)
    assert only(cond("custom", "gte", "2019-12-31", field="founded")) == ids(small)
    assert only(cond("custom", "lte", "2019-12-30", field="founded")) == ids(big)
    assert only(cond("custom", "eq", "large", field="size")) == ids(big)
    assert only(cond("custom", "neq", "large", field="size")) == ids(small, blank)
    # NOT of a comparison takes the partners without a value too: the test is false for them.
    assert only(cond("custom", "gte", "250", negate=True, field="staff")) == ids(small, blank)


def test_a_field_deleted_after_saving_the_rules_is_reported(custom_partners):
    rules = rules_validate(group("and", cond("custom", "eq", "x", field="city")))
    CustomField.objects.filter(code="city").delete()
    with pytest.raises(ValidationFailed) as caught:
        segment_partners(rules, today=TODAY, now=NOW)
    assert "city" in caught.value.fields["rules"][0]
