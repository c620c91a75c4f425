"""The events API through HTTP with bearer tokens: plan, read, change, complete, move and link; bad
input answers 422 per field and changes nothing; another manager's event looks exactly like a missing one."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.utils import timezone

from klientura.core.models import AuditEntry
from klientura.parties.models import PartnerShare, Tag

from ..models import Event, EventAttachment, EventParticipant, EventStatus, Reminder
from .api_client import ApiClient, assert_error
from .factories import ParticipantInput, ReminderInput, client_with_contact, plan_call

pytestmark = pytest.mark.django_db

MISSING_ID = 10**12
MSK = datetime.timezone(datetime.timedelta(hours=3))


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


@pytest.fixture
def api(client):
    return lambda user: ApiClient(client, user)


def soon(hours: float = 2) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)


def call_body(team, **extra) -> dict:
    start = soon()
    body = {
        "kind": "call",
        "title": "Позвонить по поводу заказа",
        "partner_id": team.partner.pk,
        "contact_id": team.contact.pk,
        "start_at": start.isoformat(),
        "end_at": (start + datetime.timedelta(minutes=30)).isoformat(),
    }
    return {**body, **extra}


def snapshot(event_id: int) -> tuple:
    """Everything a change could touch, to prove a refused one touched nothing."""
    return (
        Event.objects.filter(pk=event_id).values().get(),
        list(EventParticipant.objects.filter(event_id=event_id).values().order_by("id")),
        list(Reminder.objects.filter(event_id=event_id).values().order_by("id")),
        sorted(Event.objects.get(pk=event_id).tags.values_list("pk", flat=True)),
    )


def parse(moment: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(moment)
    assert parsed.utcoffset() is not None, moment
    return parsed


# --- the life of an event ----------------------------------------------------------------------


def test_a_manager_plans_a_call_with_participants_tags_and_a_reminder(api, team):
    tag = Tag.objects.create(name="Кровати")
    start = datetime.datetime.combine(soon(48).date(), datetime.time(10, 0), tzinfo=MSK)
    body = call_body(
        team,
        importance="high",
        start_at=start.isoformat(),
        end_at=(start + datetime.timedelta(minutes=30)).isoformat(),
        tag_ids=[tag.pk],
        participants=[
            {"user_id": team.north_b.pk},
            {"contact_id": team.contact.pk},
            {"name": "Пётр, снабженец"},
        ],
        reminder={"minutes_before": 15, "by_email": True},
    )

    created = api(team.north_a).post("/events", body)

    assert created.status_code == 201, created.content
    event = created.json()
    assert (event["kind"], event["status"], event["importance"], event["importance_mark"]) == (
        "call",
        "planned",
        "high",
        "!",
    )
    assert parse(event["start_at"]) == start
    assert event["partner"] == {"id": team.partner.pk, "name": team.partner.name}
    assert event["contact"] == {"id": team.contact.pk, "full_name": team.contact.full_name}
    assert event["responsible"]["username"] == event["author"]["username"] == "north_a"
    assert event["thread_key"] == f"event:{event['id']}"
    assert event["subject"] is None and not event["is_overdue"] and event["can_edit"]
    assert event["tags"] == [{"id": tag.pk, "name": "Кровати", "color": tag.color}]
    assert [p["display_name"] for p in event["participants"]] == [
        team.north_b.get_full_name() or "north_b",
        team.contact.full_name,
        "Пётр, снабженец",
    ]
    (reminder,) = event["reminders"]
    assert parse(reminder["remind_at"]) == start - datetime.timedelta(minutes=15)
    assert (reminder["minutes_before"], reminder["by_email"], reminder["fired_at"]) == (15, True, None)
    stored = Event.objects.get(pk=event["id"])
    assert stored.start_at == start and stored.responsible == team.north_a
    assert Reminder.objects.get(event=stored).user == team.north_a
    assert AuditEntry.objects.filter(object_id=str(stored.pk), action="create").exists()


def test_the_card_shows_the_subject_attachments_and_only_the_callers_reminders(api, team):
    first = plan_call(actor=team.north_a, partner=team.partner)
    follow_up = api(team.north_a).post(
        "/events",
        call_body(
            team,
            kind="email",
            title="Отправить КП",
            subject={"type": "interactions.event", "id": first.pk},
            reminder={"remind_at": soon(1).isoformat()},
        ),
    )
    assert follow_up.status_code == 201, follow_up.content
    event_id = follow_up.json()["id"]
    event = Event.objects.get(pk=event_id)
    Reminder.objects.create(event=event, user=team.north_head, remind_at=soon(1))
    attachment = EventAttachment(event=event, name="КП.pdf", content_type="application/pdf", size=4)
    attachment.file.save("kp.pdf", ContentFile(b"%PDF"), save=True)

    card = api(team.north_a).get(f"/events/{event_id}").json()

    assert card["subject"] == {
        "type": "interactions.event",
        "id": first.pk,
        "name": "Event",
        "title": first.title,
        "url": f"/events/{first.pk}/",
    }
    assert card["thread_key"] == f"event:{first.pk}"
    assert [r["minutes_before"] for r in card["reminders"]] == [None]
    assert card["attachments"] == [
        {
            "id": attachment.pk,
            "name": "КП.pdf",
            "content_type": "application/pdf",
            "size": 4,
            "url": f"/events/attachments/{attachment.pk}/",
        }
    ]
    head_card = api(team.north_head).get(f"/events/{event_id}").json()
    assert len(head_card["reminders"]) == 1 and head_card["reminders"][0]["id"] != card["reminders"][0]["id"]


def test_a_subject_the_caller_may_not_open_is_named_by_its_kind_only(api, team):
    south_partner, _contact = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="y@yug.test")
    hidden = plan_call(actor=team.south_a, partner=south_partner, title="Секретный звонок")
    event = plan_call(actor=team.north_a, partner=team.partner)
    Event.objects.filter(pk=event.pk).update(
        subject_type=ContentType.objects.get_for_model(Event), subject_id=hidden.pk
    )

    subject = api(team.north_a).get(f"/events/{event.pk}").json()["subject"]

    assert subject == {
        "type": "interactions.event",
        "id": hidden.pk,
        "name": "Event",
        "title": None,
        "url": None,
    }


def test_an_overdue_planned_event_is_marked(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    Event.objects.filter(pk=event.pk).update(
        start_at=timezone.now() - datetime.timedelta(hours=3),
        end_at=timezone.now() - datetime.timedelta(hours=2),
    )

    assert api(team.north_a).get(f"/events/{event.pk}").json()["is_overdue"] is True


def test_put_replaces_the_content_and_drops_what_is_not_sent(api, team):
    event = plan_call(
        actor=team.north_a,
        partner=team.partner,
        participants=[ParticipantInput(name="Иван")],
        reminder=ReminderInput(minutes_before=10),
    )
    start = soon(24)
    body = call_body(team, kind="meeting", title="Встреча в офисе", start_at=start.isoformat(), end_at=None)

    changed = api(team.north_a).put(f"/events/{event.pk}", body)

    assert changed.status_code == 200, changed.content
    card = changed.json()
    assert (card["kind"], card["title"], parse(card["start_at"]), card["end_at"]) == (
        "meeting",
        "Встреча в офисе",
        start,
        None,
    )
    assert card["participants"] == [] and card["reminders"] == []
    event.refresh_from_db()
    assert (
        event.title == "Встреча в офисе" and not event.participants.exists() and not event.reminders.exists()
    )
    change = AuditEntry.objects.get(object_id=str(event.pk), action="update")
    assert change.changes["title"] == ["Позвонить по поводу заказа", "Встреча в офисе"]


def test_completing_records_the_result_and_drops_the_reminder(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner, reminder=ReminderInput(minutes_before=5))

    done = api(team.north_a).post(
        f"/events/{event.pk}/complete", {"result": "Договорились о встрече", "time_spent_minutes": 12}
    )

    assert done.status_code == 200, done.content
    card = done.json()
    assert (card["status"], card["result"], card["time_spent_minutes"]) == (
        "done",
        "Договорились о встрече",
        12,
    )
    assert card["done_at"] is not None and card["reminders"] == []
    event.refresh_from_db()
    assert event.status == EventStatus.DONE and event.time_spent_minutes == 12
    assert not Reminder.objects.filter(event=event).exists()


def test_status_and_reschedule(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner, reminder=ReminderInput(minutes_before=30))
    client = api(team.north_a)
    new_start = soon(72)

    moved = client.post(f"/events/{event.pk}/reschedule", {"start_at": new_start.isoformat()})
    assert moved.status_code == 200, moved.content
    assert parse(moved.json()["start_at"]) == new_start and parse(moved.json()["at"]) == new_start
    assert parse(moved.json()["reminders"][0]["remind_at"]) == new_start - datetime.timedelta(minutes=30)

    in_progress = client.post(f"/events/{event.pk}/status", {"status": "in_progress"})
    assert in_progress.status_code == 200 and in_progress.json()["status"] == "in_progress"
    cancelled = client.post(f"/events/{event.pk}/status", {"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["reminders"] == []
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED and event.start_at == new_start


def test_a_typed_in_participant_is_linked_to_the_contact(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner, participants=[ParticipantInput(name="Иван")])
    participant = event.participants.get()

    linked = api(team.north_a).post(
        f"/events/{event.pk}/participants/{participant.pk}/link", {"contact_id": team.contact.pk}
    )

    assert linked.status_code == 200, linked.content
    assert linked.json()["participants"][0]["contact"] == {
        "id": team.contact.pk,
        "full_name": team.contact.full_name,
    }
    participant.refresh_from_db()
    assert participant.contact == team.contact


def test_a_participant_of_another_event_is_not_found_under_this_one(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    other = plan_call(actor=team.north_a, partner=team.partner, participants=[ParticipantInput(name="Иван")])
    participant = other.participants.get()

    response = api(team.north_a).post(
        f"/events/{event.pk}/participants/{participant.pk}/link", {"contact_id": team.contact.pk}
    )

    assert_error(response, 404, "not_found")
    participant.refresh_from_db()
    assert participant.contact is None


# --- bad input ---------------------------------------------------------------------------------


def _stranger(team):
    _partner, stranger = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="x@lutik.test")
    return stranger


BAD_BODIES = [
    ("end before start", lambda t: {"end_at": (soon() - datetime.timedelta(hours=1)).isoformat()}, "end_at"),
    ("reminder in the past", lambda t: {"reminder": {"remind_at": (soon(-1)).isoformat()}}, "reminder"),
    (
        "reminder both ways",
        lambda t: {"reminder": {"remind_at": soon(1).isoformat(), "minutes_before": 5}},
        "reminder",
    ),
    ("unknown kind", lambda t: {"kind": "fax"}, "kind"),
    ("naive time", lambda t: {"start_at": "2030-03-01T10:00:00", "end_at": None}, "start_at"),
    ("foreign participant", lambda t: {"participants": [{"contact_id": _stranger(t).pk}]}, "participants"),
    ("foreign contact", lambda t: {"contact_id": _stranger(t).pk}, "contact"),
    ("empty topic", lambda t: {"title": "  "}, "title"),
    ("NUL in the topic", lambda t: {"title": "Звонок\x00"}, "title"),
    ("NUL in a name", lambda t: {"participants": [{"name": "Иван\x00"}]}, "participants.0.name"),
    ("year 1", lambda t: {"start_at": "0001-01-01T00:00:00-12:00", "end_at": None}, "start_at"),
    ("year 9999", lambda t: {"end_at": "9999-12-31T23:59:59-12:00"}, "end_at"),
    ("unknown subject", lambda t: {"subject": {"type": "nothing.here", "id": 1}}, "subject"),
    ("unknown tag", lambda t: {"tag_ids": [MISSING_ID]}, "tags"),
    ("time spent", lambda t: {"time_spent_minutes": -5}, "time_spent_minutes"),
    ("someone else's calendar", lambda t: {"responsible_id": t.south_a.pk}, "responsible"),
    ("a typo", lambda t: {"responsable_id": t.north_a.pk}, "responsable_id"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_BODIES, ids=[case for case, *_ in BAD_BODIES])
def test_bad_input_names_the_field_and_saves_nothing(api, team, case, change, field):
    response = api(team.north_a).post("/events", call_body(team, **change(team)))

    error = assert_error(response, 422, "validation_error")
    assert field in error["fields"], error
    assert all(message for messages in error["fields"].values() for message in messages)
    assert not Event.objects.exists()
    assert not Reminder.objects.exists()


def test_a_bad_change_changes_nothing(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner, reminder=ReminderInput(minutes_before=10))
    before = snapshot(event.pk)
    client = api(team.north_a)
    body = call_body(team, title="Новое", end_at=(soon() - datetime.timedelta(hours=5)).isoformat())

    assert (
        "end_at" in assert_error(client.put(f"/events/{event.pk}", body), 422, "validation_error")["fields"]
    )
    bad_move = client.post(
        f"/events/{event.pk}/reschedule", {"start_at": soon(5).isoformat(), "end_at": soon(4).isoformat()}
    )
    assert "end_at" in assert_error(bad_move, 422, "validation_error")["fields"]
    assert_error(client.post(f"/events/{event.pk}/status", {"status": "lost"}), 422, "validation_error")
    assert_error(
        client.post(f"/events/{event.pk}/complete", {"time_spent_minutes": 10**6}), 422, "validation_error"
    )
    assert snapshot(event.pk) == before


def test_a_finished_event_cannot_be_moved(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    client = api(team.north_a)
    client.post(f"/events/{event.pk}/complete", {"result": "Готово"})
    before = snapshot(event.pk)

    response = client.post(f"/events/{event.pk}/reschedule", {"start_at": soon(10).isoformat()})

    assert_error(response, 422, "validation_error")
    assert snapshot(event.pk) == before


# --- access ------------------------------------------------------------------------------------


def test_another_managers_event_looks_exactly_like_a_missing_one(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    before = snapshot(event.pk)
    stranger = api(team.south_a)

    missing = stranger.get(f"/events/{MISSING_ID}")
    hidden = stranger.get(f"/events/{event.pk}")
    assert_error(hidden, 404, "not_found")
    assert hidden.json() == missing.json()
    for response in (
        stranger.get(f"/events/{event.pk}/thread"),
        stranger.put(f"/events/{event.pk}", call_body(team, title="Чужое")),
        stranger.post(f"/events/{event.pk}/complete", {"result": "x"}),
        stranger.post(f"/events/{event.pk}/status", {"status": "cancelled"}),
        stranger.post(f"/events/{event.pk}/reschedule", {"start_at": soon(9).isoformat()}),
        stranger.get(f"/partners/{team.partner.pk}/events"),
    ):
        assert_error(response, 404, "not_found")
    assert snapshot(event.pk) == before


def test_a_colleague_the_client_is_shared_with_may_read_but_not_change(api, team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    PartnerShare.objects.create(partner=team.partner, user=team.north_b)
    before = snapshot(event.pk)
    colleague = api(team.north_b)

    seen = colleague.get(f"/events/{event.pk}")
    assert seen.status_code == 200 and seen.json()["can_edit"] is False
    assert_error(colleague.post(f"/events/{event.pk}/complete", {"result": "x"}), 404, "not_found")
    assert_error(colleague.put(f"/events/{event.pk}", call_body(team, title="Чужое")), 404, "not_found")
    assert snapshot(event.pk) == before

    head = api(team.north_head)
    assert head.get(f"/events/{event.pk}").json()["can_edit"] is True
    assert head.post(f"/events/{event.pk}/complete", {"result": "Сделано руководителем"}).status_code == 200


def test_the_head_plans_into_a_managers_calendar(api, team):
    created = api(team.north_head).post("/events", call_body(team, responsible_id=team.north_a.pk))

    assert created.status_code == 201, created.content
    assert created.json()["responsible"]["id"] == team.north_a.pk
    assert api(team.north_a).get(f"/events/{created.json()['id']}").status_code == 200


def test_without_a_valid_token_the_api_answers_401(client, team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer kl_nonsense"}):
        response = client.get(f"/api/v1/events/{event.pk}", **headers)
        assert_error(response, 401, "not_authenticated")
        response = client.post(
            "/api/v1/events", data=call_body(team), content_type="application/json", **headers
        )
        assert response.status_code == 401
    assert Event.objects.count() == 1


def test_a_revoked_token_no_longer_opens_the_api(api, team):
    from klientura.accounts.models import ApiToken
    from klientura.accounts.services import api_token_revoke

    caller = api(team.north_a)
    assert caller.get("/events").status_code == 200
    api_token_revoke(actor=team.north_a, token_id=ApiToken.objects.get(user=team.north_a).pk)

    assert_error(caller.get("/events"), 401, "not_authenticated")
