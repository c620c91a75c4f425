"""The reminder e-mail through a real SMTP server (aiosmtpd on a loopback port): sent once, in the user's
language and time zone, and never twice whatever the task's deliveries and the server's failures."""

import datetime
import logging

import pytest
from django.utils import timezone

from klientura.core.tests import smtp_server as smtp

from ..models import Event, EventStatus, Reminder
from ..reminders import ReminderEmailNotSent, reminder_email_send, reminders_fire_due
from ..tasks import reminder_email
from .factories import ReminderInput, client_with_contact, plan_call

smtp_server = smtp.smtp_server  # the fixture, visible to this module's tests
START = datetime.datetime(2031, 5, 12, 5, 30, tzinfo=datetime.UTC)


@pytest.fixture
def team(departments, settings):
    settings.SITE_URL = "https://crm.example.ru"
    departments.partner, departments.contact = client_with_contact(manager=departments.north_a)
    return departments


def fired_reminder(team, *, by_email=True, user=None, **overrides) -> Reminder:
    event = plan_call(
        actor=team.north_a,
        partner=team.partner,
        contact=team.contact,
        importance="high",
        title="Позвонить насчёт кроватей",
        content="Уточнить сроки отгрузки.",
        reminder=ReminderInput(minutes_before=30, by_email=by_email),
        **overrides,
    )
    Event.objects.filter(pk=event.pk).update(start_at=START, end_at=START + datetime.timedelta(hours=1))
    Reminder.objects.filter(event=event).update(remind_at=START - datetime.timedelta(minutes=30))
    reminders_fire_due(now=START - datetime.timedelta(minutes=29))
    return Reminder.objects.select_related("event").get(event=event)


def set_user(user, **values):
    for name, value in values.items():
        setattr(user, name, value)
    user.save()


def test_the_letter_goes_once_in_the_users_language_and_time_zone(team, smtp_server):
    set_user(team.north_a, timezone="Asia/Vladivostok", language="en", email="north.a@example.ru")
    reminder = fired_reminder(team)

    assert reminder_email_send(reminder_id=reminder.pk) is True

    [letter] = smtp_server.messages
    assert letter["To"] == "north.a@example.ru"
    assert letter["Subject"].strip() == "Reminder: ! Позвонить насчёт кроватей"  # folding adds a space
    assert letter["Auto-Submitted"] == "auto-generated"
    text = letter.get_content()
    assert "Phone call · ООО «Ромашка», Иванов Иван" in text
    assert "Starts at 05/12/2031 3:30 p.m." in text  # 05:30 UTC in Vladivostok, the English way
    assert "Уточнить сроки отгрузки." in text
    assert f"https://crm.example.ru/events/{reminder.event_id}/" in text
    assert smtp_server.envelopes[0].rcpt_tos == ("north.a@example.ru",)
    assert Reminder.objects.get(pk=reminder.pk).emailed_at is not None


def test_a_russian_user_gets_russian_dates(team, smtp_server):
    set_user(team.north_a, timezone="Europe/Moscow", language="ru")
    reminder = fired_reminder(team)

    reminder_email_send(reminder_id=reminder.pk)

    assert "12.05.2031 08:30" in smtp_server.messages[0].get_content()


def test_a_second_delivery_of_the_task_sends_nothing(team, smtp_server):
    reminder = fired_reminder(team)
    reminder_email.delay(reminder.pk)
    sent_at = Reminder.objects.get(pk=reminder.pk).emailed_at

    reminder_email.delay(reminder.pk)
    assert reminder_email_send(reminder_id=reminder.pk) is False

    assert len(smtp_server.messages) == 1
    assert Reminder.objects.get(pk=reminder.pk).emailed_at == sent_at


@pytest.mark.parametrize(
    "case",
    ["not asked", "not fired yet", "event done", "user without e-mail", "user inactive"],
)
def test_no_letter_when_there_is_nothing_to_send(team, smtp_server, case):
    reminder = fired_reminder(team, by_email=case != "not asked")
    if case == "not fired yet":
        Reminder.objects.filter(pk=reminder.pk).update(fired_at=None)
    elif case == "event done":
        Event.objects.filter(pk=reminder.event_id).update(status=EventStatus.DONE)
    elif case == "user without e-mail":
        set_user(team.north_a, email="")
    elif case == "user inactive":
        set_user(team.north_a, is_active=False)

    assert reminder_email_send(reminder_id=reminder.pk) is False

    assert not smtp_server.messages
    assert Reminder.objects.get(pk=reminder.pk).emailed_at is None


def test_a_mail_server_that_is_down_leaves_the_letter_for_a_retry(team, smtp_server, settings):
    reminder = fired_reminder(team)
    settings.EMAIL_PORT = smtp.closed_port()

    with pytest.raises(ReminderEmailNotSent):
        reminder_email_send(reminder_id=reminder.pk)
    assert Reminder.objects.get(pk=reminder.pk).emailed_at is None

    settings.EMAIL_PORT = smtp_server.port  # the server is back: the retry sends it
    assert reminder_email_send(reminder_id=reminder.pk) is True
    assert len(smtp_server.messages) == 1


def test_a_temporary_refusal_is_retried(team, smtp_server):
    reminder = fired_reminder(team)
    smtp_server.reject_with = "451 4.3.0 Try again later"

    with pytest.raises(ReminderEmailNotSent):
        reminder_email_send(reminder_id=reminder.pk)

    assert Reminder.objects.get(pk=reminder.pk).emailed_at is None
    smtp_server.reject_with = None
    assert reminder_email_send(reminder_id=reminder.pk) is True


def test_a_permanent_refusal_is_logged_and_not_retried(team, smtp_server, caplog):
    reminder = fired_reminder(team)
    smtp_server.reject_with = "554 5.7.1 Rejected"

    with caplog.at_level(logging.ERROR, logger="klientura.interactions.reminders"):
        assert reminder_email_send(reminder_id=reminder.pk) is False

    assert "refused" in caplog.text
    assert not smtp_server.messages
    assert Reminder.objects.get(pk=reminder.pk).emailed_at is None


def test_a_letter_being_sent_by_another_worker_is_not_sent_again(team, smtp_server):
    reminder = fired_reminder(team)
    Reminder.objects.filter(pk=reminder.pk).update(emailed_at=timezone.now())  # another worker's claim

    assert reminder_email_send(reminder_id=reminder.pk) is False

    assert not smtp_server.messages
