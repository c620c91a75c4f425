"""Firing reminders: what is due fires once, with the right text; two claimers never fire one twice."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from ..models import Event, EventStatus, Notification, Reminder
from ..reminders import reminder_text, reminders_fire_due
from .factories import ReminderInput, client_with_contact, plan_call

START = datetime.timedelta(hours=2)


@pytest.fixture
def team(departments):
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def call_with_reminder(team, *, minutes_before=15, by_email=False, start_in=START, **overrides) -> Event:
    return plan_call(
        actor=team.north_a,
        partner=team.partner,
        contact=team.contact,
        start_in=start_in,
        reminder=ReminderInput(minutes_before=minutes_before, by_email=by_email),
        **overrides,
    )


def reminder_of(event) -> Reminder:
    return Reminder.objects.get(event=event)


def test_only_due_reminders_fire(team):
    soon = call_with_reminder(team, start_in=datetime.timedelta(hours=1))
    later = call_with_reminder(team, start_in=datetime.timedelta(hours=3))
    moment = reminder_of(soon).remind_at

    assert reminders_fire_due(now=moment - datetime.timedelta(seconds=1)) == 0
    assert reminders_fire_due(now=moment) == 1

    fired, waiting = reminder_of(soon), reminder_of(later)
    assert fired.fired_at == moment
    assert fired.fired_by  # host:pid of the worker
    assert waiting.fired_at is None
    notification = Notification.objects.get()
    assert notification.reminder == fired
    assert notification.user == team.north_a
    assert notification.event == soon
    assert notification.url == f"/events/{soon.pk}/"
    assert notification.read_at is None


def test_a_reminder_fires_once_however_often_the_job_runs(team):
    event = call_with_reminder(team)
    now = event.start_at

    assert reminders_fire_due(now=now) == 1
    first = reminder_of(event)
    assert reminders_fire_due(now=now) == 0
    assert reminders_fire_due(now=now + datetime.timedelta(days=1)) == 0

    assert Notification.objects.count() == 1
    assert reminder_of(event).fired_at == first.fired_at


def test_a_backlog_larger_than_a_batch_is_drained_in_one_run(team):
    events = [call_with_reminder(team, start_in=START + datetime.timedelta(minutes=i)) for i in range(7)]

    assert reminders_fire_due(now=events[-1].start_at, batch=3) == 7

    assert Notification.objects.count() == 7
    assert not Reminder.objects.filter(fired_at__isnull=True).exists()


@pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.DONE])
def test_a_reminder_of_a_closed_event_is_spent_without_a_notification(team, status):
    event = call_with_reminder(team)
    # Behind the services' back (they drop pending reminders when an event closes): the job must cope.
    Event.objects.filter(pk=event.pk).update(status=status)

    assert reminders_fire_due(now=event.start_at) == 0

    reminder = reminder_of(event)
    assert reminder.fired_at == event.start_at
    assert "skipped" in reminder.fired_by
    assert not Notification.objects.exists()
    assert reminders_fire_due(now=event.start_at) == 0  # not claimed again


def test_a_reminder_of_a_user_who_left_notifies_nobody(team):
    event = call_with_reminder(team)
    team.north_a.is_active = False
    team.north_a.save(update_fields=["is_active"])

    assert reminders_fire_due(now=event.start_at) == 0

    assert reminder_of(event).fired_at is not None
    assert not Notification.objects.exists()


def test_the_text_has_the_mark_topic_client_and_start_in_the_users_time_zone(team):
    team.north_a.timezone = "Asia/Vladivostok"  # UTC+10, no summer time
    team.north_a.language = "ru"
    team.north_a.save()
    event = call_with_reminder(team, importance="high", title="Позвонить насчёт кроватей")
    start = datetime.datetime(2031, 5, 12, 5, 30, tzinfo=datetime.UTC)
    Event.objects.filter(pk=event.pk).update(start_at=start, end_at=start + datetime.timedelta(hours=1))

    title, body = reminder_text(reminder_of(event))

    assert title == "! Позвонить насчёт кроватей"
    assert "ООО «Ромашка», Иванов Иван" in body
    assert "12.05.2031 15:30" in body  # 05:30 UTC is 15:30 in Vladivostok, written the Russian way


def test_the_text_follows_the_users_language_and_low_importance_mark(team):
    team.north_a.timezone = "America/New_York"
    team.north_a.language = "en"
    team.north_a.save()
    event = call_with_reminder(team, importance="low", title="Send the catalogue")
    start = datetime.datetime(2031, 1, 15, 17, 0, tzinfo=datetime.UTC)
    Event.objects.filter(pk=event.pk).update(start_at=start, end_at=start + datetime.timedelta(hours=1))

    title, body = reminder_text(reminder_of(event))

    assert title == "↓ Send the catalogue"
    assert body.splitlines() == ["Phone call · ООО «Ромашка», Иванов Иван", "Starts at 01/15/2031 noon"]


def test_the_stored_notification_carries_that_text(team):
    event = call_with_reminder(team, importance="high")

    reminders_fire_due(now=event.start_at)

    notification = Notification.objects.get()
    assert (notification.title, notification.body) == reminder_text(reminder_of(event))
    assert notification.title.startswith("! ")


def test_an_email_reminder_is_sent_after_the_commit(team, django_capture_on_commit_callbacks):
    by_email = call_with_reminder(team, by_email=True)
    call_with_reminder(team, by_email=False, start_in=START + datetime.timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reminders_fire_due(now=by_email.start_at + datetime.timedelta(minutes=5))
    assert len(callbacks) == 1  # one letter queued, and only once the notifications are committed
    assert not mail.outbox

    callbacks[0]()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [team.north_a.email]
    assert reminder_of(by_email).emailed_at is not None


# --- Two claimers at once ----------------------------------------------------------------------------


def _in_thread(target, results, key, *args, **kwargs):
    try:
        results[key] = target(*args, **kwargs)
    except Exception as exc:  # reported by the test
        results[key] = exc
    finally:
        connection.close()


def _many_due_reminders(team, count: int) -> datetime.datetime:
    for i in range(count):
        call_with_reminder(team, start_in=START + datetime.timedelta(seconds=i))
    return timezone.now() + START + datetime.timedelta(hours=1)


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_fire_each_reminder_exactly_once(team):
    now = _many_due_reminders(team, 60)
    start_together = threading.Barrier(2)
    results = {}

    def worker():
        start_together.wait(timeout=10)
        return reminders_fire_due(now=now, batch=7)

    threads = [threading.Thread(target=_in_thread, args=(worker, results, i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(isinstance(r, Exception) for r in results.values()), results
    assert results[0] + results[1] == 60
    assert Notification.objects.count() == 60
    assert set(Notification.objects.values_list("reminder_id", flat=True)) == set(
        Reminder.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_postgresql_claims_skip_the_rows_another_worker_holds(team):
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are PostgreSQL's; SQLite serialises whole transactions")
    from django.db import transaction

    from .. import reminders

    now = _many_due_reminders(team, 10)
    holding, release = threading.Event(), threading.Event()
    results = {}

    def slow_worker():
        with transaction.atomic():
            claimed = [r.pk for r in reminders._claim(now=now, batch=4)]
            holding.set()
            release.wait(timeout=30)
            raise RuntimeError(claimed)  # dies mid-batch: its claim rolls back

    slow = threading.Thread(target=_in_thread, args=(slow_worker, results, "slow"))
    slow.start()
    assert holding.wait(timeout=10)
    fast = threading.Thread(target=_in_thread, args=(lambda: reminders_fire_due(now=now), results, "fast"))
    fast.start()
    fast.join(timeout=10)
    assert not fast.is_alive(), "the second worker waited for the first one's locks"
    release.set()
    slow.join(timeout=10)

    held = set(results["slow"].args[0])
    assert len(held) == 4
    assert results["fast"] == 6
    notified = set(Notification.objects.values_list("reminder_id", flat=True))
    assert notified.isdisjoint(held)
    assert reminders_fire_due(now=now) == 4  # what the dead worker held fires on the next run, once
    assert Notification.objects.count() == 10
