"""The demo's interactions and surveys: written in bulk, but holding what the interaction services
would have written — checked rule by rule on the seeded rows."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from klientura.accounts.models import User
from klientura.core.models import AuditEntry
from klientura.interactions.models import (
    OPEN_STATUSES,
    Direction,
    Event,
    EventKind,
    EventParticipant,
    EventStatus,
    Importance,
    Reminder,
)
from klientura.interactions.models_surveys import (
    AnsweredBy,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyAnswerChoice,
    SurveyStatus,
    SurveyTemplate,
)
from klientura.interactions.selectors_reports import CalendarFilters, calendar_report
from klientura.parties.models import Partner
from klientura.sales.models import Order
from klientura.segments.models import ExchangeRelease
from klientura.web.seeding import events as seeding
from klientura.web.seeding.run import demo_seed

pytestmark = pytest.mark.django_db
CLIENTS = 50


@pytest.fixture
def seeded():
    started = timezone.now()
    result = demo_seed(clients=CLIENTS, seed=4, password="x")
    return started, result


def test_every_client_of_a_small_demo_has_a_history(seeded):
    _started, result = seeded
    managed = Partner.objects.filter(manager__isnull=False)
    assert managed.count() > 40 and not managed.filter(events__isnull=True).exists()
    # Clients put on the exchange by the seed have no manager and no events; those the zones released
    # later kept the events their manager had with them.
    unmanaged = Event.objects.filter(partner__manager__isnull=True)
    assert not unmanaged.exclude(partner__exchange_releases__isnull=False).exists()
    assert result.counts["events"] == Event.objects.count() > 5 * CLIENTS
    assert result.counts["reminders"] == Reminder.objects.count() > 0
    assert set(Event.objects.values_list("kind", flat=True)) == set(EventKind.values)
    assert set(Event.objects.values_list("direction", flat=True)) == set(Direction.values)
    assert set(Event.objects.values_list("status", flat=True)) == {"done", "planned", "cancelled"}
    assert set(Event.objects.values_list("importance", flat=True)) == set(Importance.values)
    assert EventParticipant.objects.filter(event__kind=EventKind.MEETING).exists()
    assert not AuditEntry.objects.exists()


def test_events_hold_what_the_services_would_write(seeded):
    started, _result = seeded
    managers = dict(Partner.objects.values_list("pk", "manager_id"))
    # A client the zones sent to the exchange had its events with the manager who had it then.
    managers.update(ExchangeRelease.objects.values_list("partner_id", "manager_id"))
    contacts = set(Partner.contacts.through.objects.values_list("partner_id", "contactperson_id"))
    for event in Event.objects.all():
        assert event.responsible_id == event.author_id == managers[event.partner_id]
        assert event.contact_id is None or (event.partner_id, event.contact_id) in contacts
        assert event.at == event.start_at and event.title
        assert event.end_at is None or event.end_at >= event.start_at
        if event.status == EventStatus.DONE:
            assert event.done_at is not None and event.time_spent_minutes is not None and event.result
        else:
            assert event.done_at is None and event.time_spent_minutes is None
        if event.subject_type_id is None:
            assert event.thread_key == f"event:{event.pk}"
        if event.at < started:
            assert event.created_at == event.at


def test_threads_about_orders_and_replies_to_mail(seeded):
    order_type = ContentType.objects.get_for_model(Order)
    about_orders = Event.objects.filter(subject_type=order_type)
    assert about_orders.exists()
    orders = {o.pk: o for o in Order.objects.filter(pk__in=about_orders.values("subject_id"))}
    for event in about_orders:
        assert event.thread_key == f"sales.order:{event.subject_id}"
        assert orders[event.subject_id].partner_id == event.partner_id
    replies = Event.objects.filter(subject_type=ContentType.objects.get_for_model(Event))
    assert replies.exists()
    for reply in replies.select_related("partner"):
        parent = Event.objects.get(pk=reply.subject_id)
        assert (parent.kind, parent.direction, reply.direction) == ("email", "incoming", "outgoing")
        assert reply.thread_key == parent.thread_key == f"event:{parent.pk}"
        assert reply.partner_id == parent.partner_id and reply.at > parent.at
        assert reply.title == f"Re: {parent.title}" and reply.email_to == parent.email_from
    # A thread is one indexed lookup: the order's events come back together.
    busiest = about_orders.values("thread_key").annotate(n=Count("id")).order_by("-n").first()
    assert busiest["n"] >= 2


def test_open_work_ahead_overdue_and_reminders(seeded):
    started, _result = seeded
    open_events = Event.objects.filter(status__in=OPEN_STATUSES)
    assert open_events.filter(start_at__lt=started).exists()  # overdue
    assert open_events.filter(start_at__gt=started, importance=Importance.HIGH).exists()
    for reminder in Reminder.objects.select_related("event"):
        event = reminder.event
        assert event.status in OPEN_STATUSES and reminder.user_id == event.responsible_id
        assert reminder.remind_at == event.start_at - datetime.timedelta(minutes=reminder.minutes_before)
        assert reminder.remind_at > started and reminder.fired_at is None
    assert Reminder.objects.filter(by_email=True).exists()


def test_the_quality_survey_with_answers(seeded):
    _started, result = seeded
    template = SurveyTemplate.objects.get(name="Опрос клиента о качестве работы")
    scale, choice, text = template.questions.order_by("position")
    assert (scale.kind, scale.text) == (QuestionKind.SCALE10, "Оцените качество обслуживания")
    assert (choice.kind, choice.text, choice.choices) == (
        QuestionKind.SINGLE,
        "Порекомендуете ли нас?",
        ["Да", "Нет", "Не знаю"],
    )
    assert (text.kind, text.text) == (QuestionKind.TEXT, "Что улучшить?")
    answered = Survey.objects.filter(status=SurveyStatus.ANSWERED)
    assert answered.count() == seeding.SURVEYS_ANSWERED and result.counts["surveys"] == Survey.objects.count()
    waiting = Survey.objects.filter(status=SurveyStatus.WAITING)
    assert waiting.count() == seeding.SURVEYS_WAITING
    for survey in answered.select_related("event"):
        assert survey.event.status == EventStatus.DONE and survey.answered_at == survey.event.done_at
        assert survey.event.title == template.name and survey.link_nonce
        expected_recorder = survey.event.responsible_id if survey.answered_by == AnsweredBy.MANAGER else None
        assert survey.recorded_by_id == expected_recorder
    for survey in waiting.select_related("event"):
        assert survey.event.status == EventStatus.PLANNED and not survey.answers.exists()
    numbers = list(SurveyAnswer.objects.filter(question=scale).values_list("number", flat=True))
    assert len(numbers) == seeding.SURVEYS_ANSWERED and all(1 <= n <= 10 for n in numbers)
    options = SurveyAnswerChoice.objects.values_list("option", flat=True)
    assert options.count() == seeding.SURVEYS_ANSWERED and set(options) <= {"Да", "Нет", "Не знаю"}
    assert SurveyAnswer.objects.filter(question=text).exclude(text="").exists()


def test_the_reports_have_something_to_show(seeded):
    head = User.objects.get(username="head1")
    report = calendar_report(actor=head, filters=CalendarFilters())
    assert report.rows and report.totals.overdue > 0
    assert sum(row.total for row in report.rows) == report.totals.total


def test_a_second_run_gives_events_to_the_new_clients_only(seeded):
    before = dict(Event.objects.values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    demo_seed(clients=10, seed=4, password="x", append=True)
    after = dict(Event.objects.values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    assert {pk: after[pk] for pk in before} == before
    managed = Partner.objects.filter(Q(manager__isnull=False) | Q(exchange_releases__isnull=False))
    assert set(after) == set(managed.values_list("pk", flat=True)) and len(after) > len(before)
    assert SurveyTemplate.objects.filter(name=seeding.SURVEY_NAME).count() == 1
    assert not Event.objects.filter(Q(thread_key="") | Q(responsible__isnull=True)).exists()


def test_events_delete_lets_the_clients_go(seeded):
    seeding.events_delete()
    assert not Event.objects.exists() and not Survey.objects.exists() and not Reminder.objects.exists()
    assert SurveyTemplate.objects.filter(name=seeding.SURVEY_NAME).exists()


def test_the_zone_dashboard_has_a_trend_of_twelve_weeks_from_the_seeded_history(seeded):
    from klientura.segments.models import ZoneSnapshot
    from klientura.segments.selectors_zones import zone_trend

    _started, result = seeded
    assert result.counts["zone trend weeks from history"] == 12
    director = User.objects.get(username="director")
    trend = zone_trend(actor=director, today=timezone.localdate(), weeks=13)
    assert all(trend.days) and ZoneSnapshot.objects.values("day").distinct().count() == 13
    totals = [sum(trend.series[zone][i] or 0 for zone in ("green", "yellow", "red")) for i in range(13)]
    assert totals[0] <= totals[-1] and totals[0] > 0  # the base grows: fewer clients long ago
