"""Writes for events: plan or record, change, reschedule, complete, cancel; participants; reminders.

Every write checks the actor may change the responsible user's calendar (access.py), validates the
whole input before touching anything and records one audit entry.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klientura.core.audit import audit_created, audit_log, model_update
from klientura.core.errors import NotFound, ValidationFailed
from klientura.core.models import AuditAction
from klientura.parties import activity
from klientura.parties.models import ContactPerson, Tag
from klientura.parties.selectors import partner_get

from . import subjects
from .access import can_edit_calendar, can_edit_event
from .inputs import EventInput, ParticipantInput, ReminderInput
from .models import Direction, Event, EventKind, EventParticipant, EventStatus, Importance, Reminder
from .selectors import event_get

MAX_TITLE = 300
MAX_MINUTES_SPENT = 24 * 60 * 7
MAX_PARTICIPANTS = 100
EVENT_AUDITED_FIELDS = [
    "kind",
    "direction",
    "status",
    "importance",
    "title",
    "content",
    "result",
    "partner",
    "contact",
    "responsible",
    "start_at",
    "end_at",
    "time_spent_minutes",
]


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed(fields=self)


def _choice(errors: _Errors, field: str, value: str, choices) -> None:
    if value not in choices.values:
        errors.add(field, _("Choose one of the offered values."))


def _check_scalars(data: EventInput, errors: _Errors) -> None:
    data.title = (data.title or "").strip()
    if not data.title:
        errors.add("title", _("Enter the topic."))
    elif len(data.title) > MAX_TITLE:
        errors.add("title", _("The topic is longer than %(max)d characters.") % {"max": MAX_TITLE})
    _choice(errors, "kind", data.kind, EventKind)
    _choice(errors, "direction", data.direction, Direction)
    _choice(errors, "status", data.status, EventStatus)
    _choice(errors, "importance", data.importance, Importance)
    if data.end_at and not data.start_at:
        errors.add("start_at", _("Enter the start as well as the end."))
    if data.start_at and data.end_at and data.end_at < data.start_at:
        errors.add("end_at", _("The end is before the start."))
    minutes = data.time_spent_minutes
    if minutes is not None and not 0 <= minutes <= MAX_MINUTES_SPENT:
        errors.add("time_spent_minutes", _("Enter the time spent in minutes, up to a week."))


def _resolve_people(*, actor, data: EventInput, errors: _Errors) -> dict:
    """Partner, contact and responsible as objects, each checked against what the actor may use."""
    resolved = {"partner": None, "contact": None, "responsible": None}
    if data.partner_id is not None:
        try:
            resolved["partner"] = partner_get(actor=actor, partner_id=data.partner_id)
        except NotFound:
            errors.add("partner", _("No such client."))
    partner = resolved["partner"]
    if data.contact_id is not None:
        contact = ContactPerson.objects.filter(pk=data.contact_id).first()
        if contact is None or partner is None or not contact.partners.filter(pk=partner.pk).exists():
            errors.add("contact", _("This contact person does not belong to the chosen client."))
        else:
            resolved["contact"] = contact
    responsible_id = data.responsible_id if data.responsible_id is not None else actor.pk
    responsible = get_user_model().objects.filter(pk=responsible_id, is_active=True).first()
    if responsible is None or not can_edit_calendar(actor=actor, owner_id=responsible.pk):
        errors.add("responsible", _("You may not plan events in this person's calendar."))
    else:
        resolved["responsible"] = responsible
    return resolved


def _resolve_participants(*, data: EventInput, partner, errors: _Errors) -> list[ParticipantInput]:
    if len(data.participants) > MAX_PARTICIPANTS:
        errors.add("participants", _("Too many participants."))
        return []
    users = get_user_model().objects.filter(is_active=True)
    seen = set()
    cleaned = []
    for person in data.participants:
        key = (person.user_id, person.contact_id, person.name.strip().lower())
        if key in seen:
            continue
        seen.add(key)
        if person.user_id is not None and not users.filter(pk=person.user_id).exists():
            errors.add("participants", _("No such user."))
        elif person.contact_id is not None and (
            partner is None or not partner.contacts.filter(pk=person.contact_id).exists()
        ):
            errors.add("participants", _("A participant belongs to another client."))
        elif person.user_id is None and person.contact_id is None and not person.name.strip():
            errors.add("participants", _("Name the participant."))
        else:
            cleaned.append(person)
    return cleaned


def _resolve_subject(*, actor, data: EventInput, errors: _Errors):
    if data.subject is None:
        return None
    try:
        return subjects.subject_get(actor=actor, label=data.subject.label, object_id=data.subject.object_id)
    except NotFound:
        errors.add("subject", _("No such subject."))
        return None


def _reminder_moment(reminder: ReminderInput | None, start_at) -> datetime.datetime | None:
    if reminder is None:
        return None
    if reminder.minutes_before is not None:
        return start_at - datetime.timedelta(minutes=reminder.minutes_before) if start_at else None
    return reminder.remind_at


def _check_reminder(reminder: ReminderInput | None, start_at, errors: _Errors) -> None:
    if reminder is None:
        return
    if reminder.minutes_before is not None and reminder.minutes_before < 0:
        errors.add("reminder", _("Enter the minutes before the start as a positive number."))
        return
    if reminder.minutes_before is not None and start_at is None:
        errors.add("reminder", _("A reminder before the start needs the start time."))
        return
    moment = _reminder_moment(reminder, start_at)
    if moment is None:
        errors.add("reminder", _("Enter when to remind."))
    elif moment <= timezone.now():
        errors.add("reminder", _("The reminder is in the past."))


def _apply_subject(event: Event, subject) -> None:
    if subject is None:
        event.subject_type, event.subject_id = None, None
        event.thread_key = f"event:{event.pk}"
        return
    event.subject_type = subjects.content_type_for(subject._meta.label_lower)
    event.subject_id = subject.pk
    if isinstance(subject, Event):
        # A reply or follow-up joins the chain of the event it answers.
        event.thread_key = subject.thread_key or f"event:{subject.pk}"
    else:
        event.thread_key = subjects.thread_key_for(subject._meta.label_lower, subject.pk)


def _set_participants(event: Event, participants: list[ParticipantInput]) -> None:
    event.participants.all().delete()
    EventParticipant.objects.bulk_create(
        [
            EventParticipant(
                event=event,
                user_id=p.user_id,
                contact_id=p.contact_id,
                name=p.name.strip(),
                email=p.email.strip(),
            )
            for p in participants
        ]
    )


def _resolve_tags(tag_ids: list[int], errors: _Errors) -> list[Tag]:
    tags = list(Tag.objects.filter(pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        errors.add("tags", _("No such tag."))
    return tags


def _validated(*, actor, data: EventInput) -> tuple[dict, list, object, list]:
    errors = _Errors()
    _check_scalars(data, errors)
    resolved = _resolve_people(actor=actor, data=data, errors=errors)
    participants = _resolve_participants(data=data, partner=resolved["partner"], errors=errors)
    subject = _resolve_subject(actor=actor, data=data, errors=errors)
    tags = _resolve_tags(data.tag_ids, errors)
    _check_reminder(data.reminder, data.start_at, errors)
    errors.raise_if_any()
    return resolved, participants, subject, tags


def _done_at(status: str, previous=None):
    if status == EventStatus.DONE:
        return previous or timezone.now()
    return None


def announce_contact(event: Event) -> None:
    """A done event with a client, dated now or earlier, is a contact: the client's zone turns green
    (the segments app listens), in this same transaction. The day is the company's local date."""
    if event.status == EventStatus.DONE and event.partner_id and event.at <= timezone.now():
        on = timezone.localdate(event.at, timezone=timezone.get_default_timezone())
        activity.partner_contacted(partner_ids=[event.partner_id], on=on)


@transaction.atomic
def event_create(*, actor, data: EventInput) -> Event:
    resolved, participants, subject, tags = _validated(actor=actor, data=data)
    now = timezone.now()
    event = Event(
        kind=data.kind,
        direction=data.direction,
        status=data.status,
        importance=data.importance,
        title=data.title,
        content=data.content,
        result=data.result,
        start_at=data.start_at,
        end_at=data.end_at,
        time_spent_minutes=data.time_spent_minutes,
        done_at=_done_at(data.status),
        at=data.start_at or now,
        author=actor,
        **resolved,
    )
    event.save()
    _apply_subject(event, subject)
    event.save(update_fields=["subject_type", "subject_id", "thread_key"])
    _set_participants(event, participants)
    event.tags.set(tags)
    _replace_reminder(event, data.reminder)
    audit_created(actor=actor, instance=event, fields=EVENT_AUDITED_FIELDS)
    announce_contact(event)
    return event


def _editable_event(*, actor, event_id, for_update: bool = True) -> Event:
    event = event_get(actor=actor, event_id=event_id, for_update=for_update)
    if not can_edit_event(actor=actor, event=event):
        raise NotFound()
    return event


@transaction.atomic
def event_update(*, actor, event_id, data: EventInput) -> Event:
    event = _editable_event(actor=actor, event_id=event_id)
    resolved, participants, subject, tags = _validated(actor=actor, data=data)
    if subject is not None and isinstance(subject, Event) and subject.pk == event.pk:
        raise ValidationFailed(fields={"subject": [_("An event cannot be its own subject.")]})
    values = {
        "kind": data.kind,
        "direction": data.direction,
        "status": data.status,
        "importance": data.importance,
        "title": data.title,
        "content": data.content,
        "result": data.result,
        "start_at": data.start_at,
        "end_at": data.end_at,
        "time_spent_minutes": data.time_spent_minutes,
        "done_at": _done_at(data.status, event.done_at),
        "at": data.start_at or event.created_at,
        **resolved,
    }
    model_update(actor=actor, instance=event, data=values, fields=[*values])
    _apply_subject(event, subject)
    event.save(update_fields=["subject_type", "subject_id", "thread_key"])
    _set_participants(event, participants)
    event.tags.set(tags)
    _replace_reminder(event, data.reminder)
    announce_contact(event)
    return event


@transaction.atomic
def event_complete(*, actor, event_id, result: str, time_spent_minutes: int | None = None) -> Event:
    """Record what came of it: the result, the time spent, and the event is done."""
    event = _editable_event(actor=actor, event_id=event_id)
    if event.status == EventStatus.CANCELLED:
        raise ValidationFailed(_("A cancelled event cannot be completed."))
    errors = _Errors()
    if time_spent_minutes is not None and not 0 <= time_spent_minutes <= MAX_MINUTES_SPENT:
        errors.add("time_spent_minutes", _("Enter the time spent in minutes, up to a week."))
    errors.raise_if_any()
    model_update(
        actor=actor,
        instance=event,
        data={
            "status": EventStatus.DONE,
            "result": (result or "").strip(),
            "time_spent_minutes": time_spent_minutes,
            "done_at": event.done_at or timezone.now(),
        },
        fields=["status", "result", "time_spent_minutes", "done_at"],
    )
    _drop_pending_reminders(event)
    announce_contact(event)
    return event


@transaction.atomic
def event_set_status(*, actor, event_id, status: str) -> Event:
    event = _editable_event(actor=actor, event_id=event_id)
    if status not in EventStatus.values:
        raise ValidationFailed(fields={"status": [_("Choose one of the offered values.")]})
    model_update(
        actor=actor,
        instance=event,
        data={"status": status, "done_at": _done_at(status, event.done_at)},
        fields=["status", "done_at"],
    )
    if status in (EventStatus.DONE, EventStatus.CANCELLED):
        _drop_pending_reminders(event)
    announce_contact(event)
    return event


@transaction.atomic
def event_reschedule(*, actor, event_id, start_at, end_at=None) -> Event:
    """Move an event in time (dragged in a calendar); reminders set "N minutes before" move with it."""
    event = _editable_event(actor=actor, event_id=event_id)
    if start_at is None:
        raise ValidationFailed(fields={"start_at": [_("Enter the start.")]})
    if end_at is not None and end_at < start_at:
        raise ValidationFailed(fields={"end_at": [_("The end is before the start.")]})
    if not event.is_open:
        raise ValidationFailed(_("Only planned events can be moved."))
    model_update(
        actor=actor,
        instance=event,
        data={"start_at": start_at, "end_at": end_at, "at": start_at},
        fields=["start_at", "end_at", "at"],
    )
    for reminder in event.reminders.filter(fired_at__isnull=True, minutes_before__isnull=False):
        reminder.remind_at = start_at - datetime.timedelta(minutes=reminder.minutes_before)
        reminder.save(update_fields=["remind_at", "updated_at"])
    return event


@transaction.atomic
def participant_link_contact(*, actor, participant_id, contact_id) -> EventParticipant:
    """A participant typed in by name turns out to be a known contact person of the event's client."""
    participant = EventParticipant.objects.select_related("event").filter(pk=participant_id).first()
    if participant is None:
        raise NotFound()
    event = _editable_event(actor=actor, event_id=participant.event_id)
    if event.partner is None or not event.partner.contacts.filter(pk=contact_id).exists():
        raise ValidationFailed(fields={"contact": [_("A participant belongs to another client.")]})
    if event.participants.filter(contact_id=contact_id).exclude(pk=participant.pk).exists():
        raise ValidationFailed(fields={"contact": [_("This contact person already takes part.")]})
    before = str(participant)
    participant.contact_id = contact_id
    participant.save(update_fields=["contact", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=event,
        changes={"participants": [before, str(participant)]},
    )
    return participant


def _drop_pending_reminders(event: Event) -> None:
    event.reminders.filter(fired_at__isnull=True).delete()


def _replace_reminder(event: Event, reminder: ReminderInput | None) -> None:
    """The responsible user's pending reminder follows the form: replaced, or removed when cleared."""
    event.reminders.filter(fired_at__isnull=True).delete()
    if reminder is None or event.responsible_id is None or not event.is_open:
        return
    Reminder.objects.create(
        event=event,
        user_id=event.responsible_id,
        remind_at=_reminder_moment(reminder, event.start_at),
        minutes_before=reminder.minutes_before,
        by_email=reminder.by_email,
    )
