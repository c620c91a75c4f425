"""The events calendar and contacts reports: figures counted by hand from small fixed data, what each
reader may see, and a number of queries that does not grow with the data."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..selectors_reports import (
    CalendarFilters,
    ContactsFilters,
    calendar_report,
    contacts_report,
    hours_minutes,
)
from .factories import EventInput, client_with_contact

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2025, 3, 12, 10, 0, tzinfo=MSK)  # a Wednesday; the week ends on Sunday the 16th


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=MSK)


def add_event(actor, partner, start, end=None, **values):
    from ..services import event_create

    data = {"kind": "call", "title": "Звонок", "partner_id": partner.pk, "start_at": start, "end_at": end}
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def team(departments, clock):
    departments.alpha, _ = client_with_contact(manager=departments.north_a, name="Альфа")
    departments.beta, _ = client_with_contact(manager=departments.north_b, name="Бета", email="b@beta.test")
    departments.gamma, _ = client_with_contact(
        manager=departments.south_a, name="Гамма", email="g@gamma.test"
    )
    return departments


# ------------------------------------------------------------------------- the events calendar


@pytest.fixture
def planned(team):
    a, alpha = team.north_a, team.alpha
    add_event(a, alpha, at(11, 9), at(11, 10), importance="high")  # overdue
    add_event(a, alpha, at(12, 8), at(12, 9), kind="meeting")  # ended an hour ago: overdue
    add_event(a, alpha, at(12, 9, 30), at(12, 11), status="in_progress")  # still going: today
    add_event(a, alpha, at(12, 15), importance="high")  # today
    add_event(a, alpha, at(12, 9))  # started, no end: overdue
    add_event(a, alpha, at(14, 10))  # this week
    add_event(a, alpha, at(16, 23, 30))  # Sunday night: this week
    add_event(a, alpha, at(17, 0, 10))  # Monday 00:10 in Moscow (Sunday in UTC): later
    add_event(a, alpha, None, title="Когда-нибудь")  # no date
    add_event(a, alpha, at(10), at(10, 11), status="done")  # done: not counted
    add_event(a, alpha, at(9), status="cancelled")  # cancelled: not counted
    add_event(team.north_b, team.beta, at(1), importance="high")  # overdue
    add_event(team.north_b, team.beta, at(20), kind="email")  # later
    add_event(team.south_a, team.gamma, at(12, 18))  # today
    return team


def figures(row) -> dict:
    names = ["total", "overdue", "today", "week", "later", "undated", "in_progress", "high", "high_overdue"]
    return {name: getattr(row, name) for name in names}


def test_the_calendar_counts_open_events_by_bucket(planned):
    report = calendar_report(actor=planned.north_head, filters=CalendarFilters())

    assert [row.user_id for row in report.rows] == [planned.north_a.pk, planned.north_b.pk]
    north_a, north_b = report.rows
    assert north_a.name == str(planned.north_a)
    assert figures(north_a) == {
        "total": 9,
        "overdue": 3,
        "today": 2,
        "week": 2,
        "later": 1,
        "undated": 1,
        "in_progress": 1,
        "high": 2,
        "high_overdue": 1,
    }
    assert north_a.upcoming == 4
    assert figures(north_b) == {
        "total": 2,
        "overdue": 1,
        "today": 0,
        "week": 0,
        "later": 1,
        "undated": 0,
        "in_progress": 0,
        "high": 1,
        "high_overdue": 1,
    }
    assert (
        figures(report.totals)["total"] == 11
        and report.totals.overdue == 4
        and report.totals.high_overdue == 2
    )
    assert report.today == datetime.date(2025, 3, 12)
    assert report.week_end == datetime.date(2025, 3, 16)


def test_the_calendar_shows_each_reader_what_they_may_see(planned):
    def users(actor):
        return {row.user_id for row in calendar_report(actor=actor, filters=CalendarFilters()).rows}

    assert users(planned.north_a) == {planned.north_a.pk}
    assert users(planned.north_b) == {planned.north_b.pk}
    assert users(planned.south_head) == {planned.south_a.pk}
    assert users(planned.director) == {planned.north_a.pk, planned.north_b.pk, planned.south_a.pk}
    assert users(planned.nobody) == set()


def test_the_calendar_filters_by_kind_importance_and_department(planned):
    meetings = calendar_report(actor=planned.director, filters=CalendarFilters(kind="meeting")).rows
    assert [(r.user_id, r.total, r.overdue) for r in meetings] == [(planned.north_a.pk, 1, 1)]
    high = calendar_report(actor=planned.director, filters=CalendarFilters(importance="high")).rows
    assert {r.user_id: r.total for r in high} == {planned.north_a.pk: 2, planned.north_b.pk: 1}
    south = calendar_report(
        actor=planned.director, filters=CalendarFilters(department_id=planned.south.pk)
    ).rows
    assert [(r.user_id, r.today) for r in south] == [(planned.south_a.pk, 1)]


def test_today_is_the_readers_day_not_utc(planned):
    from django.utils import timezone

    with timezone.override(zoneinfo.ZoneInfo("Asia/Vladivostok")):  # 17:00 on the 12th there
        report = calendar_report(actor=planned.north_a, filters=CalendarFilters())
    row = report.rows[0]
    # In Vladivostok the week ends at 17:00 on Sunday, Moscow time: Sunday 23:30 there is Monday.
    assert (row.today, row.week, row.later, row.overdue) == (2, 1, 2, 3)


def _queries(func) -> int:
    func()  # warm the per-request caches (roles, headed departments) first
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def test_the_calendar_takes_the_same_queries_for_more_events(planned):
    def run():
        return calendar_report(actor=planned.north_head, filters=CalendarFilters())

    before = _queries(run)
    for day in range(13, 20):
        add_event(planned.north_b, planned.beta, at(day))
    add_event(planned.north_head, planned.beta, at(13))
    assert _queries(run) == before == 1  # one grouped query
    assert len(run().rows) == 3


# ------------------------------------------------------------------------- contacts in a period


@pytest.fixture
def history(team):
    a, alpha, b, beta = team.north_a, team.alpha, team.north_b, team.beta
    add_event(a, alpha, at(3), at(3, 11), status="done", time_spent_minutes=15)
    add_event(a, alpha, at(4), status="done", direction="incoming", time_spent_minutes=10)
    add_event(a, alpha, at(5), at(5, 12), kind="meeting", status="done", time_spent_minutes=90)
    add_event(a, alpha, at(6), kind="email", status="done", time_spent_minutes=5)
    add_event(a, alpha, at(11))  # open, overdue
    add_event(a, alpha, at(20))  # open
    add_event(a, alpha, at(7), kind="meeting", status="cancelled")
    add_event(a, alpha, at(27, month=2), status="done", time_spent_minutes=30)  # before the period
    add_event(b, beta, at(10), status="done", time_spent_minutes=25)
    add_event(b, beta, at(31, 23, 30), kind="email", direction="incoming", status="done")  # last evening
    add_event(b, beta, at(1, 0, 30, month=4))  # after the period in Moscow (still March in UTC)
    add_event(team.south_a, team.gamma, at(5), status="done", time_spent_minutes=600)
    return team


MARCH = {"date_from": datetime.date(2025, 3, 1), "date_to": datetime.date(2025, 3, 31)}


def numbers(figures) -> tuple:
    return (figures.total, figures.done, figures.open, figures.overdue, figures.cancelled, figures.time_spent)


def test_contacts_by_manager_with_done_open_and_time(history):
    report = contacts_report(actor=history.north_head, filters=ContactsFilters(**MARCH))

    assert [(g.key, numbers(g.figures)) for g in report.groups] == [
        (history.north_a.pk, (7, 4, 2, 1, 1, "2:00")),
        (history.north_b.pk, (2, 2, 0, 0, 0, "0:25")),
    ]
    assert report.groups[0].label == str(history.north_a)
    assert numbers(report.totals) == (9, 6, 2, 1, 1, "2:25")
    assert report.groups[0].params == {
        "date_from": "2025-03-01",
        "date_to": "2025-03-31",
        "responsible": history.north_a.pk,
    }
    assert not report.truncated


def test_contacts_on_two_levels_kind_then_direction(history):
    report = contacts_report(
        actor=history.north_head, filters=ContactsFilters(**MARCH, group_by="kind", then_by="direction")
    )

    summary = {
        g.key: (g.figures.total, {line.key: line.figures.total for line in g.lines}) for g in report.groups
    }
    assert summary == {
        "call": (5, {"outgoing": 4, "incoming": 1}),
        "meeting": (2, {"outgoing": 2}),
        "email": (2, {"outgoing": 1, "incoming": 1}),
    }
    assert [g.key for g in report.groups] == ["call", "email", "meeting"]  # the biggest first, then by name
    call = report.groups[0]
    assert numbers(call.figures) == (5, 3, 2, 1, 0, "0:50")
    assert call.lines[0].params == {**call.params, "kind": "call"}  # the list has no direction filter
    assert {line.key: line.figures.total for line in report.by_kind} == {"call": 5, "meeting": 2, "email": 2}


def test_contacts_by_partner_and_filters(history):
    by_partner = contacts_report(actor=history.director, filters=ContactsFilters(**MARCH, group_by="partner"))
    assert [(g.label, g.figures.total) for g in by_partner.groups] == [
        ("Альфа", 7),
        ("Бета", 2),
        ("Гамма", 1),
    ]
    assert by_partner.groups[0].params["partner"] == history.alpha.pk
    assert by_partner.totals.time_spent == "12:25"
    incoming = contacts_report(actor=history.director, filters=ContactsFilters(**MARCH, direction="incoming"))
    assert numbers(incoming.totals)[:2] == (2, 2)
    one_client = contacts_report(
        actor=history.director, filters=ContactsFilters(**MARCH, partner_id=history.beta.pk, group_by="kind")
    )
    assert [(g.key, g.figures.total) for g in one_client.groups] == [("call", 1), ("email", 1)]
    south = contacts_report(
        actor=history.director, filters=ContactsFilters(**MARCH, department_id=history.south.pk)
    )
    assert [g.key for g in south.groups] == [history.south_a.pk]


def test_a_manager_sees_only_their_contacts(history):
    report = contacts_report(actor=history.north_a, filters=ContactsFilters(**MARCH, group_by="partner"))
    assert [(g.label, g.figures.total) for g in report.groups] == [("Альфа", 7)]
    assert contacts_report(actor=history.nobody, filters=ContactsFilters(**MARCH)).groups == []


def test_a_bad_grouping_falls_back_and_the_same_level_twice_is_one(history):
    report = contacts_report(
        actor=history.north_head, filters=ContactsFilters(**MARCH, group_by="colour", then_by="manager")
    )
    assert report.filters.group_by == "manager" and report.filters.then_by == ""
    assert all(not g.lines for g in report.groups)


def test_contacts_groups_are_cut_on_screen_but_counted(history):
    filters = ContactsFilters(**MARCH, group_by="partner", then_by="kind")
    report = contacts_report(actor=history.director, filters=filters, limit=2)
    assert len(report.groups) == 2 and report.groups_total == 3 and report.truncated
    assert [(g.label, [(line.key, line.figures.total) for line in g.lines]) for g in report.groups] == [
        ("Альфа", [("call", 4), ("meeting", 2), ("email", 1)]),
        ("Бета", [("call", 1), ("email", 1)]),
    ]
    assert report.totals.total == 10  # the totals cover every group


def test_contacts_take_the_same_queries_for_more_events(history):
    filters = ContactsFilters(**MARCH, group_by="partner", then_by="kind")

    def run():
        return contacts_report(actor=history.north_head, filters=filters)

    before = _queries(run)
    for day in range(1, 10):
        add_event(history.north_b, history.beta, at(day), kind="sms", status="done", time_spent_minutes=1)
    assert _queries(run) == before == 4  # groups, second level, totals, by kind
    assert run().totals.total == 18


def test_hours_minutes():
    assert [hours_minutes(m) for m in (None, 0, 5, 60, 125, 6000)] == [
        "0:00",
        "0:00",
        "0:05",
        "1:00",
        "2:05",
        "100:00",
    ]
