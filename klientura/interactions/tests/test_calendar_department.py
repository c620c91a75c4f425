"""The department side by side: a head judges the load of each member; others get 404."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klientura.accounts.models import Department
from klientura.accounts.tests.factories import UserFactory

from ..calendar_layout import Block, _lay_out_lanes
from ..models import EventStatus
from ..services import event_create, event_set_status
from .factories import EventInput, ParticipantInput, client_with_contact

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=MSK)  # Wednesday; the week is 2–8 March
URL = reverse("interactions:department_calendar")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=MSK)


def plan(actor, partner, start, minutes=60, **values):
    data = {"kind": "meeting", "title": "Встреча", "partner_id": partner.pk, "start_at": start}
    data["end_at"] = start + datetime.timedelta(minutes=minutes)
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


@pytest.fixture
def team(departments):
    with time_machine.travel(NOW, tick=False):
        departments.a_partner, _ = client_with_contact(manager=departments.north_a)
        departments.b_partner, _ = client_with_contact(
            manager=departments.north_b, name="ООО «Лютик»", email=""
        )
        departments.s_partner, _ = client_with_contact(
            manager=departments.south_a, name="ООО «Мак»", email=""
        )
        yield departments


@pytest.fixture
def load(team):
    events = {
        "a_long": plan(team.north_a, team.a_partner, at(5, 10), minutes=120, title="Презентация"),
        "b_short": plan(team.north_b, team.b_partner, at(6, 9), title="Звонок поставщику"),
        "b_overdue": plan(team.north_b, team.b_partner, at(2, 10), title="Просроченный звонок"),
        "b_old_overdue": plan(team.north_b, team.b_partner, datetime.datetime(2026, 2, 10, 10, tzinfo=MSK)),
        "b_cancelled": plan(team.north_b, team.b_partner, at(6, 11), title="Отменённая встреча"),
        "a_with_b": plan(
            team.north_a,
            team.a_partner,
            at(5, 15),
            minutes=30,
            participants=[ParticipantInput(user_id=team.north_b.pk)],
        ),
        "south": plan(team.south_a, team.s_partner, at(5, 10), title="Южная встреча"),
    }
    event_set_status(actor=team.north_b, event_id=events["b_cancelled"].pk, status=EventStatus.CANCELLED)
    return events


def loads_by_name(response) -> dict:
    return {load.user.username: load for load in response.context["loads"]}


def test_the_head_sees_each_member_with_the_weeks_totals(client, team, load):
    client.force_login(team.north_head)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["department"] == team.north
    loads = loads_by_name(response)
    assert list(loads) == [
        "north_head",
        *sorted(["north_a", "north_b"], key=lambda n: getattr(team, n).last_name),
    ]
    a, b = loads["north_a"], loads["north_b"]
    assert {e.pk for e in a.events} == {load["a_long"].pk, load["a_with_b"].pk}
    assert (a.count, a.minutes, a.hours, a.overdue) == (2, 150, 2.5, 0)
    # north_b: a call, an overdue call this week, the meeting they join; the cancelled one counts for nothing;
    # the February call is outside the week but still overdue.
    assert {e.pk for e in b.events} == {
        load[k].pk for k in ("b_short", "b_overdue", "b_cancelled", "a_with_b")
    }
    assert (b.count, b.minutes, b.overdue) == (3, 150, 2)
    content = response.content.decode()
    assert "Презентация" in content and "Звонок поставщику" in content
    assert "Южная встреча" not in content
    assert content.count('data-testid="member-column"') == 0  # the week shows cells, not time columns
    assert content.count('data-testid="member-head"') == 3


def test_the_day_view_places_events_by_time(client, team, load):
    client.force_login(team.north_head)

    response = client.get(URL, {"mode": "day", "date": "2026-03-05"})

    grid = response.context["grid"]
    assert grid["hours"][0] == 8 and grid["hours"][-1] == 19
    column = next(c for c in grid["columns"] if c["load"].user == team.north_a)
    blocks = {b.chip["event"].pk: b for b in column["blocks"]}
    presentation = blocks[load["a_long"].pk]
    assert (presentation.top, presentation.height) == pytest.approx((100 * 2 / 12, 100 * 2 / 12), abs=0.01)
    assert response.content.decode().count('data-testid="member-column"') == 3


def test_overlapping_events_share_the_width():
    blocks = [Block({}, 10, 20), Block({}, 15, 10), Block({}, 40, 5), Block({}, 25, 10)]

    _lay_out_lanes(blocks)

    assert [(b.lane, b.lanes) for b in blocks] == [(0, 2), (1, 2), (0, 1), (1, 2)]
    assert (blocks[1].left, blocks[1].width) == (50.0, 50.0)


def test_sub_departments_are_included(client, team, load):
    east = Department.objects.create(name="Север-Восток", parent=team.north)
    east_manager = UserFactory.with_role("sales_manager", username="east_a", department=east)
    client.force_login(team.north_head)

    response = client.get(URL, {"department": team.north.pk})

    assert east_manager in [load.user for load in response.context["loads"]]


@pytest.mark.parametrize("who", ["north_a", "marketer", "nobody"])
def test_one_who_is_not_a_head_gets_404(client, team, who):
    client.force_login(getattr(team, who))

    assert client.get(URL).status_code == 404
    assert client.get(URL, {"department": team.south.pk}).status_code == 404
    assert client.get(URL, {"department": team.north.pk}).status_code == 404


def test_a_head_gets_404_for_another_department(client, team):
    client.force_login(team.north_head)

    assert client.get(URL, {"department": team.south.pk}).status_code == 404
    assert client.get(URL, {"department": "junk"}).status_code == 404


@pytest.mark.parametrize("who", ["director", "admin"])
def test_a_director_or_administrator_chooses_any_department(client, team, load, who):
    client.force_login(getattr(team, who))

    response = client.get(URL, {"department": team.south.pk})

    assert response.status_code == 200
    assert [load.user.username for load in response.context["loads"]] == ["south_head", "south_a"]
    assert "Южная встреча" in response.content.decode()


def test_the_grid_costs_the_same_queries_however_full_the_week(client, team, load):
    client.force_login(team.north_head)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for day in range(2, 7):
        for hour in (9, 11, 14, 16):
            plan(
                team.north_a,
                team.a_partner,
                at(day, hour),
                participants=[ParticipantInput(user_id=team.north_b.pk)],
            )
            plan(team.north_head, team.a_partner, at(day, hour))
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert loads_by_name(response)["north_b"].count == 3 + 20
    assert len(many) == len(few) <= 20
