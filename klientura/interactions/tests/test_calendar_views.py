"""An employee's calendar: the JSON range FullCalendar reads, the move endpoint a drag calls, and who may
look at or change whose calendar."""

import datetime
import json
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from klientura.core.models import AuditEntry

from ..calendar_layout import OVERDUE_COLOUR
from ..models import Event, EventStatus
from ..services import event_complete, event_create, event_set_status
from .factories import EventInput, ParticipantInput, client_with_contact

MSK = zoneinfo.ZoneInfo("Europe/Moscow")
NOW = datetime.datetime(2026, 3, 4, 12, 0, tzinfo=MSK)  # a Wednesday
EVENTS_URL = reverse("interactions:calendar_events")


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=MSK)


def plan(actor, partner, start, hours=1, **values) -> Event:
    data = {"kind": "call", "title": "Позвонить клиенту", "partner_id": partner.pk, "start_at": start}
    data["end_at"] = start + datetime.timedelta(hours=hours) if hours else None
    data.update(values)
    return event_create(actor=actor, data=EventInput(**data))


def move_url(event) -> str:
    return reverse("interactions:calendar_event_move", args=[event.pk])


def fetch(client, user, start="2026-03-02T00:00:00", end="2026-03-09T00:00:00"):
    return client.get(EVENTS_URL, {"user": user.pk, "start": start, "end": end})


@pytest.fixture
def team(departments):
    """The department pair, at noon on Wednesday 4 March 2026 (time stands still for the test)."""
    with time_machine.travel(NOW, tick=False):
        departments.partner, _contact = client_with_contact(manager=departments.north_a)
        departments.b_partner, _ = client_with_contact(
            manager=departments.north_b, name="ООО «Лютик»", email=""
        )
        yield departments


@pytest.fixture
def week(team):
    """north_a's events around the week of 2 March 2026, and one of north_b's where north_a takes part."""
    a, b = team.north_a, team.north_b
    ev = {
        "in_week": plan(a, team.partner, at(5, 10), importance="high"),
        "before": plan(a, team.partner, datetime.datetime(2026, 2, 20, 10, tzinfo=MSK)),
        "after": plan(a, team.partner, at(12, 10)),
        "cancelled": plan(a, team.partner, at(6, 9)),
        "overdue": plan(a, team.partner, at(3, 10)),
        "done": plan(a, team.partner, at(3, 15)),
        "with_a": plan(b, team.b_partner, at(6, 14), participants=[ParticipantInput(user_id=a.pk)]),
    }
    event_set_status(actor=a, event_id=ev["cancelled"].pk, status=EventStatus.CANCELLED)
    event_complete(actor=a, event_id=ev["done"].pk, result="Договорились")
    return ev


def test_the_range_holds_the_events_of_the_week_with_their_colours(client, team, week):
    client.force_login(team.north_a)

    response = fetch(client, team.north_a)

    assert response.status_code == 200
    rows = {int(row["id"]): row for row in response.json()}
    wanted = ["in_week", "cancelled", "overdue", "done", "with_a"]
    assert set(rows) == {week[name].pk for name in wanted}
    first = rows[week["in_week"].pk]
    assert first["title"] == "! Позвонить клиенту"
    assert (first["start"], first["end"]) == ("2026-03-05T10:00:00", "2026-03-05T11:00:00")
    assert first["editable"] is True
    assert first["url"] == reverse("interactions:event_card", args=[week["in_week"].pk])
    assert rows[week["overdue"].pk]["backgroundColor"] == OVERDUE_COLOUR
    assert "ev-overdue" in rows[week["overdue"].pk]["classNames"]
    assert "ev-done" in rows[week["done"].pk]["classNames"] and not rows[week["done"].pk]["editable"]
    assert "ev-cancelled" in rows[week["cancelled"].pk]["classNames"]
    # Taking part in a colleague's meeting fills my calendar, but it is the colleague's to move.
    assert "ev-participant" in rows[week["with_a"].pk]["classNames"]
    assert rows[week["with_a"].pk]["editable"] is False


def test_times_are_the_viewers_wall_clock_and_offsets_are_understood(client, team, week):
    team.north_a.timezone = "Asia/Yekaterinburg"  # UTC+5, two hours ahead of Moscow
    team.north_a.save()
    client.force_login(team.north_a)

    rows = fetch(
        client, team.north_a, start="2026-03-05T00:00:00+05:00", end="2026-03-06T00:00:00+05:00"
    ).json()

    assert [(r["id"], r["start"]) for r in rows] == [(str(week["in_week"].pk), "2026-03-05T12:00:00")]


def test_the_range_costs_the_same_queries_for_two_events_or_twenty(client, team):
    client.force_login(team.north_a)
    plan(team.north_a, team.partner, at(5, 10))
    with CaptureQueriesContext(connection) as few:
        assert len(fetch(client, team.north_a).json()) == 1
    for hour in range(9, 19):
        plan(team.north_a, team.partner, at(6, hour), hours=0.5)
        plan(
            team.north_b,
            team.b_partner,
            at(6, hour),
            participants=[ParticipantInput(user_id=team.north_a.pk)],
        )
    with CaptureQueriesContext(connection) as many:
        assert len(fetch(client, team.north_a).json()) == 21

    assert len(many) == len(few) <= 10


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("", "2026-03-09"),
        ("yesterday", "2026-03-09"),
        ("2026-03-09", "2026-03-02"),
        ("2026-03-02", "2026-13-40"),
    ],
)
def test_a_broken_range_is_refused(client, team, start, end):
    client.force_login(team.north_a)

    response = fetch(client, team.north_a, start=start, end=end)

    assert response.status_code == 400
    assert "error" in response.json()


def test_a_manager_cannot_read_a_colleagues_calendar_but_the_head_can(client, team, week):
    client.force_login(team.north_b)
    assert fetch(client, team.north_a).status_code == 404
    assert client.get(reverse("interactions:employee_calendar"), {"user": team.north_a.pk}).status_code == 404

    client.force_login(team.north_head)
    rows = fetch(client, team.north_a).json()
    assert week["in_week"].pk in {int(r["id"]) for r in rows}
    # A head plans and moves in the department's calendars.
    assert next(r for r in rows if int(r["id"]) == week["in_week"].pk)["editable"] is True

    client.force_login(team.south_head)
    assert fetch(client, team.north_a).status_code == 404


def test_the_calendar_page_offers_the_calendars_i_may_see(client, team):
    client.force_login(team.north_head)

    response = client.get(reverse("interactions:employee_calendar"), {"user": team.north_a.pk})

    assert response.status_code == 200
    owners = {user.username for user in response.context["owners"]}
    assert owners == {"north_head", "north_a", "north_b"}
    config = response.context["config"]
    assert config["owner"] == team.north_a.pk and config["timeZone"] == "Europe/Moscow"
    assert config["newUrl"] == reverse("interactions:event_new")
    content = response.content.decode()
    assert "vendor/fullcalendar/index.global.min.js" in content
    assert content.index("index.global.min.js") < content.index("locales/ru.global.min.js")


# --- Moving ---------------------------------------------------------------------------------------


def test_a_drag_moves_the_event_and_is_audited(client, team, week):
    event = week["in_week"]
    client.force_login(team.north_a)

    response = client.post(move_url(event), {"start": "2026-03-06T15:30", "end": "2026-03-06T16:45"})

    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.start_at, event.end_at) == (at(6, 15, 30), at(6, 16, 45))
    assert response.json() == {"ok": True, "start": "2026-03-06T15:30:00", "end": "2026-03-06T16:45:00"}
    entry = AuditEntry.objects.filter(object_id=str(event.pk), action="update").order_by("-id").first()
    assert "start_at" in entry.changes


def test_the_move_endpoint_takes_the_csrf_token_from_the_header(team, week):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team.north_a)
    browser.get(reverse("interactions:employee_calendar"))
    token = browser.cookies["csrftoken"].value
    url = move_url(week["in_week"])

    assert browser.post(url, {"start": "2026-03-06T15:30"}).status_code == 403
    assert browser.post(url, {"start": "2026-03-06T15:30"}, headers={"X-CSRFToken": token}).status_code == 200


@pytest.mark.parametrize(
    ("name", "values", "status"),
    [
        ("done", {"start": "2026-03-06T15:00"}, 422),
        ("cancelled", {"start": "2026-03-06T15:00"}, 422),
        ("in_week", {"start": "2026-03-06T15:00", "end": "2026-03-06T14:00"}, 422),
        ("in_week", {"start": "not a time"}, 422),
        ("with_a", {"start": "2026-03-06T15:00"}, 404),  # a colleague's event I only take part in
    ],
)
def test_a_refused_move_says_why_and_changes_nothing(client, team, week, name, values, status):
    event = week[name]
    before = Event.objects.values("start_at", "end_at", "updated_at").get(pk=event.pk)
    client.force_login(team.north_a)

    response = client.post(move_url(event), values)

    assert response.status_code == status
    assert response.json()["error"]
    assert Event.objects.values("start_at", "end_at", "updated_at").get(pk=event.pk) == before


def test_a_stranger_gets_404_and_nothing_moves(client, team, week):
    event = week["in_week"]
    for stranger in (team.south_a, team.south_head, team.nobody):
        client.force_login(stranger)
        response = client.post(move_url(event), {"start": "2026-03-06T15:00"})
        assert response.status_code == 404
    assert (
        client.post(
            reverse("interactions:calendar_event_move", args=[987654]), {"start": "2026-03-06T15:00"}
        ).status_code
        == 404
    )
    event.refresh_from_db()
    assert event.start_at == at(5, 10)


def test_moving_needs_post(client, team, week):
    client.force_login(team.north_a)

    assert client.get(move_url(week["in_week"]), {"start": "2026-03-06T15:00"}).status_code == 405


def test_the_page_config_is_valid_json_for_the_script(client, team):
    client.force_login(team.north_a)

    content = client.get(
        reverse("interactions:employee_calendar"), {"view": "dayGridMonth", "date": "2026-03-04"}
    )

    raw = (
        content.content.decode()
        .split('id="calendar-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    config = json.loads(raw)
    assert (config["initialView"], config["initialDate"], config["locale"]) == (
        "dayGridMonth",
        "2026-03-04",
        "ru",
    )
