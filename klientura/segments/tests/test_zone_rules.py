"""The zone of a last-contact date: the boundaries at exactly 1, 5 and 6 months and a day either side,
month-end clamping, and the SQL CASE agreeing with the Python rule day by day on the database."""

import datetime

import pytest
from django.db import connection

from klientura.parties.models import Partner, Zone
from klientura.segments.zone_rules import (
    Thresholds,
    due_case_sql,
    first_day_in_zone,
    months_before,
    partner_zone,
    zone_case_sql,
    zone_for,
    zone_settings_get,
)

from .zone_facts import TODAY

D = datetime.date
DEFAULT = Thresholds()


@pytest.mark.parametrize(
    ("last", "zone"),
    [
        (D(2026, 8, 31), Zone.GREEN),  # today
        (D(2026, 8, 1), Zone.GREEN),  # a day under a month
        (D(2026, 7, 31), Zone.YELLOW),  # exactly one month
        (D(2026, 7, 30), Zone.YELLOW),
        (D(2026, 4, 1), Zone.YELLOW),  # a day under five months
        (D(2026, 3, 31), Zone.RED),  # exactly five months
        (D(2026, 3, 30), Zone.RED),
        (D(2026, 3, 1), Zone.RED),  # a day under six months (Feb 28 is "six months" on Aug 31)
        (D(2026, 2, 28), Zone.RED),  # exactly six months, clamped to February's end: still red
        (D(2026, 2, 27), Zone.EXCHANGE),  # a day over six months
        (D(2025, 8, 31), Zone.EXCHANGE),
    ],
)
def test_boundaries_on_a_month_end(last, zone):
    assert zone_for(last, TODAY, DEFAULT) == zone


@pytest.mark.parametrize(
    ("today", "last", "zone"),
    [
        (D(2026, 3, 31), D(2026, 2, 28), Zone.YELLOW),  # 31 March − 1 month = 28 February: exactly one
        (D(2026, 3, 31), D(2026, 3, 1), Zone.GREEN),
        (D(2026, 3, 1), D(2026, 2, 1), Zone.YELLOW),  # an ordinary day: 1 March − 1 month = 1 February
        (D(2026, 3, 1), D(2026, 2, 2), Zone.GREEN),
        (D(2026, 12, 15), D(2026, 6, 15), Zone.RED),  # exactly six months mid-month
        (D(2026, 12, 15), D(2026, 6, 14), Zone.EXCHANGE),
    ],
)
def test_clamping_and_ordinary_days(today, last, zone):
    assert zone_for(last, today, DEFAULT) == zone


def test_cutoffs_are_clamped_dates():
    assert months_before(TODAY, 6) == D(2026, 2, 28)
    assert months_before(D(2028, 8, 31), 6) == D(2028, 2, 29)  # a leap year


def test_exchange_and_managerless_partners():
    common = {"last_contact": D(2026, 8, 30), "today": TODAY, "thresholds": DEFAULT}
    assert partner_zone(has_manager=False, on_exchange=True, **common) == Zone.EXCHANGE
    assert partner_zone(has_manager=True, on_exchange=True, **common) == Zone.EXCHANGE
    assert partner_zone(has_manager=False, on_exchange=False, **common) == ""
    assert partner_zone(has_manager=True, on_exchange=False, **common) == Zone.GREEN


def test_other_thresholds():
    custom = Thresholds(yellow_after_months=2, red_after_months=3, exchange_after_months=3)
    assert zone_for(D(2026, 7, 1), TODAY, custom) == Zone.GREEN
    assert zone_for(D(2026, 6, 30), TODAY, custom) == Zone.YELLOW
    assert zone_for(D(2026, 5, 31), TODAY, custom) == Zone.RED  # exactly three months: red …
    assert zone_for(D(2026, 5, 30), TODAY, custom) == Zone.EXCHANGE  # … and a day more: the exchange


@pytest.mark.django_db
def test_settings_row_is_created_once_with_the_defaults():
    first = zone_settings_get()
    assert Thresholds.of(first) == Thresholds(1, 5, 6, 7)
    assert zone_settings_get().pk == first.pk


def _partners_for_every_day(manager, days):
    Partner.objects.bulk_create(
        Partner(name=f"P{i}", name_normalized=f"p{i}", manager=manager, last_contact_on=day)
        for i, day in enumerate(days)
    )
    return dict(Partner.objects.values_list("pk", "last_contact_on"))


def _every_day(start, end):
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


@pytest.mark.django_db
@pytest.mark.parametrize("today", [TODAY, D(2026, 3, 31), D(2028, 2, 29)])
def test_sql_case_agrees_with_python_day_by_day(departments, today):
    days = _every_day(today - datetime.timedelta(days=400), today)
    lasts = _partners_for_every_day(departments.north_a, days)
    case, params = zone_case_sql(today, DEFAULT, adapt=connection.ops.adapt_datefield_value)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {case} FROM parties_partner", params)  # noqa: S608
        in_sql = dict(cursor.fetchall())
    mismatches = {
        lasts[pk]: zone for pk, zone in in_sql.items() if zone != zone_for(lasts[pk], today, DEFAULT)
    }
    assert mismatches == {}
    assert set(in_sql.values()) == {Zone.GREEN, Zone.YELLOW, Zone.RED, Zone.EXCHANGE}


@pytest.mark.django_db
@pytest.mark.parametrize("zone", [Zone.RED, Zone.EXCHANGE])
def test_due_day_in_sql_agrees_with_python(departments, zone):
    thresholds = Thresholds(warn_days=10)
    days = _every_day(D(2026, 1, 1), D(2026, 5, 1))
    lasts = _partners_for_every_day(departments.north_a, days)
    due, condition, due_params, condition_params = due_case_sql(
        zone, TODAY, thresholds, adapt=connection.ops.adapt_datefield_value
    )
    sql = f"SELECT id, {due} FROM parties_partner WHERE {condition}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*due_params, *condition_params])
        in_sql = {pk: D.fromisoformat(str(day)) for pk, day in cursor.fetchall()}
    in_python = {pk: first_day_in_zone(zone, last, TODAY, thresholds, 10) for pk, last in lasts.items()}
    in_python = {pk: day for pk, day in in_python.items() if day is not None}
    assert in_sql == in_python
    # Every one of the ten days is somebody's due day (those already there fall due "tomorrow").
    assert set(in_sql.values()) == {TODAY + datetime.timedelta(days=n) for n in range(1, 11)}


def test_due_day_after_a_clamped_month():
    # Last contact on Jan 31: one month later is not "Feb 28" but Mar 1 (on Feb 28 the cut-off is Jan 28).
    assert first_day_in_zone(Zone.YELLOW, D(2026, 1, 31), D(2026, 2, 25), DEFAULT, 7) == D(2026, 3, 1)
    assert first_day_in_zone(Zone.RED, D(2026, 4, 3), TODAY, DEFAULT, 7) == D(2026, 9, 3)
    assert first_day_in_zone(Zone.EXCHANGE, D(2026, 3, 5), TODAY, DEFAULT, 7) == D(2026, 9, 6)
    assert first_day_in_zone(Zone.EXCHANGE, D(2026, 3, 31), TODAY, DEFAULT, 7) is None
