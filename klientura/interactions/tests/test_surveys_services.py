"""Planning a survey and the manager's answers, through the services; refusals change nothing."""

import datetime

import pytest
from django.utils import timezone, translation

from klientura.core.errors import Forbidden, NotFound, ValidationFailed
from klientura.core.models import AuditEntry

from ..models import Event, EventStatus, Reminder
from ..models_surveys import Survey, SurveyAnswer, SurveyAnswerChoice, SurveyStatus
from ..selectors_surveys import survey_get
from ..services_survey_templates import QuestionInput, SurveyTemplateInput, survey_template_create
from ..services_surveys import AlreadyAnswered, survey_answers_record, survey_link_renew, survey_plan
from .factories import client_with_contact
from .factories_surveys import AnswerInput, answer, quality_template, record, survey_for


@pytest.fixture
def team(departments):
    partner, contact = client_with_contact(manager=departments.north_a)
    departments.partner, departments.contact = partner, contact
    return departments


# ------------------------------------------------------------------------------ planning


def test_a_survey_is_planned_as_an_event(team):
    template = quality_template(actor=team.north_head)
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)

    survey = survey_for(
        actor=team.north_a,
        template=template,
        partner=team.partner,
        contact_id=team.contact.pk,
        start_at=start,
    )

    event = survey.event
    event.refresh_from_db()
    assert (event.kind, event.status, event.title) == (
        "planned",
        EventStatus.PLANNED,
        "Опрос клиента о качестве работы",
    )
    assert (event.partner, event.contact, event.responsible, event.author) == (
        team.partner,
        team.contact,
        team.north_a,
        team.north_a,
    )
    assert event.start_at == start
    assert event.end_at == start + datetime.timedelta(minutes=30)
    assert "Качество работы" in event.content
    assert survey.status == SurveyStatus.WAITING
    assert len(survey.link_nonce) >= 16
    assert AuditEntry.objects.filter(object_id=str(event.pk), action="create").exists()


def test_a_survey_call_with_its_own_topic_in_a_colleagues_calendar(team):
    template = quality_template(actor=team.north_head)

    survey = survey_plan(
        actor=team.north_head,
        template_id=template.pk,
        partner_id=team.partner.pk,
        responsible_id=team.north_b.pk,
        title="Позвонить и опросить",
        kind="call",
        importance="high",
    )

    assert (survey.event.kind, survey.event.title, survey.event.importance) == (
        "call",
        "Позвонить и опросить",
        "high",
    )
    assert survey.event.responsible == team.north_b


@pytest.mark.parametrize(
    ("actor", "overrides", "field"),
    [
        ("south_a", {}, "partner"),
        ("north_a", {"responsible_id": "south_a"}, "responsible"),
        ("north_a", {"kind": "email"}, "kind"),
        ("north_a", {"template_id": 987654}, "template"),
        ("north_a", {"contact_id": "stranger"}, "contact"),
    ],
)
def test_a_bad_plan_is_refused_and_saves_nothing(team, actor, overrides, field):
    template = quality_template(actor=team.north_head)
    _other, stranger = client_with_contact(manager=team.north_a, name="ООО «Лютик»", email="x@lutik.test")
    values = {"template_id": template.pk, "partner_id": team.partner.pk}
    for key, value in overrides.items():
        values[key] = {"south_a": team.south_a.pk, "stranger": stranger.pk}.get(value, value)

    with pytest.raises(ValidationFailed) as refused:
        survey_plan(actor=getattr(team, actor), **values)

    assert field in refused.value.fields
    assert not Event.objects.exists()
    assert not Survey.objects.exists()


def test_someone_without_the_right_to_plan_events_is_refused(team):
    template = quality_template(actor=team.north_head)

    with pytest.raises(Forbidden):
        survey_for(actor=team.director, template=template, partner=team.partner)
    assert not Event.objects.exists()


# ------------------------------------------------------------------------------ the manager's answers


@pytest.fixture
def planned(team):
    team.template = quality_template(actor=team.north_head)
    team.survey = survey_for(
        actor=team.north_a,
        template=team.template,
        partner=team.partner,
        kind="call",
        start_at=timezone.now() + datetime.timedelta(hours=1),
    )
    team.questions = list(team.template.questions.all())
    return team


def test_the_manager_records_the_answers_and_the_event_is_done(planned):
    event = planned.survey.event
    Reminder.objects.create(
        event=event, user=planned.north_a, remind_at=timezone.now() + datetime.timedelta(minutes=30)
    )

    with translation.override("en"):
        survey = record(
            actor=planned.north_a,
            survey=planned.survey,
            values=[5, 9, "Интернет", ("Цены", "Доставка"), "  Быстрее отвечать на письма  "],
            time_spent_minutes=12,
        )

    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ANSWERED
    assert survey.answered_by == "manager"
    assert survey.recorded_by == planned.north_a
    assert survey.answered_at is not None
    answers = {a.question_id: a for a in SurveyAnswer.objects.filter(survey=survey)}
    q = planned.questions
    assert (answers[q[0].pk].number, answers[q[1].pk].number) == (5, 9)
    assert answers[q[4].pk].text == "Быстрее отвечать на письма"
    assert sorted(
        SurveyAnswerChoice.objects.filter(answer__survey=survey).values_list("question_id", "option")
    ) == sorted([(q[2].pk, "Интернет"), (q[3].pk, "Цены"), (q[3].pk, "Доставка")])
    event.refresh_from_db()
    assert event.status == EventStatus.DONE
    assert event.result == "Survey answered: 5 of 5 questions."
    assert event.time_spent_minutes == 12
    assert not Reminder.objects.filter(event=event).exists()
    entry = AuditEntry.objects.get(object_id=str(survey.pk), action="update", content_type__model="survey")
    assert entry.changes["answers"] == [None, 5]


def test_a_result_typed_by_the_manager_is_kept(planned):
    record(
        actor=planned.north_a,
        survey=planned.survey,
        values=[3, None, None, None, None],
        result="Клиент недоволен сроками",
    )

    planned.survey.event.refresh_from_db()
    assert planned.survey.event.result == "Клиент недоволен сроками"
    assert SurveyAnswer.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "question"),
    [
        ([6, None, None, None, None], 0),
        ([0, None, None, None, None], 0),
        ([4, 11, None, None, None], 1),
        ([4, None, "Телевизор", None, None], 2),
        ([4, None, ("Реклама", "Интернет"), None, None], 2),
        ([4, None, None, ("Цены", "Скидки"), None], 3),
        ([4, None, None, None, "я" * 2001], 4),
        ([None, 7, None, None, None], 0),  # the first question is required
    ],
)
def test_bad_answers_are_refused_and_save_nothing(planned, values, question):
    with pytest.raises(ValidationFailed) as refused:
        record(actor=planned.north_a, survey=planned.survey, values=values)

    assert f"q_{planned.questions[question].pk}" in refused.value.fields
    planned.survey.refresh_from_db()
    assert planned.survey.status == SurveyStatus.WAITING
    assert not SurveyAnswer.objects.exists()
    assert not SurveyAnswerChoice.objects.exists()
    planned.survey.event.refresh_from_db()
    assert planned.survey.event.status == EventStatus.PLANNED


def test_no_answer_at_all_is_refused(team):
    template = survey_template_create(
        actor=team.north_head,
        data=SurveyTemplateInput(name="Анкета", questions=[QuestionInput(text="Ваш отзыв", kind="text")]),
    )
    survey = survey_for(actor=team.north_a, template=template, partner=team.partner)

    with pytest.raises(ValidationFailed) as refused:
        survey_answers_record(
            actor=team.north_a,
            survey_id=survey.pk,
            answers=[AnswerInput(question_id=survey.template.questions.get().pk, text="  ")],
        )

    assert "answers" in refused.value.fields
    assert not SurveyAnswer.objects.exists()


def test_an_answer_to_a_foreign_question_is_refused(planned):
    foreign = quality_template(actor=planned.north_head, name="Другая").questions.first()
    answers = [answer(planned.questions[0], 4), AnswerInput(question_id=foreign.pk, number=3)]

    with pytest.raises(ValidationFailed) as refused:
        survey_answers_record(actor=planned.north_a, survey_id=planned.survey.pk, answers=answers)

    assert "answers" in refused.value.fields
    assert not SurveyAnswer.objects.exists()


def test_answers_are_recorded_once(planned):
    record(actor=planned.north_a, survey=planned.survey, values=[5, None, None, None, None])

    with pytest.raises(AlreadyAnswered):
        record(actor=planned.north_a, survey=planned.survey, values=[1, 1, None, None, "Передумал"])

    assert list(SurveyAnswer.objects.values_list("number", flat=True)) == [5]


def test_a_cancelled_survey_takes_no_answers(planned):
    Event.objects.filter(pk=planned.survey.event_id).update(status=EventStatus.CANCELLED)

    with pytest.raises(ValidationFailed):
        record(actor=planned.north_a, survey=planned.survey, values=[5, None, None, None, None])
    assert not SurveyAnswer.objects.exists()


def test_another_manager_can_neither_see_nor_answer_the_survey(planned):
    with pytest.raises(NotFound):
        survey_get(actor=planned.south_a, survey_id=planned.survey.pk)
    with pytest.raises(NotFound):
        record(actor=planned.south_a, survey=planned.survey, values=[1, None, None, None, None])
    with pytest.raises(NotFound):
        survey_link_renew(actor=planned.south_a, survey_id=planned.survey.pk)

    survey = Survey.objects.get(pk=planned.survey.pk)
    assert (survey.status, survey.link_nonce) == (SurveyStatus.WAITING, planned.survey.link_nonce)
    assert not SurveyAnswer.objects.exists()
    assert AuditEntry.objects.filter(
        action="access_denied", comment=f"interactions.survey #{survey.pk}"
    ).exists()


def test_the_head_of_the_department_may_record_but_the_director_only_reads(planned):
    assert survey_get(actor=planned.director, survey_id=planned.survey.pk) == planned.survey
    with pytest.raises(NotFound):
        record(actor=planned.director, survey=planned.survey, values=[2, None, None, None, None])
    assert not SurveyAnswer.objects.exists()

    record(actor=planned.north_head, survey=planned.survey, values=[2, None, None, None, None])
    assert Survey.objects.get(pk=planned.survey.pk).recorded_by == planned.north_head


def test_a_bad_time_spent_is_refused_before_anything_is_saved(planned):
    with pytest.raises(ValidationFailed) as refused:
        record(
            actor=planned.north_a,
            survey=planned.survey,
            values=[5, None, None, None, None],
            time_spent_minutes=-3,
        )

    assert "time_spent_minutes" in refused.value.fields
    assert not SurveyAnswer.objects.exists()


def test_a_new_link_replaces_the_nonce(planned):
    before = planned.survey.link_nonce

    survey = survey_link_renew(actor=planned.north_a, survey_id=planned.survey.pk)

    assert survey.link_nonce != before
    assert Survey.objects.get(pk=survey.pk).link_nonce == survey.link_nonce
