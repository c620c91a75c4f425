"""The trend from history: the snapshots of past Sundays computed from the facts up to each of them —
later events, orders and shipments do not count, a partner registered later is not counted, one on
the exchange that Sunday is not counted, one released later counts for the manager who had it — and
weeks the nightly job already covered are left alone."""

import datetime

import pytest

from klientura.parties.models import Zone
from klientura.segments.models import ExchangeRelease, ZoneSnapshot
from klientura.segments.zone_history import zones_trend_backfill

from .zone_facts import done_event, moscow, order_for, partner_with, shipment_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 17)  # a Wednesday: the last finished week ends on Sunday 14 June
LAST_SUNDAY = datetime.date(2026, 6, 14)
EARLY_SUNDAY = datetime.date(2026, 5, 10)


def _released(partner, manager, *, on, taken_by=None, taken_at=None):
    ExchangeRelease.objects.create(
        partner=partner, manager=manager, last_contact_on=on, released_on=on, reason="no_contact:6",
        taken_by=taken_by, taken_at=taken_at,
    )  # fmt: skip


@pytest.fixture
def history(departments):
    m, n = departments.north_a, departments.north_b
    a = partner_with(manager=m, name="А")
    done_event(a, moscow(datetime.date(2026, 5, 1)))
    done_event(a, moscow(datetime.date(2026, 6, 15), 0, 30))  # Monday night: after the Sunday
    shipment_for(order_for(a, on=datetime.date(2026, 6, 16)), on=datetime.date(2026, 6, 16))
    b = partner_with(manager=m, name="Б")
    done_event(b, moscow(datetime.date(2025, 12, 1)))
    done_event(b, moscow(LAST_SUNDAY, 23, 30))  # late on the Sunday itself: counts
    c = partner_with(manager=None, name="В", on_exchange=True, zone=Zone.EXCHANGE)
    done_event(c, moscow(datetime.date(2025, 11, 20)))
    _released(c, m, on=datetime.date(2026, 6, 1))
    partner_with(manager=n, name="Г", created_on=datetime.date(2026, 6, 1))
    imported = partner_with(manager=n, name="Е", created_on=datetime.date(2026, 6, 1))
    done_event(imported, moscow(datetime.date(2026, 5, 5)))  # history that came with the import
    e = partner_with(manager=m, name="Д", zone=Zone.GREEN)
    _released(e, n, on=datetime.date(2026, 5, 1), taken_by=m, taken_at=moscow(datetime.date(2026, 6, 3)))
    return departments


def _snapshot(day) -> dict:
    rows = ZoneSnapshot.objects.filter(day=day).values_list("manager__username", "zone", "partners")
    return {(who, zone): partners for who, zone, partners in rows}


def test_past_sundays_are_seen_as_they_were(history):
    assert zones_trend_backfill(weeks=6, today=TODAY)[-1] == LAST_SUNDAY
    # А: silent since 1 May (the Monday-night call and the June order and shipment come later);
    # Б: called late on the Sunday; Д: taken from the exchange on 3 June; Г: registered on 1 June;
    # Е: imported on 1 June with a call of 5 May, yellow since the 5th of June.
    assert _snapshot(LAST_SUNDAY) == {
        ("north_a", Zone.YELLOW): 1,
        ("north_a", Zone.GREEN): 2,
        ("north_b", Zone.GREEN): 1,
        ("north_b", Zone.YELLOW): 1,
    }
    # 10 May: А green; Б (December) and В (November, released only on 1 June, so still north_a's)
    # red; Д on the exchange since 1 May; Г not registered yet; Е green from its imported history.
    assert _snapshot(EARLY_SUNDAY) == {
        ("north_a", Zone.GREEN): 1,
        ("north_a", Zone.RED): 2,
        ("north_b", Zone.GREEN): 1,
    }


def test_weeks_the_nightly_job_covered_are_left_alone_and_a_second_run_writes_nothing(history):
    covered = datetime.date(2026, 6, 3)  # a Wednesday of the week ending on Sunday 7 June
    ZoneSnapshot.objects.create(day=covered, manager=history.north_a, zone=Zone.GREEN, partners=99)
    written = zones_trend_backfill(weeks=6, today=TODAY)
    assert written == [
        EARLY_SUNDAY,
        datetime.date(2026, 5, 17),
        datetime.date(2026, 5, 24),
        datetime.date(2026, 5, 31),
        LAST_SUNDAY,
    ]
    assert not ZoneSnapshot.objects.filter(day=datetime.date(2026, 6, 7)).exists()
    assert _snapshot(covered) == {("north_a", Zone.GREEN): 99}
    before = ZoneSnapshot.objects.count()
    assert zones_trend_backfill(weeks=6, today=TODAY) == [] and ZoneSnapshot.objects.count() == before


def test_each_week_is_one_statement(history, django_assert_max_num_queries):
    # savepoint and release, the thresholds (read, created the first time), the covered weeks, 6 weeks
    with django_assert_max_num_queries(2 + 2 + 1 + 6):
        assert len(zones_trend_backfill(weeks=6, today=TODAY)) == 6


def test_the_command_fills_the_weeks_and_refuses_a_bad_number(history):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("zones_backfill", "--weeks", "3", stdout=out)
    assert "3" in out.getvalue() and ZoneSnapshot.objects.values("day").distinct().count() == 3
    with pytest.raises(CommandError):
        call_command("zones_backfill", "--weeks", "0")
