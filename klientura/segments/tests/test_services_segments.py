"""Creating, changing and deleting segments; refused input changes nothing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry
from klientura.segments import services_segments as services
from klientura.segments.models import RefreshMode, Segment

from .segment_helpers import CLIENTS, SUPPLIERS, make_segment

pytestmark = pytest.mark.django_db

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")


def _snapshot():
    return list(Segment.objects.order_by("pk").values()), AuditEntry.objects.count()


def test_create_stores_normalised_rules_and_audits(departments):
    segment = make_segment(departments.marketer, name="  Клиенты  ", description="Все клиенты")
    segment.refresh_from_db()
    assert segment.name == "Клиенты"
    assert segment.author == departments.marketer
    assert segment.rules["items"][0]["indicator"] == "partner_kind"
    assert segment.rules["items"][0]["negate"] is False  # normalised: every key present
    assert segment.refresh_mode == RefreshMode.MANUAL and segment.next_refresh_at is None
    assert AuditEntry.objects.filter(object_id=str(segment.pk), action="create").count() == 1


@time_machine.travel(datetime.datetime(2026, 3, 2, 3, 30, tzinfo=datetime.UTC), tick=False)  # 06:30 Moscow
def test_a_scheduled_segment_plans_its_next_run_in_the_server_time_zone(departments):
    segment = make_segment(departments.marketer, refresh_mode="scheduled", schedule=" 0  6 * * * ")
    assert segment.schedule == "0 6 * * *"
    # 06:00 has passed in Moscow today: the next run is tomorrow at 06:00 Moscow time.
    assert segment.next_refresh_at == datetime.datetime(2026, 3, 3, 6, 0, tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"rules": {"op": "and", "items": [{"indicator": "shoe_size", "operator": "gt", "value": 1}]}},
            "rules",
        ),
        (
            {
                "rules": {
                    "op": "and",
                    "items": [{"indicator": "revenue", "operator": "between", "value": "1"}],
                }
            },
            "rules",
        ),
        ({"rules": {"op": "and", "items": []}}, "rules"),
        ({"refresh_mode": "scheduled", "schedule": "every morning"}, "schedule"),
        ({"refresh_mode": "scheduled", "schedule": "61 6 * * *"}, "schedule"),
        ({"refresh_mode": "scheduled", "schedule": ""}, "schedule"),
        ({"refresh_mode": "sometimes"}, "refresh_mode"),
        ({"name": ""}, "name"),
        ({"name": "КЛИЕНТЫ"}, "name"),  # the same name in other letters' case
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_refuses_bad_input_and_saves_nothing(departments, data, field):
    make_segment(departments.marketer)
    before = _snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.segment_create(actor=departments.marketer, data={"name": "Новый", "rules": CLIENTS, **data})
    assert field in refused.value.fields
    assert _snapshot() == before


def test_update_refuses_a_cycle_between_segments_and_changes_nothing(departments):
    marketer = departments.marketer
    a = make_segment(marketer, name="A")
    b = make_segment(
        marketer,
        name="B",
        rules={"op": "and", "items": [{"indicator": "segment", "operator": "in", "value": [a.pk]}]},
    )
    before = _snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.segment_update(
            actor=marketer,
            segment_id=a.pk,
            data={
                "rules": {"op": "or", "items": [{"indicator": "segment", "operator": "in", "value": [b.pk]}]}
            },
        )
    assert "rules" in refused.value.fields
    assert _snapshot() == before


def test_update_refuses_a_duplicate_name_and_a_bad_schedule_together(departments):
    make_segment(departments.marketer, name="A")
    b = make_segment(departments.marketer, name="B")
    before = _snapshot()
    with pytest.raises(ValidationFailed) as refused:
        services.segment_update(
            actor=departments.marketer,
            segment_id=b.pk,
            data={"name": "a", "refresh_mode": "scheduled", "schedule": "0 6 * *"},
        )
    assert set(refused.value.fields) == {"name", "schedule"}
    assert _snapshot() == before


def test_update_changes_the_fields_sent_and_audits(departments):
    segment = make_segment(departments.marketer)
    services.segment_update(
        actor=departments.north_head,
        segment_id=segment.pk,
        data={"rules": SUPPLIERS, "refresh_mode": "scheduled", "schedule": "0 6 * * 1"},
    )
    segment.refresh_from_db()
    assert segment.name == "Клиенты"
    assert segment.rules["items"][0]["value"] == ["supplier"]
    assert segment.next_refresh_at is not None and segment.next_refresh_at > timezone.now()
    assert timezone.localtime(segment.next_refresh_at).weekday() == 0
    assert AuditEntry.objects.filter(object_id=str(segment.pk), action="update").count() == 1
    services.segment_update(
        actor=departments.marketer, segment_id=segment.pk, data={"refresh_mode": "manual"}
    )
    segment.refresh_from_db()
    assert segment.next_refresh_at is None and segment.schedule == "0 6 * * 1"


def test_rights(departments):
    segment = make_segment(departments.marketer)
    before = _snapshot()
    with pytest.raises(Forbidden):
        services.segment_create(actor=departments.north_a, data={"name": "X", "rules": CLIENTS})
    with pytest.raises(Forbidden):
        services.segment_update(actor=departments.north_a, segment_id=segment.pk, data={"name": "X"})
    with pytest.raises(NotFound):
        services.segment_update(actor=departments.nobody, segment_id=segment.pk, data={"name": "X"})
    with pytest.raises(Forbidden):
        services.segment_delete(actor=departments.director, segment_id=segment.pk)
    with pytest.raises(NotFound):
        services.segment_delete(actor=departments.marketer, segment_id=segment.pk + 100)
    assert _snapshot() == before


def test_delete_is_refused_while_another_segment_uses_it(departments):
    a = make_segment(departments.marketer, name="A")
    b = make_segment(
        departments.marketer,
        name="B",
        rules={"op": "and", "items": [{"indicator": "segment", "operator": "in", "value": [a.pk]}]},
    )
    with pytest.raises(ValidationFailed) as refused:
        services.segment_delete(actor=departments.marketer, segment_id=a.pk)
    assert "B" in str(refused.value.message)
    assert Segment.objects.filter(pk=a.pk).exists()
    services.segment_delete(actor=departments.marketer, segment_id=b.pk)
    services.segment_delete(actor=departments.marketer, segment_id=a.pk)
    assert not Segment.objects.exists()
    assert AuditEntry.objects.filter(action="delete").count() == 2


def test_preview_counts_without_saving(departments, make_partner):
    make_partner(kind="client")
    make_partner(kind="client")
    make_partner(kind="supplier")
    before = _snapshot()
    assert services.segment_preview_count(actor=departments.marketer, rules=CLIENTS) == 2
    assert services.segment_preview_count(actor=departments.marketer, rules=SUPPLIERS) == 1
    with pytest.raises(ValidationFailed):
        services.segment_preview_count(actor=departments.marketer, rules={"op": "xor", "items": []})
    with pytest.raises(Forbidden):
        services.segment_preview_count(actor=departments.north_a, rules=CLIENTS)
    assert _snapshot() == before
