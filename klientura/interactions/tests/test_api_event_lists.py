"""The events API's lists: filters like the web list, keyset cursors at a fixed number of queries,
threads, the client's history grouped into threads, and the OpenAPI schema."""

import datetime

import pytest
from django.utils import timezone

from klientura.catalog.tests.factories import ProductFactory
from klientura.parties.models import Tag
from klientura.sales.services_orders import order_create
from klientura.sales.tests.factories import OrganizationFactory, order_input

from ..models import Event, EventStatus
from ..services import event_complete
from .api_client import ApiClient, assert_error
from .factories import SubjectRef, client_with_contact, plan_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:800]
    return [row["id"] for row in response.json()["items"]]


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


@pytest.fixture
def assorted(team):
    """Five events of north_a's client and one of south_a's, newest (latest start) last."""
    other, _contact = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="a@lutik.test")
    south_partner, _ = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="b@yug.test")
    tag = Tag.objects.create(name="Новая коллекция")
    a = team.north_a
    events = {
        "call": plan_call(actor=a, partner=team.partner, start_in=hours(1), title="Звонок про кровати"),
        "meeting": plan_call(
            actor=a, partner=team.partner, kind="meeting", start_in=hours(2), importance="high"
        ),
        "email": plan_call(actor=a, partner=other, kind="email", start_in=hours(3), tag_ids=[tag.pk]),
        "sms": plan_call(actor=a, partner=other, kind="sms", start_in=hours(4), importance="low"),
        "done": plan_call(actor=a, partner=team.partner, start_in=hours(5)),
        "south": plan_call(actor=team.south_a, partner=south_partner, start_in=hours(6)),
    }
    event_complete(actor=a, event_id=events["done"].pk, result="Готово")
    overdue = events["call"]
    Event.objects.filter(pk=overdue.pk).update(
        start_at=timezone.now() - hours(30), end_at=timezone.now() - hours(29), at=timezone.now() - hours(30)
    )
    team.other, team.tag = other, tag
    return {name: event.pk for name, event in events.items()}


def test_the_list_shows_what_the_caller_may_see_newest_first(api, team, assorted):
    rows = api(team.north_a).get("/events").json()["items"]

    assert [row["id"] for row in rows] == [
        assorted[name] for name in ("done", "sms", "email", "meeting", "call")
    ]
    assert [row["is_overdue"] for row in rows] == [False, False, False, False, True]
    assert rows[1]["importance_mark"] == "↓" and rows[3]["importance_mark"] == "!"
    assert rows[2]["tags"] == [{"id": team.tag.pk, "name": "Новая коллекция", "color": team.tag.color}]
    assert assorted["south"] in ids(api(team.director).get("/events"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"open": True}, ["sms", "email", "meeting", "call"]),
        ({"overdue": True}, ["call"]),
        ({"kind": ["email", "sms"]}, ["sms", "email"]),
        ({"kind": "meeting"}, ["meeting"]),
        ({"importance": "high"}, ["meeting"]),
        ({"status": "done"}, ["done"]),
        ({"q": "кровати"}, ["call"]),
    ],
)
def test_the_list_filters_like_the_web_list(api, team, assorted, params, expected):
    assert ids(api(team.north_a).get("/events", params)) == [assorted[name] for name in expected]


def test_the_list_filters_by_client_tag_responsible_and_days(api, team, assorted):
    client = api(team.north_head)
    north = ["done", "sms", "email", "meeting", "call"]
    assert ids(client.get("/events", {"partner_id": team.other.pk})) == [assorted["sms"], assorted["email"]]
    assert ids(client.get("/events", {"tag_id": team.tag.pk})) == [assorted["email"]]
    assert ids(client.get("/events", {"responsible_id": team.north_a.pk})) == [assorted[n] for n in north]
    yesterday = (timezone.now() - hours(30)).astimezone(datetime.timezone(datetime.timedelta(hours=3))).date()
    days = {"date_from": yesterday.isoformat(), "date_to": yesterday.isoformat()}
    assert ids(client.get("/events", days)) == [assorted["call"]]
    assert assorted["call"] not in ids(
        client.get("/events", {"date_from": (yesterday + hours(48)).isoformat()})
    )


def test_days_are_the_callers_own_days(api, team):
    """20:00 UTC is still today in Moscow but already tomorrow in Novosibirsk."""
    day = (timezone.now() + datetime.timedelta(days=2)).date()
    evening = datetime.datetime.combine(day, datetime.time(20, 0), tzinfo=datetime.UTC)
    event = plan_call(actor=team.north_a, partner=team.partner, start_at=evening, end_at=evening + hours(1))
    next_day = {"date_from": (day + datetime.timedelta(days=1)).isoformat()}
    same_day = {"date_from": day.isoformat(), "date_to": day.isoformat()}

    team.north_a.timezone = "Europe/Moscow"
    team.north_a.save(update_fields=["timezone"])
    client = api(team.north_a)
    assert ids(client.get("/events", same_day)) == [event.pk]
    assert ids(client.get("/events", next_day)) == []
    team.north_a.timezone = "Asia/Novosibirsk"
    team.north_a.save(update_fields=["timezone"])
    assert ids(client.get("/events", next_day)) == [event.pk]
    assert ids(client.get("/events", same_day)) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "fax"}, "kind.0"),
        ({"importance": "urgent"}, "importance"),
        ({"date_from": "01.03.2025"}, "date_from"),
        ({"date_to": "9999-12-31"}, "date_to"),
        ({"q": "a\x00b"}, "q"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_filters_answer_422_with_the_field(api, team, params, field):
    error = assert_error(api(team.north_a).get("/events", params), 422, "validation_error")
    assert any(name.startswith(field.split(".")[0]) for name in error["fields"]), error


def test_the_cursor_walks_every_event_once(api, team):
    for n in range(7):
        plan_call(actor=team.north_a, partner=team.partner, start_in=hours(n + 1), title=f"Звонок {n}")
    client = api(team.north_a)
    seen, cursor = [], None
    for _page in range(5):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/events", params).json()
        seen += [row["title"] for row in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"Звонок {n}" for n in reversed(range(7))]
    assert cursor is None


def test_the_list_costs_the_same_queries_for_any_page_size(api, team, django_assert_max_num_queries):
    order = _order(team)
    tag = Tag.objects.create(name="Кровати")

    def add(count):
        for _ in range(count):
            first = plan_call(actor=team.north_a, partner=team.partner, tag_ids=[tag.pk], participants=[])
            plan_call(
                actor=team.north_a, partner=team.partner, subject=SubjectRef("interactions.event", first.pk)
            )
            plan_call(actor=team.north_a, partner=team.partner, subject=SubjectRef("sales.order", order.pk))

    client = api(team.north_a)
    client.get("/events")  # the token's first use is recorded once: not part of what a page costs
    add(1)
    with django_assert_max_num_queries(10) as small:
        assert len(ids(client.get("/events"))) == 3
    add(6)
    with django_assert_max_num_queries(10) as large:
        assert len(ids(client.get("/events"))) == 21
    assert len(large.captured_queries) == len(small.captured_queries)


def _order(team):
    OrganizationFactory()
    return order_create(actor=team.north_a, data=order_input(team.partner, [ProductFactory()]))


# --- threads and the client's history ----------------------------------------------------------


def test_a_thread_lists_the_chain_oldest_first(api, team):
    first = plan_call(actor=team.north_a, partner=team.partner, start_in=hours(1))
    reply = plan_call(
        actor=team.north_a,
        partner=team.partner,
        kind="email",
        start_in=hours(2),
        subject=SubjectRef("interactions.event", first.pk),
    )
    plan_call(actor=team.north_a, partner=team.partner, start_in=hours(3))  # another thread

    thread = api(team.north_a).get(f"/events/{reply.pk}/thread").json()

    assert thread["thread_key"] == f"event:{first.pk}"
    assert [row["id"] for row in thread["items"]] == [first.pk, reply.pk]
    assert thread["items"][1]["subject"] == {
        "type": "interactions.event",
        "id": first.pk,
        "name": "Event",
        "title": first.title,
        "url": f"/events/{first.pk}/",
    }


def test_the_clients_history_groups_events_into_threads(api, team):
    order = _order(team)
    about_order = [
        plan_call(
            actor=team.north_a,
            partner=team.partner,
            start_in=hours(n),
            subject=SubjectRef("sales.order", order.pk),
        )
        for n in (1, 4)
    ]
    alone = plan_call(actor=team.north_a, partner=team.partner, start_in=hours(2))
    other, _contact = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="a@lutik.test")
    elsewhere = plan_call(actor=team.north_a, partner=other, start_in=hours(9))

    body = api(team.north_a).get(f"/partners/{team.partner.pk}/events").json()

    keys = [thread["key"] for thread in body["threads"]]
    assert keys == [f"sales.order:{order.pk}", f"event:{alone.pk}"]
    assert elsewhere.thread_key not in keys
    order_thread = body["threads"][0]
    assert [row["id"] for row in order_thread["events"]] == [e.pk for e in about_order]
    assert order_thread["events"][0]["subject"]["title"] == order.number
    assert order_thread["events"][0]["subject"]["url"] == f"/sales/orders/{order.pk}/"
    assert order_thread["latest_at"].startswith(str(about_order[1].at.year))


def test_the_history_and_a_thread_cost_the_same_queries_however_long(
    api, team, django_assert_max_num_queries
):
    order = _order(team)
    client = api(team.north_a)
    client.get("/events")  # the token's first use is recorded once: not part of what a page costs
    first = plan_call(actor=team.north_a, partner=team.partner, subject=SubjectRef("sales.order", order.pk))
    counts = []
    for more in (1, 8):
        for _ in range(more):
            plan_call(actor=team.north_a, partner=team.partner)
            plan_call(actor=team.north_a, partner=team.partner, subject=SubjectRef("sales.order", order.pk))
        with django_assert_max_num_queries(10) as history:
            assert client.get(f"/partners/{team.partner.pk}/events").status_code == 200
        with django_assert_max_num_queries(10) as thread:
            assert len(client.get(f"/events/{first.pk}/thread").json()["items"]) == {1: 2, 8: 10}[more]
        counts.append((len(history.captured_queries), len(thread.captured_queries)))
    assert counts[0] == counts[1]


def test_the_history_of_a_client_not_seen_is_404(api, team):
    plan_call(actor=team.north_a, partner=team.partner)

    assert_error(api(team.south_a).get(f"/partners/{team.partner.pk}/events"), 404, "not_found")
    assert_error(api(team.north_a).get("/partners/999999999/events"), 404, "not_found")


def test_an_event_of_a_thread_the_caller_may_not_see_is_left_out(api, team):
    first = plan_call(actor=team.north_a, partner=team.partner, participants=[])
    Event.objects.filter(pk=first.pk).update(status=EventStatus.DONE)
    south_partner, _ = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="b@yug.test")
    hidden = plan_call(actor=team.south_a, partner=south_partner)
    Event.objects.filter(pk=hidden.pk).update(thread_key=first.thread_key)

    thread = api(team.north_a).get(f"/events/{first.pk}/thread").json()

    assert [row["id"] for row in thread["items"]] == [first.pk]


# --- the schema ----------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_events_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path, methods in {
        "/api/v1/events": {"get", "post"},
        "/api/v1/events/{id}": {"get", "put"},
        "/api/v1/events/{id}/thread": {"get"},
        "/api/v1/events/{id}/complete": {"post"},
        "/api/v1/events/{id}/status": {"post"},
        "/api/v1/events/{id}/reschedule": {"post"},
        "/api/v1/events/{id}/participants/{pid}/link": {"post"},
        "/api/v1/partners/{partner_id}/events": {"get"},
    }.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert {"401", "422"} <= set(paths[path][method]["responses"]), (path, method)
    assert "404" in paths["/api/v1/events/{id}"]["put"]["responses"]
    kinds = schema["components"]["schemas"]["EventIn"]["properties"]["kind"]
    assert set(kinds["enum"]) == {"meeting", "planned", "call", "email", "sms"}
