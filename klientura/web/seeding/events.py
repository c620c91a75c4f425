"""Demo interactions: half a year of calls, meetings, e-mails and SMS with the seeded clients, threads
about their orders, planned work ahead with reminders (some of it overdue, some due today), and the
client survey «Опрос клиента о качестве работы» with a few dozen answered questionnaires.

Written with ``bulk_create`` for the reason given in ``run``, but holding what the services would
have stored (``interactions.services.event_create``, ``services_surveys``): the responsible user is
the author, ``at`` is the start, a done event has ``done_at`` and an open one has none, a thread
key is "event:<id>" or the subject's ("sales.order:<id>"), a reply joins its parent's thread, a
reminder belongs to an open event and is set N minutes before its start. tests/test_seed_events.py
checks every one of these rules on the seeded rows.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field
from random import Random

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from klientura.accounts.models import User
from klientura.interactions import subjects
from klientura.interactions.models import (
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
    SurveyQuestion,
    SurveyStatus,
    SurveyTemplate,
)
from klientura.parties.models import ContactInfo, ContactKind, Partner
from klientura.sales.models import OPEN_ORDER_STATUSES, Order, OrderStatus
from klientura.web.seeding.context import SeedContext
from klientura.web.seeding.events_texts import (
    CANCELLED_RESULTS,
    IMPROVE,
    IN,
    KIND_WEIGHTS,
    MINUTES,
    OUT,
    REPLIES,
    TOPICS,
)

MAX_EVENT_CLIENTS = 20_000
BATCH_CLIENTS = 300
SURVEYS_ANSWERED = 36
SURVEYS_WAITING = 6
SURVEY_NAME = "Опрос клиента о качестве работы"
SURVEY_QUESTIONS = (
    ("Оцените качество обслуживания", QuestionKind.SCALE10, [], True),
    ("Порекомендуете ли нас?", QuestionKind.SINGLE, ["Да", "Нет", "Не знаю"], True),
    ("Что улучшить?", QuestionKind.TEXT, [], False),
)
DONE, PLANNED = EventStatus.DONE.value, EventStatus.PLANNED.value


def event_clients(clients: int) -> int:
    """How many of the run's clients get a history: all of a small demo, a few hundred more by default."""
    return min(clients, 300 + clients // 20, MAX_EVENT_CLIENTS)


# ------------------------------------------------------------------------------------- clients


@dataclass
class Person:
    id: int
    name: str
    email: str = ""


@dataclass
class Client:
    partner_id: int
    manager_id: int
    manager_email: str
    contacts: list[Person] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)  # the latest few, newest first


def clients_pick(rng: Random, count: int) -> list[int]:
    """Clients with a manager and no events yet; those with orders first, so their threads show."""
    candidates = Partner.objects.filter(manager__isnull=False, merged_into=None, events__isnull=True)
    ids = sorted(candidates.values_list("pk", flat=True))
    with_orders = sorted(set(candidates.filter(orders__isnull=False).values_list("pk", flat=True)))
    chosen = rng.sample(with_orders, min(count, len(with_orders)))
    others = sorted(set(ids) - set(with_orders))
    chosen += rng.sample(others, min(count - len(chosen), len(others)))
    return sorted(chosen)


def clients_load(partner_ids: list[int]) -> list[Client]:
    """The clients with their contact persons (and e-mails) and latest orders: four queries a batch."""
    partners = Partner.objects.filter(pk__in=partner_ids).order_by("pk").values_list("pk", "manager_id")
    managers = dict(User.objects.filter(led_partners__in=partner_ids).values_list("pk", "email").distinct())
    clients = {pk: Client(pk, manager_id, managers.get(manager_id, "")) for pk, manager_id in partners}
    links = Partner.contacts.through.objects.filter(partner_id__in=partner_ids).order_by("contactperson_id")
    people: dict[int, Person] = {}
    for partner_id, contact_id, name in links.values_list(
        "partner_id", "contactperson_id", "contactperson__full_name"
    ):
        person = people.setdefault(contact_id, Person(contact_id, name))
        clients[partner_id].contacts.append(person)
    emails = ContactInfo.objects.filter(contact_id__in=list(people), kind=ContactKind.EMAIL).order_by(
        "-is_main", "id"
    )
    for contact_id, value in emails.values_list("contact_id", "value"):
        people[contact_id].email = people[contact_id].email or value
    orders = (
        Order.objects.filter(partner_id__in=partner_ids)
        .exclude(status=OrderStatus.QUOTE)
        .order_by("-date", "-id")
    )
    for order in orders.values("pk", "number", "date", "status", "expected_shipment_date", "partner_id"):
        if len(clients[order["partner_id"]].orders) < 3:
            clients[order["partner_id"]].orders.append(order)
    return list(clients.values())


# ------------------------------------------------------------------------------------- one client


@dataclass
class Draft:
    """An event and what hangs off it, before it has an id."""

    event: Event
    reply_to: Draft | None = None
    reminder: tuple[int, bool] | None = None  # minutes before the start, also by e-mail
    participant_id: int | None = None  # a contact person taking part in a meeting
    survey: dict | None = None  # {"answers": [...] or None (waiting), "by": AnsweredBy}


class HistoryBuild:
    """One client's interactions, built in memory as the services would write them."""

    def __init__(self, rng: Random, ctx: SeedContext, client: Client, order_type_id: int, event_type_id: int):
        self.rng, self.ctx, self.client = rng, ctx, client
        self.order_type_id, self.event_type_id = order_type_id, event_type_id
        self.drafts: list[Draft] = []

    def moment(self, day: datetime.date, *, hour: int | None = None) -> datetime.datetime:
        """A working-hours time on the day, in the server's time zone (Moscow for the demo)."""
        hour = self.rng.randint(9, 17) if hour is None else hour
        naive = datetime.datetime.combine(day, datetime.time(hour, self.rng.choice((0, 10, 15, 30, 40, 45))))
        return timezone.make_aware(naive)

    def add(self, kind: str, direction: str, topic: tuple, start: datetime.datetime, **values) -> Draft:
        status = values.pop("status", DONE)
        contact = values.pop("contact", None) or self._contact()
        minutes = self.rng.choice(MINUTES[kind]) if status == DONE else None
        end = (
            start + datetime.timedelta(minutes=minutes or 30)
            if kind in (EventKind.CALL, EventKind.MEETING)
            else None
        )
        event = Event(
            kind=kind,
            direction=direction,
            status=status,
            importance=values.pop("importance", Importance.NORMAL),
            title=topic[0],
            content=topic[1],
            result=topic[2] if status == DONE else "",
            partner_id=self.client.partner_id,
            contact_id=contact.id if contact else None,
            responsible_id=self.client.manager_id,
            author_id=self.client.manager_id,
            start_at=start,
            end_at=end,
            time_spent_minutes=minutes,
            done_at=(end or start) if status == DONE else None,
            at=start,
            **values,
        )
        if kind == EventKind.EMAIL:
            ours, theirs = self.client.manager_email, contact.email if contact else ""
            event.email_from, event.email_to = (ours, theirs) if direction == OUT else (theirs, ours)
        draft = Draft(event, participant_id=contact.id if contact and kind == EventKind.MEETING else None)
        self.drafts.append(draft)
        return draft

    def _contact(self) -> Person | None:
        return self.rng.choice(self.client.contacts) if self.client.contacts else None

    def about_order(self, order: dict) -> dict:
        return {"subject_type_id": self.order_type_id, "subject_id": order["pk"],
                "thread_key": subjects.thread_key_for("sales.order", order["pk"])}  # fmt: skip

    def day_back(self, low: int, high: int) -> datetime.date:
        return self.ctx.today - datetime.timedelta(days=self.rng.randint(low, high))


def _history(build: HistoryBuild) -> None:
    """Contacts of the last half year, done (a few cancelled); some incoming mail got a reply."""
    rng = build.rng
    for _n in range(rng.randint(2, 7)):
        kind, direction = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        start = build.moment(build.day_back(1, 180))
        cancelled = kind == EventKind.MEETING and rng.random() < 0.15
        status = EventStatus.CANCELLED.value if cancelled else DONE
        draft = build.add(kind, direction, rng.choice(TOPICS[(kind, direction)]), start, status=status)
        if cancelled:
            draft.event.result = rng.choice(CANCELLED_RESULTS)
        if kind == EventKind.EMAIL and direction == IN and rng.random() < 0.6:
            _reply(build, draft)


def _reply(build: HistoryBuild, parent: Draft) -> None:
    start = parent.event.start_at + datetime.timedelta(minutes=build.rng.choice((20, 45, 90, 180)))
    topic = (f"Re: {parent.event.title}", "Ответ на письмо клиента", build.rng.choice(REPLIES))
    contact = next((p for p in build.client.contacts if p.id == parent.event.contact_id), None)
    reply = build.add(
        EventKind.EMAIL, OUT, topic, start, contact=contact, subject_type_id=build.event_type_id
    )
    reply.reply_to = parent


def _order_threads(build: HistoryBuild) -> None:
    """A call before the order, the invoice by e-mail, and for an open order the delivery call ahead."""
    for order in build.client.orders:
        number = order["number"]
        talk = ("Обсуждение заказа", f"Состав и сроки заказа {number}", "Клиент подтвердил заказ")
        before = order["date"] - datetime.timedelta(days=build.rng.randint(1, 3))
        build.add(EventKind.CALL, OUT, talk, build.moment(before), **build.about_order(order))
        invoice = (f"Счёт по заказу {number}", "Во вложении счёт на оплату", "Отправлено")
        build.add(EventKind.EMAIL, OUT, invoice, build.moment(order["date"]), **build.about_order(order))
        shipment = order["expected_shipment_date"]
        if order["status"] in OPEN_ORDER_STATUSES and shipment:
            _delivery_call(build, order, build.moment(shipment - datetime.timedelta(days=1), hour=11))


def _delivery_call(build: HistoryBuild, order: dict, start: datetime.datetime) -> None:
    """Done when the delivery is long past, overdue when it slipped this week, planned with a reminder
    when it is ahead."""
    topic = (f"Согласовать доставку по заказу {order['number']}", "Дата, время, подъём на этаж")
    if start < build.ctx.now - datetime.timedelta(days=7):
        build.add(EventKind.CALL, OUT, (*topic, "Доставку согласовали"), start, **build.about_order(order))
        return
    draft = build.add(EventKind.CALL, OUT, (*topic, ""), start, status=PLANNED, **build.about_order(order))
    if start - datetime.timedelta(minutes=60) > build.ctx.now:
        draft.reminder = (60, False)


def _ahead(build: HistoryBuild) -> None:
    """What is planned: later this month, some of it important, some overdue, some due today."""
    rng = build.rng
    for _n in range(rng.choice((0, 1, 1, 2))):
        kind = rng.choice((EventKind.CALL, EventKind.CALL, EventKind.MEETING))
        start = build.moment(build.ctx.today + datetime.timedelta(days=rng.randint(1, 21)))
        importance = rng.choices(list(Importance.values), weights=(2, 7, 1))[0]
        draft = build.add(
            kind, OUT, rng.choice(TOPICS[(kind, OUT)]), start, status=PLANNED, importance=importance
        )
        draft.reminder = (rng.choice((15, 30, 60)), rng.random() < 0.3)
    if rng.random() < 0.2:
        start = build.moment(build.day_back(1, 10))
        importance = Importance.HIGH if rng.random() < 0.3 else Importance.NORMAL
        build.add(EventKind.CALL, OUT, rng.choice(TOPICS[(EventKind.CALL, OUT)]), start, status=PLANNED,
                  importance=importance)  # fmt: skip
    if rng.random() < 0.12:
        soon = build.ctx.now + datetime.timedelta(minutes=rng.choice((30, 60, 90, 120, 180, 240)))
        start = soon.replace(second=0, microsecond=0)
        draft = build.add(EventKind.CALL, OUT, rng.choice(TOPICS[(EventKind.CALL, OUT)]), start, status=PLANNED,
                          importance=Importance.HIGH)  # fmt: skip
        draft.reminder = (15, False)


def _survey(build: HistoryBuild, answered: bool) -> None:
    """The quality survey as a call (services_surveys.survey_plan), answered or waiting for the client."""
    rng = build.rng
    topic = (SURVEY_NAME, f"Анкета: {SURVEY_NAME}", "")
    if not answered:
        start = build.moment(build.ctx.today + datetime.timedelta(days=rng.randint(1, 14)))
        draft = build.add(EventKind.CALL, OUT, topic, start, status=PLANNED)
        draft.survey = {"answers": None, "by": ""}
        return
    score = rng.choices(range(1, 11), weights=(1, 1, 1, 2, 3, 5, 9, 14, 16, 12))[0]
    if score >= 8:
        recommend = rng.choices(("Да", "Не знаю"), weights=(9, 1))[0]
    else:
        recommend = rng.choice(("Нет", "Не знаю") if score <= 4 else ("Да", "Нет", "Не знаю"))
    text = rng.choice(IMPROVE["good" if score >= 7 else "bad"])
    by_client = rng.random() < 0.3
    result = "Клиент ответил по ссылке" if by_client else "Опрос проведён: ответы на все вопросы"
    draft = build.add(EventKind.CALL, OUT, (*topic[:2], result), build.moment(build.day_back(1, 120)))
    draft.survey = {
        "answers": [score, recommend, text],
        "by": AnsweredBy.CLIENT if by_client else AnsweredBy.MANAGER,
    }


def history_build(build: HistoryBuild, survey: str = "") -> list[Draft]:
    _history(build)
    _order_threads(build)
    _ahead(build)
    if survey:
        _survey(build, answered=survey == "answered")
    return build.drafts


# ------------------------------------------------------------------------------------- writing


def survey_template_ensure() -> tuple[SurveyTemplate, list[SurveyQuestion]]:
    """The demo's questionnaire, found again by its name on a second run."""
    template = SurveyTemplate.objects.filter(name=SURVEY_NAME).first()
    if template is None:
        template = SurveyTemplate.objects.create(
            name=SURVEY_NAME,
            event_title=SURVEY_NAME,
            description="Помогите нам стать лучше: три коротких вопроса о нашей работе.",
        )
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(
                template=template, position=n, text=text, kind=kind, choices=choices, required=required
            )
            for n, (text, kind, choices, required) in enumerate(SURVEY_QUESTIONS, start=1)
        )
    return template, list(template.questions.order_by("position", "id"))


def _events_write(drafts: list[Draft], now: datetime.datetime) -> list[int]:
    """Parents first, then replies pointing at them; then the thread key of every event without a
    subject becomes "event:<its id>" in one UPDATE, as event_create does after its first save."""
    firsts = [d.event for d in drafts if d.reply_to is None]
    Event.objects.bulk_create(firsts, batch_size=500)
    replies = [d for d in drafts if d.reply_to is not None]
    for draft in replies:
        parent = draft.reply_to.event
        draft.event.subject_id = parent.pk
        draft.event.thread_key = parent.thread_key or f"event:{parent.pk}"
    Event.objects.bulk_create([d.event for d in replies], batch_size=500)
    ids = [d.event.pk for d in drafts]
    written = Event.objects.filter(pk__in=ids)
    written.filter(thread_key="").update(thread_key=Concat(Value("event:"), Cast("id", CharField())))
    written.filter(at__lt=now).update(created_at=F("at"))  # recorded when they happened
    return ids


def _surveys_write(drafts: list[Draft], template: SurveyTemplate, questions: list[SurveyQuestion]) -> Counter:
    planned = [d for d in drafts if d.survey is not None]
    surveys = []
    for draft in planned:
        answered = draft.survey["answers"] is not None
        event = draft.event
        surveys.append(
            Survey(
                event=event,
                template=template,
                status=SurveyStatus.ANSWERED if answered else SurveyStatus.WAITING,
                answered_at=event.done_at if answered else None,
                answered_by=draft.survey["by"],
                recorded_by_id=event.responsible_id if draft.survey["by"] == AnsweredBy.MANAGER else None,
                link_nonce=secrets.token_urlsafe(16),
            )
        )
    Survey.objects.bulk_create(surveys)
    answers, chosen = [], []
    for survey, draft in zip(surveys, planned, strict=True):
        if draft.survey["answers"] is None:
            continue
        score, recommend, text = draft.survey["answers"]
        answers.append(SurveyAnswer(survey=survey, question=questions[0], number=score))
        choice = SurveyAnswer(survey=survey, question=questions[1])
        answers.append(choice)
        chosen.append((choice, recommend))
        if text:
            answers.append(SurveyAnswer(survey=survey, question=questions[2], text=text))
    SurveyAnswer.objects.bulk_create(answers)
    SurveyAnswerChoice.objects.bulk_create(
        SurveyAnswerChoice(answer=answer, question_id=answer.question_id, option=option)
        for answer, option in chosen
    )
    return Counter({"surveys": len(surveys), "survey_answers": len(answers)})


def drafts_write(drafts: list[Draft], now: datetime.datetime, survey: tuple | None = None) -> Counter:
    ids = _events_write(drafts, now)
    reminders = [
        Reminder(
            event=d.event,
            user_id=d.event.responsible_id,
            remind_at=d.event.start_at - datetime.timedelta(minutes=d.reminder[0]),
            minutes_before=d.reminder[0],
            by_email=d.reminder[1],
        )
        for d in drafts
        if d.reminder is not None
    ]
    Reminder.objects.bulk_create(reminders)
    participants = [
        EventParticipant(event=d.event, contact_id=d.participant_id) for d in drafts if d.participant_id
    ]
    EventParticipant.objects.bulk_create(participants)
    counts = Counter(
        {"events": len(ids), "reminders": len(reminders), "event_participants": len(participants)}
    )
    if survey is not None:
        counts.update(_surveys_write(drafts, *survey))
    return counts


def events_seed(*, seed: int, ctx: SeedContext, clients: int) -> Counter:
    """Histories for clients of the run without any events yet, in batches of a few hundred."""
    rng = Random(f"events:{seed}:{Event.objects.count()}")
    chosen = clients_pick(rng, event_clients(clients))
    if not chosen:
        return Counter()
    with transaction.atomic():
        survey = survey_template_ensure()
    polled = rng.sample(chosen, min(len(chosen), SURVEYS_ANSWERED + SURVEYS_WAITING))
    surveys = {pk: "answered" if n < SURVEYS_ANSWERED else "waiting" for n, pk in enumerate(polled)}
    types = (ContentType.objects.get_for_model(Order).pk, ContentType.objects.get_for_model(Event).pk)
    counts = Counter()
    for start in range(0, len(chosen), BATCH_CLIENTS):
        with transaction.atomic():
            drafts = []
            for client in clients_load(chosen[start : start + BATCH_CLIENTS]):
                build = HistoryBuild(rng, ctx, client, *types)
                drafts += history_build(build, surveys.get(client.partner_id, ""))
            counts.update(drafts_write(drafts, ctx.now, survey))
    return counts


def events_delete() -> None:
    """Delete every event (with reminders, notifications, participants, surveys), so the demo's
    clients can be deleted too (events protect their clients); the questionnaire stays."""
    with transaction.atomic():
        Survey.objects.all().delete()
        Event.objects.all().delete()
