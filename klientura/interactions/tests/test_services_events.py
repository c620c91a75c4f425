"""Planning, changing and completing events through the services; refusals change nothing."""

import datetime

import pytest
from django.utils import timezone

from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditEntry

from ..models import Event, EventStatus, Reminder
from ..selectors import event_get, events_visible, thread_events
from ..services import event_complete, event_reschedule, event_update, participant_link_contact
from .factories import EventInput, ParticipantInput, ReminderInput, SubjectRef, client_with_contact, plan_call


@pytest.fixture
def team(departments):
    partner, contact = client_with_contact(manager=departments.north_a)
    departments.partner, departments.contact = partner, contact
    return departments


def test_a_manager_plans_a_call_with_a_reminder(team):
    event = plan_call(
        actor=team.north_a,
        partner=team.partner,
        contact=team.contact,
        importance="high",
        reminder=ReminderInput(minutes_before=15, by_email=True),
    )

    event.refresh_from_db()
    assert event.responsible == team.north_a
    assert event.author == team.north_a
    assert event.status == EventStatus.PLANNED
    assert event.importance_mark == "!"
    assert event.thread_key == f"event:{event.pk}"
    assert event.at == event.start_at
    reminder = Reminder.objects.get(event=event)
    assert reminder.user == team.north_a
    assert reminder.remind_at == event.start_at - datetime.timedelta(minutes=15)
    assert reminder.by_email
    assert AuditEntry.objects.filter(object_id=str(event.pk), action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"kind": "fax"}, "kind"),
        ({"end_at": timezone.now() - datetime.timedelta(days=1)}, "end_at"),
        ({"reminder": ReminderInput(remind_at=timezone.now() - datetime.timedelta(minutes=1))}, "reminder"),
        ({"time_spent_minutes": -5}, "time_spent_minutes"),
        ({"tag_ids": [987654]}, "tags"),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(team, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        plan_call(actor=team.north_a, partner=team.partner, **overrides)

    assert field in refused.value.fields
    assert not Event.objects.exists()
    assert not Reminder.objects.exists()


def test_a_participant_from_another_client_is_refused(team):
    _other, stranger = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="x@lutik.test")

    with pytest.raises(ValidationFailed) as refused:
        plan_call(actor=team.north_a, partner=team.partner, participants=[ParticipantInput(contact_id=stranger.pk)])

    assert "participants" in refused.value.fields
    assert not Event.objects.exists()


def test_a_contact_of_another_client_is_refused(team):
    _other, stranger = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="x@lutik.test")

    with pytest.raises(ValidationFailed) as refused:
        plan_call(actor=team.north_a, partner=team.partner, contact=stranger)

    assert "contact" in refused.value.fields


def test_a_manager_cannot_plan_into_a_colleagues_calendar_but_their_head_can(team):
    with pytest.raises(ValidationFailed) as refused:
        plan_call(actor=team.north_b, partner=team.partner, responsible_id=team.north_a.pk)
    assert "responsible" in refused.value.fields

    event = plan_call(actor=team.north_head, partner=team.partner, responsible_id=team.north_a.pk)
    assert event.responsible == team.north_a


def test_events_of_a_client_someone_cannot_see_are_not_found(team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    with pytest.raises(NotFound):
        event_get(actor=team.south_a, event_id=event.pk)
    assert event_get(actor=team.north_head, event_id=event.pk) == event
    assert event_get(actor=team.director, event_id=event.pk) == event
    assert not events_visible(actor=team.nobody).exists()


def test_a_participant_sees_the_event(team):
    event = plan_call(
        actor=team.north_a, partner=team.partner, participants=[ParticipantInput(user_id=team.south_a.pk)]
    )

    assert event_get(actor=team.south_a, event_id=event.pk) == event


def test_completing_records_the_result_and_drops_the_pending_reminder(team):
    event = plan_call(actor=team.north_a, partner=team.partner, reminder=ReminderInput(minutes_before=5))

    event_complete(actor=team.north_a, event_id=event.pk, result="Договорились о встрече", time_spent_minutes=12)

    event.refresh_from_db()
    assert event.status == EventStatus.DONE
    assert event.result == "Договорились о встрече"
    assert event.time_spent_minutes == 12
    assert event.done_at is not None
    assert not Reminder.objects.filter(event=event).exists()


def test_a_follow_up_joins_the_thread_of_the_event_it_is_about(team):
    first = plan_call(actor=team.north_a, partner=team.partner)
    second = plan_call(
        actor=team.north_a,
        partner=team.partner,
        kind="email",
        subject=SubjectRef("interactions.event", first.pk),
        start_in=datetime.timedelta(hours=5),
    )
    third = plan_call(
        actor=team.north_a,
        partner=team.partner,
        subject=SubjectRef("interactions.event", second.pk),
        start_in=datetime.timedelta(hours=8),
    )

    assert second.thread_key == third.thread_key == f"event:{first.pk}"
    assert [e.pk for e in thread_events(actor=team.north_a, event=first)] == [first.pk, second.pk, third.pk]


def test_a_subject_the_actor_cannot_see_is_refused(team):
    foreign_partner, _contact = client_with_contact(manager=team.south_a, name="ООО «Юг»", email="y@yug.test")
    foreign = plan_call(actor=team.south_a, partner=foreign_partner)

    with pytest.raises(ValidationFailed) as refused:
        plan_call(actor=team.north_a, partner=team.partner, subject=SubjectRef("interactions.event", foreign.pk))

    assert "subject" in refused.value.fields


def test_rescheduling_moves_the_reminder_set_before_the_start(team):
    event = plan_call(actor=team.north_a, partner=team.partner, reminder=ReminderInput(minutes_before=30))
    new_start = event.start_at + datetime.timedelta(days=1)

    event_reschedule(actor=team.north_a, event_id=event.pk, start_at=new_start, end_at=new_start)

    assert Reminder.objects.get(event=event).remind_at == new_start - datetime.timedelta(minutes=30)


def test_a_colleague_may_not_change_the_event(team):
    event = plan_call(actor=team.north_a, partner=team.partner)

    with pytest.raises(NotFound):
        event_complete(actor=team.north_b, event_id=event.pk, result="x")


def test_update_changes_fields_and_records_them(team):
    event = plan_call(actor=team.north_a, partner=team.partner)
    data = EventInput(kind="meeting", title="Встреча в офисе", partner_id=team.partner.pk, start_at=event.start_at)

    event_update(actor=team.north_a, event_id=event.pk, data=data)

    event.refresh_from_db()
    assert (event.kind, event.title, event.end_at) == ("meeting", "Встреча в офисе", None)
    change = AuditEntry.objects.get(object_id=str(event.pk), action="update")
    assert change.changes["title"] == ["Позвонить по поводу заказа", "Встреча в офисе"]


def test_a_typed_in_participant_is_linked_to_a_contact_later(team):
    event = plan_call(actor=team.north_a, partner=team.partner, participants=[ParticipantInput(name="Иван")])
    participant = event.participants.get()

    participant_link_contact(actor=team.north_a, participant_id=participant.pk, contact_id=team.contact.pk)

    participant.refresh_from_db()
    assert participant.contact == team.contact
