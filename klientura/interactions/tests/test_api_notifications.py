"""The notifications API: reminders fired by the periodic job reach the caller's list with the unread
count; marking read touches only the caller's own; someone else's notification is 404."""

import datetime

import pytest

from ..models import Notification
from ..reminders import reminders_fire_due
from .api_client import ApiClient, assert_error
from .factories import ReminderInput, client_with_contact, plan_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


def remind(team, user, *, count: int, importance: str = "normal") -> list:
    """`count` events of `user` whose reminders the job fires now, oldest first."""
    events = [
        plan_call(
            actor=user,
            partner=team.partner,
            title=f"Звонок {n}",
            importance=importance,
            responsible_id=user.pk,
            start_in=datetime.timedelta(hours=n + 1),
            reminder=ReminderInput(minutes_before=30),
        )
        for n in range(count)
    ]
    latest = max(event.start_at for event in events)
    assert reminders_fire_due(now=latest) == count
    return events


def unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def test_fired_reminders_are_listed_newest_first_with_the_unread_count(api, team):
    (event,) = remind(team, team.north_a, count=1, importance="high")
    remind(team, team.north_head, count=1)

    body = api(team.north_a).get("/notifications").json()

    assert body["unread"] == 1 and body["next_cursor"] is None
    (item,) = body["items"]
    assert item["mark"] == "!" and item["title"].startswith("! ") and item["topic"] == item["title"][2:]
    assert item["event"] == {
        "id": event.pk,
        "title": event.title,
        "partner": {"id": team.partner.pk, "name": team.partner.name},
    }
    assert item["url"] == f"/events/{event.pk}/" and item["read_at"] is None
    assert datetime.datetime.fromisoformat(item["created_at"]).utcoffset() is not None
    assert api(team.north_a).get("/notifications/count").json() == {"unread": 1, "last_id": item["id"]}


def test_the_list_pages_by_cursor_and_filters_unread(api, team):
    remind(team, team.north_a, count=5)
    client = api(team.north_a)
    first = client.get("/notifications", {"limit": 2}).json()
    second = client.get("/notifications", {"limit": 2, "cursor": first["next_cursor"]}).json()
    third = client.get("/notifications", {"limit": 2, "cursor": second["next_cursor"]}).json()

    seen = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert seen == sorted(Notification.objects.values_list("pk", flat=True), reverse=True)
    assert third["next_cursor"] is None

    client.post(f"/notifications/{seen[0]}/read")
    assert [i["id"] for i in client.get("/notifications", {"unread_only": True}).json()["items"]] == seen[1:]


def test_marking_read_changes_only_that_one(api, team):
    remind(team, team.north_a, count=2)
    newest, older = Notification.objects.order_by("-pk")

    read = api(team.north_a).post(f"/notifications/{newest.pk}/read")

    assert read.status_code == 200, read.content
    assert read.json()["read_at"] is not None
    newest.refresh_from_db()
    older.refresh_from_db()
    assert newest.read_at is not None and older.read_at is None
    again = api(team.north_a).post(f"/notifications/{newest.pk}/read")
    assert again.json()["read_at"] == read.json()["read_at"]


def test_read_all_stops_at_the_newest_seen(api, team):
    remind(team, team.north_a, count=3)
    remind(team, team.north_head, count=1)
    ids = sorted(Notification.objects.filter(user=team.north_a).values_list("pk", flat=True))
    client = api(team.north_a)

    partly = client.post("/notifications/read-all", {"up_to_id": ids[1]}).json()
    assert partly == {"marked": 2, "unread": 1}
    assert client.post("/notifications/read-all").json() == {"marked": 1, "unread": 0}
    assert unread(team.north_a) == 0
    assert unread(team.north_head) == 1


def test_someone_elses_notification_is_404_and_stays_unread(api, team):
    remind(team, team.north_head, count=1)
    theirs = Notification.objects.get()

    response = api(team.north_a).post(f"/notifications/{theirs.pk}/read")

    assert_error(response, 404, "not_found")
    assert response.json() == api(team.north_a).post("/notifications/999999999/read").json()
    assert unread(team.north_head) == 1
    assert api(team.north_a).get("/notifications").json() == {"items": [], "next_cursor": None, "unread": 0}


def test_bad_requests_answer_422_and_change_nothing(api, team):
    remind(team, team.north_a, count=1)
    client = api(team.north_a)

    assert (
        "up_to_id"
        in assert_error(client.post("/notifications/read-all", {"up_to_id": 0}), 422, "validation_error")[
            "fields"
        ]
    )
    assert (
        "limit"
        in assert_error(client.get("/notifications", {"limit": 500}), 422, "validation_error")["fields"]
    )
    assert_error(client.get("/notifications", {"cursor": "bad"}), 422, "validation_error")
    assert unread(team.north_a) == 1


def test_without_a_token_notifications_answer_401(client, team):
    remind(team, team.north_a, count=1)

    assert_error(client.get("/api/v1/notifications"), 401, "not_authenticated")
    assert_error(client.post("/api/v1/notifications/read-all"), 401, "not_authenticated")
    assert unread(team.north_a) == 1


def test_the_list_costs_the_same_queries_for_any_page_size(api, team, django_assert_max_num_queries):
    client = api(team.north_a)
    client.get("/notifications")  # the token's first use is recorded once
    remind(team, team.north_a, count=1)
    with django_assert_max_num_queries(3) as small:
        assert len(client.get("/notifications").json()["items"]) == 1
    remind(team, team.north_a, count=6)
    with django_assert_max_num_queries(3) as large:
        assert len(client.get("/notifications").json()["items"]) == 7
    assert len(small.captured_queries) == len(large.captured_queries)
